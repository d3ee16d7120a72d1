/*
 * logread.c: what libstrophe says only in its log. Version 0.12 reports
 * some events nowhere else: a refused connection, a failed connect, the
 * server's closing tag, XML it could not parse. The log handler reads
 * those into the session, and with -v passes the log on, with SASL
 * payloads and the password blotted out.
 *
 * The log costs a formatted copy of every stanza, and reading it costs
 * turns of the loop (loop.c turns until a turn logs nothing): it is read
 * closely while logging in and out, and in between only for the one
 * line that reports broken XML.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "session.h"

/* Whether msg is a SASL element whose whole payload is secret. */
static int
secret_payload(const char *msg)
{
	int one = strstr(msg, NS_SASL) != NULL, two = strstr(msg,
	    NS_SASL2) != NULL;

	if (strncmp(msg, "SENT: <auth ", 12) == 0 ||
	    strncmp(msg, "RECV: <success", 14) == 0)
		return one && !two;	/* SASL2's success is redacted below */
	if (strncmp(msg, "SENT: <response", 15) == 0 ||
	    strncmp(msg, "RECV: <challenge", 16) == 0)
		return one || two;
	return 0;
}

/*
 * Blots out, in b from its byte at, what follows each mark (in any
 * case) up to the next of ends: SASL2's payloads, FAST's token, an
 * upload slot's secret headers.
 */
static void
blot(struct buf *b, const char *mark, const char *ends)
{
	char *p = b->p, *e;
	struct buf out = { 0 };

	while ((e = strcasestr(p, mark)) != NULL) {
		e += strlen(mark);
		buf_add(&out, p, e - p);
		buf_adds(&out, "[redacted]");
		p = e + strcspn(e, ends);
	}
	if (out.len == 0)
		return;
	buf_adds(&out, p);
	explicit_bzero(b->p, b->len);
	b->len = 0;
	buf_add(b, out.p, out.len);
	buf_str(b);
	explicit_bzero(out.p, out.len);
	buf_free(&out);
}

/*
 * Blots out the query of the URL after each mark, up to its quote: an
 * upload slot's PUT URL may carry its signature there.
 */
static void
blot_query(struct buf *b, const char *mark, char quote)
{
	struct buf out = { 0 };
	char *p = b->p, *e, *q, *end;

	while ((e = strstr(p, mark)) != NULL) {
		e += strlen(mark);
		if ((end = strchr(e, quote)) == NULL)
			break;
		q = memchr(e, '?', end - e);
		buf_add(&out, p, (q ? q + 1 : end) - p);
		if (q)
			buf_adds(&out, "[redacted]");
		p = end;
	}
	if (out.len == 0)
		return;
	buf_adds(&out, p);
	b->len = 0;
	buf_add(b, out.p, out.len);
	buf_str(b);
	buf_free(&out);
}

/* Replaces the payload of SASL elements in a logged line. */
static void
redact(struct session *s, const char *msg, struct buf *out)
{
	const char *gt, *lt, *pw = s->acct->password;
	char *p;

	if (secret_payload(msg) && (gt = strchr(msg, '>')) != NULL &&
	    gt[-1] != '/' && (lt = strrchr(msg, '<')) != NULL && lt > gt) {
		buf_add(out, msg, gt + 1 - msg);
		buf_adds(out, "[redacted]");
		buf_adds(out, lt);
	} else
		buf_adds(out, msg);
	buf_str(out);
	blot(out, "<initial-response>", "<");
	blot(out, "<additional-data>", "<");
	blot(out, " token=\"", "\"");
	blot(out, " token='", "'");
	/* an upload slot's: as good as a password for the slot */
	blot(out, " name=\"Authorization\">", "<");
	blot(out, " name='Authorization'>", "<");
	blot(out, " name=\"Cookie\">", "<");
	blot(out, " name='Cookie'>", "<");
	blot_query(out, "<put url=\"", '"');
	blot_query(out, "<put url='", '\'');
	/* belt and braces: the password itself never reaches the terminal */
	for (p = out->p; pw && *pw && (p = strstr(p, pw)) != NULL;
	    p += strlen(pw))
		memset(p, '*', strlen(pw));	/* on past it: pw may be "*" */
}

