/*
 * muc.c: joining multi-user chat rooms (XEP-0045), sending to them, and
 * knowing the room took a message: a room reflects each message to its
 * sender, with the sender's id, once it has passed it to the occupants.
 */
#include <stdlib.h>
#include <string.h>

#include <err.h>

#include "xmpputils.h"
#include "session.h"
#include "stanza.h"

#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_MUC_OWNER "http://jabber.org/protocol/muc#owner"

struct room {
	struct session *s;
	char *jid;		/* the room's bare JID */
	char *nick;
	int joined, left;
	int kept;		/* joined again on a fresh stream */
	char *error;		/* why the room turned us away */
	uint64_t sent;		/* groupchat messages sent to it */
	uint64_t answered;	/* of those, reflected or bounced */
	struct buf ids;		/* ids of sent messages not yet answered */
};

/* From the room itself (occupant: one of its occupants)? */
static int
from_room(struct room *r, const char *from, int occupant)
{
	if (!jid_bare_equal(from, r->jid))
		return 0;
	return !occupant || !jid_is_bare(from);
}

static int
has_status(xmpp_stanza_t *st, const char *code)
{
	xmpp_stanza_t *x, *c;
	const char *v;

	x = xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_MUC_USER);
	for (c = x ? xmpp_stanza_get_children(x) : NULL; c;
	    c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c) &&
		    strcmp(xmpp_stanza_get_name(c), "status") == 0 &&
		    (v = xmpp_stanza_get_attribute(c, "code")) &&
		    strcmp(v, code) == 0)
			return 1;
	return 0;
}

/* A room created by our join is locked until configured: take defaults. */
static void
unlock_room(struct room *r)
{
	/* refused, the room stays locked and says so to the next to join */
	iq_send(r->s, "set", r->jid, "<query xmlns='" NS_MUC_OWNER "'><x "
	    "xmlns='jabber:x:data' type='submit'/></query>", NULL, NULL);
}

static void
on_presence(struct room *r, xmpp_stanza_t *st, const char *type)
{
	struct buf b = { 0 };

	if (type && strcmp(type, "error") == 0 && !r->joined) {
		stanza_error_desc(st, &b);
		free(r->error);
		r->error = b.p;
		return;
	}
	if (!from_room(r, xmpp_stanza_get_from(st), 1))
		return;
	if (type && strcmp(type, "unavailable") == 0 && r->joined &&
	    has_status(st, "110")) {
		r->left = 1;
		return;
	}
	if (type || r->joined)
		return;
	/* status 110 marks our own presence; the room may change our nick */
	if (has_status(st, "110")) {
		free(r->nick);
		r->nick = xstrdup(strchr(xmpp_stanza_get_from(st), '/') + 1);
		r->joined = 1;
		if (has_status(st, "201"))
			unlock_room(r);
	}
}

/* Strikes id off the list of unanswered ids; returns 1 if it was there. */
static int
answered(struct room *r, const char *id)
{
	size_t n = strlen(id) + 1;
	char *p, *end = r->ids.p + r->ids.len;

	for (p = r->ids.p; p && p < end; p += strlen(p) + 1)
		if (strcmp(p, id) == 0) {
			memmove(p, p + n, end - (p + n));
			r->ids.len -= n;
			r->answered++;
			return 1;
		}
	return 0;
}

/*
 * Whether a message from the room answers one of ours: our own message
 * reflected (from our nick: another occupant who read our ids must not
 * say the room passed on what it never did), or the room's bounce (from
 * the room itself, which no occupant can write).
 */
static int
answers_us(struct room *r, const char *from, const char *type)
{
	const char *slash = strchr(from, '/');

	if (strcmp(type, "groupchat") == 0)
		return slash && strcmp(slash + 1, r->nick) == 0;
	return strcmp(type, "error") == 0 && slash == NULL;
}

static int
on_stanza(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct room *r = arg;
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st);

	(void)s;
	if (!from_room(r, xmpp_stanza_get_from(st), 0))
		return 1;
	if (strcmp(name, "presence") == 0)
		on_presence(r, st, type);
	else if (strcmp(name, "message") == 0 && id && type &&
	    answers_us(r, xmpp_stanza_get_from(st), type))
		answered(r, id);	/* a bounce is reported by the session */
	return 1;
}

static int
join_done(struct session *s, void *arg)
{
	struct room *r = arg;

	(void)s;
	return r->joined || r->error;
}

/* Our presence to the room, which lets us in (or says why not). */
static void
send_join(struct room *r)
{
	struct buf b = { 0 };

	r->joined = 0;
	free(r->error);
	r->error = NULL;
	buf_adds(&b, "<presence to='");
	xml_escape(&b, r->jid, strlen(r->jid));
	buf_addc(&b, '/');
	xml_escape(&b, r->nick, strlen(r->nick));
	buf_adds(&b, "'><x xmlns='" NS_MUC "'><history maxstanzas='0'/>"
	    "</x></presence>");
	session_send_buf(r->s, &b);
	buf_free(&b);
}

/* A refusal, said; or EX_OK. */
static int
refused(struct room *r)
{
	if (r->error == NULL)
		return EX_OK;
	warnx("room %s: cannot join as %s: %s", r->jid, r->nick, r->error);
	return EX_UNAVAILABLE;
}

