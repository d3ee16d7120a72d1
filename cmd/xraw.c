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

/* Stanzas sent that were no requests: an error may answer them. */
#define SENT_KEPT 1024
#define SENT_ID_MAX 256

struct sent {
	char *id;		/* NULL: it had none */
	char *to;		/* NULL: the account's server */
	unsigned long line, col;
};

struct console {
	struct xmlin *in;
	int eof;
	int strict;		/* --strict: the first bad input ends it */
	int pretty;
	int trace;
	int verbose;
	int timeout;		/* -T, in seconds */
	unsigned long rejected;	/* elements not sent: refused, or bad */
	unsigned long errors;	/* answered type='error' */
	unsigned long iq_lost;	/* no answer will come */
	int closed;		/* stdout failed, or its reader went away */
	struct buf line;
	struct sent sent[SENT_KEPT];	/* a ring: the last ones sent */
	size_t nsent;
	int r_waiting;		/* an <r/> read before stream management
				 * was answered: held, reading paused */
	unsigned long r_line, r_col;
	int64_t r_since;
};

/* A request of the user's: where it was read, for its answer. */
struct request {
	struct console *c;
	unsigned long line, col;
};

static void
usage_lines(FILE *f)
{
	fprintf(f, "usage: %s [--pretty | --trace] [--strict] [-w seconds]\n\t"
	    COMMON_USAGE "\n", getprogname());
}

static void __attribute__((noreturn))
usage(int rc)
{
	usage_lines(rc == EX_OK ? stdout : stderr);
	exit(rc == EX_OK ? stdout_done(rc) : rc);
}

/* --help: every option of xraw's own, one line each. */
static const char help[] =
"Sends the stanzas written on stdin, prints every stanza the server sends,\n"
"and waits for the answers to its requests.\n"
"\n"
"Input:\n"
"      --strict             stop at the first bad input (65), not skip it\n"
"\n"
"How long:\n"
"  -w, --wait SECONDS       after the input ends, listen SECONDS more\n"
"\n"
"Output:\n"
"      --pretty             each stanza indented, a blank line between\n"
"      --trace              the whole exchange, login too, marked >> and <<\n";
/* ---- output */

/*
 * Writes st to stdout at once: one line, or --pretty's indented block.
 * Once a write failed (its reader gone, a full disk), nothing more is
 * read: stdout_done says why at the end.
 */
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
	if (stdout_write(c->line.p, c->line.len) == -1)
		c->closed = 1;
}

static int
is_error(xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);

	return type && strcmp(type, "error") == 0;
}

/* An error answer, said on stderr with the input it answers. */
static void
say_error(struct console *c, xmpp_stanza_t *st, unsigned long line,
    unsigned long col, const char *what)
{
	struct buf why = { 0 }, from = { 0 };

	stanza_error_desc(st, &why);
	warnx("stdin:%lu:%lu: %s%s%s: error: %s", line, col, what,
	    xmpp_stanza_get_from(st) ? " from " : "",
	    xmpp_stanza_get_from(st) ? text_shown(&from,
	    xmpp_stanza_get_from(st)) : "", why.p);
	c->errors++;
	buf_free(&why);
	buf_free(&from);
}

/*
 * Remembers a stanza sent that is no request, for an error answer. An
 * id of the input's longer than any a client makes is not: memory
 * stays bounded whatever the input.
 */
static void
sent_add(struct console *c, const struct xmlin_item *it)
{
	struct sent *e;

	if (it->id && strlen(it->id) > SENT_ID_MAX)
		return;
	e = &c->sent[c->nsent++ % SENT_KEPT];

	free(e->id);
	free(e->to);
	e->id = it->id ? xstrdup(it->id) : NULL;
	e->to = it->to ? xstrdup(it->to) : NULL;
	e->line = it->line;
	e->col = it->col;
}