static void
learn(struct session *s, const char *msg)
{
	char host[256];
	unsigned port;
	int e;

	if (sscanf(msg, "sock_connect() to %255[^:]:%u", host, &port) == 2)
		snprintf(s->host, sizeof(s->host), "%s port %u", host, port);
	else if (sscanf(msg, "connection failed, error %d", &e) == 1)
		session_explain(s, EX_UNAVAILABLE, "connect to %s: %s",
		    s->host, strerror(e));
	else if (strcmp(msg, "Connection attempt timed out.") == 0)
		session_explain(s, EX_UNAVAILABLE, "connect to %s: timed out",
		    s->host);
	else if (strcmp(msg, "RECV: </stream:stream>") == 0)
		s->stream_closed = 1;
}

/*
 * --trace: each element both ways on stdout, ">> " sent, "<< "
 * received, redacted as -vv is, on one line and with nothing in it a
 * terminal would act on (the library's serialization leaves C1 and the
 * bidirectional controls raw). A write that fails ends nothing here:
 * stdout_write remembers it, for the tool to stop on and report.
 */
static void
trace(struct session *s, const char *msg)
{
	struct buf red = { 0 }, line = { 0 };

	if (strncmp(msg, "SENT: ", 6) != 0 && strncmp(msg, "RECV: ", 6) != 0)
		return;
	redact(s, msg, &red);
	buf_adds(&line, msg[0] == 'S' ? ">> " : "<< ");
	xml_defang(&line, red.p + 6, red.len - 6);
	buf_addc(&line, '\n');
	stdout_write(line.p, line.len);
	buf_free(&red);
	buf_free(&line);
}

/*
 * OpenSSL 3's SSL_R_UNEXPECTED_EOF_WHILE_READING: the TCP connection
 * ended without TLS's close_notify. A server that shuts down does it
 * (Prosody 0.12 on SIGTERM), after </stream:stream> or without: the
 * library then reports only a "TLS error". Its strings are not loaded
 * (session.c), so the code is all the log says.
 */
#define TLS_EOF "error:0A000126:"

/* What the server did, said as such; the line the log shows instead. */
static const char *
closed_unclean(struct session *s)
{
	if (s->state == ONLINE || s->state == CLOSING)
		session_explain(s, EX_TEMPFAIL, "%s: the server closed the "
		    "%s", s->host, s->stream_closed ? "stream" : "connection "
		    "without closing the stream (shutting down?)");
	return "the connection ended without TLS's close_notify "
	    "(" TLS_EOF ")";
}

static void
on_log(void *arg, xmpp_log_level_t level, const char *area,
    const char *msg)
{
	struct session *s = arg;
	struct buf b = { 0 };

	/* the library's only word on XML it cannot parse, and it goes on */
	if (strncmp(msg, "parse error", 11) == 0)
		s->xml_broken = 1;
	/* (logged at the debug level: looked for whatever the level) */
	if (strcmp(area, "tls") == 0 &&
	    strncmp(msg, TLS_EOF, sizeof(TLS_EOF) - 1) == 0)
		msg = closed_unclean(s);
	if (!s->closely && !s->verbose && !s->opts->trace)
		return;
	s->logged++;
	learn(s, msg);
	if (s->opts->trace)
		trace(s, msg);
	if (s->verbose >= 2 || (s->verbose == 1 && level >= XMPP_LEVEL_WARN)) {
		redact(s, msg, &b);
		fprintf(stderr, "%s: %s: %s\n", getprogname(), area, b.p);
		buf_free(&b);
	}
}

void
logread_init(struct session *s)
{
	s->log.handler = on_log;
	s->log.userdata = s;
}

void
logread_closely(struct session *s, int on)
{
	s->closely = on;
}

/*
 * An agent's session has no library to log what crosses: what goes to
 * the agent and what comes from it is logged as a stream's would be
 * (dir "SENT" or "RECV"), for -vv and --trace.
 */
void
logread_agent(struct session *s, const char *dir, const char *xml,
    size_t len)
{
	struct buf msg = { 0 };

	if (!s->verbose && !s->opts->trace)
		return;
	buf_printf(&msg, "%s: ", dir);
	buf_add(&msg, xml, len);
	on_log(s, XMPP_LEVEL_DEBUG, "xmpp", buf_str(&msg));
	buf_free(&msg);
}