/* Sends our presence to the room and waits for it to let us in. */
static int
enter(struct room *r)
{
	char *nick;
	int rc;

	if (session_agent(r->s)) {
		/* the agent joins once, and stays: ours is its nick */
		r->joined = 0;
		if ((rc = agent_join(r->s, r->jid, r->nick, &nick)) == EX_OK) {
			free(r->nick);
			r->nick = nick;
			r->joined = 1;
		}
		return rc;
	}
	send_join(r);
	rc = session_until(r->s, join_done, r, "the room to let us in");
	return rc == EX_OK ? refused(r) : rc;
}

const char *
muc_spec_check(const char *spec)
{
	const char *why, *at = strchr(spec, '@'), *slash = strchr(spec, '/');

	if ((why = jid_check(spec)) != NULL)
		return why;
	if (at == NULL || (slash && slash < at))
		return "expected room@service[/nick]";
	return NULL;
}

/* A fresh stream: the room has forgotten us. */
static int
rejoin(struct session *s, void *arg)
{
	(void)s;
	return enter(arg);
}

static struct room *
room_new(struct session *s, const char *spec)
{
	struct room *r;
	const char *slash = strchr(spec, '/'), *me = session_jid(s);

	r = xcalloc(1, sizeof(*r));
	r->s = s;
	r->jid = slash ? xstrndup(spec, slash - spec) : xstrdup(spec);
	r->nick = slash ? xstrdup(slash + 1) :
	    xstrndup(me, strcspn(me, "@"));
	session_on_stanza(s, on_stanza, r);
	return r;
}

/* Frees r, which is no longer in the room (or never was). */
static void
room_free(struct room *r)
{
	session_off_stanza(r->s, on_stanza, r);
	session_off_fresh(r->s, rejoin, r);
	buf_free(&r->ids);
	free(r->error);
	free(r->jid);
	free(r->nick);
	free(r);
}

static int
spec_ok(const char *spec)
{
	const char *why;

	if ((why = muc_spec_check(spec)) == NULL)
		return 1;
	warnx("room %s: %s", spec, why);
	return 0;
}

int
muc_join(struct room **rp, struct session *s, const char *spec)
{
	struct room *r;
	int rc;

	*rp = NULL;
	if (!spec_ok(spec))
		return EX_DATAERR;
	r = room_new(s, spec);
	if ((rc = enter(r)) != EX_OK) {
		room_free(r);
		return rc;
	}
	session_on_fresh(s, rejoin, r);
	*rp = r;
	return EX_OK;
}

int
muc_join_begin(struct room **rp, struct session *s, const char *spec)
{
	*rp = NULL;
	if (!spec_ok(spec))
		return EX_DATAERR;
	*rp = room_new(s, spec);
	send_join(*rp);
	return EX_OK;
}

int
muc_join_poll(struct room *r)
{
	int rc;

	if (r->error)
		return refused(r);
	if (!r->joined)
		return (rc = session_failed(r->s)) != EX_OK ? rc : -1;
	if (!r->kept) {
		session_on_fresh(r->s, rejoin, r);
		r->kept = 1;
	}
	return EX_OK;
}

int
muc_left(struct room *r)
{
	return r->left;
}

const char *
muc_error(struct room *r)
{
	return r->error;
}

void
muc_forget(struct room *r)
{
	if (r)
		room_free(r);
}

const char *
muc_jid(struct room *r)
{
	return r->jid;
}

const char *
muc_nick(struct room *r)
{
	return r->nick;
}

uint64_t
muc_send(struct room *r, uint64_t n, const char *subject, const char *body,
    size_t len, const char *oob)
{
	struct buf b = { 0 };
	char *id = session_id(r->s, n);
	uint64_t seq;

	message_xml(&b, r->jid, "groupchat", id, subject, body, len, oob,
	    0);
	seq = session_send_buf(r->s, &b);
	buf_add(&r->ids, id, strlen(id) + 1);
	r->sent++;
	free(id);
	buf_free(&b);
	return seq;
}

static int
all_answered(struct session *s, void *arg)
{
	struct room *r = arg;

	(void)s;
	return r->answered >= r->sent;
}

int
muc_sync(struct room *r)
{
	return session_until(r->s, all_answered, r,
	    "the room to pass the messages on");
}

static int
has_left(struct session *s, void *arg)
{
	struct room *r = arg;

	(void)s;
	return r->left;
}

/*
 * Waiting for the room to confirm we left also lets its last presences
 * arrive before the stream closes, not across our closing tag.
 */
int
muc_leave(struct room *r)
{
	struct buf b = { 0 };
	int rc = EX_OK;

	if (r == NULL)
		return EX_OK;
	if (!session_failed(r->s) && !session_agent(r->s)) {
		buf_adds(&b, "<presence type='unavailable' to='");
		xml_escape(&b, r->jid, strlen(r->jid));
		buf_addc(&b, '/');
		xml_escape(&b, r->nick, strlen(r->nick));
		buf_adds(&b, "'/>");
		session_send_buf(r->s, &b);
		buf_free(&b);
		rc = session_until(r->s, has_left, r, "the room to let us go");
	}
	room_free(r);
	return rc;
}
