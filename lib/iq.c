/*
 * iq.c: requests and their answers (RFC 6120, 8.2.3), and answering
 * the requests that come to us.
 *
 * A request gets an id of the session's own (random: see iq_new_id) and
 * waits in a table until its result or error comes from whom it asked
 * (from_asked); its stanza is delivery.c's like any other, kept until
 * the server has it. When a stream is lost and the next one is fresh,
 * the server has forgotten the requests: a get is sent again (asking
 * twice is harmless), a set is reported to its callback as unanswered
 * (it may have been done: only the caller knows whether doing it twice
 * is). Login's requests (bind, the old session) go out raw, before
 * stream management, and die with their connection.
 *
 * Requests to us are answered by the handler registered for the
 * element and namespace of their child; without one a ping is answered
 * and the rest refused, as RFC 6120 wants every get and set answered.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"

struct iq_pending {
	char *id;
	char *type, *to, *child;	/* to send it again */
	iq_callback *cb;
	void *arg;
	int login;		/* sent raw by login.c */
	int theirs;		/* written by the tool (iq_expect) */
};

struct iq_answerer {
	char *name, *ns;
	iq_handler *fn;
	void *arg;
};

static void
iq_xml(struct buf *b, const char *type, const char *id, const char *to,
    const char *child)
{
	buf_printf(b, "<iq type='%s' id='%s'", type, id);
	if (to) {
		buf_adds(b, " to='");
		xml_escape(b, to, strlen(to));
		buf_addc(b, '\'');
	}
	if (child && *child) {
		buf_addc(b, '>');
		buf_adds(b, child);
		buf_adds(b, "</iq>");
	} else
		buf_adds(b, "/>");
}

/* A new entry in the table; its strings are copied in. */
static struct iq_pending *
pending_add(struct session *s, char *id, const char *type, const char *to,
    const char *child, iq_callback *cb, void *arg)
{
	struct iq_pending *p;

	if (s->niqs == s->capiqs)
		s->iqs = xgrow(s->iqs, &s->capiqs, sizeof(*s->iqs));
	p = &s->iqs[s->niqs++];
	*p = (struct iq_pending){ .id = id, .type = xstrdup(type),
	    .to = to ? xstrdup(to) : NULL,
	    .child = child ? xstrdup(child) : NULL, .cb = cb, .arg = arg };
	return p;
}

static void
pending_free(struct iq_pending *p)
{
	free(p->id);
	free(p->type);
	free(p->to);
	free(p->child);
}

/* Takes request i out of the table, into *out. */
static void
pending_take(struct session *s, size_t i, struct iq_pending *out)
{
	*out = s->iqs[i];
	memmove(&s->iqs[i], &s->iqs[i + 1],
	    (s->niqs - i - 1) * sizeof(*s->iqs));
	s->niqs--;
}

static void
transmit(struct session *s, struct iq_pending *p)
{
	struct buf b = { 0 };

	iq_xml(&b, p->type, p->id, p->to, p->child);
	if (p->login)
		xmpp_send_raw(s->conn, buf_str(&b), b.len);
	else
		delivery_send(s, b.p, b.len, 1);
	buf_free(&b);
}

/*
 * Random, and nothing like our messages' ids: whoever a request asks (a
 * contact xping or xraw asks, say) sees its id, and must not be able to
 * answer the next one before it is asked. The count keeps them unique.
 */
char *
iq_new_id(struct session *s)
{
	struct buf id = { 0 };
	uint32_t r[2];

	arc4random_buf(r, sizeof(r));
	buf_printf(&id, "q%08" PRIx32 "%08" PRIx32 "-%" PRIu64, r[0], r[1],
	    ++s->iq_ids);
	buf_str(&id);
	return id.p;
}

const char *
iq_send(struct session *s, const char *type, const char *to,
    const char *child, iq_callback *cb, void *arg)
{
	struct iq_pending *p = pending_add(s, iq_new_id(s), type, to, child,
	    cb, arg);

	transmit(s, p);
	return p->id;
}

