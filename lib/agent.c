/*
 * agent.c: xagent's socket and its protocol, both ends. Where an
 * account's socket is, the frames both sides write, the credentials of
 * the process at the other end; and the client's half of a session an
 * agent holds: session_open's other path, which does over the agent's
 * socket what the rest of the session module does over a server's
 * stream (see xagent(1) for the protocol).
 *
 * A frame is a 4-byte big-endian length, then that many bytes: a type
 * letter and its payload, text without a NUL. Nothing longer than
 * AGENT_FRAME_MAX is read: whoever sends one is cut off.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "session.h"

/* ---- where the socket is */

/*
 * The path is said in messages and in -O status, a line each: a control
 * character in it (a newline, an escape, C1's CSI) would forge lines or
 * drive the terminal, and is refused.
 */
#define SOCKET_KIND "the agent's socket path"

int
agent_path(struct buf *b, const char *jid)
{
	const char *env = getenv("XMPP_AGENT_SOCK");
	const char *run = getenv("XDG_RUNTIME_DIR");
	size_t dirlen, room = sizeof(((struct sockaddr_un *)0)->sun_path);

	b->len = 0;
	if (env && *env) {
		buf_adds(b, env);
		buf_str(b);
		if (b->len >= room - 5) {
			warnx("XMPP_AGENT_SOCK: longer than a socket's path "
			    "may be");
			return EX_CONFIG;
		}
		/* a detached agent runs in /, and its tools anywhere */
		if (env[0] != '/') {
			warnx("XMPP_AGENT_SOCK: %s: not an absolute path",
			    text_shown(b, env));
			return EX_CONFIG;
		}
		return showable_name(env, "XMPP_AGENT_SOCK", SOCKET_KIND) ?
		    EX_OK : EX_CONFIG;
	}
	if (run && run[0] == '/' &&
	    !showable_name(run, "XDG_RUNTIME_DIR", SOCKET_KIND))
		return EX_CONFIG;
	if (run && run[0] == '/')
		buf_printf(b, "%s/xmpputils", run);
	else
		buf_printf(b, "/tmp/xmpputils-%u", (unsigned)getuid());
	dirlen = b->len;
	buf_addc(b, '/');
	/* the name, its '/' and ".lock" (the longest beside it) must fit */
	place_name(b, jid, dirlen + 7 <= room ? room - dirlen - 7 : 0);
	if (b->len + 5 >= room) {
		warnx("%.*s: too long a directory for the agent's socket "
		    "(set XMPP_AGENT_SOCK)", (int)dirlen, b->p);
		return EX_CONFIG;
	}
	return EX_OK;
}

/*
 * The directory the socket goes in: ours alone (0700, our uid, no
 * symbolic link), made if need be. XMPP_AGENT_SOCK's is the user's
 * choice, and only looked at.
 */
int
agent_dir(const char *path, int make)
{
	char dir[PATH_MAX], why[PATH_MAX + 64];
	char *slash;
	int rc;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return EX_OK;
	*slash = '\0';
	if (dir[0] == '\0' || getenv("XMPP_AGENT_SOCK"))
		return EX_OK;
	if ((rc = place_dir(dir, make, why, sizeof(why))) != EX_OK &&
	    why[0] != '\0')
		warnx("%s", why);
	return rc;
}

/* ---- the other end */

int
agent_peer(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	if (pid)
		*pid = cred.pid;
	return 0;
}

/* ---- frames */

void
agent_frame(struct buf *out, int type, const char *p, size_t len)
{
	unsigned char h[5];
	size_t n = len + 1;

	h[0] = n >> 24;
	h[1] = n >> 16;
	h[2] = n >> 8;
	h[3] = n;
	h[4] = type;
	buf_add(out, h, sizeof(h));
	buf_add(out, p, len);
}

void
agent_reader_add(struct agent_reader *r, const void *p, size_t len)
{
	if (r->start > 0 && r->start == r->in.len)
		r->in.len = r->start = 0;
	else if (r->start > 65536) {
		memmove(r->in.p, r->in.p + r->start, r->in.len - r->start);
		r->in.len -= r->start;
		r->start = 0;
	}
	buf_add(&r->in, p, len);
}

