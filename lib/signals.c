/*
 * signals.c: the process's signals. SIGINT and SIGTERM ask for a
 * graceful end: they are blocked except while a session waits in
 * ppoll, so none is lost between checking the flag and sleeping, and
 * every wait is bounded by the timeout, so a second one is no different
 * (timeout(1), for one, signals twice).
 *
 * SIGALRM bounds what libstrophe does in one blocking call (the TLS
 * handshake): the alarm shuts the socket down, which makes that call
 * fail on its own, and the session then says it timed out. It never
 * exits the process: that is the tool's to decide, and a daemon's
 * other clients are not to be dropped because one login hung.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <poll.h>
#include <signal.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t fired;
static const int *volatile armed_sock;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void
signals_init(void)
{
	static int done;
	struct sigaction sa = { 0 };
	sigset_t set;

	if (done++)
		return;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
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
