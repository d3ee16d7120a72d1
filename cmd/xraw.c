/*
 * xraw: raw XML stanzas in, raw stanzas out: a server's XML console for
 * the shell.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

/* Requests and stanzas in flight at most: bounds memory on a long run. */
#define WINDOW 256

enum { OPT_PRETTY = OPT_TOOL, OPT_STRICT, OPT_TRACE };

/* Exit codes of xraw's own, beside sysexits(3)'s (see xraw(1)). */
#define EXIT_IQ_ERROR 1

struct console {
	struct xmlin *in;
	int eof;
	int strict;		/* --strict: the first bad input ends it */
	int pretty;
	int trace;
	int verbose;
	unsigned long rejected;	/* elements not sent: refused, or bad */
	unsigned long iq_errors;	/* answered type='error' */
	unsigned long iq_lost;	/* no answer will come */
	int closed;		/* stdout's reader went away */
	int write_error;
	struct buf line;
};

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc == EX_OK ? stdout : stderr, "usage: %s [--pretty] "
	    "[--strict] [--trace] [-w seconds]\n\t" COMMON_USAGE "\n",
	    getprogname());
	exit(rc == EX_OK ? stdout_done(rc) : rc);
}

/* ---- output */

/* Writes st to stdout at once: one line, or --pretty's indented block. */
static void
print(struct console *c, xmpp_stanza_t *st)
{
	if (c->trace || c->closed)
		return;		/* --trace has written it already */
	c->line.len = 0;
	if (c->pretty) {
		stanza_xml_pretty(&c->line, st);
		buf_adds(&c->line, "\n\n");
	} else {
		stanza_xml(&c->line, st);
		buf_addc(&c->line, '\n');
	}
	if (write_all(STDOUT_FILENO, c->line.p, c->line.len) == -1) {
		if (errno != EPIPE) {
			warn("stdout");
			c->write_error = 1;
		}
		c->closed = 1;
	}
}

static int
on_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	(void)s;
	print(arg, st);
	return 1;
}

/* The answer to one of our requests: printed like the rest; an error
 * said on stderr too. */
static void
answered(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct console *c = arg;
	const char *type = reply ? xmpp_stanza_get_type(reply) : NULL;
	struct buf why = { 0 }, id = { 0 };

	(void)s;
	if (reply == NULL) {
		c->iq_lost++;
		return;
	}
	print(c, reply);
	if (type && strcmp(type, "error") == 0) {
		stanza_error_desc(reply, &why);
		warnx("iq %s: error: %s", text_shown(&id,
		    xmpp_stanza_get_id(reply)), why.p);
		c->iq_errors++;
	}
	buf_free(&why);
	buf_free(&id);
}

/* ---- input */

/* One element from stdin: sent, with an id if it is a request without. */
static void
send_element(struct session *s, struct console *c, struct xmlin_item *it)
{
	struct buf b = { 0 };
	char *id = NULL;
	int request = strcmp(it->name, "iq") == 0 && it->type &&
	    (strcmp(it->type, "get") == 0 || strcmp(it->type, "set") == 0);

	if (strcmp(it->ns, "jabber:client") != 0 && c->verbose) {
		struct buf name = { 0 }, ns = { 0 };

		warnx("stdin:%lu:%lu: <%s xmlns='%s'> is not a stanza: sent "
		    "as it is", it->line, it->col, text_shown(&name, it->name),
		    text_shown(&ns, it->ns));
		buf_free(&name);
		buf_free(&ns);
	}
	if (request && it->id == NULL) {
		id = iq_new_id(s);
		buf_add(&b, it->xml, it->id_at);
		buf_printf(&b, " id='%s'", id);
		buf_add(&b, it->xml + it->id_at, it->len - it->id_at);
	} else
		buf_add(&b, it->xml, it->len);
	if (request)
		iq_expect(s, id ? id : it->id, it->to, answered, c);
	session_send_buf(s, &b);
	buf_free(&b);
	free(id);
}

static int
window_open(struct session *s)
{
	return iq_pending(s) < WINDOW && session_unconfirmed(s) < WINDOW;
}

/* Takes what the input holds while the window has room; 0 to stop. */
static int
take_input(struct session *s, struct console *c)
{
	struct xmlin_item it;

	while (window_open(s) && xmlin_next(c->in, &it)) {
		switch (it.kind) {
		case XMLIN_ELEMENT:
			send_element(s, c, &it);
			continue;
		case XMLIN_REFUSED:
			warnx("stdin:%lu:%lu: <%s>: %s", it.line, it.col,
			    text_shown(&c->line, it.name), it.error);
			break;
		case XMLIN_ERROR:
			warnx("stdin:%lu:%lu: %s%s%s%s", it.line, it.col,
			    it.error, it.len ? ": \"" : "", it.xml,
			    it.len ? "\"" : "");
			break;
		}
		c->rejected++;
		if (c->strict) {
			warnx("--strict: nothing after it is sent");
			return 0;
		}
	}
	return 1;
}

