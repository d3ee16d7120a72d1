/*
 * delivery.c: what we send, until the server has it.
 *
 * Every stanza goes into s->out, written at the next turn of the loop, so
 * stanzas queued together leave in one TLS record; and into a queue kept
 * in the order they went on the wire, until the server confirms them:
 * with XEP-0198 acks (<a h/> counts them: the first h are taken), or,
 * without, the answer to a ping, which a server sends only after handling
 * all that came before it. What a lost connection leaves in the queue is
 * sent again on the next one: after a resumption, only what the server
 * says it did not get; after a fresh login, all of it (at least once),
 * except iq.c's requests, which it sends again itself.
 *
 * Stream management's other half is here too: the server's <r/> is
 * answered with the count of its stanzas we took (inbound.c counts).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"

/* Ask for confirmation this often: a sender's window moves on. */
#define CONFIRM_EVERY 32

static void
push(struct session *s, uint64_t seq, char *xml, int iq)
{
	struct kept *k;
	size_t i, cap;

	if (s->kept_len == s->kept_cap) {
		cap = s->kept_cap ? 2 * s->kept_cap : 64;
		k = xcalloc(cap, sizeof(*k));
		for (i = 0; i < s->kept_len; i++)
			k[i] = s->kept[(s->kept_head + i) % s->kept_cap];
		free(s->kept);
		s->kept = k;
		s->kept_cap = cap;
		s->kept_head = 0;
	}
	k = &s->kept[(s->kept_head + s->kept_len++) % s->kept_cap];
	k->seq = seq;
	k->xml = xml;
	k->iq = iq;
}

static void
pop(struct session *s)
{
	free(s->kept[s->kept_head].xml);
	s->kept_head = (s->kept_head + 1) % s->kept_cap;
	s->kept_len--;
}

/*
 * Queues one element for the next write. --trace shows each write the
 * library makes as a line: there, each element is a write of its own.
 */
static void
out_add(struct session *s, const char *xml, size_t len)
{
	if (s->agent) {
		agent_out(s, xml, len);
		return;
	}
	buf_add(&s->out, xml, len);
	if (s->opts->trace)
		delivery_flush(s);
}

void
delivery_nonza(struct session *s, const char *xml)
{
	if (s->agent) {
		agent_nonza(s, xml);
		return;
	}
	out_add(s, xml, strlen(xml));
}

void
session_send_nonza(struct session *s, const char *xml)
{
	if (s->state == ONLINE)
		delivery_nonza(s, xml);
}

int
session_sm(struct session *s)
{
	if (s->sm)
		return 1;
	return s->report.sm == SM_ASKED && s->state == ONLINE ? -1 : 0;
}

void
delivery_flush(struct session *s)
{
	if (s->agent) {
		agent_flush(s);
		return;
	}
	if (s->out.len == 0 || s->state == CLOSED)
		return;
	/* the library copies it with strndup: it must end in a NUL */
	xmpp_send_raw(s->conn, buf_str(&s->out), s->out.len);
	s->out.len = 0;
}

static void request_confirmation(struct session *);

static uint64_t
sent(struct session *s, uint64_t seq, const char *xml, size_t len, int iq)
{
	push(s, seq, xstrndup(xml, len), iq);
	if (s->state == ONLINE) {
		out_add(s, xml, len);
		if (++s->unrequested >= CONFIRM_EVERY)
			request_confirmation(s);
	}
	return seq;
}

uint64_t
delivery_send(struct session *s, const char *xml, size_t len, int iq)
{
	return sent(s, ++s->sent, xml, len, iq);
}

uint64_t
session_send_buf(struct session *s, struct buf *xml)
{
	return delivery_send(s, xml->p, xml->len, 0);
}

