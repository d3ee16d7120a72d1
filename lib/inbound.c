/*
 * inbound.c: what arrives, in the order it is checked. A stanza whose
 * sender is ambiguous (xmlguard.c) is dropped; one that claims what only
 * our own account or server may say is ignored; an answer to one of our
 * requests, from whom it asked, goes to whoever asked (iq.c, and
 * delivery.c's barrier: a guess at one's id is no answer); a
 * bounce of one of our messages is reported. The rest goes to the tool's
 * handlers, in the order they were added, and a get or set no handler
 * refused is answered (iq.c). Each stanza taken is counted for the
 * stream-management acks.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"
#include "stanza.h"
#include "xmlguard.h"

void
inbound_take(struct session *s)
{
	s->handled += s->sm && !s->refusing;
}

int
inbound_our_id(struct session *s, const char *id, char kind, uint64_t *n)
{
	const char *prefix = kind == 'p' ? s->secret : s->prefix;
	size_t plen = strlen(prefix);
	char *end;

	if (id == NULL || strncmp(id, prefix, plen) != 0 ||
	    id[plen] != kind || id[plen + 1] < '0' || id[plen + 1] > '9')
		return 0;
	*n = strtoull(id + plen + 1, &end, 10);
	return *end == '\0';
}

int
session_id_number(struct session *s, const char *id, uint64_t *n)
{
	return inbound_our_id(s, id, '-', n);
}

char *
session_id(struct session *s, uint64_t n)
{
	struct buf b = { 0 };

	buf_printf(&b, "%s-%" PRIu64, s->prefix, n);
	buf_str(&b);
	return b.p;
}

/* Whether from is our own account (bare JID) or, with server, its server. */
static int
from_own(struct session *s, const char *from, int server)
{
	if (from == NULL)
		return 1;	/* the server speaking for the account */
	if (!jid_is_bare(from))
		return 0;
	return jid_bare_equal(from, session_jid(s)) ||
	    (server && jid_equal(from, s->domain));
}

/* Whether from is our server, which our barrier pings ask. */
static int
from_server(struct session *s, const char *from)
{
	return from == NULL || jid_equal(from, s->domain);
}

/*
 * Stanzas that claim what only our own account or server may say: a
 * carbon (XEP-0280) copies a message our account sent or got, so it must
 * come from our bare JID, and a roster push from it or our server. Taken
 * from anyone else at face value, they let a stranger speak as someone
 * else (CVE-2015-8688, CVE-2017-5589). Returns what is forged, or NULL.
 */
static const char *
forged(struct session *s, xmpp_stanza_t *st)
{
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);

	if (strcmp(name, "message") == 0 &&
	    (xmpp_stanza_get_child_by_name_and_ns(st, "received",
	    NS_CARBONS) || xmpp_stanza_get_child_by_name_and_ns(st, "sent",
	    NS_CARBONS)) && !from_own(s, from, 0))
		return "carbon";
	if (strcmp(name, "iq") == 0 && type && strcmp(type, "set") == 0 &&
	    xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_ROSTER) &&
	    !from_own(s, from, 1))
		return "roster push";
	return NULL;
}

/*
 * What xmlguard.c says of the stanza being delivered: 1 to go on with
 * it. One whose attributes are ambiguous (a forged from, say) is
 * dropped, and taken, so that the server does not keep it for us. One
 * the guard never saw ends the session: then nothing's sender can be
 * trusted.
 */
static int
guarded(struct session *s, xmpp_stanza_t *st)
{
	struct buf b = { 0 }, w = { 0 };
	const char *why, *from;

	if (s->agent)
		return 1;	/* the agent's own session checked it */
	switch (xmlguard_verdict(&why, &from)) {
	case XMLGUARD_CLEAN:
		return 1;
	case XMLGUARD_AMBIGUOUS:
		if (s->state != ONLINE)
			return 0;
		/* why names the sender's attribute: its words too */
		session_note(s, "dropped %s %s from %s: %s (a forged sender?)",
		    strcmp(xmpp_stanza_get_name(st), "iq") ? "a" : "an",
		    xmpp_stanza_get_name(st), from ? text_shown(&b, from) :
		    "the server", text_shown(&w, why));
		buf_free(&b);
		buf_free(&w);
		inbound_take(s);
		return 0;
	default:
		session_fail(s, EX_SOFTWARE, "the check of who sent a stanza "
		    "is not in libstrophe's path (%s): refusing to trust what "
		    "arrives", why ? why : "it never saw one");
		session_cut(s);
		return 0;
	}
}

static int
is_type(const char *type, const char *a, const char *b)
{
	return type && (strcmp(type, a) == 0 || (b && strcmp(type, b) == 0));
}

/*
 * A message of ours bounced (a tool asked for bounces to be reported):
 * said on stderr, and counted. Returns whether st was one.
 */