size_t
agent_reader_want(const struct agent_reader *r)
{
	const unsigned char *h;
	size_t have = r->in.len - r->start, n;

	if (have < 4)
		return 4 - have;
	h = (const unsigned char *)r->in.p + r->start;
	n = (size_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
	return n + 4 > have ? n + 4 - have : 0;
}

int
agent_frame_next(struct agent_reader *r, struct agent_msg *m)
{
	const unsigned char *h;
	size_t have = r->in.len - r->start, n;

	if (have < 4)
		return 0;
	h = (const unsigned char *)r->in.p + r->start;
	n = (size_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
	if (n == 0 || n > (r->max ? r->max : AGENT_FRAME_MAX)) {
		m->why = n == 0 ? "an empty frame" : "a frame over the limit";
		return -1;
	}
	if (have < 4 + n)
		return 0;
	m->type = h[4];
	m->p = (char *)h + 5;
	m->len = n - 1;
	if (memchr(m->p, '\0', m->len)) {
		m->why = "a NUL in a frame";
		return -1;
	}
	r->start += 4 + n;
	/* the next frame's length is read already: its first byte is ours */
	m->end = m->p[m->len];
	m->p[m->len] = '\0';
	return 1;
}

void
agent_frame_done(struct agent_reader *r, struct agent_msg *m)
{
	m->p[m->len] = m->end;
	(void)r;
}

void
agent_reader_free(struct agent_reader *r)
{
	buf_free(&r->in);
	r->start = 0;
}

/*
 * "<rc> <text>": an exit code and what to say. Returns the code (70
 * for one out of range) and points *text at the words.
 */
int
agent_code(const char *p, const char **text)
{
	char *end;
	long rc = strtol(p, &end, 10);

	*text = *end == ' ' ? end + 1 : end;
	return end == p || rc < 0 || rc > 125 ? EX_SOFTWARE : (int)rc;
}

/*
 * HELLO's payload: "xmpputils-agent VERSION\nJID\n". Returns NULL with
 * *version and the JID (pointing into p, which is changed) set, or why
 * it is none.
 */
const char *
agent_hello_parse(char *p, unsigned *version, const char **jid)
{
	char *nl, *end;
	unsigned long v;

	if (strncmp(p, AGENT_MAGIC " ", sizeof(AGENT_MAGIC)) != 0)
		return "not an xmpputils client";
	p += sizeof(AGENT_MAGIC);
	v = strtoul(p, &end, 10);
	if (end == p || *end != '\n' || v == 0 || v > 1000)
		return "a malformed version";
	*version = v;
	p = end + 1;
	if ((nl = strchr(p, '\n')) == NULL || nl[1] != '\0')
		return "a malformed greeting";
	*nl = '\0';
	if (jid_check(p) != NULL || strchr(p, '@') == NULL || !jid_is_bare(p))
		return "not an account's bare JID";
	*jid = p;
	return NULL;
}

/*
 * S's payload: one stanza (a message, presence or iq in jabber:client)
 * and nothing else, no larger than a server takes, read as xraw reads
 * its input: *it is it, written again by xmlin (valid until x is fed
 * again or freed). NULL, or why it is refused.
 */
const char *
agent_stanza_parse(struct xmlin *x, const char *p, size_t len,
    struct xmlin_item *it)
{
	/* the server would close the stream on it, for everyone */
	if (len > XU_STANZA_MAX)
		return "a stanza over the size limit";
	xmlin_feed(x, p, len);
	xmlin_end(x);
	if (xmlin_pending(x) != 1 || !xmlin_next(x, it) ||
	    it->kind != XMLIN_ELEMENT ||
	    (it->ns && strcmp(it->ns, "jabber:client") != 0) ||
	    (strcmp(it->name, "message") && strcmp(it->name, "presence") &&
	    strcmp(it->name, "iq")))
		return "a request to send what is not one stanza";
	return NULL;
}

/* ---- the client's half of a session */

struct agent_conn {
	char *path;
	int ready;		/* session_start's connection, for the first
				 * login; -1 once used */
	struct agent_reader in;
	struct buf out;		/* frames not yet written */
	size_t out_off;
	char *joined;		/* J's answer: the occupant JID, or NULL */
	int join_rc;		/* and its code; -1: no answer yet */
	char *status;		/* Q's answer */
	int stopping;		/* X answered */
};

/* Whether fd's other end runs as we do: an agent of someone else's is
 * none of ours, whatever its socket's mode. */
static int
agent_is_ours(int fd, const char *path)
{
	uid_t uid;

	if (agent_peer(fd, &uid, NULL) == -1) {
		warn("%s: its credentials", path);
		return 0;
	}
	if (uid != geteuid()) {
		warnx("%s: the agent runs as uid %u, not as us: refusing it",
		    path, (unsigned)uid);
		return 0;
	}
	return 1;
}

/*
 * An agent that takes no one for a while (stopped with ^Z, say) fills
 * its socket's backlog, and connect() then waits for it: without a
 * bound, past the caller's -T, with our signals blocked. wait_ms bounds
 * it; 0 waits not at all.
 */
int
agent_connect(const char *path, int quiet, int wait_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { wait_ms / 1000, wait_ms % 1000 * 1000 };
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    (wait_ms > 0 ? 0 : SOCK_NONBLOCK), 0)) == -1) {
		warn("socket");
		return -1;
	}
	if (wait_ms > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)) == -1)
		warn("agent %s: SO_SNDTIMEO", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* none, a stale socket its dead agent left, or one too
		 * busy to take us (EAGAIN: the caller says so) */
		e = errno;
		if (e != EAGAIN && (!quiet || (e != ENOENT &&
		    e != ECONNREFUSED)))
			warn("agent %s", path);
		close(fd);
		errno = e;
		return -1;
	}
	if (!agent_is_ours(fd, path)) {
		close(fd);
		return -2;
	}
	if (wait_ms <= 0)	/* blocking again, as its users expect */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static void
