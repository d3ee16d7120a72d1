/*
 * loop.c: the event loop. It is ours (poll on the library's socket and
 * on whatever else the tool watches), so a tool can send each stdin line
 * the moment it arrives and a daemon can serve its clients beside the
 * stream; libstrophe does the rest with xmpp_run_once(ctx, 0). Every
 * wait the session makes once online is bounded here: see deadlines.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"

#define LOOP_TICK_MS 1000	/* the library's timers want a turn */

int
session_failed(struct session *s)
{
	return s->failed;
}

/*
 * Acknowledge the server's segments at once. Our delayed ACK holds back
 * a server that writes two small records in a row with Nagle on (the
 * TLS session tickets, for one): a 40 ms stall each time. Linux leaves
 * quick-ack mode on its own, so it is asked for before every turn.
 */
static void
quickack(struct session *s)
{
	int one = 1;

	if (s->sock >= 0)
		setsockopt(s->sock, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
}

/*
 * The library keeps a stanza whole in memory until it ends, however
 * long: a server (or whoever is in between) sending one without end
 * would take all we have. Bytes read since the last element ended are
 * counted, and past the limit the connection is cut.
 */
#define PARTIAL_MAX (1024 * 1024)

static void
account_bytes(struct session *s, int taken, int ended)
{
	s->partial = ended ? (size_t)taken : s->partial + taken;
	if (s->partial > PARTIAL_MAX) {
		session_fail(s, EX_UNAVAILABLE, "%s: more than %d kB without "
		    "the end of a stanza: refusing it", s->host,
		    PARTIAL_MAX / 1024);
		session_cut(s);
	}
}

/* Bytes the kernel holds for us to read. */
static int
unread(struct session *s)
{
	int n = 0;

	if (s->sock < 0 || ioctl(s->sock, FIONREAD, &n) == -1)
		return 0;
	return n;
}

/*
 * Lets the library work until it has nothing left that we cannot see.
 * A turn (xmpp_run_once) first writes what the last one queued, then
 * reads at most 4 kB. Two things it does are invisible to our poll: the
 * rest of a TLS record of up to 16 kB waits in OpenSSL's buffer, not the
 * kernel's; and what it queues itself while logging in and out
 * (STARTTLS, auth, bind, the closing tag), which xmpp_conn_send_queue_len
 * does not count, goes out only on the next turn.
 *
 * So: while logging in and out, when the library logs every step, turn
 * until a turn logs nothing. Otherwise, after a turn takes bytes off the
 * socket, four more: three for the rest of its record, one to send what
 * it queued; and one after the socket woke us, for the same reason.
 */
static void
run_library(struct session *s, int woke)
{
	int owed = woke ? 2 : 1, before, taken;
	unsigned long logged, stanzas;

	while (owed-- > 0 && s->state != CLOSED) {
		before = unread(s);
		logged = s->logged;
		stanzas = s->stanzas;
		quickack(s);
		xmpp_run_once(s->ctx, 0);
		if (s->xml_broken && !s->failed) {
			session_fail(s, EX_UNAVAILABLE, "%s: the server sent "
			    "XML that is not well-formed", s->host);
			session_cut(s);
		}
		if (s->stanzas != stanzas)
			s->last_rx = now_ms();	/* a sign of life */
		if ((taken = before - unread(s)) > 0) {
			owed = 4;
			account_bytes(s, taken, s->stanzas != stanzas);
		} else if (owed == 0 && (unread(s) > 0 ||
		    s->logged != logged))
			owed = 1;
	}
}

/* Makes *timeout_ms (-1: none) end at the latest when `at` comes. */
static void
wake_by(int *timeout_ms, int64_t at, int64_t now)
{
	int64_t left = at - now;

	if (*timeout_ms < 0 || left < *timeout_ms)
		*timeout_ms = left > 0 ? (int)left : 0;
}

/*
 * What the session waits for once online, each bounded. A confirmation
 * asked for, and a resumed stream's first answer, within -T (one clock:
 * delivery.c sets it). And a dead link is silent: after --keepalive
 * seconds without a whole element from the server, ask for a sign of
 * life (<r/>, or a ping); if that many more pass without one, the
 * connection is dead. Bytes alone do not count: whitespace pings prove
 * little, and a server that drips a stanza forever is as dead as a
 * silent one. Shortens *timeout_ms to the next moment to look. Returns
 * 1 once the session has failed.
 */
static int
deadlines(struct session *s, int *timeout_ms)
{
	int64_t k = (int64_t)s->opts->keepalive * 1000, now;

	if (s->state != ONLINE)
		return 0;
	now = now_ms();
	if (s->awaiting && now - s->awaiting >= s->timeout_ms) {
		if (s->resume_check)
			session_fail(s, EX_TEMPFAIL, "%s: no answer on the "
			    "resumed stream in %d s", s->host,
			    s->timeout_ms / 1000);
		else
			session_fail(s, EX_TEMPFAIL, "%s: timed out after %d s "
			    "waiting for the server to confirm delivery",
			    s->host, s->timeout_ms / 1000);
		session_cut(s);
		return 1;
	}
	if (s->awaiting)
		wake_by(timeout_ms, s->awaiting + s->timeout_ms, now);
	if (k <= 0)
		return 0;
	if (s->probe_at && s->last_rx >= s->probe_at)
		s->probe_at = 0;
	if (s->probe_at && now - s->probe_at >= k) {
		session_fail(s, EX_TEMPFAIL, "%s: no answer in %d s: the "
		    "connection is dead", s->host, s->opts->keepalive);
		session_cut(s);
		return 1;
	}
	if (!s->probe_at && now - s->last_rx >= k) {
		s->probe_at = now;
		delivery_probe(s);
	}
	wake_by(timeout_ms, (s->probe_at ? s->probe_at : s->last_rx) + k,
	    now);
	return 0;
}

int
session_poll_prepare(struct session *s, struct pollfd *pfd, int *timeout_ms)
{
	pfd->fd = -1;
	pfd->events = pfd->revents = 0;
	if (s->failed || deadlines(s, timeout_ms))
		return s->failed;
	delivery_flush(s);
	if (s->agent && s->sock >= 0 && s->state != CLOSED) {
		pfd->fd = s->sock;
		pfd->events = POLLIN | (agent_wants_write(s) ? POLLOUT : 0);
	} else if (s->sock >= 0 && s->state != CLOSED) {
		pfd->fd = s->sock;
		pfd->events = POLLIN;
		/* writable: a TCP connect finished, or room for the queue */
		if (xmpp_conn_is_connecting(s->conn) ||
		    xmpp_conn_send_queue_len(s->conn) > 0)
			pfd->events |= POLLOUT;
	}
	if (s->state != CLOSED &&
	    (*timeout_ms < 0 || *timeout_ms > LOOP_TICK_MS))
		*timeout_ms = LOOP_TICK_MS;
	return EX_OK;
}

int
session_poll_done(struct session *s, const struct pollfd *pfd)
{
	if (s->agent && s->state != CLOSED && pfd->fd >= 0 &&
	    (pfd->revents & (POLLIN | POLLHUP | POLLERR)))
		agent_read(s);
	else if (s->agent && pfd->fd >= 0 && (pfd->revents & POLLOUT))
		agent_flush(s);
	else if (!s->agent && s->state != CLOSED)
		run_library(s, pfd->fd >= 0 && pfd->revents);
	return s->failed;
}

int
session_step(struct session *s, int fd, int timeout_ms)
{
	struct pollfd pfd[2];
	struct timespec ts, *tsp = NULL;
	sigset_t unblocked;
	int r;

	if (session_poll_prepare(s, &pfd[0], &timeout_ms) != EX_OK)
		return s->failed;
	pfd[1].fd = fd;		/* poll skips a negative fd */
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	signals_wait_mask(&unblocked);
	r = ppoll(pfd, 2, tsp, &unblocked);
	if (r < 0 && errno != EINTR) {
		session_fail(s, EX_SOFTWARE, "poll: %s", strerror(errno));
		return s->failed;
	}
	if (r < 0)
		pfd[0].revents = pfd[1].revents = 0;
	if (session_poll_done(s, &pfd[0]) != EX_OK)
		return s->failed;
	return fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) ?
	    1 : 0;
}

int
session_until(struct session *s, int (*done)(struct session *, void *),
    void *arg, const char *what)
{
	int64_t deadline = now_ms() + s->timeout_ms, left;

	for (;;) {
		if (done(s, arg))
			return EX_OK;
		if (s->failed)
			return s->failed;
		if (s->state == CLOSED) {
			session_fail(s, EX_TEMPFAIL, "%s: the connection "
			    "closed while waiting for %s", s->host, what);
			return s->failed;
		}
		if ((left = deadline - now_ms()) <= 0) {
			session_fail(s, EX_TEMPFAIL, "%s: timed out after %d s "
			    "waiting for %s", s->host, s->timeout_ms / 1000,
			    what);
			return s->failed;
		}
		session_step(s, -1, (int)left);
	}
}