uint64_t
session_confirmed_below(struct session *s)
{
	uint64_t low = s->sent + 1;
	size_t i;

	for (i = 0; i < s->stash_len; i++)
		if (s->stash[i].seq < low)
			low = s->stash[i].seq;
	for (i = 0; i < s->kept_len; i++)
		if (s->kept[(s->kept_head + i) % s->kept_cap].seq < low)
			low = s->kept[(s->kept_head + i) % s->kept_cap].seq;
	return low;
}

uint64_t
session_unconfirmed(struct session *s)
{
	return s->kept_len + s->stash_len;
}

/*
 * Asks the server to confirm all we sent: with <r/> once stream
 * management is on, else with a ping, which is a stanza too and whose
 * answer confirms itself.
 */
void
delivery_probe(struct session *s)
{
	struct buf b = { 0 };

	if (s->sm)
		delivery_nonza(s, "<r xmlns='" NS_SM "'/>");
	else {
		buf_printf(&b, "<iq type='get' id='%sp%" PRIu64 "' to='%s'>"
		    "<ping xmlns='" NS_PING "'/></iq>", s->secret,
		    s->sent + 1, s->domain);
		session_send_buf(s, &b);
		buf_free(&b);
	}
	s->unrequested = 0;
	if (s->kept_len > 0) {
		/* the answer is due within -T (session.c, deadlines) */
		s->asked_upto = s->sent;
		if (s->awaiting == 0)
			s->awaiting = now_ms();
	}
}

/*
 * Some were confirmed: the wait for the rest that were asked about
 * starts again; if none of those is left, there is nothing to wait for.
 */
static void
progressed(struct session *s)
{
	if (s->kept_len > 0 && s->kept[s->kept_head].seq <= s->asked_upto)
		s->awaiting = now_ms();
	else
		s->awaiting = 0;
}

/* Asks about what was not yet asked about, if anything. */
static void
request_confirmation(struct session *s)
{
	if (s->unrequested == 0 || s->state != ONLINE)
		return;
	s->unrequested = 0;	/* the ping's own count must not recurse */
	delivery_probe(s);
}

void
session_request_ack(struct session *s)
{
	request_confirmation(s);
}

void
delivery_acked(struct session *s, uint32_t h)
{
	uint32_t n = h - s->last_h;	/* h counts modulo 2^32 */

	s->answered = 1;
	if (n > s->kept_len) {
		session_fail(s, EX_UNAVAILABLE, "%s: the server acknowledged %" PRIu32
		    " stanzas, but only %zu were waiting", s->host, n,
		    s->kept_len);
		return;
	}
	if (n == 0)
		return;		/* an answer, but no progress */
	while (n-- > 0)
		pop(s);
	s->last_h = h;
	progressed(s);
}

/*
 * The ping numbered seq was answered: the server has handled it and all
 * before it. With stream management on, its count moves on as far.
 */
void
delivery_pinged(struct session *s, uint64_t seq)
{
	size_t i;

	s->answered = 1;
	for (i = 0; i < s->kept_len; i++)
		if (s->kept[(s->kept_head + i) % s->kept_cap].seq == seq)
			break;
	if (i == s->kept_len)
		return;		/* answered already, by the acks */
	if (s->sm)
		s->last_h += i + 1;
	for (i++; i > 0; i--)
		pop(s);
	progressed(s);
}

/*
 * A new stream is up. Resumed, the server says how many of ours it had
 * (h, in the old stream's count): the rest goes again, at once. Fresh,
 * nothing carries over; what was unconfirmed is set aside for
 * delivery_resend, which the tool calls when it is ready (after joining
 * its rooms again, say).
 */
