/*
 * forger: a hostile contact, for tests/t-forge.sh. A test double, not a
 * tool: it checks nothing it sends.
 *
 *   forger [-B] [-a ahead] [-b behind] config account [resource] [<commands]
 *
 * Logs in as ACCOUNT of CONFIG (resource "forger" by default), sends its
 * presence, and says "forger: forging as JID" on stderr once the server
 * has it. Then, from the first id that each turn of its loop brings
 * (on a message or a request to it), it guesses at the ids of its
 * sender's next stanzas (those the turn brings too, and those still to
 * come), and answers them at once, before it answers any request:
 * the id's prefix is what comes before its last run of digits, less the
 * character before them (its kind), and the number N is those digits (a
 * message id "xu1234abcd-7" gives "xu1234abcd", '-' and 7). For each M
 * from N - behind (1) to N + 2, and N + 4, N + 8, ... up to N + ahead
 * (256), to the sender's full JID:
 *
 *   <iq type='result' id='PREFIXpM'/>   an answer to a barrier ping
 *   <iq type='error' id='PREFIXqM'>     a request's answer, an error that
 *       (remote-server-not-found,        says the target cannot be
 *       text "forged")                   reached; then a result for it
 *   <message><received xmlns='urn:xmpp:receipts' id='PREFIX-M'/>
 *                                        an XEP-0184 receipt
 *   <message type='error' id='PREFIX-M'> with -B, for M > N only: a
 *       (item-not-found)                 bounce of a message it has not
 *                                        seen (and, fed slowly, that
 *                                        was not sent yet)
 *
 * (never for the id it saw itself), then a ping error for N + 1
 * (<iq type='error' id='PREFIXp(N+1)'>) and a carbon (XEP-0280) of a
 * receipt for PREFIX-(N+1), which only the sender's own account may
 * send. The carbon comes last: a sender that reports it (-v: "ignoring
 * a carbon") has seen all the forgeries before it.
 *
 * What it gets is answered as an honest contact would: a message that
 * asks for a receipt gets one, a ping its pong (and then the same pong
 * again, with an error after it: only the first answer counts).
 *
 * On stdout, a line for each message (with a body, not an error) and
 * each request that came: "message\tFROM\tBODY", "ping\tFROM\tID",
 * "iq\tFROM\tID", the body text_escape'd. Each line of stdin forges
 * again from the id it last forged from: for what its sender sent since.
 * SIGTERM or SIGINT ends it: "forger: N messages, N pings, N other
 * requests, N forgeries" on stderr, then the session closes. Exits as
 * the tools do.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

struct forger {
	long ahead, behind;
	int bounces;		/* -B */
	unsigned long messages, pings, requests, forgeries;
	char *last_id, *last_from;	/* the id forged from, its sender */
	int fresh;		/* last_id came in this turn */
	struct buf out, esc;
};

static void
send_xml(struct session *s, struct forger *f)
{
	session_send_buf(s, &f->out);
	f->out.len = 0;
	f->forgeries++;
}

/* <iq type=type id=PREFIX kind M to=to>, with a forged error if asked. */
static void
forged_iq(struct session *s, struct forger *f, const char *to,
    const char *type, const char *prefix, char kind, uint64_t m)
{
	buf_printf(&f->out, "<iq type='%s' id='", type);
	xml_escape(&f->out, prefix, strlen(prefix));
	buf_printf(&f->out, "%c%" PRIu64 "' to='", kind, m);
	xml_escape(&f->out, to, strlen(to));
	if (strcmp(type, "error") == 0)
		buf_adds(&f->out, "'><error type='cancel'>"
		    "<remote-server-not-found xmlns='" NS_STANZAS "'/>"
		    "<text xmlns='" NS_STANZAS "'>forged</text></error></iq>");
	else
		buf_adds(&f->out, "'/>");
	send_xml(s, f);
}

/* A receipt for PREFIX-M, as a message to `to`. */
static void
receipt(struct buf *b, const char *to, const char *prefix, uint64_t m)
{
	buf_adds(b, "<message to='");
	xml_escape(b, to, strlen(to));
	buf_printf(b, "' id='forged-r%" PRIu64 "'><received xmlns='"
	    NS_RECEIPTS "' id='", m);
	xml_escape(b, prefix, strlen(prefix));
	buf_printf(b, "-%" PRIu64 "'/></message>", m);
}