static int
bounced(struct session *s, xmpp_stanza_t *st)
{
	struct buf b = { 0 }, who = { 0 };
	uint64_t n;

	if (!s->bounce_unit || strcmp(xmpp_stanza_get_name(st), "message") ||
	    !is_type(xmpp_stanza_get_type(st), "error", NULL) ||
	    !inbound_our_id(s, xmpp_stanza_get_id(st), '-', &n))
		return 0;

	text_shown(&who, xmpp_stanza_get_from(st));
	if (s->bounce_ours && !s->bounce_ours(s, n, xmpp_stanza_get_from(st),
	    s->bounce_arg)) {
		/* a recipient that saw our ids, guessing at another's */
		session_note(s, "ignoring an error for %s %" PRIu64 " from %s: "
		    "it did not go there", s->bounce_unit, n, who.p);
		buf_free(&who);
		return 0;
	}
	stanza_error_desc(st, &b);
	warnx("%s %" PRIu64 " to %s bounced: %s", s->bounce_unit, n, who.p,
	    b.p);
	buf_free(&b);
	buf_free(&who);
	s->bounces++;
	return 1;
}

/* The tool's handlers, in order; returns 0 once one refuses. */
static int
to_handlers(struct session *s, xmpp_stanza_t *st)
{
	size_t i;

	/*
	 * Once a handler takes no more, nothing more is acknowledged (acks
	 * are a count), so the server keeps it all for the next login; the
	 * handlers still see it, a room's farewell for one. (A handler may
	 * add or remove handlers: the table is read afresh each time.)
	 */
	s->dispatching++;
	for (i = 0; i < s->nhandlers; i++)
		if (s->handlers[i].fn &&
		    !s->handlers[i].fn(s, st, s->handlers[i].arg))
			s->refusing = 1;
	s->dispatching--;
	return !s->refusing;
}

int
inbound_stanza(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *what;
	struct buf b = { 0 };
	int iq = strcmp(name, "iq") == 0;
	uint64_t n;

	(void)conn;
	s->stanzas++;
	if (!iq && strcmp(name, "message") != 0 &&
	    strcmp(name, "presence") != 0)
		return 1;
	if (!guarded(s, st))
		return 1;
	/* an answer to login's requests comes before we are online */
	if (iq && is_type(type, "result", "error") && iq_answered(s, st)) {
		inbound_take(s);
		return 1;
	}
	/*
	 * Before we are online, and past our final ack: not ours to take.
	 * But a bounce still counts, however late: a remote domain's comes
	 * after our server's ack, as long after as federation takes.
	 */
	if (s->state != ONLINE) {
		if (s->state == CLOSING && bounced(s, st))
			to_handlers(s, st);
		return 1;
	}
	if ((what = forged(s, st)) != NULL) {
		session_note(s, "ignoring a %s from %s: not from your own "
		    "account", what, text_shown(&b, xmpp_stanza_get_from(st)));
		buf_free(&b);
		inbound_take(s);
		if (iq)
			iq_error(s, st, "cancel", "service-unavailable");
		return 1;
	}
	/*
	 * A barrier ping answered: everything before it was handled. Only
	 * our server's answer says so: anyone else's (a guess at the id) is
	 * just a stanza, or it would confirm what the server never took.
	 */
	if (iq && is_type(type, "result", "error") &&
	    inbound_our_id(s, xmpp_stanza_get_id(st), 'p', &n) &&
	    from_server(s, xmpp_stanza_get_from(st))) {
		delivery_pinged(s, n);
		inbound_take(s);
		return 1;
	}
	bounced(s, st);
	if (!to_handlers(s, st))
		return 1;
	s->handled += s->sm;
	if (iq && is_type(type, "get", "set"))
		iq_requested(s, st);
	return 1;
}

/*
 * Handlers are called in the order added. One removed leaves a hole
 * until the next is added outside a dispatch, so that removing one
 * from inside a handler skips none of the others.
 */
void
session_on_stanza(struct session *s, session_handler *fn, void *arg)
{
	size_t i, n = 0;

	if (!s->dispatching) {
		for (i = 0; i < s->nhandlers; i++)
			if (s->handlers[i].fn)
				s->handlers[n++] = s->handlers[i];
		s->nhandlers = n;
	}
	if (s->nhandlers == s->caphandlers)
		s->handlers = xgrow(s->handlers, &s->caphandlers,
		    sizeof(*s->handlers));
	s->handlers[s->nhandlers].fn = fn;
	s->handlers[s->nhandlers++].arg = arg;
}

void
session_off_stanza(struct session *s, session_handler *fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->nhandlers; i++)
		if (s->handlers[i].fn == fn && s->handlers[i].arg == arg)
			s->handlers[i].fn = NULL;
}

void
session_report_bounces(struct session *s, const char *unit,
    session_bounce_check *ours, void *arg)
{
	s->bounce_unit = unit;
	s->bounce_ours = ours;
	s->bounce_arg = arg;
}

unsigned long
session_bounces(struct session *s)
{
	return s->bounces;
}

void
inbound_free(struct session *s)
{
	free(s->handlers);
	s->handlers = NULL;
	s->nhandlers = s->caphandlers = 0;
}
