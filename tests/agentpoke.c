/*
 * agentpoke: a hostile client of xagent's socket, for tests/t-agent-faults.sh.
 * A test double: it speaks the protocol (xagent(1)) only as far as a mode
 * needs, then breaks it on purpose, and says how the agent answered.
 *
 *   agentpoke SOCKET garbage SEED N   N pseudo-random bytes (from SEED)
 *   agentpoke SOCKET length N         a frame's length of N, nothing more
 *   agentpoke SOCKET huge JID N       greets as JID, then an S request of
 *                                     N bytes, written as long as the
 *                                     agent reads it
 *   agentpoke SOCKET bad JID N        greets, then an S request of N
 *                                     bytes that is no stanza
 *   agentpoke SOCKET noise JID SEED N greets, then N pseudo-random frames
 *                                     (any type but X, which would stop
 *                                     the agent)
 *   agentpoke SOCKET vanish JID       greets, then half a frame, and exits
 *   agentpoke SOCKET stall JID        greets, then half a frame, and waits
 *   agentpoke SOCKET silent           says nothing
 *   agentpoke SOCKET hello JID        greets, and says how it is answered
 *
 * Then (but for vanish, and hello once welcomed) it waits, 30 s at most,
 * for the agent to hang up, reading all it sends. Prints one line:
 * "welcomed as JID", "cut off: E CODE WHY" (the agent said why, then
 * hung up), "cut off: hung up" or "cut off: reset" (it hung up at once),
 * "vanished", or "not cut off". Exits 0 once cut off (or vanished, or
 * welcomed by hello), 1 if not, 3 on a failure of its own. The bytes come from a fixed generator:
 * the same SEED, the same bytes, every run.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 30000
#define MAGIC "xmpputils-agent 1\n"

static int fd = -1;
static char *error;		/* the agent's E, if it sent one */
static char *welcome;		/* its W */
static unsigned char in[1 << 20];
static size_t have;
static uint64_t lcg;

static int hangup(int64_t, const char **, int);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned
rnd(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return lcg >> 56;
}

static size_t
number(const char *s)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	if (end == s || *end)
		errx(3, "%s: not a number", s);
	return n;
}

static void
header(unsigned char *h, size_t n)
{
	h[0] = n >> 24;
	h[1] = n >> 16;
	h[2] = n >> 8;
	h[3] = n;
}

/* Takes the whole frames in `in`: a W or an E is kept. */
static void
frames(void)
{
	size_t n;

	while (have >= 4) {
		n = (size_t)in[0] << 24 | in[1] << 16 | in[2] << 8 | in[3];
		if (n == 0 || n > sizeof(in) - 4)
			errx(3, "the agent sent a frame of %zu bytes", n);
		if (have < 4 + n)
			return;
		if (in[4] == 'E' && error == NULL)
			error = strndup((char *)in + 5, n - 1);
		if (in[4] == 'W' && welcome == NULL)
			welcome = strndup((char *)in + 5, n - 1);
		memmove(in, in + 4 + n, have - 4 - n);
		have -= 4 + n;
	}
}

/*
 * Reads what there is: 1 while the agent is there, 0 once it hung up
 * (*how says how).
 */
static int
take(const char **how)
{
	ssize_t n = recv(fd, in + have, sizeof(in) - have, MSG_DONTWAIT);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n == -1 && (errno == ECONNRESET || errno == EPIPE)) {
		*how = "reset";
		return 0;
	}
	if (n == -1)
		err(3, "recv");
	if (n == 0) {
		*how = "hung up";
		return 0;
	}
	have += n;
	frames();
	return 1;
}

/*
 * Writes p (len bytes) while reading what comes: 1 once all is written,
 * 0 if the agent hung up first (*how), -1 past the deadline.
 */
static int
put(const void *p, size_t len, int64_t deadline, const char **how)
{
	struct pollfd pfd = { .fd = fd };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		pfd.events = POLLIN | POLLOUT;
		if (poll(&pfd, 1, deadline - now_ms()) <= 0)
			return -1;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) && !take(how))
			return 0;
		if (!(pfd.revents & POLLOUT))
			continue;
		n = send(fd, (const char *)p + off, len - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET)) {
			/* what it said before it hung up is still to read */
			*how = NULL;
			hangup(deadline, how, 0);
			if (*how == NULL)
				*how = "reset";
			return 0;
		}
		if (n == -1)
			err(3, "send");
		off += n;
	}
	return 1;
}

static void
frame(int type, const void *p, size_t len, int64_t deadline, const char **how)
{
	unsigned char h[5];

	header(h, len + 1);
	h[4] = type;
	if (put(h, 5, deadline, how) == 1)
		put(p, len, deadline, how);
}

