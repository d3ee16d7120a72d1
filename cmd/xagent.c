/*
 * xagent: hold one logged-in session for an account and serve it to the
 * other tools on a Unix socket, so that a send costs a round trip on the
 * socket instead of a login. See xagent(1) for the protocol.
 *
 * OpenSSH's daemon discipline (ssh-agent.c, mux.c): every client is a
 * struct of its own, read and written without blocking, each bounded
 * (a frame, what waits to be written to it, its stanzas in flight); one
 * that breaks the protocol, or stops reading, is cut off alone.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "xmpputils.h"

#define MAX_CLIENTS 256
#define MAX_ROOMS 64
/* A client's stanzas the server has not confirmed, and their bytes: past
 * either, the agent reads no more of it until some are. */
#define CLIENT_IN_FLIGHT 4096
#define CLIENT_IN_FLIGHT_BYTES (4 * 1024 * 1024)
/* What waits to be written to one client: past this, it is cut off (a
 * listener that reads no more must not hold the agent's memory). */
#define CLIENT_OUT_MAX (16 * 1024 * 1024)
/* Ids of a client's own making (xraw's user's), the last so many: an
 * answer or an error with one is its. */
#define CLIENT_IQ_IDS 256
/* Clients gone whose late answers are dropped, the last so many. */
#define GONE_PREFIXES 256
/* The greeting is due this soon after connecting. */
#define HELLO_MS 10000
/* A line of the flush child's longer than this goes into the log cut. */
#define FLUSH_LINE_MAX 1024

enum { OPT_IDLE = OPT_TOOL, OPT_OLD_STATUS, OPT_OLD_STOP, OPT_FORMAT };

struct client {
	int fd;
	unsigned long number;	/* the n-th connection, for the log */
	pid_t pid;
	int greeted;
	int64_t since;
	struct agent_reader in;
	struct buf out;		/* frames not yet written */
	size_t out_off;
	char prefix[16];	/* its ids begin with it: answers are its */
	uint64_t *seqs;		/* the session's numbers of its stanzas the
				 * server has not confirmed; 0: none needed */
	size_t *sizes;		/* and their lengths */
	size_t seq_head, seq_len, seq_cap;
	size_t bytes;		/* of those */
	int64_t frame_since;	/* a frame begun and not ended since then */
	uint64_t confirmed;	/* its stanzas confirmed, told in 'A' */
	int ack_asked;		/* an 'R' waits for its answer */
	char *iq_ids[CLIENT_IQ_IDS];
	size_t iq_next;
	int listener;		/* it said its presence: it listens */
	char *presence;		/* that presence, */
	int priority;		/* its priority */
	uint64_t presence_at;	/* and when, of all the clients' */
	int active;		/* connected and greeted: the agent is in use
				 * (but by -s or -x alone) */
	int used;		/* it sent, asked for a count or joined */
	int dead;		/* cut off: closed at the end of the turn */
};

/* A room the agent is in, or joining for the clients that wait. */
struct agent_room {
	struct room *r;
	int joined;
	int64_t began;		/* the join, which -T bounds */
	unsigned long waiting[MAX_CLIENTS];	/* clients, by number */
	size_t nwaiting;
};

struct agent {
	struct session *s;
	struct account acct;
	struct common_opts *o;
	struct buf path;	/* the socket */
	int lfd;		/* listening, or -1 once stopping */
	int lockfd;
	struct client *clients[MAX_CLIENTS];
	size_t nclients;
	unsigned long connections;
	struct agent_room rooms[MAX_ROOMS];
	size_t nrooms;
	time_t started;
	int64_t idle_since;	/* no client in use since then (0: one is) */
	int idle_s;		/* --idle: exit after so long without one */
	unsigned long relayed, delivered, reconnects;
	int attempt;		/* logins tried in this outage (0: none) */
	int64_t down_since, next_try;	/* the outage, the next login */
	int64_t accept_after;	/* no accepting before (out of fds) */
	uint64_t below;		/* session_confirmed_below, last looked */
	char gone[GONE_PREFIXES][16];	/* prefixes of clients gone */
	size_t gone_next;
	char *presence;		/* the account's, from a listener: said
				 * again on a fresh stream (NULL: none) */
	int stop;		/* -x asked */
	int detached;
	char *config;		/* -f, made absolute (a detached agent
				 * runs in /): for xsend --flush */
	pid_t flush_pid;	/* xsend --flush, running (0: none) */
	int flush_fd;		/* its stdout and stderr (-1: none, or at
				 * their end) */
	struct buf flush_line;	/* what it wrote of a line so far */
};

static void
usage_lines(FILE *f)
{
	fprintf(f, "usage: %s [-F] [--idle seconds]\n\t" LOGIN_USAGE "\n"
	    "       %s -O status [--format text|json] [-qv] [-a account] "
	    "[-f config]\n\t[-T seconds] [--jid jid]\n"
	    "       %s -O stop [-qv] [-a account] [-f config] [-T seconds] "
	    "[--jid jid]\n", getprogname(), getprogname(), getprogname());
}

static void __attribute__((noreturn))
usage(int rc)
{
	usage_lines(rc == EX_OK ? stdout : stderr);
	exit(rc == EX_OK ? stdout_done(rc) : rc);
}

/* --help: every option of xagent's own, one line each. */
static const char help[] =
"Logs in once and lends the session to the other tools on a Unix socket.\n"
"\n"
"Running:\n"
"  -F, --foreground         stay in the foreground (as systemd runs it)\n"
"      --idle SECONDS       exit after SECONDS without a client (else never)\n"
"\n"
"Asking one that runs (as ssh -O does):\n"
"  -O, --control status     print its state: login, session, clients\n"
"      --format FORMAT      -O status as text (the default) or json\n"
"  -O, --control stop       stop it, once its clients' stanzas are confirmed\n";

/* -O's commands, as the agent's protocol asks them. */
static int
control_arg(const char *arg)
{
	if (strcmp(arg, "status") == 0)
		return 'Q';
	if (strcmp(arg, "stop") == 0)
		return 'X';
	bad_value(arg, "expected status or stop");
}

/* ---- clients */

static void
client_send(struct client *c, int type, const char *p, size_t len)
{
	if (c->dead)
		return;
	if (len + 1 > AGENT_FRAME_MAX_DOWN) {
		/* more than a session reads: never from a server of ours */
		warnx("client %lu (pid %ld): a stanza of %zu bytes not passed "
		    "on: over the limit", c->number, (long)c->pid, len);
		return;
	}
	if (c->out.len - c->out_off + len > CLIENT_OUT_MAX) {
		warnx("client %lu (pid %ld): reads nothing of %d MB waiting: "
		    "cut off", c->number, (long)c->pid,
		    CLIENT_OUT_MAX / (1024 * 1024));
		c->dead = 1;
		return;
	}
	agent_frame(&c->out, type, p, len);
}

static void
client_sends(struct client *c, int type, const char *p)
{
	client_send(c, type, p, strlen(p));
}

/* A protocol error: said to it (if it still reads) and cut off. */
static void
client_refuse(struct client *c, int rc, const char *why)
{
	struct buf b = { 0 };

	buf_printf(&b, "%d %s", rc, why);
	client_send(c, 'E', b.p, b.len);
	if (!c->dead)
		warnx("client %lu (pid %ld): %s", c->number, (long)c->pid, why);
	c->dead = 1;
	buf_free(&b);
}