queue(struct session *s, int type, const char *p, size_t len)
{
	agent_frame(&s->agent->out, type, p, len);
}

/* delivery.c's out_add, for an agent: one frame a stanza. */
void
agent_out(struct session *s, const char *xml, size_t len)
{
	logread_agent(s, "SENT", xml, len);
	queue(s, 'S', xml, len);
}

/* A nonza: <r/> asks the agent; nothing else has a meaning here. */
void
agent_nonza(struct session *s, const char *xml)
{
	if (strncmp(xml, "<r ", 3) == 0)
		queue(s, 'R', "", 0);
}

/* Writes what it can without blocking; -1 once the agent is gone. */
static int
agent_write(struct session *s)
{
	struct agent_conn *a = s->agent;
	ssize_t n;

	while (a->out_off < a->out.len) {
		n = send(s->sock, a->out.p + a->out_off,
		    a->out.len - a->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == -1) {
			session_fail(s, EX_TEMPFAIL, "agent %s: %s", a->path,
			    strerror(errno));
			return -1;
		}
		a->out_off += n;
	}
	a->out.len = a->out_off = 0;
	return 0;
}

void
agent_flush(struct session *s)
{
	if (s->sock >= 0)
		agent_write(s);
}

int
agent_wants_write(struct session *s)
{
	return s->agent->out_off < s->agent->out.len;
}

static void
gone(struct session *s, int rc, const char *why)
{
	if (s->state != CLOSING)
		session_fail(s, rc, "agent %s: %s", s->agent->path, why);
	s->state = CLOSED;
	close(s->sock);
	s->sock = -1;
}

/* A stanza the agent passed on: to the session's own checks, as a
 * server's would go. */
static void
agent_stanza(struct session *s, const char *xml)
{
	xmpp_stanza_t *st;

	logread_agent(s, "RECV", xml, strlen(xml));
	st = xmpp_stanza_new_from_string(s->ctx, xml);

	if (st == NULL) {
		gone(s, EX_SOFTWARE, "passed on XML that is not a stanza");
		return;
	}
	inbound_stanza(NULL, st, s);
	xmpp_stanza_release(st);
}