/* Waits for the agent to hang up (or, for hello, to welcome us). */
static int
hangup(int64_t deadline, const char **how, int until_welcome)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (*how == NULL) {
		if (until_welcome && welcome)
			return 1;
		if (poll(&pfd, 1, deadline - now_ms()) <= 0)
			return -1;
		take(how);
	}
	return 0;
}

static void
greet(const char *jid, int64_t deadline, const char **how)
{
	char hello[1024];
	int n = snprintf(hello, sizeof(hello), MAGIC "%s\n", jid);

	frame('H', hello, n, deadline, how);
	hangup(deadline, how, 1);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: agentpoke socket garbage|length|huge|bad|"
	    "noise|vanish|silent|hello [jid] [seed] [n]\n");
	exit(3);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + WAIT_MS;
	const char *mode, *how = NULL;
	unsigned char h[5];
	char *p, pay[80];
	size_t n, i, k, len;

	if (argc < 3)
		usage();
	mode = argv[2];
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		errx(3, "%s: too long", argv[1]);
	strcpy(sun.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(3, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(3, "%s", argv[1]);

	if (strcmp(mode, "garbage") == 0 && argc == 5) {
		lcg = number(argv[3]);
		n = number(argv[4]);
		if ((p = malloc(n ? n : 1)) == NULL)
			err(3, NULL);
		for (i = 0; i < n; i++)
			p[i] = rnd();
		put(p, n, deadline, &how);
		free(p);
	} else if (strcmp(mode, "length") == 0 && argc == 4) {
		header(h, number(argv[3]));
		put(h, 4, deadline, &how);
	} else if (strcmp(mode, "huge") == 0 && argc == 5) {
		static const char start[] = "<message to='a@b'><body>";

		greet(argv[3], deadline, &how);
		n = number(argv[4]);
		if (n < sizeof(start))
			errx(3, "huge: %zu bytes is not huge", n);
		header(h, n + 1);
		h[4] = 'S';
		if (how == NULL && put(h, 5, deadline, &how) == 1)
			put(start, sizeof(start) - 1, deadline, &how);
		/* the body, 1 MB at a time: the agent may hang up long
		 * before the end */
		if ((p = malloc(1 << 20)) == NULL)
			err(3, NULL);
		memset(p, 'x', 1 << 20);
		for (i = sizeof(start) - 1; i < n && how == NULL; i += len) {
			len = n - i < (1 << 20) ? n - i : (1 << 20);
			if (put(p, len, deadline, &how) != 1)
				break;
		}
		free(p);
	} else if (strcmp(mode, "bad") == 0 && argc == 5) {
		greet(argv[3], deadline, &how);
		n = number(argv[4]);
		if ((p = malloc(n ? n : 1)) == NULL)
			err(3, NULL);
		memset(p, 'x', n);
		if (how == NULL)
			frame('S', p, n, deadline, &how);
		free(p);
	} else if (strcmp(mode, "noise") == 0 && argc == 6) {
		greet(argv[3], deadline, &how);
		lcg = number(argv[4]);
		n = number(argv[5]);
		for (i = 0; i < n && how == NULL; i++) {
			static const char types[] = "SRJQHAWEF?";

			len = rnd() % sizeof(pay);
			for (k = 0; k < len; k++)
				pay[k] = rnd();
			frame(types[rnd() % (sizeof(types) - 1)], pay, len,
			    deadline, &how);
		}
	} else if (strcmp(mode, "vanish") == 0 && argc == 4) {
		greet(argv[3], deadline, &how);
		header(h, 1000);
		h[4] = 'S';
		if (how == NULL && put(h, 5, deadline, &how) == 1 &&
		    put("<message>", 9, deadline, &how) == 1) {
			puts("vanished");
			return 0;
		}
	} else if (strcmp(mode, "stall") == 0 && argc == 4) {
		greet(argv[3], deadline, &how);
		header(h, 1000);
		h[4] = 'S';
		if (how == NULL)
			put(h, 5, deadline, &how);
	} else if (strcmp(mode, "hello") == 0 && argc == 4) {
		greet(argv[3], deadline, &how);
	} else if (strcmp(mode, "silent") != 0 || argc != 3)
		usage();

	if (strcmp(mode, "hello") == 0 && welcome) {
		/* "xmpputils-agent 1\nJID\n...": the JID */
		p = welcome + sizeof(MAGIC) - 1;
		p[strcspn(p, "\n")] = '\0';
		printf("welcomed as %s\n", p);
		return 0;
	}
	if (how == NULL)
		hangup(deadline, &how, 0);
	if (how == NULL) {
		puts("not cut off");
		return 1;
	}
	if (error)
		printf("cut off: E %s\n", error);
	else
		printf("cut off: %s\n", how);
	return 0;
}