static void
client_failed(struct client *c, int rc, const char *why)
{
	struct buf b = { 0 };

	buf_printf(&b, "%d %s", rc, why);
	client_send(c, 'F', b.p, b.len);
	buf_free(&b);
}

static int
client_write(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == -1) {
			c->dead = 1;
			return -1;
		}
		c->out_off += n;
	}
	c->out.len = c->out_off = 0;
	return 0;
}

static void
seq_push(struct client *c, uint64_t seq, size_t size)
{
	uint64_t *q;
	size_t *z, i, k, cap;

	if (c->seq_len == c->seq_cap) {
		cap = c->seq_cap ? 2 * c->seq_cap : 64;
		q = xreallocarray(NULL, cap, sizeof(*q));
		z = xreallocarray(NULL, cap, sizeof(*z));
		for (i = 0; i < c->seq_len; i++) {
			k = (c->seq_head + i) % c->seq_cap;
			q[i] = c->seqs[k];
			z[i] = c->sizes[k];
		}
		free(c->seqs);
		free(c->sizes);
		c->seqs = q;
		c->sizes = z;
		c->seq_cap = cap;
		c->seq_head = 0;
	}
	k = (c->seq_head + c->seq_len++) % c->seq_cap;
	c->seqs[k] = seq;
	c->sizes[k] = size;
	c->bytes += size;
}

/* Whether it has so much in flight that it is read no more for now. */
static int
client_full(const struct client *c)
{
	return c->seq_len >= CLIENT_IN_FLIGHT ||
	    c->bytes >= CLIENT_IN_FLIGHT_BYTES;
}

/* Tells c how many of its stanzas the server has, if that changed or
 * it asked. */
static void
client_confirm(struct client *c, uint64_t below)
{
	uint64_t before = c->confirmed;
	char n[32];

	while (c->seq_len > 0 && c->seqs[c->seq_head] < below) {
		c->bytes -= c->sizes[c->seq_head];
		c->seq_head = (c->seq_head + 1) % c->seq_cap;
		c->seq_len--;
		c->confirmed++;
	}
	if (c->confirmed != before || (c->ack_asked && c->seq_len == 0)) {
		snprintf(n, sizeof(n), "%" PRIu64, c->confirmed);
		client_sends(c, 'A', n);
		c->ack_asked = 0;
	}
}

static size_t
listeners(struct agent *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nclients; i++)
		n += a->clients[i]->listener && !a->clients[i]->dead;
	return n;
}

static void
send_xml(struct agent *a, const char *xml)
{
	struct buf b = { 0 };

	buf_adds(&b, xml);
	session_send_buf(a->s, &b);
	buf_free(&b);
}

/*
 * The account's presence is its listeners': the one with the highest
 * priority (the latest of equals), or, with none, unavailable, so that
 * the account's other clients get what is sent to the bare JID (see
 * xagent(1), LISTENERS). Sent when it changes; returns the stanza's
 * number (0: nothing sent).
 */
static uint64_t
present(struct agent *a)
{
	struct client *best = NULL, *c;
	struct buf b = { 0 };
	uint64_t seq = 0;
	size_t i;

	for (i = 0; i < a->nclients; i++) {
		c = a->clients[i];
		if (c->listener && !c->dead && (best == NULL ||
		    c->priority > best->priority || (c->priority ==
		    best->priority && c->presence_at > best->presence_at)))
			best = c;
	}
	if (best == NULL && a->presence == NULL)
		return 0;
	if (best && a->presence && strcmp(best->presence, a->presence) == 0)
		return 0;
	buf_adds(&b, best ? best->presence : "<presence type='unavailable'/>");
	seq = session_send_buf(a->s, &b);
	buf_free(&b);
	free(a->presence);
	a->presence = best ? xstrdup(best->presence) : NULL;
	return seq;
}

static void
unlisten(struct agent *a, struct client *c)
{
	if (!c->listener)
		return;
	c->listener = 0;
	present(a);
}

static void
client_free(struct agent *a, struct client *c)
{
	size_t i;

	unlisten(a, c);
	if (c->greeted) {
		memcpy(a->gone[a->gone_next], c->prefix, sizeof(c->prefix));
		a->gone_next = (a->gone_next + 1) % GONE_PREFIXES;
	}
	close(c->fd);
	agent_reader_free(&c->in);
	buf_free(&c->out);
	free(c->seqs);
	free(c->sizes);
	free(c->presence);
	for (i = 0; i < CLIENT_IQ_IDS; i++)
		free(c->iq_ids[i]);
	free(c);
}

/*
 * Whether a client uses the agent, for --idle: one that sent, or has
 * been connected a while (an xsend -l yet to read its first line);
 * not an "xagent -s", which asks and goes at once, in a loop perhaps.
 */
static int
in_use(struct agent *a)
{
	struct client *c;
	size_t i;

	for (i = 0; i < a->nclients; i++) {
		c = a->clients[i];
		if (!c->dead && (c->used || (c->active &&
		    now_ms() - c->since > 500)))
			return 1;
	}
	return 0;
}

static void
reap(struct agent *a)
{
	struct client *dead[MAX_CLIENTS];
	size_t i, n = 0, ndead = 0;

	/* out of the list first: freeing one looks at the others (unlisten
	 * counts the listeners left), which must not be freed ones */
	for (i = 0; i < a->nclients; i++) {
		if (a->clients[i]->dead)
			dead[ndead++] = a->clients[i];
		else
			a->clients[n++] = a->clients[i];
	}
	a->nclients = n;
	for (i = 0; i < ndead; i++)
		client_free(a, dead[i]);
	if (in_use(a))
		a->idle_since = 0;
	else if (a->idle_since == 0)
		a->idle_since = now_ms();
}

/* ---- what a client asks */

static int
prefix_taken(struct agent *a, const struct client *c)
{
	size_t i;

	for (i = 0; i < a->nclients; i++)
		if (a->clients[i] != c &&
		    strcmp(a->clients[i]->prefix, c->prefix) == 0)
			return 1;
	return 0;
}

static void
hello(struct agent *a, struct client *c, struct agent_msg *m)
{
	struct buf b = { 0 }, f = { 0 };
	const char *jid, *why;
	unsigned version;

	if (m->type != 'H') {
		client_refuse(c, EX_PROTOCOL, "no greeting");
		return;
	}
	if ((why = agent_hello_parse(m->p, &version, &jid)) != NULL) {
		client_refuse(c, EX_PROTOCOL, why);
		return;
	}
	if (version != AGENT_VERSION) {
		buf_printf(&b, "protocol version %u: this agent speaks %d",
		    version, AGENT_VERSION);
		client_refuse(c, EX_PROTOCOL, b.p);
		buf_free(&b);
		return;
	}
	if (!jid_bare_equal(jid, a->acct.jid)) {
		client_refuse(c, EX_CONFIG, "this agent holds another account");
		return;
	}
	do
		snprintf(c->prefix, sizeof(c->prefix), "xa%08x",
		    (unsigned)arc4random());
	while (prefix_taken(a, c));
	c->greeted = 1;
	c->active = 1;		/* an xsend -l yet to read its first line */
	buf_printf(&b, AGENT_MAGIC " %d\n%s\n%s\n", AGENT_VERSION,
	    session_jid(a->s), c->prefix);
	session_features_xml(a->s, &f);
	buf_add(&b, f.p, f.len);
	client_send(c, 'W', b.p, b.len);
	buf_free(&b);
	buf_free(&f);
}

