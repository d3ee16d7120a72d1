/* opts.c: the options every tool shares, and reading them. */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

/* What a bad command line exits with: sysexits' 64, unless the tool
 * follows another convention (xping: ping(8)'s, a plugin's). */
static int usage_code = EX_USAGE;

void
common_usage_code(int rc)
{
	usage_code = rc;
}

void
common_init(struct common_opts *c)
{
	*c = (struct common_opts){ .timeout = XU_TIMEOUT, .keepalive = -1,
	    .acct.timeout = XU_TIMEOUT, .acct.password_later = 1 };
}

/* the option common_getopt returned last, as the user wrote it */
static char typed[64];

const char *
option_typed(void)
{
	return typed;
}

/*
 * "--wait 0", "--wait=0", "-w0", "-qw 0": named --wait or -w, whatever
 * letter or long name it stands for, so that an error about its value
 * names what the user typed (a deprecated -W, an abbreviated --wa).
 */
static void
typed_note(char *argv[], int ch)
{
	const char *word = optind > 0 ? argv[optind - 1] : "";

	if (optarg != NULL && optind >= 2 && word == optarg)
		word = argv[optind - 2];
	if (strncmp(word, "--", 2) == 0)
		snprintf(typed, sizeof(typed), "%.*s", (int)strcspn(word, "="),
		    word);
	else
		snprintf(typed, sizeof(typed), "-%c", ch);
}

void
bad_value(const char *arg, const char *expected)
{
	struct buf shown = { 0 };

	errx(usage_code, "%s %s: %s", option_typed(), text_shown(&shown, arg),
	    expected);
}

long long
number_arg(const char *arg, long long min, long long max, const char *opt)
{
	struct buf shown = { 0 };
	const char *errstr;
	long long n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr && strcmp(errstr, "invalid") == 0)
		errx(usage_code, "%s %s: not a whole number", opt,
		    text_shown(&shown, arg));
	if (errstr)
		errx(usage_code, "%s %s: %s", opt, text_shown(&shown, arg),
		    errstr);
	return n;
}

int
retry_arg(const char *arg, const char *opt)
{
	const char *errstr;
	long long n;

	if (strcmp(arg, "inf") == 0)
		return RETRY_FOREVER;
	struct buf shown = { 0 };

	n = strtonum(arg, 0, 1000, &errstr);
	if (errstr)
		errx(usage_code, "%s %s: %s: expected 0 to 1000, or inf",
		    opt, text_shown(&shown, arg), errstr);
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
		c->timeout = c->acct.timeout = number_arg(arg, 1, 86400,
		    option_typed());
		break;
	case 'v':
		c->verbose++;
		break;
	case 'q':
		c->quiet = 1;
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
		errx(usage_code, "--password: a password never goes on the "
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
		c->keepalive = number_arg(arg, 0, 86400,
		    option_typed());
		break;
	case OPT_AGENT:
		c->agent = AGENT_REQUIRED;
		break;
	case OPT_NO_AGENT:
		c->agent = AGENT_NEVER;
		break;
	case OPT_NO_FAST:
		c->no_fast = 1;
		break;
	case OPT_AGENT_PERSIST:
		c->agent_persist = number_arg(arg, 1, 7 * 86400,
		    option_typed());
		break;
	case OPT_SHOW_CERT:
		c->show_cert = 1;
		c->acct.no_password = 1;
		break;
	case OPT_VERSION:
		printf("%s (xmpputils) %s\n", getprogname(), XU_VERSION);
		exit(stdout_done(EX_OK));
	default:
		return 0;
	}
	return 1;
}

void
extra_argument(const char *arg)
{
	struct buf shown = { 0 };

	warnx("%s: not an option, and %s takes no argument",
	    text_shown(&shown, arg), getprogname());
	buf_free(&shown);
}

void
deprecated(const char *old, const char *now)
{
	static const char *said[8];
	size_t i;

	for (i = 0; i < 8 && said[i] != NULL; i++)
		if (strcmp(said[i], old) == 0)
			return;
	if (i < 8)
		said[i] = old;
	warnx("%s is deprecated: use %s (see NEWS)", old, now);
}

