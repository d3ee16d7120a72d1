/*
 * confirm.c: delivery beyond the own server, for a tool's --confirm.
 *
 *   server  the own server has taken every stanza (delivery.c's acks or
 *           barrier): nothing here.
 *   domain  each recipient's server has it. A server keeps the stanzas
 *           of one stream to one remote domain in order, so an XEP-0199
 *           ping to that domain, sent after the messages, is answered
 *           only once the domain has every one of them; an error of
 *           remote-server-not-found or -timeout means it never will. One
 *           ping a domain per checkpoint, not one a message.
 *   client  a client of each recipient acknowledged it: an XEP-0184
 *           receipt, <received id=.../> from a resource of that JID.
 *
 * The outbox holds each message until every recipient it awaits is
 * confirmed; what is still held when the tool gives up was not
 * confirmed at the level asked.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

struct probe {
	struct confirm *c;
	char *domain;
	unsigned long upto;	/* the messages it vouches for */
	int done;
};

struct confirm {
	struct session *s;
	struct outbox *ob;
	enum confirm_level level;
	char **to;		/* the recipients (the tool's) */
	int nto;
	char **domain;		/* each one's domain, prepared once */
	char *own;		/* the account's, prepared */
	char **failed;		/* domains that will never have them */
	char **why;		/* and why, as the server said */
	size_t nfailed;
	struct probe **probes;	/* pings in flight */
	size_t nprobes;
	char **vouched;		/* domains a pong answered, and up to */
	unsigned long *vouched_upto;	/* which message it vouched */
	size_t nvouched;
	unsigned long receipts;	/* that confirmed something */
};

int
confirm_level_arg(const char *arg, enum confirm_level *level)
{
	if (strcmp(arg, "server") == 0)
		*level = CONFIRM_SERVER;
	else if (strcmp(arg, "domain") == 0)
		*level = CONFIRM_DOMAIN;
	else if (strcmp(arg, "client") == 0)
		*level = CONFIRM_CLIENT;
	else
		return 0;
	return 1;
}

/* A receipt from a recipient: its message confirmed for it. */
static int
on_receipt(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct confirm *c = arg;
	const char *id, *from = xmpp_stanza_get_from(st);
	uint64_t n;

	if (strcmp(xmpp_stanza_get_name(st), "message") != 0 ||
	    (id = message_receipt_for(st)) == NULL || from == NULL ||
	    !session_id_number(s, id, &n))
		return 1;
	if (outbox_recipient_confirmed(c->ob, n, from))
		c->receipts++;
	return 1;
}

/* The domain of a JID, prepared (as servers compare it): the caller's. */
static char *
domain_of(const char *jid)
{
	const char *at = strchr(jid, '@'), *d = at ? at + 1 : jid;
	struct buf raw = { 0 }, b = { 0 };

	buf_add(&raw, d, strcspn(d, "/"));
	jid_normalize(&b, buf_str(&raw), 1);
	buf_free(&raw);
	buf_str(&b);
	return b.p;
}

struct confirm *
confirm_new(struct session *s, struct outbox *ob, enum confirm_level level,
    char **to, int nto)
{
	struct confirm *c = xcalloc(1, sizeof(*c));
	int i;

	c->s = s;
	c->ob = ob;
	c->level = level;
	c->to = to;
	c->nto = nto;
	c->own = domain_of(session_jid(s));
	c->domain = xcalloc(nto ? nto : 1, sizeof(*c->domain));
	for (i = 0; i < nto; i++)
		c->domain[i] = domain_of(to[i]);
	if (level == CONFIRM_CLIENT)
		session_on_stanza(s, on_receipt, c);
	return c;
}

enum confirm_level
confirm_level(const struct confirm *c)
{
	return c ? c->level : CONFIRM_SERVER;
}

/* Whether recipient i is on the account's own domain. */
static int
own_domain(struct confirm *c, int i)
{
	return strcmp(c->domain[i], c->own) == 0;
}

void
confirm_await(struct confirm *c, int i)
{
	if (c == NULL || c->level == CONFIRM_SERVER || i >= c->nto)
		return;
	/* the own server is that recipient's domain: it has it */
	if (c->level == CONFIRM_DOMAIN && own_domain(c, i))
		return;
	outbox_await(c->ob, i);
}

/* ---- domain: one ping per domain, after the messages */

static int
failed_domain(struct confirm *c, const char *domain)
{
	size_t i;

	for (i = 0; i < c->nfailed; i++)
		if (strcmp(c->failed[i], domain) == 0)
			return 1;
	return 0;
}