static void
remember_id(struct client *c, const char *id)
{
	free(c->iq_ids[c->iq_next]);
	c->iq_ids[c->iq_next] = xstrdup(id);
	c->iq_next = (c->iq_next + 1) % CLIENT_IQ_IDS;
}

/* The <priority/> of a presence (0 without one), as servers read it. */
static int
priority_of(const char *xml)
{
	const char *p = strstr(xml, "<priority>");
	long n;

	if (p == NULL)
		return 0;
	n = strtol(p + 10, NULL, 10);
	return n < -128 ? -128 : n > 127 ? 127 : (int)n;
}

/*
 * Presence for all (no to, or to the account itself, which a server
 * takes the same way) says a client listens, and with what priority;
 * its unavailable that it no longer does. The account's presence then
 * follows its listeners' (present). Returns 1 for any other presence,
 * to be sent as it is; 0 with *seq what present sent (0: nothing).
 */
static int
presence(struct agent *a, struct client *c, const struct xmlin_item *it,
    uint64_t *seq)
{
	static uint64_t said;

	if (it->to != NULL && !(jid_is_bare(it->to) &&
	    jid_bare_equal(it->to, a->acct.jid)))
		return 1;
	if (it->type == NULL) {
		c->listener = 1;
		c->priority = priority_of(it->xml);
		c->presence_at = ++said;
		free(c->presence);
		c->presence = xstrndup(it->xml, it->len);
	} else if (strcmp(it->type, "unavailable") == 0)
		c->listener = 0;
	else
		return 1;
	*seq = present(a);
	return 0;
}

/* 'S': one stanza, checked as xraw checks its input, then sent. */
static void
stanza(struct agent *a, struct client *c, struct agent_msg *m)
{
	struct xmlin *x = xmlin_new(AGENT_FRAME_MAX);
	struct xmlin_item it;
	struct buf b = { 0 };
	const char *why;
	uint64_t seq = 0;

	if ((why = agent_stanza_parse(x, m->p, m->len, &it)) != NULL) {
		client_refuse(c, EX_DATAERR, why);
		xmlin_free(x);
		return;
	}
	/* ids not of its prefix (xraw's user's): their answers are its */
	if (it.id && strncmp(it.id, c->prefix, strlen(c->prefix)) != 0 &&
	    (strcmp(it.name, "iq") != 0 || (it.type &&
	    (strcmp(it.type, "get") == 0 || strcmp(it.type, "set") == 0))))
		remember_id(c, it.id);
	if (strcmp(it.name, "presence") != 0 || presence(a, c, &it, &seq)) {
		buf_add(&b, it.xml, it.len);
		seq = session_send_buf(a->s, &b);
		a->relayed++;
	}
	/* 0: nothing sent (a presence that changed nothing): confirmed as
	 * it is */
	seq_push(c, seq, m->len);
	buf_free(&b);
	xmlin_free(x);
}

static struct agent_room *
room_find(struct agent *a, const char *jid)
{
	size_t i;

	for (i = 0; i < a->nrooms; i++)
		if (jid_bare_equal(muc_jid(a->rooms[i].r), jid))
			return &a->rooms[i];
	return NULL;
}

static void
join_answer(struct client *c, struct agent_room *ar, int rc)
{
	struct buf b = { 0 };
	const char *why = ar ? muc_error(ar->r) : NULL;

	if (rc == EX_OK)
		buf_printf(&b, "0 %s/%s", muc_jid(ar->r), muc_nick(ar->r));
	else if (ar == NULL)
		buf_printf(&b, "%d the agent is in %d rooms already", rc,
		    MAX_ROOMS);
	else {
		if (why == NULL)
			why = rc == EX_TEMPFAIL ? "no answer in time" :
			    "the session failed";
		buf_printf(&b, "%d cannot join as %s: ", rc, muc_nick(ar->r));
		text_escape(&b, why, strlen(why));	/* the room's words */
	}
	client_send(c, 'J', b.p, b.len);
	buf_free(&b);
}

static struct client *
client_numbered(struct agent *a, unsigned long number)
{
	size_t i;

	for (i = 0; i < a->nclients; i++)
		if (a->clients[i]->number == number && !a->clients[i]->dead)
			return a->clients[i];
	return NULL;
}

/*
 * The rooms being joined: the clients that wait are answered once the
 * room is (or will not be), within -T. The wait never stops the loop.
 */
static void
joins(struct agent *a)
{
	struct agent_room *ar;
	struct client *c;
	size_t i, k, n = 0;
	int rc;

	for (i = 0; i < a->nrooms; i++) {
		ar = &a->rooms[i];
		if (!ar->joined) {
			rc = muc_join_poll(ar->r);
			if (rc == -1 && now_ms() - ar->began >
			    a->o->timeout * 1000LL)
				rc = EX_TEMPFAIL;
			if (rc == -1) {
				a->rooms[n++] = *ar;
				continue;
			}
			for (k = 0; k < ar->nwaiting; k++)
				if ((c = client_numbered(a, ar->waiting[k])))
					join_answer(c, ar, rc);
			ar->nwaiting = 0;
			if (rc != EX_OK) {
				muc_forget(ar->r);
				continue;
			}
			ar->joined = 1;
		}
		a->rooms[n++] = *ar;
	}
	a->nrooms = n;
}

/* 'J': a room, joined once and kept. */
static void
join(struct agent *a, struct client *c, struct agent_msg *m)
{
	struct agent_room *ar;
	char *slash = strchr(m->p, '/');

	if (muc_spec_check(m->p) != NULL || slash == NULL) {
		client_refuse(c, EX_DATAERR, "a malformed room");
		return;
	}
	*slash = '\0';
	ar = room_find(a, m->p);
	*slash = '/';
	if (ar && ar->joined && muc_left(ar->r)) {
		/* put out (kicked, say): joined again, as if anew */
		muc_forget(ar->r);
		*ar = a->rooms[--a->nrooms];
		ar = NULL;
	}
	if (ar && ar->joined) {
		join_answer(c, ar, EX_OK);
		return;
	}
	if (ar == NULL && a->nrooms == MAX_ROOMS) {
		join_answer(c, NULL, EX_UNAVAILABLE);
		return;
	}
	if (ar == NULL) {
		ar = &a->rooms[a->nrooms];
		memset(ar, 0, sizeof(*ar));
		if (muc_join_begin(&ar->r, a->s, m->p) != EX_OK) {
			client_refuse(c, EX_DATAERR, "a malformed room");
			return;
		}
		ar->began = now_ms();
		a->nrooms++;
	}
	if (ar->nwaiting < MAX_CLIENTS)
		ar->waiting[ar->nwaiting++] = c->number;
}

/* What the agent says of itself on stderr (its log), but with -q. */
static void __attribute__((format(printf, 2, 3)))
note(const struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a->o->quiet)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