/* What every tool that logs in takes, for --help. */
static const char login_help[] =
"Account and login (the config's keys are in xmpputils.conf(5)):\n"
"  -a, --account NAME       the config's [NAME] (default: the keys before it)\n"
"  -f, --config FILE        the config (~/.config/xmpputils/config)\n"
"      --jid JID            log in as JID (else the account's jid)\n"
"      --server HOST        connect to HOST, not the domain's SRV records\n"
"      --port PORT          connect to PORT (5222; 5223 with --tls direct)\n"
"      --resource NAME      the resource to bind (else the server's choice)\n"
"      --password-fd FD     read the password from descriptor FD\n"
"      --no-fast            no FAST token: neither use nor keep one\n"
"      --keepalive SECONDS  probe a silent connection after SECONDS (0: never)\n"
"\n"
"TLS (verified by default):\n"
"      --tls MODE           starttls (the default) or direct (TLS at once)\n"
"      --cafile FILE        trust the CA certificates in FILE\n"
"      --pin sha256//HASH   trust the server's key with this hash only\n"
"      --show-cert          print the server's certificate and pin, and stop\n"
"      --insecure           accept any certificate (loud; never for real use)\n"
"      --insecure-plaintext allow a login without TLS (loud)\n";

static const char agent_help[] =
"\n"
"Agent (xagent(1)):\n"
"      --agent              go through a running xagent; none is an error\n"
"      --no-agent           log in ourselves even if an xagent runs\n";

static const char general_help[] =
"\n"
"General:\n"
"  -T, --timeout SECONDS    the longest any one step may take (10)\n"
"  -v, --verbose            say what happens on stderr; -vv: the XML too\n";
static const char quiet_help[] =
"  -q, --quiet              say less: only results and errors\n";
static const char version_help[] =
"  -h                       the short usage\n"
"      --help               this help\n"
"      --version            the version\n";

void
help_print(void (*usage_lines)(FILE *), const char *own, int flags)
{
	usage_lines(stdout);
	printf("\n%s\n%s", own, login_help);
	if (!(flags & HELP_NO_AGENT))
		fputs(agent_help, stdout);
	fputs(general_help, stdout);
	if (!(flags & HELP_OWN_QUIET))
		fputs(quiet_help, stdout);
	printf("%s\nThe manual: man %s (and xmpputils(7), xmpputils.conf(5))\n",
	    version_help, getprogname());
	exit(stdout_done(EX_OK));
}

/*
 * Names the option argv[optind - 1] without what follows an '=': getopt's
 * own message would repeat it, and a user who typed --pass=SECRET (an
 * abbreviation of both --password and --password-fd) would see the
 * secret echoed, and logged wherever stderr goes.
 */
static void
option_error(char *argv[], int ch)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	struct buf shown = { 0 };
	char letter = (char)optopt;

	/* glibc: optopt is 0 for an unknown long option, else its value */
	if (optopt == 0 || optopt >= 256 || strncmp(arg, "--", 2) == 0) {
		/* as typed, escaped: what a terminal would act on is shown */
		text_escape(&shown, arg, strcspn(arg, "="));
		if (ch == ':')
			warnx("%s needs an argument", buf_str(&shown));
		else
			warnx("%s: unknown, ambiguous, or given a value it "
			    "does not take", buf_str(&shown));
	} else {
		text_escape(&shown, &letter, 1);
		if (ch == ':')
			warnx("-%s needs an argument", buf_str(&shown));
		else
			warnx("-%s: unknown option", buf_str(&shown));
	}
	buf_free(&shown);
}

int
common_getopt(int argc, char *argv[], const char *shortopts,
    const struct option *longopts)
{
	char opts[128];
	int ch;

	/* ':' first: a missing argument is told apart from a bad option */
	snprintf(opts, sizeof(opts), ":%s", shortopts);
	opterr = 0;
	if ((ch = getopt_long(argc, argv, opts, longopts, NULL)) == '?' ||
	    ch == ':') {
		option_error(argv, ch);
		return '?';
	}
	if (ch != -1)
		typed_note(argv, ch);
	return ch;
}