/* A bounce of PREFIX-M, a message it never got. */
static void
forged_bounce(struct session *s, struct forger *f, const char *to,
    const char *prefix, uint64_t m)
{
	buf_adds(&f->out, "<message type='error' to='");
	xml_escape(&f->out, to, strlen(to));
	buf_adds(&f->out, "' id='");
	xml_escape(&f->out, prefix, strlen(prefix));
	buf_printf(&f->out, "-%" PRIu64 "'><error type='cancel'>"
	    "<item-not-found xmlns='" NS_STANZAS "'/></error></message>", m);
	send_xml(s, f);
}

/* A carbon of a receipt for PREFIX-M: not ours to send. */
static void
forged_carbon(struct session *s, struct forger *f, const char *to,
    const char *prefix, uint64_t m)
{
	struct buf inner = { 0 };

	receipt(&inner, to, prefix, m);
	buf_adds(&f->out, "<message to='");
	xml_escape(&f->out, to, strlen(to));
	buf_printf(&f->out, "' id='forged-c%" PRIu64 "'><received xmlns='"
	    "urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>", m);
	/* the copy names the sender's own account as its recipient */
	buf_add(&f->out, inner.p, 8);	/* "<message" */
	buf_adds(&f->out, " xmlns='jabber:client' from='");
	xml_escape(&f->out, session_jid(s), strlen(session_jid(s)));
	buf_addc(&f->out, '\'');
	buf_add(&f->out, inner.p + 8, inner.len - 8);
	buf_adds(&f->out, "</forwarded></received></message>");
	buf_free(&inner);
	send_xml(s, f);
}

/*
 * Splits id into the prefix, kind (the character before the number) and
 * number of a guess; 0 if it has none.
 */
static int
guess(const char *id, struct buf *prefix, char *kind, uint64_t *n)
{
	size_t len = strlen(id), d = len;

	while (d > 0 && id[d - 1] >= '0' && id[d - 1] <= '9')
		d--;
	if (d == len || d == 0 || len - d > 18)
		return 0;
	*n = strtoull(id + d, NULL, 10);
	*kind = id[d - 1];
	prefix->len = 0;
	buf_add(prefix, id, d - 1);
	buf_str(prefix);
	return 1;
}

static void
forge(struct session *s, struct forger *f, const char *to, const char *id)
{
	struct buf prefix = { 0 };
	uint64_t n, m, first;
	char kind;

	if (id == NULL || to == NULL || !guess(id, &prefix, &kind, &n)) {
		buf_free(&prefix);
		return;
	}
	first = n > (uint64_t)f->behind ? n - f->behind : 0;
	/* (never for the id seen itself: that is a real answer's) */
	for (m = first; m <= n + f->ahead; m = m < n + 2 ? m + 1 :
	    n + 2 * (m - n)) {
		if (m != n || kind != 'p')
			forged_iq(s, f, to, "result", prefix.p, 'p', m);
		if (m != n || kind != 'q') {
			forged_iq(s, f, to, "error", prefix.p, 'q', m);
			forged_iq(s, f, to, "result", prefix.p, 'q', m);
		}
		if (m != n || kind != '-') {
			receipt(&f->out, to, prefix.p, m);
			send_xml(s, f);
		}
		if (f->bounces && m > n && kind == '-')
			forged_bounce(s, f, to, prefix.p, m);
	}
	forged_iq(s, f, to, "error", prefix.p, 'p', n + 1);
	forged_carbon(s, f, to, prefix.p, n + 1);
	buf_free(&prefix);
}

/* The first id of a turn: forged from, now and with "again". */
static void
remember(struct session *s, struct forger *f, const char *id,
    const char *from)
{
	if (f->fresh)
		return;
	f->fresh = 1;
	free(f->last_id);
	free(f->last_from);
	f->last_id = xstrdup(id);
	f->last_from = xstrdup(from);
	forge(s, f, from, id);
}

/* A line on stdout: what came, from whom, and its text or id. */
static void
report(struct forger *f, const char *what, const char *from,
    const char *text)
{
	f->esc.len = 0;
	text_escape(&f->esc, text, strlen(text));
	printf("%s\t%s\t%s\n", what, from, buf_str(&f->esc));
	fflush(stdout);
}