static void
status(struct agent *a, struct client *c)
{
	struct buf b = { 0 };
	char when[64];
	size_t i;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
	    gmtime(&a->started));
	buf_printf(&b, "jid %s\npid %ld\nsocket %s\nsince %s\nstate %s\n"
	    "relayed %lu\nreconnects %lu\nclients %zu\nlisteners %zu\nrooms",
	    session_jid(a->s), (long)getpid(), a->path.p, when,
	    a->attempt ? "reconnecting" : "online", a->relayed,
	    a->reconnects, a->nclients - 1, listeners(a));
	for (i = 0; i < a->nrooms; i++)
		if (a->rooms[i].joined)
			buf_printf(&b, " %s", muc_jid(a->rooms[i].r));
	buf_addc(&b, '\n');
	client_send(c, 'Q', b.p, b.len);
	buf_free(&b);
}

static void
request(struct agent *a, struct client *c, struct agent_msg *m)
{
	if (!c->greeted) {
		hello(a, c, m);
		return;
	}
	if (strchr("SRJ", m->type) != NULL)
		c->used = 1;
	else if (!c->used)
		c->active = 0;	/* -s or -x: no use, for --idle */
	switch (m->type) {
	case 'S':
		stanza(a, c, m);
		break;
	case 'R':
		c->ack_asked = 1;
		session_request_ack(a->s);
		break;
	case 'J':
		join(a, c, m);
		break;
	case 'Q':
		/* not use: a loop of xagent -s keeps no idle agent up */
		status(a, c);
		break;
	case 'X':
		note(a, "asked to stop (by pid %ld)", (long)c->pid);
		client_sends(c, 'X', "");
		a->stop = 1;
		break;
	default:
		client_refuse(c, EX_PROTOCOL, "an unknown request");
	}
}

/*
 * The whole frames read from c, each handled in turn; while it has too
 * much in flight they wait (but for one that hung up: what it sent
 * before it went still goes).
 */
static void
client_take(struct agent *a, struct client *c, int gone)
{
	struct agent_msg m;
	int r = 0;

	while (!c->dead && (gone || !client_full(c)) &&
	    (r = agent_frame_next(&c->in, &m)) == 1) {
		request(a, c, &m);
		agent_frame_done(&c->in, &m);
	}
	if (!c->dead && r == -1)
		client_refuse(c, EX_PROTOCOL, m.why);
}

static void
client_read(struct agent *a, struct client *c)
{
	char chunk[65536];
	ssize_t n;

	n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n > 0)
		agent_reader_add(&c->in, chunk, n);
	client_take(a, c, n <= 0);
	if (n <= 0)
		c->dead = 1;
}

/*
 * A frame begun must end within 10 s, as the greeting must come: a
 * client that stops mid-frame holds no slot for ever (one the agent is
 * not reading, for what it has in flight, is not to blame).
 */
static void
stalled(struct client *c)
{
	if (c->dead || client_full(c) || c->in.in.len == c->in.start) {
		c->frame_since = 0;
		return;
	}
	if (c->frame_since == 0)
		c->frame_since = now_ms();
	else if (now_ms() - c->frame_since > HELLO_MS)
		client_refuse(c, EX_PROTOCOL, "a frame begun and not ended in "
		    "time");
}