static void
agent_handle(struct session *s, struct agent_msg *m)
{
	struct agent_conn *a = s->agent;
	const char *text;
	char *end;
	unsigned long long h;
	int rc;

	s->last_rx = now_ms();
	switch (m->type) {
	case 'A':
		h = strtoull(m->p, &end, 10);
		if (end == m->p || *end)
			gone(s, EX_SOFTWARE, "a malformed count");
		else
			delivery_acked(s, (uint32_t)h);
		break;
	case 'S':
		agent_stanza(s, m->p);
		break;
	case 'J':
		rc = agent_code(m->p, &text);
		free(a->joined);
		a->joined = xstrdup(text);
		a->join_rc = rc;
		break;
	case 'Q':
		free(a->status);
		a->status = xstrdup(m->p);
		break;
	case 'X':
		a->stopping = 1;
		s->state = CLOSING;	/* its hanging up is no news now */
		break;
	case 'F':
	case 'E':
		rc = agent_code(m->p, &text);
		gone(s, rc, text);
		break;
	default:
		gone(s, EX_SOFTWARE, "a frame of an unknown type");
	}
}

/* loop.c's turn of the library, for an agent: what it sent us. */
void
agent_read(struct session *s)
{
	struct agent_conn *a = s->agent;
	struct agent_msg m;
	char chunk[65536];
	ssize_t n;
	int r;

	if (s->sock < 0)
		return;
	n = recv(s->sock, chunk, sizeof(chunk), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		gone(s, EX_TEMPFAIL, n == 0 ? "the agent went away" :
		    strerror(errno));
		return;
	}
	agent_reader_add(&a->in, chunk, n);
	while (s->sock >= 0 && (r = agent_frame_next(&a->in, &m)) == 1) {
		agent_handle(s, &m);
		agent_frame_done(&a->in, &m);
	}
	if (r == -1 && s->sock >= 0)
		gone(s, EX_SOFTWARE, m.why);
}

/* Waits for the agent's welcome, until deadline (or a signal). */
static int
welcome(struct session *s, struct agent_msg *m, int64_t deadline)
{
	struct agent_conn *a = s->agent;
	char chunk[4096];
	ssize_t n;
	int r;

	for (;;) {
		if ((r = agent_frame_next(&a->in, m)) != 0)
			break;
		if ((r = wait_readable(s->sock, deadline)) <= 0) {
			session_fail(s, EX_TEMPFAIL, "agent %s: %s", a->path,
			    r == 0 ? "no answer in time" : "interrupted");
			return -1;
		}
		if ((n = recv(s->sock, chunk, sizeof(chunk), 0)) <= 0) {
			session_fail(s, EX_TEMPFAIL, "agent %s: %s", a->path,
			    n == 0 ? "it hung up" : strerror(errno));
			return -1;
		}
		agent_reader_add(&a->in, chunk, n);
	}
	if (r == -1) {
		session_fail(s, EX_SOFTWARE, "agent %s: %s", a->path, m->why);
		return -1;
	}
	return 0;
}

/*
 * WELCOME: "xmpputils-agent 1\nFULL-JID\nPREFIX\nFEATURES". The prefix
 * is ours alone among the agent's clients: what comes back with it is
 * ours.
 */
static int
welcomed(struct session *s, char *p)
{
	char *jid, *prefix, *features;

	if (strncmp(p, AGENT_MAGIC " 1\n", sizeof(AGENT_MAGIC) + 2) != 0 ||
	    (jid = strchr(p, '\n')) == NULL ||
	    (prefix = strchr(++jid, '\n')) == NULL ||
	    (features = strchr(++prefix, '\n')) == NULL)
		return 0;
	prefix[-1] = features[0] = '\0';
	features++;
	if (strlen(prefix) == 0 || strlen(prefix) >= sizeof(s->prefix) ||
	    jid_check(jid) != NULL || !jid_bare_equal(jid, s->acct->jid))
		return 0;
	free(s->bound);
	s->bound = xstrdup(jid);
	snprintf(s->prefix, sizeof(s->prefix), "%s", prefix);
	if (s->features)
		xmpp_stanza_release(s->features);
	s->features = *features ? xmpp_stanza_new_from_string(s->ctx,
	    features) : NULL;
	return 1;
}

/*
 * session.c's login, for an agent: connect, greet, and be welcomed. A
 * reconnect is a fresh stream (the agent holds no state of ours).
 */