void
delivery_new_stream(struct session *s, int resumed, uint32_t h)
{
	size_t i;

	s->out.len = 0;		/* written to the old stream, or never */
	s->unrequested = 0;
	s->awaiting = 0;
	s->resume_check = 0;
	if (resumed) {
		s->sm = 1;
		delivery_acked(s, h);
		s->answered = 0;	/* that was the old stream's count */
		for (i = 0; i < s->kept_len; i++)
			delivery_nonza(s,
			    s->kept[(s->kept_head + i) % s->kept_cap].xml);
		/*
		 * A resumed stream has to prove it listens: Prosody 0.12
		 * feeds it to the old connection's parser, which a cut
		 * can leave inside a half-received stanza; from then on
		 * nothing we send is ever handled. Until an <a/> answers
		 * this, within -T, the session is not trusted to resume
		 * again (session_reconnect).
		 */
		delivery_nonza(s, "<r xmlns='" NS_SM "'/>");
		s->asked_upto = s->sent;
		s->awaiting = now_ms();
		s->resume_check = 1;
		return;
	}
	s->sm = 0;
	s->answered = 0;
	s->last_h = 0;
	s->handled = 0;
	s->refusing = 0;
	while (s->kept_len > 0) {
		if (s->kept[s->kept_head].iq) {
			pop(s);		/* iq.c's: it knows what to do */
			continue;
		}
		if (s->stash_len == s->stash_cap)
			s->stash = xgrow(s->stash, &s->stash_cap,
			    sizeof(*s->stash));
		s->stash[s->stash_len++] = s->kept[s->kept_head];
		s->kept_head = (s->kept_head + 1) % s->kept_cap;
		s->kept_len--;
	}
}

void
delivery_resend(struct session *s, int discard)
{
	size_t i;

	for (i = 0; i < s->stash_len; i++) {
		if (!discard)
			sent(s, s->stash[i].seq, s->stash[i].xml,
			    strlen(s->stash[i].xml), 0);
		free(s->stash[i].xml);
	}
	s->stash_len = 0;
}

/* Tells the server how many of its stanzas we have taken (XEP-0198). */
void
delivery_ack(struct session *s)
{
	char ack[64];

	snprintf(ack, sizeof(ack), "<a xmlns='" NS_SM "' h='%" PRIu32 "'/>",
	    (uint32_t)s->handled);
	delivery_nonza(s, ack);
}

void
delivery_enabled(struct session *s, xmpp_stanza_t *st)
{
	const char *id, *resume;

	s->sm = 1;
	s->report.sm = SM_ENABLED;
	timing_mark(s, PHASE_SM);
	id = xmpp_stanza_get_attribute(st, "id");
	resume = xmpp_stanza_get_attribute(st, "resume");
	if (id && resume && (strcmp(resume, "true") == 0 ||
	    strcmp(resume, "1") == 0)) {
		free(s->resume_id);
		s->resume_id = xstrdup(id);
	}
	session_note(s, "stream management enabled%s", s->resume_id ?
	    ", resumable" : "");
}

/* The stream-management elements of a stream we are logged in on. */
int
delivery_sm(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st), *h;
	const char *ns = xmpp_stanza_get_ns(st);

	(void)conn;
	if (ns == NULL || strcmp(ns, NS_SM) != 0 || s->resuming)
		return 1;
	if (strcmp(name, "enabled") == 0) {
		delivery_enabled(s, st);
	} else if (strcmp(name, "failed") == 0 && !s->sm) {
		s->report.sm = SM_REFUSED;
		timing_mark(s, PHASE_SM);
		session_note(s, "stream management refused; confirming with "
		    "pings");
	}
	else if (strcmp(name, "r") == 0 && s->sm && s->state == ONLINE)
		delivery_ack(s);
	else if (strcmp(name, "a") == 0 && s->sm &&
	    (h = xmpp_stanza_get_attribute(st, "h")) != NULL) {
		if (s->resume_check) {
			/* the resumed stream listens: its clock is done */
			s->resume_check = 0;
			s->awaiting = 0;
		}
		delivery_acked(s, (uint32_t)strtoul(h, NULL, 10));
	}
	return 1;
}

void
delivery_free(struct session *s)
{
	size_t i;

	while (s->kept_len > 0)
		pop(s);
	for (i = 0; i < s->stash_len; i++)
		free(s->stash[i].xml);
	free(s->kept);
	free(s->stash);
	buf_free(&s->out);
}