/* Reads stdin and sends what it holds, until its end or a signal. */
static int
console_run(struct session *s, struct console *c)
{
	char chunk[16384];
	ssize_t n;
	int r;

	for (;;) {
		if (!take_input(s, c))
			return EX_DATAERR;
		if (c->eof && xmlin_pending(c->in) == 0)
			return EX_OK;
		if (signals_interrupted() || c->closed)
			return EX_OK;
		if (!window_open(s))
			session_request_ack(s);
		r = session_step(s, !c->eof && window_open(s) ?
		    STDIN_FILENO : -1, -1);
		if (r > 1)
			return r;
		if (r == 1) {
			n = read(STDIN_FILENO, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				warn("reading stdin");
				return EX_IOERR;
			}
			if (n == 0) {
				xmlin_end(c->in);
				c->eof = 1;
			} else
				xmlin_feed(c->in, chunk, n);
			session_request_ack(s);
		}
	}
}

static int
all_done(struct session *s)
{
	return iq_pending(s) == 0 && session_unconfirmed(s) == 0;
}

/*
 * After the input: every request answered and every stanza taken by the
 * server, within the wait; with -w, listening that long in any case.
 */
static int
console_finish(struct session *s, struct console *c, int wait_s, int listen)
{
	int64_t deadline = now_ms() + wait_s * 1000LL, left;
	int r;

	session_request_ack(s);
	for (;;) {
		/* a reader gone: no more listening, but what was sent
		 * is still confirmed */
		if ((!listen || c->closed) && all_done(s))
			return EX_OK;
		if ((left = deadline - now_ms()) <= 0)
			break;
		r = session_step(s, -1, (int)left);
		if (r > 1)
			return r;
		if (signals_interrupted() && all_done(s))
			return EX_OK;
	}
	if (session_unconfirmed(s) > 0) {
		warnx("timed out after %d s waiting for the server to confirm "
		    "delivery", wait_s);
		return EX_TEMPFAIL;
	}
	if (iq_pending(s) > 0) {
		warnx("%zu request%s not answered within %d s", iq_pending(s),
		    iq_pending(s) == 1 ? "" : "s", wait_s);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

static int
worst(int rc, int next)
{
	return rc != EX_OK ? rc : next;
}

/* The exit status once the session is done: see xraw(1). */
static int
verdict(struct console *c, int rc)
{
	if (rc == EX_OK && c->rejected)
		rc = EX_DATAERR;
	if (rc == EX_OK && c->iq_lost)
		rc = EX_TEMPFAIL;
	if (rc == EX_OK && c->iq_errors)
		rc = EXIT_IQ_ERROR;
	if (rc == EX_OK && c->write_error)
		rc = EX_IOERR;
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "wait", required_argument, NULL, 'w' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct account acct;
	struct session *s;
	struct console c = { 0 };
	int ch, rc, wait_s = -1;

	stdfd_sanitise();
	signals_init();
	common_init(&o);
	while ((ch = common_getopt(argc, argv, "hw:" COMMON_SHORTOPTS,
	    longopts)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case OPT_PRETTY:
			c.pretty = 1;
			break;
		case OPT_STRICT:
			c.strict = 1;
			break;
		case OPT_TRACE:
			c.trace = o.trace = 1;
			break;
		case 'w':
			wait_s = number_arg(optarg, 1, 1 << 30, "-w");
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert)
		return stdout_done(session_show_cert(&o));
	if (optind != argc)
		usage(EX_USAGE);
	if (o.keepalive < 0)
		o.keepalive = 0;
	c.verbose = o.verbose;

	if ((rc = account_load(&acct, &o.acct)) != EX_OK)
		return rc;
	c.in = xmlin_new(XU_STANZA_MAX);
	rc = session_open(&s, &acct, &o);
	account_forget_password(&acct);		/* no login will need it */
	if (rc == EX_OK) {
		session_on_stanza(s, on_stanza, &c);
		rc = console_run(s, &c);
		if (rc == EX_OK || rc == EX_DATAERR)
			rc = worst(rc, console_finish(s, &c, wait_s >= 0 ?
			    wait_s : o.timeout, wait_s >= 0));
		if (!session_failed(s))
			rc = worst(rc, session_close(s));
	}
	session_free(s);
	account_free(&acct);
	xmlin_free(c.in);
	buf_free(&c.line);
	return stdout_done(verdict(&c, rc));
}