int
agent_login(struct session *s)
{
	struct agent_conn *a = s->agent;
	struct agent_msg m;
	struct buf hello = { 0 };
	const char *text;
	int64_t deadline = now_ms() + s->timeout_ms;
	int rc, busy;

	if (s->sock >= 0)
		close(s->sock);
	s->sock = a->ready;
	a->ready = -1;
	s->failed = s->why_rc = s->refused = 0;
	s->failure[0] = '\0';
	s->state = CONNECTING;
	agent_reader_free(&a->in);
	a->out.len = a->out_off = 0;
	timing_begin(s);	/* (session_start's connection: made at once) */
	snprintf(s->report.where, sizeof(s->report.where), "the agent %s",
	    a->path);
	if (s->sock < 0 && (s->sock = agent_connect(a->path, 0,
	    s->timeout_ms)) < 0) {
		busy = s->sock == -1 && errno == EAGAIN;
		s->sock = -1;
		timing_failed(s);
		if (busy)
			session_fail(s, EX_TEMPFAIL, "agent %s: no answer in "
			    "time", a->path);
		else
			session_fail(s, EX_UNAVAILABLE, "agent %s: cannot "
			    "reach it", a->path);
		return s->failed;
	}
	timing_mark(s, PHASE_TCP);
	buf_printf(&hello, AGENT_MAGIC " %d\n", AGENT_VERSION);
	jid_normalize(&hello, s->acct->jid, 1);
	buf_addc(&hello, '\n');
	queue(s, 'H', hello.p, hello.len);
	buf_free(&hello);
	if (agent_write(s) == -1 || welcome(s, &m, deadline) == -1) {
		gone(s, s->failed ? s->failed : EX_TEMPFAIL, "no welcome");
		return s->failed;
	}
	if (m.type == 'E' || m.type == 'F') {
		rc = agent_code(m.p, &text);
		session_fail(s, rc, "agent %s: %s", a->path, text);
		agent_frame_done(&a->in, &m);
		close(s->sock);
		s->sock = -1;
		s->state = CLOSED;
		return s->failed;
	}
	if (m.type != 'W' || !welcomed(s, m.p)) {
		agent_frame_done(&a->in, &m);
		gone(s, EX_SOFTWARE, "a malformed welcome");
		return s->failed;
	}
	agent_frame_done(&a->in, &m);
	timing_mark(s, PHASE_BIND);
	s->report.sm = SM_ENABLED;
	s->state = ONLINE;
	s->last_rx = now_ms();
	delivery_new_stream(s, 0, 0);
	s->sm = 1;		/* the agent counts what the server took */
	if (s->verbose) {
		struct buf b = { 0 };

		session_note(s, "logged in as %s via the agent %s",
		    text_shown(&b, session_jid(s)), a->path);
		buf_free(&b);
	}
	return EX_OK;
}

/*
 * fd: the connection that found the agent up (session_start's), or -1.
 * It is the first login's: a second connection would cost the agent an
 * accept and a client that hangs up unheard, for each tool it serves.
 */
void
agent_attach(struct session *s, const char *path, int fd)
{
	s->agent = xcalloc(1, sizeof(*s->agent));
	s->agent->path = xstrdup(path);
	s->agent->ready = fd;
	s->agent->join_rc = -1;
	s->agent->in.max = AGENT_FRAME_MAX_DOWN;
}

void
agent_close(struct session *s)
{
	if (s->sock >= 0) {
		agent_write(s);
		close(s->sock);
	}
	s->sock = -1;
	s->state = CLOSED;
}

void
agent_free(struct session *s)
{
	struct agent_conn *a = s->agent;

	if (a == NULL)
		return;
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
	if (a->ready >= 0)
		close(a->ready);
	agent_reader_free(&a->in);
	buf_free(&a->out);
	free(a->joined);
	free(a->status);
	free(a->path);
	free(a);
	s->agent = NULL;
}

int
session_agent(struct session *s)
{
	return s->agent != NULL;
}

static int
join_answered(struct session *s, void *arg)
{
	(void)arg;
	return s->agent->join_rc != -1;
}

/*
 * muc.c's join, through the agent: it joins once and stays. Returns an
 * exit code, with *nick the nick the agent is in the room as.
 */
