/* opts.c: the options every tool shares. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "xmpputils.h"

#define DEFAULT_TIMEOUT 10

void
common_init(struct common_opts *c)
{
	*c = (struct common_opts){ .timeout = DEFAULT_TIMEOUT, .keepalive = -1 };
}

long long
number_arg(const char *arg, long long min, long long max, const char *opt)
{
	const char *errstr;
	long long n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr)
		errx(EX_USAGE, "%s %s: %s", opt, arg, errstr);
	return n;
}

int
common_option(struct common_opts *c, int ch, const char *arg)
{
	switch (ch) {
	case 'a':
		c->acct.name = arg;
		break;
	case 'f':
		c->acct.file = arg;
		break;
	case 'T':
		c->timeout = number_arg(arg, 1, 86400, "-T");
		break;
	case 'v':
		c->verbose++;
		break;
	case OPT_JID:
		c->acct.jid = arg;
		break;
	case OPT_SERVER:
		c->acct.server = arg;
		break;
	case OPT_PORT:
		c->acct.port = arg;
		break;
	case OPT_RESOURCE:
		c->acct.resource = arg;
		break;
	case OPT_CAFILE:
		c->acct.cafile = arg;
		break;
	case OPT_TLS:
		c->acct.tls = arg;
		break;
	case OPT_PIN:
		c->acct.pin = arg;
		break;
	case OPT_PASSWORD:
		/* here so that --password is not taken for --password-fd */
		errx(EX_USAGE, "--password: a password never goes on the "
		    "command line, where ps(1) shows it; use password_file, "
		    "password_command or --password-fd (xmpputils.conf(5))");
	case OPT_PASSWORD_FD:
		c->acct.password_fd = arg;
		break;
	case OPT_INSECURE:
		c->insecure = 1;
		break;
	case OPT_INSECURE_PLAINTEXT:
		c->insecure_plaintext = 1;
		break;
	case OPT_KEEPALIVE:
		c->keepalive = number_arg(arg, 0, 86400, "--keepalive");
		break;
	case OPT_SHOW_CERT:
		c->show_cert = 1;
		c->acct.no_password = 1;
		break;
	case OPT_VERSION:
		printf("%s (xmpputils) %s\n", getprogname(), XU_VERSION);
		exit(EX_OK);
	default:
		return 0;
	}
	return 1;
}