/*
 * Whether the error st answers the stanza e: the same id (or neither
 * has one), from whom it went to (RFC 6120 8.3.1: an error comes from
 * the entity the stanza was addressed to, or its server for the
 * account's own).
 */
static int
answers(struct session *s, const struct sent *e, xmpp_stanza_t *st)
{
	const char *id = xmpp_stanza_get_id(st);
	const char *from = xmpp_stanza_get_from(st);

	if ((e->id == NULL) != (id == NULL) || (id && strcmp(e->id, id)))
		return 0;
	if (e->to == NULL || jid_bare_equal(e->to, session_jid(s)))
		return from == NULL || jid_bare_equal(from, session_jid(s)) ||
		    jid_equal(from, session_domain(s));
	return from && jid_bare_equal(from, e->to);
}

/* An error that answers a stanza we sent, not a request: said, and
 * counted for the exit status. */
static void
error_answer(struct session *s, struct console *c, xmpp_stanza_t *st)
{
	size_t i, n = c->nsent < SENT_KEPT ? c->nsent : SENT_KEPT;
	const struct sent *e;

	for (i = 0; i < n; i++) {
		e = &c->sent[(c->nsent - 1 - i) % SENT_KEPT];
		if (answers(s, e, st)) {
			say_error(c, st, e->line, e->col,
			    xmpp_stanza_get_name(st));
			return;
		}
	}
}

static int
on_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct console *c = arg;

	print(c, st);
	if (is_error(st))
		error_answer(s, c, st);
	return 1;
}

/* The answer to one of our requests: printed like the rest; an error
 * said on stderr too, with the line the request was read on. */
static void
answered(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct request *r = arg;
	struct console *c = r->c;

	(void)s;
	if (reply == NULL)
		c->iq_lost++;
	else {
		print(c, reply);
		if (is_error(reply))
			say_error(c, reply, r->line, r->col, "iq");
	}
	free(r);
}

/* ---- input */

/* A top-level element that is no stanza: written, not counted. */
static void
send_nonza(struct session *s, struct console *c, struct xmlin_item *it)
{
	struct buf name = { 0 }, ns = { 0 };

	if (c->verbose)
		warnx("stdin:%lu:%lu: <%s xmlns='%s'> is not a stanza: sent "
		    "as it is", it->line, it->col, text_shown(&name, it->name),
		    text_shown(&ns, it->ns));
	buf_free(&name);
	buf_free(&ns);
	session_send_nonza(s, it->xml);
}

/* One stanza from stdin: sent, with an id if it is a request without. */
static void
send_stanza(struct session *s, struct console *c, struct xmlin_item *it)
{
	struct buf b = { 0 };
	struct request *r;
	char *id = NULL;
	int request = strcmp(it->name, "iq") == 0 && it->type &&
	    (strcmp(it->type, "get") == 0 || strcmp(it->type, "set") == 0);

	if (request && it->id == NULL) {
		id = iq_new_id(s);
		buf_add(&b, it->xml, it->id_at);
		buf_printf(&b, " id='%s'", id);
		buf_add(&b, it->xml + it->id_at, it->len - it->id_at);
	} else
		buf_add(&b, it->xml, it->len);
	if (request) {
		r = xmalloc(sizeof(*r));	/* freed by answered() */
		*r = (struct request){ c, it->line, it->col };
		iq_expect(s, id ? id : it->id, it->to, answered, r);
	} else
		sent_add(c, it);
	session_send_buf(s, &b);
	buf_free(&b);
	free(id);
}

static int
is_stanza(const struct xmlin_item *it)
{
	return strcmp(it->ns, "jabber:client") == 0;	/* xmlin.c sees to it */
}

static int
is_sm_request(const struct xmlin_item *it)
{
	return strcmp(it->ns, "urn:xmpp:sm:3") == 0 &&
	    strcmp(it->name, "r") == 0;
}

