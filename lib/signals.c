/*
 * signals.c: the process's signals. SIGINT and SIGTERM ask for a
 * graceful end, and so does SIGHUP (the terminal or the ssh session
 * gone) unless the tool was started with it ignored (nohup(1)): they are blocked except while a session waits in
 * ppoll, so none is lost between checking the flag and sleeping, and
 * every wait is bounded by the timeout, so a second one is no different
 * (timeout(1), for one, signals twice).
 *
 * A read the tool makes outside a session (its config, a password, at
 * the prompt too, a whole message on stdin) waits the same way, in
 * ppoll with the two let in (wait_readable): a signal ends it at once,
 * and the tool then sends nothing.
 *
 * SIGALRM bounds what libstrophe does in one blocking call (the TLS
 * handshake): the alarm shuts the socket down, which makes that call
 * fail on its own, and the session then says it timed out. It never
 * exits the process: that is the tool's to decide, and a daemon's
 * other clients are not to be dropped because one login hung. SIGINT
 * and SIGTERM are let in during such a call (blocking_begin) and do the
 * same, so that the user need not wait for the alarm.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "session.h"

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t fired;
static const int *volatile armed_sock;
static volatile sig_atomic_t in_read;	/* a signal jumps to out_of_read */
static sigjmp_buf out_of_read;
static volatile sig_atomic_t in_blocking;	/* a signal shuts armed_sock */

static void
on_signal(int sig)
{
	const int *sock = armed_sock;

	(void)sig;
	interrupted = 1;
	if (in_blocking && sock && *sock >= 0)
		shutdown(*sock, SHUT_RDWR);
	if (in_read) {
		in_read = 0;
		siglongjmp(out_of_read, 1);
	}
}

void
signals_init(void)
{
	static int done;
	struct sigaction sa = { 0 }, old;
	sigset_t set;

	if (done++)
		return;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

int
signals_interrupted(void)
{
	return interrupted;
}

void
signals_wait_mask(sigset_t *set)
{
	sigprocmask(SIG_SETMASK, NULL, set);
	sigdelset(set, SIGINT);
	sigdelset(set, SIGTERM);
	sigdelset(set, SIGHUP);
}

int
signals_sleep(int64_t ms)
{
	struct timespec ts;
	sigset_t unblocked;

	if (ms < 1)
		ms = 1;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	signals_wait_mask(&unblocked);
	ppoll(NULL, 0, &ts, &unblocked);
	return interrupted;
}

/* ---- reads that a signal ends */

int
wait_readable(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	sigset_t unblocked;
	int64_t left;
	int r;

	signals_wait_mask(&unblocked);
	for (;;) {
		if (interrupted)
			return -1;
		if (deadline) {
			if ((left = deadline - now_ms()) <= 0)
				return 0;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			tsp = &ts;
		}
		/*
		 * Readable, at its end, or not a descriptor: read says. So
		 * too if ppoll itself fails (ENOMEM), rather than spin.
		 */
		if ((r = ppoll(&pfd, 1, tsp, &unblocked)) > 0 ||
		    (r == -1 && errno != EINTR))
			return 1;
	}
}

/*
 * poll said readable, but ^C on a terminal throws away the line typed
 * (and another process may read what a pipe held): the read may block
 * after all. The signals are let in for it, and one that comes before
 * it returns jumps out (sigsetjmp restores the mask): the tool ends on
 * it. Only a signal in the few instructions between the read's return
 * and in_read's clearing throws away what it read; one after that is
 * seen by the flag alone. One that came
 * before is no reason not to read (xsend takes what waits on stdin for
 * --unsent once signalled): wait_readable is where that counts.
 */
ssize_t
signals_read(int fd, void *p, size_t cap)
{
	sigset_t unblocked, both;
	ssize_t n;
	int e;

	signals_wait_mask(&unblocked);
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	sigaddset(&both, SIGHUP);
	if (sigsetjmp(out_of_read, 1)) {
		errno = EINTR;
		return -1;
	}
	in_read = 1;
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	n = read(fd, p, cap);
	/* at once: a signal from here on must not throw away what came */
	in_read = 0;
	e = errno;
	sigprocmask(SIG_BLOCK, &both, NULL);
	errno = e;
	return n;
}

ssize_t
read_by(int fd, void *p, size_t cap, int64_t deadline)
{
	ssize_t n;
	int r;

	for (;;) {
		if ((r = wait_readable(fd, deadline)) <= 0) {
			errno = r < 0 ? EINTR : ETIMEDOUT;
			return -1;
		}
		/* EAGAIN: a descriptor left non-blocking, read by another */
		if ((n = signals_read(fd, p, cap)) >= 0 ||
		    (errno != EINTR && errno != EAGAIN))
			return n;
	}
}

int
interrupted_nothing_sent(void)
{
	warnx("interrupted: nothing sent");
	return EX_TEMPFAIL;
}

/* ---- the library's blocking calls */

static sigset_t blocked_before;

void
blocking_begin(void)
{
	sigset_t unblocked;

	signals_wait_mask(&unblocked);
	in_blocking = 1;
	sigprocmask(SIG_SETMASK, &unblocked, &blocked_before);
}

int
blocking_end(void)
{
	sigprocmask(SIG_SETMASK, &blocked_before, NULL);
	in_blocking = 0;
	return interrupted;
}

/* ---- the alarm */

static void
on_alarm(int sig)
{
	const int *sock = armed_sock;

	(void)sig;
	fired = 1;
	if (sock && *sock >= 0)
		shutdown(*sock, SHUT_RDWR);
}

/*
 * *sock is read when the alarm goes off: the socket may be made after
 * arming (the library connects within the armed phase).
 */
void
watchdog_arm(const int *sock, int seconds)
{
	struct itimerval it = { 0 };
	struct sigaction sa = { 0 };

	fired = 0;
	armed_sock = sock;
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = seconds > 0 ? seconds : 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

int
watchdog_disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
	armed_sock = NULL;
	return fired;
}

int
watchdog_fired(void)
{
	return fired;
}