void
iq_expect(struct session *s, const char *id, const char *to,
    iq_callback *cb, void *arg)
{
	pending_add(s, xstrdup(id), "get", to, NULL, cb, arg)->theirs = 1;
}

void
iq_login(struct session *s, const char *child, iq_callback *cb, void *arg)
{
	struct iq_pending *p = pending_add(s, iq_new_id(s), "set", NULL,
	    child, cb, arg);

	p->login = 1;
	transmit(s, p);
}

size_t
iq_pending(struct session *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->niqs; i++)
		n += !s->iqs[i].login;
	return n;
}

/*
 * Whether the answer comes from whom we asked: the request's to, or for
 * a request without one our own account (or its server, RFC 6120 10.3.3
 * lets it answer for the account).
 */
static int
from_asked(struct session *s, const struct iq_pending *p, const char *from)
{
	if (from == NULL)
		return p->to == NULL || jid_bare_equal(p->to, session_jid(s)) ||
		    jid_equal(p->to, s->domain);
	if (p->to)
		return jid_equal(from, p->to) ||
		    (jid_bare_equal(from, session_jid(s)) &&
		    jid_bare_equal(p->to, session_jid(s)));
	return jid_bare_equal(from, session_jid(s)) ||
	    jid_equal(from, s->domain);
}

int
iq_answered(struct session *s, xmpp_stanza_t *st)
{
	const char *id = xmpp_stanza_get_id(st);
	struct iq_pending p;
	size_t i;

	if (id == NULL)
		return 0;
	for (i = 0; i < s->niqs; i++)
		if (strcmp(s->iqs[i].id, id) == 0)
			break;
	/* someone else's guess at our id is not an answer */
	if (i == s->niqs || !from_asked(s, &s->iqs[i],
	    xmpp_stanza_get_from(st)))
		return 0;
	pending_take(s, i, &p);
	if (p.cb)
		p.cb(s, st, p.arg);
	pending_free(&p);
	return 1;
}

void
iq_new_stream(struct session *s)
{
	struct iq_pending p;
	size_t i = 0;

	while (i < s->niqs) {
		if (s->iqs[i].login || s->iqs[i].theirs ||
		    strcmp(s->iqs[i].type, "get") != 0) {
			pending_take(s, i, &p);
			if (!p.login && p.cb)
				p.cb(s, NULL, p.arg);
			pending_free(&p);
		} else
			transmit(s, &s->iqs[i++]);
	}
}

void
iq_drop_login(struct session *s)
{
	struct iq_pending p;
	size_t i = 0;

	while (i < s->niqs)
		if (s->iqs[i].login) {
			pending_take(s, i, &p);
			pending_free(&p);
		} else
			i++;
}

/* ---- waiting for one */

struct call {
	int done;
	xmpp_stanza_t *reply;
};

static void
call_answered(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct call *c = arg;

	(void)s;
	c->done = 1;
	c->reply = reply ? xmpp_stanza_clone(reply) : NULL;
}

static int
call_done(struct session *s, void *arg)
{
	(void)s;
	return ((struct call *)arg)->done;
}

void
iq_cancel(struct session *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->niqs; i++)
		if (strcmp(s->iqs[i].id, id) == 0)
			s->iqs[i].cb = NULL;
}

int
iq_call(struct session *s, const char *type, const char *to,
    const char *child, xmpp_stanza_t **reply)
{
	struct call c = { 0 };
	char *id;
	int rc;

	*reply = NULL;
	if (s->failed)
		return s->failed;
	id = xstrdup(iq_send(s, type, to, child, call_answered, &c));
	rc = session_until(s, call_done, &c, "an answer to a request");
	if (!c.done)
		iq_cancel(s, id);
	free(id);
	if (rc == EX_OK && c.reply == NULL) {
		warnx("%s: the request was lost with the connection",
		    s->host);
		rc = EX_TEMPFAIL;
	}
	if (rc == EX_OK)
		*reply = c.reply;
	else if (c.reply)
		xmpp_stanza_release(c.reply);
	return rc;
}