static void
accept_client(struct agent *a)
{
	struct client *c;
	uid_t uid = (uid_t)-1;
	pid_t pid = 0;
	int fd;

	if ((fd = accept4(a->lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		/* out of descriptors: the socket stays readable, and the
		 * loop would spin on it; look again in a second */
		if (errno == EMFILE || errno == ENFILE) {
			warn("accept");
			a->accept_after = now_ms() + 1000;
		}
		return;
	}
	if (agent_peer(fd, &uid, &pid) == -1 || uid != geteuid()) {
		warnx("refused a client of uid %ld (pid %ld): only uid %ld's "
		    "may use this agent", (long)uid, (long)pid,
		    (long)geteuid());
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->pid = pid;
	c->number = ++a->connections;
	c->since = now_ms();
	if (a->nclients == MAX_CLIENTS) {
		client_refuse(c, EX_TEMPFAIL, "too many clients");
		client_write(c);
		client_free(a, c);
		return;
	}
	a->clients[a->nclients++] = c;
}

/* ---- what arrives from the server */

/* Whether id is one a client with that prefix made ("PREFIX-..."). */
static int
has_prefix(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);

	return id && n && strncmp(id, prefix, n) == 0 && id[n] == '-';
}

static struct client *
by_prefix(struct agent *a, const char *id)
{
	size_t i;

	for (i = 0; i < a->nclients; i++)
		if (has_prefix(id, a->clients[i]->prefix))
			return a->clients[i];
	return NULL;
}

static struct client *
by_request(struct agent *a, const char *id)
{
	size_t i, k;

	for (i = 0; id && i < a->nclients; i++)
		for (k = 0; k < CLIENT_IQ_IDS; k++)
			if (a->clients[i]->iq_ids[k] &&
			    strcmp(a->clients[i]->iq_ids[k], id) == 0)
				return a->clients[i];
	return NULL;
}

/*
 * Whose is it: the client whose id it carries (a bounce, a room's
 * reflection, an answer to its request), or whose message a receipt
 * confirms. NULL: the account's (listeners').
 */
static struct client *
owner(struct agent *a, xmpp_stanza_t *st)
{
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st);
	const char *from = xmpp_stanza_get_from(st);
	xmpp_stanza_t *r;
	struct client *c;

	/*
	 * A message a client sent the account itself comes back with its
	 * id: it is the account's (its listeners'), not an answer.
	 */
	if ((strcmp(name, "message") != 0 || (type && strcmp(type, "error") ==
	    0) || from == NULL || !jid_bare_equal(from, a->acct.jid)) &&
	    (c = by_prefix(a, id)) != NULL)
		return c;
	if (type && (strcmp(type, "error") == 0 || (strcmp(type, "result") ==
	    0 && strcmp(name, "iq") == 0)) && (c = by_request(a, id)) != NULL)
		return c;
	if (strcmp(name, "message") == 0 &&
	    (r = xmpp_stanza_get_child_by_name_and_ns(st, "received",
	    NS_RECEIPTS)) != NULL)
		return by_prefix(a, xmpp_stanza_get_attribute(r, "id"));
	return NULL;
}

/*
 * A message for the account while nobody listens: the sender is told it
 * was not taken (service-unavailable), rather than have it vanish here.
 */
static void
refuse_message(struct agent *a, xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	const char *id = xmpp_stanza_get_id(st);
	struct buf b = { 0 };

	if (from == NULL || (type && strcmp(type, "chat") &&
	    strcmp(type, "normal")) ||
	    xmpp_stanza_get_child_by_name(st, "body") == NULL)
		return;
	buf_adds(&b, "<message type='error' to='");
	xml_escape(&b, from, strlen(from));
	if (id) {
		buf_adds(&b, "' id='");
		xml_escape(&b, id, strlen(id));
	}
	buf_adds(&b, "'><error type='cancel'><service-unavailable "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
	session_send_buf(a->s, &b);
	buf_free(&b);
	if (a->o->verbose)
		warnx("a message came while nobody listens: refused it");
}

static int
is_set(xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);

	return type && strcmp(type, "set") == 0;
}

/* To every client that greeted: the account's own news. */
static void
to_all(struct agent *a, xmpp_stanza_t *st)
{
	struct buf b = { 0 };
	size_t i;

	stanza_xml(&b, st);
	for (i = 0; i < a->nclients; i++)
		if (a->clients[i]->greeted)
			client_send(a->clients[i], 'S', b.p, b.len);
	buf_free(&b);
}

/*
 * Whether st is for a client that has gone (a late bounce or receipt,
 * by its id's prefix): nobody's to see now, not the listeners'.
 */
static int
was_a_clients(struct agent *a, xmpp_stanza_t *st)
{
	const char *id = xmpp_stanza_get_id(st), *from;
	xmpp_stanza_t *r;
	size_t i;

	if (strcmp(xmpp_stanza_get_name(st), "message") == 0 &&
	    (r = xmpp_stanza_get_child_by_name_and_ns(st, "received",
	    NS_RECEIPTS)) != NULL)
		id = xmpp_stanza_get_attribute(r, "id");
	from = xmpp_stanza_get_from(st);
	if (id == NULL || (from && jid_bare_equal(from, a->acct.jid)))
		return 0;
	for (i = 0; i < GONE_PREFIXES; i++)
		if (has_prefix(id, a->gone[i]))
			return 1;
	return 0;
}

static int
route(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct agent *a = arg;
	struct client *c;
	struct buf b = { 0 };
	size_t i, n = 0;

	(void)s;
	if ((c = owner(a, st)) != NULL) {
		stanza_xml(&b, st);
		client_send(c, 'S', b.p, b.len);
		a->delivered++;
		buf_free(&b);
		return 1;
	}
	if (was_a_clients(a, st)) {
		if (a->o->verbose)
			warnx("dropped a late answer for a client gone");
		return 1;
	}
	if (strcmp(xmpp_stanza_get_name(st), "iq") == 0) {
		/* a request is answered by the session; a roster push is
		 * news to every client (xroster waits for it) */
		if (xmpp_stanza_get_child_by_name_and_ns(st, "query",
		    NS_ROSTER) && is_set(st))
			to_all(a, st);
		return 1;
	}
	for (i = 0; i < a->nclients; i++) {
		c = a->clients[i];
		if (!c->listener || c->dead)
			continue;
		if (b.len == 0)
			stanza_xml(&b, st);
		client_send(c, 'S', b.p, b.len);
		n++;
	}
	a->delivered += n > 0;
	if (n == 0 && strcmp(xmpp_stanza_get_name(st), "message") == 0)
		refuse_message(a, st);
	buf_free(&b);
	return 1;
}

/* A fresh stream: a listener's presence is said again (rooms rejoin
 * themselves). */
static int
fresh(struct session *s, void *arg)
{
	struct agent *a = arg;

	(void)s;
	if (a->presence)
		send_xml(a, a->presence);
	return EX_OK;
}

/* ---- the queue: xsend --flush through the agent's own session */

/*
 * SIGCHLD wakes the loop when the flush child ends: blocked, and let in
 * only in the loop's ppoll, as signals.c does SIGINT and SIGTERM, so
 * that one that comes between a look and the wait is not missed. The
 * handler does nothing: the loop reaps (waitpid on the child's pid,
 * never another's: a password_command's is waited for where it runs).
 */
static void
on_child(int sig)
{
	(void)sig;
}

static void
children_init(void)
{
	struct sigaction sa = { .sa_handler = on_child,
	    .sa_flags = SA_NOCLDSTOP };
	sigset_t set;

	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Ours, with XMPP_AGENT_SOCK our socket: made before the fork, so that
 * the child only execs. The strings are borrowed (environ's, *var). */
static char **
flush_env(struct agent *a, struct buf *var)
{
	extern char **environ;
	char **env;
	size_t i, k = 0, n = 0;

	while (environ[n] != NULL)
		n++;
	env = xreallocarray(NULL, n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "XMPP_AGENT_SOCK=", 16) != 0)
			env[k++] = environ[i];
	buf_printf(var, "XMPP_AGENT_SOCK=%s", a->path.p);
	env[k++] = (char *)buf_str(var);
	env[k] = NULL;
	return env;
}

/*
 * In the child: stdin /dev/null, stdout and stderr the pipe, no other
 * descriptor of ours (all are close-on-exec; close_range also takes
 * what the agent inherited), and the signals as a fresh process has
 * them (a mask and SIGPIPE's SIG_IGN would outlive exec).
 */
static void __attribute__((noreturn))
flush_exec(int out, const char *path, char *const argv[], char *const env[])
{
	sigset_t none;
	int fd;

	if ((fd = open("/dev/null", O_RDONLY)) != -1 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (dup2(out, STDOUT_FILENO) == -1 || dup2(out, STDERR_FILENO) == -1)
		_exit(127);
	close_range(3, ~0U, 0);	/* before 5.9, ENOSYS: close-on-exec does */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (strchr(path, '/'))
		execve(path, argv, env);
	else
		execvpe(path, argv, env);
	dprintf(STDERR_FILENO, "xagent: %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* The log says what runs (each word text_escape'd: a path may hold
 * any byte). */
static void
flush_said(pid_t pid, const char *argv[])
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		buf_adds(&b, i ? " " : "");
		text_escape(&b, argv[i], strlen(argv[i]));
	}
	warnx("queue flush (pid %ld): %s", (long)pid, buf_str(&b));
	buf_free(&b);
}

/*
 * The session is up (its first login, or back after an outage): what
 * the account's queue holds goes now, by "xsend --flush --agent" as a
 * client of ours, unless a flush runs already. Its output goes into the
 * log (flush_read); the loop reaps it (flush_reap).
 */
static void
flush_maybe(struct agent *a)
{
	struct buf jid = { 0 }, xsend = { 0 }, var = { 0 };
	const char *argv[10];
	char **env;
	int fds[2], n = 0;
	pid_t pid;

	jid_normalize(&jid, a->acct.jid, 1);
	if (a->flush_pid != 0 || !queue_waiting(jid.p)) {
		buf_free(&jid);
		return;
	}
	proc_sibling(&xsend, "xsend");
	argv[n++] = xsend.p;
	argv[n++] = "--flush";
	argv[n++] = "--agent";
	argv[n++] = "--jid";
	argv[n++] = jid.p;
	if (a->config) {
		argv[n++] = "-f";
		argv[n++] = a->config;
	}
	if (a->o->acct.name) {
		argv[n++] = "-a";
		argv[n++] = a->o->acct.name;
	}
	argv[n] = NULL;
	env = flush_env(a, &var);
	fflush(NULL);
	if (pipe2(fds, O_CLOEXEC) == -1)
		warn("queue flush: pipe");
	else if ((pid = fork()) == -1) {
		warn("queue flush: fork");
		close(fds[0]);
		close(fds[1]);
	} else if (pid == 0)
		flush_exec(fds[1], xsend.p, (char *const *)argv, env);
	else {
		close(fds[1]);
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		a->flush_pid = pid;
		a->flush_fd = fds[0];
		flush_said(pid, argv);
	}
	free(env);
	buf_free(&var);
	buf_free(&xsend);
	buf_free(&jid);
}

static void
flush_line_done(struct agent *a)
{
	if (a->flush_line.len > 0)
		fprintf(stderr, "%s\n", buf_str(&a->flush_line));
	a->flush_line.len = 0;
}

/*
 * What the child wrote goes into the log a whole line at a time (the
 * agent's own lines are not to cut into its), at most reads reads of it
 * now: a child that writes on and on does not hold up the loop.
 */
static void
flush_read(struct agent *a, int reads)
{
	char p[4096];
	ssize_t n, i;

	while (a->flush_fd >= 0 && reads-- > 0) {
		if ((n = read(a->flush_fd, p, sizeof(p))) == -1 &&
		    errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {	/* its end (or an error: as good as) */
			flush_line_done(a);
			close(a->flush_fd);
			a->flush_fd = -1;
			return;
		}
		for (i = 0; i < n; i++)
			if (p[i] == '\n')
				flush_line_done(a);
			else if (a->flush_line.len < FLUSH_LINE_MAX)
				buf_addc(&a->flush_line, p[i]);
	}
}

/* The child ended: the rest of what it wrote, then how it ended. */
static void
flush_reap(struct agent *a)
{
	int status;
	pid_t r;

	if (a->flush_pid == 0)
		return;
	while ((r = waitpid(a->flush_pid, &status, WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (r == 0)
		return;
	/* all it wrote is in the pipe now; what a process it started
	 * may write there later is dropped, not waited for */
	flush_read(a, 256);
	flush_line_done(a);
	if (a->flush_fd >= 0)
		close(a->flush_fd);
	a->flush_fd = -1;
	if (r == -1)
		warn("queue flush (pid %ld)", (long)a->flush_pid);
	else if (WIFEXITED(status))
		warnx("queue flush (pid %ld) exited %d", (long)a->flush_pid,
		    WEXITSTATUS(status));
	else
		warnx("queue flush (pid %ld) killed by signal %d (%s)",
		    (long)a->flush_pid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	a->flush_pid = 0;
}

/*
 * The agent ends: a flush still running is left alone, to end with its
 * connection to us (what the server did not confirm stays queued), and
 * not waited for.
 */
static void
flush_leave(struct agent *a)
{
	flush_reap(a);
	if (a->flush_pid != 0)
		warnx("queue flush (pid %ld) still running: left to end "
		    "with its connection", (long)a->flush_pid);
	if (a->flush_fd >= 0)
		close(a->flush_fd);
	a->flush_fd = -1;
	buf_free(&a->flush_line);
}

/* ---- the loop */

static void
confirmations(struct agent *a)
{
	uint64_t below = session_confirmed_below(a->s);
	size_t i;

	for (i = 0; i < a->nclients; i++)
		if (below != a->below || a->clients[i]->ack_asked ||
		    (a->clients[i]->seq_len > 0 &&
		    a->clients[i]->seqs[a->clients[i]->seq_head] == 0))
			client_confirm(a->clients[i], below);
	a->below = below;
}

static int
in_flight(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->nclients; i++)
		if (a->clients[i]->seq_len > 0)
			return 1;
	return 0;
}

/* How the agent logs in again: as long as it takes (or a signal). */
static const struct retry retry = { .attempts = RETRY_FOREVER,
    .first_ms = 500, .max_ms = 30000, .resend = 1 };

/*
 * The stream failed: the next login is due after the backoff, and
 * until then the clients are still served (what they send waits for
 * the new stream). Returns EX_OK, or the failure when no login can
 * mend it (a refused password, say).
 */
static int
outage(struct agent *a, int rc)
{
	int64_t ms;

	if (!retry_worth(a->s, rc))
		return rc;
	if (a->attempt++ == 0) {
		a->reconnects++;
		a->down_since = now_ms();
	}
	ms = retry_delay(&retry, a->attempt);
	note(a, "reconnecting in %.1f s (attempt %d)", ms / 1000.0, a->attempt);
	a->next_try = now_ms() + ms;
	return EX_OK;
}

/* A login, now that its time has come (it blocks for its own -T). */
static int
attempt(struct agent *a)
{
	int rc;

	a->next_try = 0;
	if ((rc = session_recover_once(a->s, &retry)) != EX_OK)
		return outage(a, rc);
	note(a, "back after %d attempt%s over %.1f s", a->attempt,
	    a->attempt == 1 ? "" : "s", (now_ms() - a->down_since) / 1000.0);
	a->attempt = 0;
	flush_maybe(a);
	return EX_OK;
}

/* The session's part of a turn: its poll entry, or the wait for the
 * next login while it is down. */
static int
session_prepare(struct agent *a, struct pollfd *pfd, int *timeout_ms)
{
	int64_t left;
	int rc;

	if (a->next_try == 0 && (rc = session_poll_prepare(a->s, pfd,
	    timeout_ms)) != EX_OK && (rc = outage(a, rc)) != EX_OK)
		return rc;
	if (a->next_try) {
		pfd->fd = -1;
		pfd->revents = 0;
		left = a->next_try - now_ms();
		left = left < 0 ? 0 : left;
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	return EX_OK;
}

static int
session_done(struct agent *a, struct pollfd *pfd)
{
	int rc;

	if (a->next_try == 0 && (rc = session_poll_done(a->s, pfd)) != EX_OK)
		return outage(a, rc);
	if (a->next_try && now_ms() >= a->next_try &&
	    !signals_interrupted())
		return attempt(a);
	return EX_OK;
}

/*
 * One turn: the session, the listening socket, each client. Returns
 * EX_OK, or the session's failure that no login could mend.
 */
static int
turn(struct agent *a, int timeout_ms)
{
	struct pollfd pfd[MAX_CLIENTS + 3];
	struct timespec ts;
	sigset_t mask;
	size_t i, n;
	int rc;

	if ((rc = session_prepare(a, &pfd[0], &timeout_ms)) != EX_OK)
		return rc;
	pfd[1].fd = a->accept_after > now_ms() ? -1 : a->lfd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	if (a->accept_after > now_ms())
		timeout_ms = timeout_ms < 0 || timeout_ms > 1000 ? 1000 :
		    timeout_ms;
	for (i = 0; i < a->nclients; i++) {
		pfd[i + 2].fd = a->clients[i]->fd;
		pfd[i + 2].events = (!client_full(a->clients[i]) ?
		    POLLIN : 0) | (a->clients[i]->out.len >
		    a->clients[i]->out_off ? POLLOUT : 0);
		pfd[i + 2].revents = 0;
		if (!a->clients[i]->greeted)
			timeout_ms = timeout_ms < 0 || timeout_ms > 1000 ?
			    1000 : timeout_ms;
	}
	for (i = 0; i < a->nrooms; i++)
		if (!a->rooms[i].joined)	/* -T bounds its join */
			timeout_ms = timeout_ms < 0 || timeout_ms > 1000 ?
			    1000 : timeout_ms;
	n = a->nclients;
	pfd[n + 2].fd = a->flush_fd;	/* (-1: none, or at its end) */
	pfd[n + 2].events = POLLIN;
	pfd[n + 2].revents = 0;
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
	signals_wait_mask(&mask);
	sigdelset(&mask, SIGCHLD);	/* the flush child's end wakes us */
	if (ppoll(pfd, n + 3, timeout_ms < 0 ? NULL : &ts, &mask) == -1) {
		if (errno != EINTR)
			err(EX_OSERR, "poll");
		for (i = 0; i < n + 3; i++)
			pfd[i].revents = 0;
	}
	if (pfd[n + 2].revents & (POLLIN | POLLHUP | POLLERR))
		flush_read(a, 16);
	flush_reap(a);
	if ((rc = session_done(a, &pfd[0])) != EX_OK)
		return rc;
	for (i = 0; i < n; i++) {
		struct client *c = a->clients[i];

		if (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
			client_read(a, c);
		else if (!client_full(c))
			client_take(a, c, 0);
		stalled(c);
		if (!c->greeted && !c->dead && now_ms() - c->since > HELLO_MS)
			client_refuse(c, EX_PROTOCOL, "no greeting in time");
	}
	if (a->lfd >= 0 && (pfd[1].revents & POLLIN))
		accept_client(a);
	joins(a);
	confirmations(a);
	for (i = 0; i < a->nclients; i++)
		client_write(a->clients[i]);
	reap(a);
	return EX_OK;
}

static int
idle_over(struct agent *a)
{
	return a->idle_s > 0 && a->idle_since &&
	    now_ms() - a->idle_since >= a->idle_s * 1000LL;
}

static int
serve(struct agent *a)
{
	int rc = EX_OK, wait;

	children_init();
	flush_maybe(a);		/* the first login */
	while (rc == EX_OK && !a->stop && !signals_interrupted()) {
		if (idle_over(a)) {
			note(a, "idle for %d s: stopping", a->idle_s);
			break;
		}
		wait = a->idle_s > 0 && a->idle_since ? 1000 : -1;
		rc = turn(a, wait);
	}
	return rc;
}

/*
 * Stopping: no new client; what the clients sent is confirmed (within
 * -T) before they are let go, so that each can say what was not.
 */
static int
drain(struct agent *a)
{
	int64_t deadline = now_ms() + a->o->timeout * 1000LL;
	size_t i;
	int rc = EX_OK;

	if (a->lfd >= 0) {	/* the socket is ours only once we listen */
		close(a->lfd);
		unlink(a->path.p);
	}
	a->lfd = -1;
	if (in_flight(a))
		session_request_ack(a->s);
	while (rc == EX_OK && !session_failed(a->s) && in_flight(a) &&
	    now_ms() < deadline)
		rc = turn(a, 100);
	for (i = 0; i < a->nclients; i++) {
		if (session_failed(a->s))
			/* the clients say it, not just "the agent went away" */
			client_failed(a->clients[i], session_failed(a->s),
			    session_failure(a->s));
		client_write(a->clients[i]);
	}
	return rc;
}

/* ---- setting up */

/* Two agents for one account cannot both run: the lock says which. */
static int
lock_account(struct agent *a)
{
	struct buf lock = { 0 };

	buf_printf(&lock, "%s.lock", a->path.p);
	a->lockfd = open(lock.p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (a->lockfd == -1) {
		warn("%s", lock.p);
		buf_free(&lock);
		return EX_CANTCREAT;
	}
	buf_free(&lock);
	if (flock(a->lockfd, LOCK_EX | LOCK_NB) == -1)
		return errno == EWOULDBLOCK ? -1 : EX_OSERR;
	return EX_OK;
}

/*
 * Another agent holds the lock: it is up once its socket answers (it
 * may be logging in still). Returns 0 once it does, else an exit code.
 */
static int
already_running(struct agent *a)
{
	int64_t deadline = now_ms() + a->o->timeout * 1000LL;
	int fd, busy = 0;

	/* (too busy to take us, it listens: that is an answer too) */
	while ((fd = agent_connect(a->path.p, 1, 0)) == -1 &&
	    !(busy = errno == EAGAIN) && now_ms() < deadline)
		if (signals_sleep(50))
			return EX_TEMPFAIL;
	if (fd < 0 && !busy) {
		warnx("%s: another agent holds the account's lock, but does "
		    "not answer", a->path.p);
		return EX_TEMPFAIL;
	}
	if (fd >= 0)
		close(fd);
	/* said with -v only: tools that start one at once race for it */
	if (a->o->verbose)
		warnx("an agent for %s runs already", a->acct.jid);
	return EX_OK;
}

/* A file there (XMPP_AGENT_SOCK's mistake) is not ours to remove. */
static int
socket_path_ok(struct agent *a)
{
	struct stat st;

	if (lstat(a->path.p, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		warnx("%s: not a socket: refusing to replace it", a->path.p);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

static int
listen_socket(struct agent *a)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;

	memcpy(sun.sun_path, a->path.p, a->path.len);
	if (socket_path_ok(a) != EX_OK)
		return EX_CANTCREAT;
	/* ours holds the lock: a socket there is a dead agent's */
	if (unlink(a->path.p) == 0 && a->o->verbose)
		warnx("%s: replaced a stale socket", a->path.p);
	if ((a->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		warn("socket");
		return EX_OSERR;
	}
	old = umask(077);
	if (bind(a->lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		warn("%s", a->path.p);
		return EX_CANTCREAT;
	}
	umask(old);
	if (chmod(a->path.p, 0600) == -1 || listen(a->lfd, 128) == -1) {
		warn("%s", a->path.p);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

/* Detached, what it has to say goes to syslog a line at a time. */
static ssize_t
log_write(void *cookie, const char *p, size_t len)
{
	static char line[2048];
	static size_t have;
	size_t i;

	(void)cookie;
	for (i = 0; i < len; i++) {
		if (p[i] == '\n' || have == sizeof(line) - 1) {
			line[have] = '\0';
			syslog(LOG_NOTICE, "%s", line);
			have = 0;
			if (p[i] == '\n')
				continue;
		}
		line[have++] = p[i];
	}
	return len;
}

/*
 * Up and listening: the parent says where and exits 0, so that
 * "xagent && xsend ..." never races the socket; the child goes on.
 */
static void
detach(struct agent *a)
{
	cookie_io_functions_t io = { .write = log_write };
	FILE *log;
	int fd;

	fflush(stdout);
	switch (fork()) {
	case -1:
		err(EX_OSERR, "fork");
	case 0:
		break;
	default:
		printf("%s\n", a->path.p);
		_exit(stdout_done(EX_OK));
	}
	setsid();
	if (chdir("/") == -1)
		warn("/");
	openlog("xagent", LOG_PID, LOG_USER);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if ((log = fopencookie(NULL, "w", io)) != NULL) {
		setvbuf(log, NULL, _IOLBF, 0);
		stderr = log;
	}
	a->detached = 1;
}

static int
start(struct agent *a, int foreground)
{
	int rc;

	if ((rc = account_load(&a->acct, &a->o->acct)) != EX_OK)
		return rc;
	/* the flush child runs where a detached agent does, in / */
	if (a->o->acct.file && (a->config = realpath(a->o->acct.file,
	    NULL)) == NULL)
		a->config = xstrdup(a->o->acct.file);
	if ((rc = agent_path(&a->path, a->acct.jid)) != EX_OK ||
	    (rc = agent_dir(a->path.p, 1)) != EX_OK)
		return rc;
	if ((rc = lock_account(a)) == -1)
		return already_running(a) == EX_OK ? -1 : EX_TEMPFAIL;
	if (rc != EX_OK)
		return rc;
	if ((rc = socket_path_ok(a)) != EX_OK)
		return rc;
	if ((rc = account_password(&a->acct, &a->o->acct)) != EX_OK)
		return rc;
	a->o->resumable = 1;
	rc = session_open(&a->s, &a->acct, a->o);
	if (a->s) {
		session_on_stanza(a->s, route, a);
		session_on_fresh(a->s, fresh, a);
	}
	if (rc != EX_OK)
		return rc;
	if ((rc = listen_socket(a)) != EX_OK)
		return rc;
	a->started = time(NULL);
	a->idle_since = now_ms();
	if (a->o->verbose || foreground)
		note(a, "holding %s for its tools at %s", session_jid(a->s),
		    a->path.p);
	if (!foreground)
		detach(a);
	return EX_OK;
}

static void
finish(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->nrooms; i++)
		if (a->rooms[i].joined)
			muc_leave(a->rooms[i].r);
		else
			muc_forget(a->rooms[i].r);
	if (a->s && !session_failed(a->s))
		session_close(a->s);
	session_free(a->s);
	if (a->lfd >= 0) {
		close(a->lfd);
		unlink(a->path.p);
	}
	account_free(&a->acct);
	free(a->presence);
	free(a->config);
	buf_free(&a->path);
}

/* -O twice, in any spelling (-O stop -s): one action, or a usage error. */
static int
one_action(int ask, int now)
{
	if (ask && ask != now)
		errx(EX_USAGE, "-O status and -O stop: one of them");
	return now;
}

/* -O status's counts: printed as JSON numbers, the rest as strings. */
static int
count_key(const char *k, size_t len)
{
	static const char *const counts[] = {
		"pid", "relayed", "reconnects", "clients", "listeners", NULL
	};
	int i;

	for (i = 0; counts[i]; i++)
		if (strlen(counts[i]) == len && memcmp(counts[i], k, len) == 0)
			return 1;
	return 0;
}

/* A JSON number as the agent prints one: no sign, no leading zero. */
static int
number(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return len > 0 && len < 16 && (s[0] != '0' || len == 1);
}

/*
 * -O status --format json: its "key value" lines as one object; rooms,
 * a list of words, an array; counts numbers; every string escaped. A
 * last line without its newline is a line too.
 */
static void
status_json(struct buf *b, const char *text)
{
	const char *p, *nl, *v, *w, *end;
	size_t klen;

	buf_addc(b, '{');
	for (p = text; *p; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		klen = strcspn(p, " \n");
		v = p[klen] == ' ' ? p + klen + 1 : nl;
		if (b->len > 1)
			buf_addc(b, ',');
		json_escape(b, p, klen);
		buf_addc(b, ':');
		if (klen == 5 && memcmp(p, "rooms", 5) == 0) {
			buf_addc(b, '[');
			for (w = v; w < nl; w = end + 1) {
				end = memchr(w, ' ', nl - w);
				end = end ? end : nl;
				if (w > v)
					buf_addc(b, ',');
				json_escape(b, w, end - w);
			}
			buf_addc(b, ']');
		} else if (count_key(p, klen) && number(v, nl - v))
			buf_add(b, v, nl - v);
		else
			json_escape(b, v, nl - v);
	}
	buf_adds(b, "}\n");
}

/* -O status as text: a line each, nothing in it that drives a terminal. */
static void
status_text(struct buf *b, const char *text)
{
	const char *p;
	size_t len;

	for (p = text; *p; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		text_escape(b, p, len);
		buf_addc(b, '\n');
	}
}

/* -O: the agent's own protocol, as any tool's session speaks it. */
static int
control(struct common_opts *o, int type, int json)
{
	struct account acct;
	struct session *s;
	struct buf out = { 0 };
	const char *answer;
	int rc;

	o->agent = AGENT_REQUIRED;
	o->acct.no_password = 1;
	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	free(acct.agent);	/* "auto" starts one: not to ask or stop it */
	acct.agent = NULL;
	rc = session_start(&s, &acct, o);
	if (rc == EX_UNAVAILABLE && type == 'Q')
		rc = 1;		/* -O status: "none runs" is an answer */
	if (rc == EX_OK && (answer = agent_ask(s, type)) == NULL)
		rc = session_failed(s);
	else if (rc == EX_OK && type == 'Q') {
		if (json)
			status_json(&out, answer);
		else
			status_text(&out, answer);
		if (out.len > 0)
			stdout_write(out.p, out.len);
	}
	buf_free(&out);
	session_free(s);
	account_free(&acct);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'F' },
		{ "control", required_argument, NULL, 'O' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "status", no_argument, NULL, OPT_OLD_STATUS },
		{ "stop", no_argument, NULL, OPT_OLD_STOP },
		{ "idle", required_argument, NULL, OPT_IDLE },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct agent a = { .lfd = -1, .lockfd = -1, .flush_fd = -1 };
	enum format fmt = FORMAT_TEXT;
	int ch, foreground = 0, ask = 0, formatted = 0, rc;
	size_t i;

	stdfd_sanitise();
	signals_init();
	common_init(&o);
	while ((ch = common_getopt(argc, argv, "FhO:sx" COMMON_SHORTOPTS,
	    longopts)) != -1) {
		switch (ch) {
		case 'F':
			foreground = 1;
			break;
		case 'h':
			usage(EX_OK);
		case OPT_HELP:
			help_print(usage_lines, help, HELP_NO_AGENT);
		case 'O':
			ask = one_action(ask, control_arg(optarg));
			break;
		case OPT_FORMAT:
			fmt = format_records_arg(optarg);
			formatted = 1;
			break;
		case 's':	/* xsend's -s is the subject: one meaning */
		case OPT_OLD_STATUS:
			deprecated(ch == 's' ? "-s" : "--status", "-O status");
			ask = one_action(ask, 'Q');
			break;
		case 'x':
		case OPT_OLD_STOP:
			deprecated(ch == 'x' ? "-x" : "--stop", "-O stop");
			ask = one_action(ask, 'X');
			break;
		case OPT_IDLE:
			a.idle_s = number_arg(optarg, 1, 7 * 86400,
			    option_typed());
			break;
		default:
			if (ch == OPT_AGENT || ch == OPT_NO_AGENT) {
				warnx("--agent, --no-agent: xagent is the "
				    "agent; it logs in itself");
				usage(EX_USAGE);
			}
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (optind != argc) {
		extra_argument(argv[optind]);
		usage(EX_USAGE);
	}
	if (formatted && ask != 'Q')
		errx(EX_USAGE, "--format goes with -O status");
	if (ask && o.show_cert)
		errx(EX_USAGE, "--show-cert and -O: one at a time");
	if (ask)
		return stdout_done(control(&o, ask, fmt == FORMAT_JSON));
	if (o.show_cert)
		return stdout_done(session_show_cert(&o));
	if (o.keepalive < 0)
		o.keepalive = 60;	/* a dead link shows within two */
	a.o = &o;
	o.agent = AGENT_NEVER;
	if ((rc = start(&a, foreground)) == -1) {
		/* one runs already: where, as if we had started it */
		printf("%s\n", a.path.p);
		account_free(&a.acct);
		free(a.config);
		buf_free(&a.path);
		return stdout_done(EX_OK);
	}
	if (rc == EX_OK)
		rc = serve(&a);
	if (a.s && rc == EX_OK)
		rc = drain(&a);
	else if (a.s)
		drain(&a);
	if (rc == EX_OK && signals_interrupted() && a.o->verbose)
		warnx("stopped by a signal");
	flush_leave(&a);
	finish(&a);
	/*
	 * The lock goes before the clients do: an "xagent -x" that sees us
	 * hang up can start the next agent at once.
	 */
	if (a.lockfd >= 0)
		close(a.lockfd);
	for (i = 0; i < a.nclients; i++) {
		a.clients[i]->listener = 0;	/* the session is gone */
		client_free(&a, a.clients[i]);
	}
	return a.detached ? rc : stdout_done(rc);
}