/* How far an answered ping vouched for domain (0: none yet). */
static unsigned long *
vouched(struct confirm *c, const char *domain)
{
	size_t i;

	for (i = 0; i < c->nvouched; i++)
		if (strcmp(c->vouched[i], domain) == 0)
			return &c->vouched_upto[i];
	c->vouched = xreallocarray(c->vouched, c->nvouched + 1,
	    sizeof(*c->vouched));
	c->vouched_upto = xreallocarray(c->vouched_upto, c->nvouched + 1,
	    sizeof(*c->vouched_upto));
	c->vouched[c->nvouched] = xstrdup(domain);
	c->vouched_upto[c->nvouched] = 0;
	return &c->vouched_upto[c->nvouched++];
}

static void
pong(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct probe *p = arg;
	struct confirm *c = p->c;
	const char *type = reply ? xmpp_stanza_get_type(reply) : NULL;
	struct buf why = { 0 };
	int i;

	(void)s;
	p->done = 1;
	if (reply == NULL)
		return;		/* the stream was lost: ask again later */
	if (type && strcmp(type, "error") == 0) {
		stanza_error_desc(reply, &why);
		/*
		 * Our server's word that the domain cannot be reached; any
		 * other error is the domain's own answer (it takes no
		 * pings, say), which proves the path as well as a pong.
		 */
		if (strncmp(why.p, "remote-server-not-found", 23) == 0 ||
		    strncmp(why.p, "remote-server-timeout", 21) == 0) {
			if (!failed_domain(c, p->domain)) {
				c->failed = xreallocarray(c->failed,
				    c->nfailed + 1, sizeof(*c->failed));
				c->why = xreallocarray(c->why, c->nfailed + 1,
				    sizeof(*c->why));
				c->failed[c->nfailed] = xstrdup(p->domain);
				c->why[c->nfailed++] = xstrdup(why.p);
			}
			buf_free(&why);
			return;
		}
	}
	buf_free(&why);
	for (i = 0; i < c->nto; i++)
		if (strcmp(c->domain[i], p->domain) == 0)
			outbox_recipient_vouched(c->ob, i, p->upto);
	if (*vouched(c, p->domain) < p->upto)
		*vouched(c, p->domain) = p->upto;
}

static int
probing(struct confirm *c, const char *domain)
{
	size_t i;

	for (i = 0; i < c->nprobes; i++)
		if (!c->probes[i]->done && strcmp(c->probes[i]->domain,
		    domain) == 0)
			return 1;
	return 0;
}

/* Forgets the probes that are answered. */
static void
probes_prune(struct confirm *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->nprobes; i++) {
		if (c->probes[i]->done) {
			free(c->probes[i]->domain);
			free(c->probes[i]);
		} else
			c->probes[n++] = c->probes[i];
	}
	c->nprobes = n;
}

static void
probe_send(struct confirm *c, const char *domain, unsigned long upto)
{
	struct probe *pr = xcalloc(1, sizeof(*pr));

	pr->c = c;
	pr->domain = xstrdup(domain);
	pr->upto = upto;
	c->probes = xreallocarray(c->probes, c->nprobes + 1,
	    sizeof(*c->probes));
	c->probes[c->nprobes++] = pr;
	iq_send(c->s, "get", pr->domain, "<ping xmlns='urn:xmpp:ping'/>",
	    pong, pr);
}

/*
 * The server level's barrier for bounces: a remote domain's bounce
 * comes back after our server's ack, later than our close if nothing
 * waits for it. One ping to each other domain, answered after any
 * bounce of what went before it, catches those that come at once (an
 * unknown domain); a slow domain is no failure at this level.
 */
static void
bounce_barrier(struct confirm *c)
{
	int i;

	for (i = 0; i < c->nto; i++)
		if (!own_domain(c, i) && !probing(c, c->domain[i]) &&
		    !failed_domain(c, c->domain[i]))
			probe_send(c, c->domain[i], 0);
}

int
confirm_checkpoint(struct confirm *c)
{
	const struct outbox_msg *m;
	const char *d;
	unsigned long upto = 0;
	size_t i, k;
	int sent = 0;

	if (c == NULL || c->level != CONFIRM_DOMAIN)
		return 0;
	probes_prune(c);
	for (i = 0; i < outbox_len(c->ob); i++)
		if (outbox_at(c->ob, i)->number > upto)
			upto = outbox_at(c->ob, i)->number;
	for (i = 0; i < outbox_len(c->ob); i++) {
		m = outbox_at(c->ob, i);
		for (k = 0; m->awaiting && k < m->nto; k++) {
			if (!m->awaiting[k])
				continue;
			d = c->domain[k];	/* only to[] is awaited */
			/*
			 * One ping a domain in flight, and none for what an
			 * answer already vouched for; a ping lost with its
			 * stream vouched for nothing, and goes again.
			 */
			if (!probing(c, d) && !failed_domain(c, d) &&
			    m->number > *vouched(c, d)) {
				probe_send(c, d, upto);
				sent++;
			}
		}
	}
	return sent;
}