/* ---- answering */

void
iq_on_request(struct session *s, const char *name, const char *ns,
    iq_handler *fn, void *arg)
{
	struct iq_answerer *a;

	iq_off_request(s, name, ns);
	s->answerers = xreallocarray(s->answerers, s->nanswerers + 1,
	    sizeof(*s->answerers));
	a = &s->answerers[s->nanswerers++];
	*a = (struct iq_answerer){ xstrdup(name), xstrdup(ns), fn, arg };
}

void
iq_off_request(struct session *s, const char *name, const char *ns)
{
	size_t i;

	for (i = 0; i < s->nanswerers; i++)
		if (strcmp(s->answerers[i].name, name) == 0 &&
		    strcmp(s->answerers[i].ns, ns) == 0) {
			free(s->answerers[i].name);
			free(s->answerers[i].ns);
			s->answerers[i] = s->answerers[--s->nanswerers];
			return;
		}
}

/* The start of an answer to iq: to whoever asked, with its id. */
static void
answer_head(struct buf *b, xmpp_stanza_t *iq, const char *type)
{
	const char *from = xmpp_stanza_get_from(iq);
	const char *id = xmpp_stanza_get_id(iq);

	buf_printf(b, "<iq type='%s' id='", type);
	if (id)
		xml_escape(b, id, strlen(id));
	buf_addc(b, '\'');
	if (from) {
		buf_adds(b, " to='");
		xml_escape(b, from, strlen(from));
		buf_addc(b, '\'');
	}
}

void
iq_result(struct session *s, xmpp_stanza_t *iq, const char *child)
{
	struct buf b = { 0 };

	if (s->agent)
		return;		/* what the agent passes on, it answered */
	answer_head(&b, iq, "result");
	if (child && *child) {
		buf_addc(&b, '>');
		buf_adds(&b, child);
		buf_adds(&b, "</iq>");
	} else
		buf_adds(&b, "/>");
	session_send_buf(s, &b);
	buf_free(&b);
}

void
iq_error(struct session *s, xmpp_stanza_t *iq, const char *type,
    const char *condition)
{
	struct buf b = { 0 };

	if (s->agent)
		return;		/* what the agent passes on, it answered */
	answer_head(&b, iq, "error");
	buf_printf(&b, "><error type='%s'><%s xmlns='" NS_STANZAS "'/>"
	    "</error></iq>", type, condition);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* The first element child: what a request is about. */
static xmpp_stanza_t *
payload(xmpp_stanza_t *iq)
{
	xmpp_stanza_t *c;

	for (c = xmpp_stanza_get_children(iq); c; c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c))
			return c;
	return NULL;
}

void
iq_requested(struct session *s, xmpp_stanza_t *iq)
{
	xmpp_stanza_t *c = payload(iq);
	const char *name = c ? xmpp_stanza_get_name(c) : NULL;
	const char *ns = c ? xmpp_stanza_get_ns(c) : NULL;
	size_t i;

	for (i = 0; name && ns && i < s->nanswerers; i++)
		if (strcmp(s->answerers[i].name, name) == 0 &&
		    strcmp(s->answerers[i].ns, ns) == 0) {
			s->answerers[i].fn(s, iq, s->answerers[i].arg);
			return;
		}
	if (name && ns && strcmp(name, "ping") == 0 &&
	    strcmp(ns, NS_PING) == 0)
		iq_result(s, iq, NULL);
	else
		iq_error(s, iq, "cancel", "service-unavailable");
}

void
iq_free(struct session *s)
{
	struct iq_pending p;
	size_t i;

	while (s->niqs > 0) {
		pending_take(s, 0, &p);
		if (!p.login && p.cb)
			p.cb(s, NULL, p.arg);
		pending_free(&p);
	}
	free(s->iqs);
	for (i = 0; i < s->nanswerers; i++) {
		free(s->answerers[i].name);
		free(s->answerers[i].ns);
	}
	free(s->answerers);
}