/*
 * An <r/> asks the server for its count of our stanzas: it can go only
 * on a stream with stream management on (the server would take it for
 * a stanza otherwise, or end the stream). Read before the server
 * answered our <enable/>, it waits for that answer, within -T, and the
 * input with it. Returns 1 while it waits; 0 once it is sent or
 * refused (*refused then).
 */
static int
sm_request_waits(struct session *s, struct console *c, int *refused)
{
	int sm = session_sm(s);

	*refused = 0;
	if (!c->r_waiting)
		return 0;
	if (sm < 0 && now_ms() - c->r_since < c->timeout * 1000LL)
		return 1;
	c->r_waiting = 0;
	if (sm > 0) {
		session_send_nonza(s, "<r xmlns='urn:xmpp:sm:3'/>");
		return 0;
	}
	warnx("stdin:%lu:%lu: <r>: stream management is %s: refused",
	    c->r_line, c->r_col, sm < 0 ? "not answered within -T" :
	    "not on in this stream");
	*refused = 1;
	return 0;
}

static int
window_open(struct session *s)
{
	return iq_pending(s) < WINDOW && session_unconfirmed(s) < WINDOW;
}

/* One bad input more; 0 when --strict stops there. */
static int
rejected(struct console *c)
{
	c->rejected++;
	if (!c->strict)
		return 1;
	warnx("--strict: nothing after it is sent");
	return 0;
}

/* Takes what the input holds while the window has room; 0 to stop. */
static int
take_input(struct session *s, struct console *c)
{
	struct xmlin_item it;
	int refused;

	for (;;) {
		if (sm_request_waits(s, c, &refused))
			return 1;
		if (refused && !rejected(c))
			return 0;
		if (!window_open(s) || !xmlin_next(c->in, &it))
			return 1;
		switch (it.kind) {
		case XMLIN_ELEMENT:
			if (is_sm_request(&it)) {
				c->r_waiting = 1;
				c->r_line = it.line;
				c->r_col = it.col;
				c->r_since = now_ms();
			} else if (is_stanza(&it))
				send_stanza(s, c, &it);
			else
				send_nonza(s, c, &it);
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
		if (!rejected(c))
			return 0;
	}
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
		if (c->eof && xmlin_pending(c->in) == 0 && !c->r_waiting)
			return EX_OK;
		if (stdout_failed())
			c->closed = 1;	/* --trace's write, say */
		if (signals_interrupted() || c->closed)
			return EX_OK;
		if (!window_open(s))
			session_request_ack(s);
		r = session_step(s, !c->eof && window_open(s) ?
		    STDIN_FILENO : -1, c->r_waiting ? 100 : -1);
		if (r > 1)
			return r;
		if (r == 1) {
			n = signals_read(STDIN_FILENO, chunk, sizeof(chunk));
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
	if (rc == EX_OK && c->errors)
		rc = EXIT_IQ_ERROR;
	return rc;
}

static void
console_free(struct console *c)
{
	size_t i;

	for (i = 0; i < SENT_KEPT; i++) {
		free(c->sent[i].id);
		free(c->sent[i].to);
	}
	xmlin_free(c->in);
	buf_free(&c->line);
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
		case OPT_HELP:
			help_print(usage_lines, help, 0);
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
			wait_s = number_arg(optarg, 1, 1 << 30, option_typed());
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert)
		return stdout_done(session_show_cert(&o));
	if (optind != argc) {
		extra_argument(argv[optind]);
		usage(EX_USAGE);
	}
	if (o.keepalive < 0)
		o.keepalive = 0;
	if (c.trace && c.pretty)
		errx(EX_USAGE, "--pretty: --trace shows the XML as it went "
		    "over the wire, on one line each");
	c.verbose = o.verbose;
	c.timeout = o.timeout;

	if ((rc = account_load(&acct, &o.acct)) != EX_OK)
		return rc;
	c.in = xmlin_new(XU_STANZA_MAX);
	rc = session_start(&s, &acct, &o);
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
	rc = verdict(&c, rc);
	console_free(&c);
	return stdout_done(rc);
}