int
agent_join(struct session *s, const char *room, const char *nick,
    char **joined_as)
{
	struct agent_conn *a = s->agent;
	struct buf b = { 0 };
	const char *slash;
	int rc;

	buf_printf(&b, "%s/%s", room, nick);
	a->join_rc = -1;
	queue(s, 'J', b.p, b.len);
	buf_free(&b);
	if ((rc = session_until(s, join_answered, NULL,
	    "the agent to join the room")) != EX_OK)
		return rc;
	if (a->join_rc != EX_OK) {
		warnx("room %s: %s", room, a->joined);
		return a->join_rc;
	}
	slash = strchr(a->joined, '/');
	*joined_as = xstrdup(slash ? slash + 1 : nick);
	return EX_OK;
}

static int
status_answered(struct session *s, void *arg)
{
	(void)arg;
	return s->agent->status != NULL || s->agent->stopping;
}

static int
hung_up(struct session *s, void *arg)
{
	(void)arg;
	return s->sock < 0;
}

/*
 * xagent -s and -x: asks, and returns the answer (the session's). -x's
 * is the agent hanging up, once its clients are let go.
 */
const char *
agent_ask(struct session *s, int type)
{
	queue(s, type, "", 0);
	if (session_until(s, status_answered, NULL, "the agent to answer") !=
	    EX_OK)
		return NULL;
	if (type == 'X' && session_until(s, hung_up, NULL,
	    "the agent to stop") != EX_OK)
		return NULL;
	return s->agent->status ? s->agent->status : "";
}

/* ---- starting one (agent = auto, --agent-persist) */

/* xagent beside the running tool (a build tree, a test), else PATH's. */
static void
exec_agent(char *argv[])
{
	struct buf path = { 0 };

	proc_sibling(&path, "xagent");
	if (strchr(path.p, '/'))
		execv(path.p, argv);
	else
		execvp(path.p, argv);
	warn("xagent");
	_exit(127);
}

#define ARG(flag, value) do {						\
	if ((value) != NULL) {						\
		argv[argc++] = (flag);					\
		argv[argc++] = (char *)(value);				\
	}								\
} while (0)

/*
 * Starts xagent with our account's options, to idle `idle` seconds:
 * it returns once its session is up and its socket listens (or it
 * failed, and said why on our stderr).
 */
int
agent_spawn(const struct common_opts *o, int idle)
{
	const struct account_opts *a = &o->acct;
	char *argv[40], idles[16], timeout[16];
	int argc = 0, status, devnull;
	pid_t pid;

	snprintf(idles, sizeof(idles), "%d", idle);
	snprintf(timeout, sizeof(timeout), "%d", o->timeout);
	argv[argc++] = "xagent";
	ARG("--idle", idles);
	ARG("-T", timeout);
	ARG("-a", a->name);
	ARG("-f", a->file);
	ARG("--jid", a->jid);
	ARG("--server", a->server);
	ARG("--port", a->port);
	ARG("--resource", a->resource);
	ARG("--cafile", a->cafile);
	ARG("--tls", a->tls);
	ARG("--pin", a->pin);
	/* the daemon must hold none of the caller's descriptors (a pipe
	 * it held would keep its reader waiting): the password's, as 3 */
	ARG("--password-fd", a->password_fd ? "3" : NULL);
	if (o->insecure)
		argv[argc++] = "--insecure";
	if (o->insecure_plaintext)
		argv[argc++] = "--insecure-plaintext";
	argv[argc] = NULL;
	if (o->verbose)
		warnx("no agent runs: starting one, to idle %d s", idle);
	switch (pid = fork()) {
	case -1:
		warn("fork");
		return EX_OSERR;
	case 0:
		/* its stdout says where it listens: not ours to print */
		if ((devnull = open("/dev/null", O_WRONLY)) != -1) {
			dup2(devnull, STDOUT_FILENO);
			if (devnull != STDOUT_FILENO)
				close(devnull);
		}
		if (a->password_fd && dup2(strtonum(a->password_fd, 0, 1024,
		    NULL), 3) == -1)
			_exit(EX_OSERR);
		closefrom(a->password_fd ? 4 : 3);
		exec_agent(argv);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			warn("waitpid");
			return EX_OSERR;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return EX_OK;
	warnx("starting an agent failed: %s %d", WIFEXITED(status) ?
	    "it exited with" : "killed by signal", WIFEXITED(status) ?
	    WEXITSTATUS(status) : WTERMSIG(status));
	return WIFEXITED(status) && WEXITSTATUS(status) != 127 ?
	    WEXITSTATUS(status) : EX_UNAVAILABLE;
}