/* Whether anything held still awaits a confirmation that may come. */
static int
awaiting(struct confirm *c)
{
	const struct outbox_msg *m;
	size_t i, k;

	for (i = 0; i < outbox_len(c->ob); i++) {
		m = outbox_at(c->ob, i);
		for (k = 0; m->awaiting && k < m->nto; k++)
			if (m->awaiting[k] && !(c->level == CONFIRM_DOMAIN &&
			    failed_domain(c, c->domain[k])))
				return 1;
	}
	return 0;
}

static int
settled(struct session *s, void *arg)
{
	struct confirm *c = arg;
	size_t i;

	(void)s;
	if (c->level != CONFIRM_CLIENT)
		for (i = 0; i < c->nprobes; i++)
			if (!c->probes[i]->done)
				return 0;
	return c->level == CONFIRM_SERVER || !awaiting(c);
}

/*
 * Not session_until: a wait that runs out is no failure of the
 * session's (the tool says what was not confirmed, and closes).
 */
int
confirm_wait(struct confirm *c, int timeout_s)
{
	int64_t deadline = now_ms() + timeout_s * 1000LL, left;
	int r;

	if (c == NULL)
		return EX_OK;
	if (c->level == CONFIRM_SERVER)
		bounce_barrier(c);
	for (;;) {
		/* what a ping answered meanwhile did not cover asks again */
		confirm_checkpoint(c);
		if (settled(c->s, c) || signals_interrupted())
			break;
		if ((left = deadline - now_ms()) <= 0)
			break;
		if ((r = session_step(c->s, -1, (int)left)) > 1)
			return r;
	}
	return EX_OK;
}

int
confirm_needs_stream(struct confirm *c)
{
	int i;

	if (c == NULL)
		return 0;
	if (c->level != CONFIRM_SERVER)
		return 1;
	for (i = 0; i < c->nto; i++)	/* bounce_barrier's pings */
		if (!own_domain(c, i))
			return 1;
	return 0;
}

int
confirm_pending(struct confirm *c)
{
	return c && c->level != CONFIRM_SERVER && awaiting(c);
}

size_t
confirm_failed(struct confirm *c)
{
	return c ? c->nfailed : 0;
}

/* Says, for each recipient, what was confirmed. */
void
confirm_report(struct confirm *c, unsigned long sent, int verbose)
{
	static const char *by[] = { "the server", "its domain",
	    "its client" };
	const struct outbox_msg *m;
	struct buf who = { 0 };
	unsigned long missing;
	size_t i, f;
	int k;

	if (c == NULL)
		return;
	for (f = 0; f < c->nfailed; f++)
		warnx("%s: %s: what was sent there is not delivered",
		    text_shown(&who, c->failed[f]), c->why[f]);
	for (k = 0; k < c->nto; k++) {
		missing = 0;
		for (i = 0; i < outbox_len(c->ob); i++) {
			m = outbox_at(c->ob, i);
			missing += m->awaiting && (size_t)k < m->nto &&
			    m->awaiting[k];
		}
		text_shown(&who, c->to[k]);
		if (missing == 0 && verbose)
			warnx("%s: %lu of %lu confirmed by %s", who.p, sent,
			    sent, c->level == CONFIRM_DOMAIN && own_domain(c, k) ?
			    "the server" : by[c->level]);
		else if (missing && failed_domain(c, c->domain[k]))
			warnx("%s: %lu of %lu confirmed: its domain cannot be "
			    "reached", who.p, sent - missing, sent);
		else if (missing)
			warnx("%s: %lu of %lu confirmed by %s: not confirmed "
			    "in time", who.p, sent - missing, sent,
			    by[c->level]);
	}
	buf_free(&who);
}

void
confirm_free(struct confirm *c)
{
	size_t i;

	/* after session_free: the session and its handler are gone */
	if (c == NULL)
		return;
	for (i = 0; i < c->nfailed; i++) {
		free(c->failed[i]);
		free(c->why[i]);
	}
	free(c->failed);
	free(c->why);
	for (i = 0; i < c->nprobes; i++) {
		free(c->probes[i]->domain);
		free(c->probes[i]);
	}
	free(c->probes);
	for (i = 0; i < c->nvouched; i++)
		free(c->vouched[i]);
	free(c->vouched);
	free(c->vouched_upto);
	for (i = 0; i < (size_t)c->nto; i++)
		free(c->domain[i]);
	free(c->domain);
	free(c->own);
	free(c);
}