static void
on_message(struct session *s, struct forger *f, xmpp_stanza_t *st)
{
	const char *id = xmpp_stanza_get_id(st), *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	xmpp_stanza_t *body = xmpp_stanza_get_child_by_name(st, "body");
	char *text;

	if (body == NULL || from == NULL || (type && strcmp(type, "error") == 0))
		return;
	text = xmpp_stanza_get_text(body);
	f->messages++;
	report(f, "message", from, text ? text : "");
	xmpp_free(session_ctx(s), text);
	if (id && message_receipt_requested(st)) {
		buf_adds(&f->out, "<message to='");
		xml_escape(&f->out, from, strlen(from));
		buf_adds(&f->out, "'><received xmlns='" NS_RECEIPTS "' id='");
		xml_escape(&f->out, id, strlen(id));
		buf_adds(&f->out, "'/></message>");
		session_send_buf(s, &f->out);
		f->out.len = 0;
	}
	if (id)
		remember(s, f, id, from);
}

static int
on_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct forger *f = arg;
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st), *from = xmpp_stanza_get_from(st);

	if (strcmp(name, "message") == 0)
		on_message(s, f, st);
	else if (strcmp(name, "iq") == 0 && type && from && id &&
	    (strcmp(type, "get") == 0 || strcmp(type, "set") == 0)) {
		/* a ping is counted by pong(), which answers it */
		if (!xmpp_stanza_get_child_by_name_and_ns(st, "ping",
		    "urn:xmpp:ping")) {
			f->requests++;
			report(f, "iq", from, id);
		}
		remember(s, f, id, from);
	}
	return 1;
}

/* The pong, then the same pong again and an error: no answers, late. */
static void
pong(struct session *s, xmpp_stanza_t *iq, void *arg)
{
	struct forger *f = arg;

	f->pings++;
	report(f, "ping", xmpp_stanza_get_from(iq), xmpp_stanza_get_id(iq));
	iq_result(s, iq, NULL);
	iq_result(s, iq, NULL);
	iq_error(s, iq, "cancel", "remote-server-not-found");
	f->forgeries += 2;
}

/* Forges again from the last id, once for each line of stdin. */
static int
commands(struct session *s, struct forger *f)
{
	char chunk[512];
	ssize_t n, i;

	if ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (chunk[i] == '\n' && f->last_id)
			forge(s, f, f->last_from, f->last_id);
	return 1;
}

static int
run(struct session *s, struct forger *f)
{
	int rc, in = STDIN_FILENO;

	session_on_stanza(s, on_stanza, f);
	iq_on_request(s, "ping", "urn:xmpp:ping", pong, f);
	buf_adds(&f->out, "<presence/>");
	session_send_buf(s, &f->out);
	f->out.len = 0;
	if ((rc = session_sync(s)) != EX_OK)
		return rc;
	warnx("forging as %s", session_jid(s));
	while (!signals_interrupted()) {
		rc = session_step(s, in, -1);
		if (rc > 1)
			return rc;
		if (rc == 1 && !commands(s, f))
			in = -1;	/* stdin is done; forging goes on */
		f->fresh = 0;
	}
	warnx("%lu messages, %lu pings, %lu other requests, %lu forgeries",
	    f->messages, f->pings, f->requests, f->forgeries);
	return session_sync(s);
}

static void __attribute__((noreturn))
usage(void)
{
	errx(EX_USAGE, "usage: forger [-B] [-a ahead] [-b behind] config account "
	    "[resource]");
}

static long
number(const char *arg)
{
	const char *errstr;
	long n = strtonum(arg, 0, 100000, &errstr);

	if (errstr)
		errx(EX_USAGE, "%s: %s", arg, errstr);
	return n;
}

int
main(int argc, char *argv[])
{
	struct forger f = { .ahead = 256, .behind = 1 };
	struct common_opts o;
	struct account acct;
	struct session *s;
	int ch, rc;

	while ((ch = getopt(argc, argv, "Ba:b:")) != -1)
		switch (ch) {
		case 'B':
			f.bounces = 1;
			break;
		case 'a':
			f.ahead = number(optarg);
			break;
		case 'b':
			f.behind = number(optarg);
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		usage();
	signals_init();
	common_init(&o);
	o.agent = AGENT_NEVER;	/* a test double logs in itself */
	o.acct.file = argv[0];
	o.acct.name = argv[1];
	o.acct.resource = argc == 3 ? argv[2] : "forger";
	o.keepalive = 0;
	if ((rc = account_load(&acct, &o.acct)) != EX_OK)
		return rc;
	if ((rc = session_start(&s, &acct, &o)) == EX_OK)
		rc = run(s, &f);
	if (s && rc == EX_OK)
		rc = session_close(s);
	session_free(s);
	account_free(&acct);
	buf_free(&f.out);
	buf_free(&f.esc);
	free(f.last_id);
	free(f.last_from);
	return rc;
}
