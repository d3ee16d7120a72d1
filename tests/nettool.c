/*
 * nettool: the small network chores the test scripts need and sh lacks.
 *
 *   nettool freeport [COUNT]        print COUNT unused loopback TCP ports
 *   nettool waitport PORT [SECONDS] wait until 127.0.0.1:PORT accepts
 *   nettool blackhole               listen on a port, print it, accept
 *                                   connections and never answer, until
 *                                   stdin closes: a server that hangs;
 *                                   then print how many it accepted
 *   nettool fakexmpp MODE           a scripted XMPP server for one client,
 *                                   misbehaving as MODE says (nostarttls:
 *                                   offers no STARTTLS; failtls: answers
 *                                   STARTTLS with <failure/>); prints its
 *                                   port, then what it received: "BYTES
 *                                   bytes, auth: yes|no"
 *
 * freeport asks the kernel for ephemeral ports and keeps them all bound
 * until every one is chosen, so one call never prints the same port twice.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static int
freeport(int count)
{
	int fds[64];
	int i;

	if (count > 64)
		errx(64, "freeport: at most 64 ports at once");
	for (i = 0; i < count; i++) {
		struct sockaddr_in sin = loopback(0);
		socklen_t len = sizeof(sin);

		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(71, "socket");
		if (bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)) == -1)
			err(71, "bind");
		if (getsockname(fds[i], (struct sockaddr *)&sin, &len) == -1)
			err(71, "getsockname");
		printf("%d\n", ntohs(sin.sin_port));
	}
	for (i = 0; i < count; i++)
		close(fds[i]);
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * A server that is still starting refuses connections; one that is up
 * accepts. Nothing tells us the moment it comes up, so retry every 10 ms
 * within a deadline.
 */
static int
waitport(int port, int seconds)
{
	long long deadline = now_ms() + seconds * 1000LL;
	struct sockaddr_in sin = loopback(port);

	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd == -1)
			err(71, "socket");
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		if (errno != ECONNREFUSED)
			err(69, "connect to 127.0.0.1:%d", port);
		if (now_ms() >= deadline)
			errx(75, "127.0.0.1:%d: nothing listening after %d s",
			    port, seconds);
		poll(NULL, 0, 10);
	}
}

static int
blackhole(void)
{
	struct sockaddr_in sin = loopback(0);
	socklen_t len = sizeof(sin);
	struct pollfd pfd[2];
	int fd, held = 0;
	char buf[4096];

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(71, "socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(71, "blackhole");
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1)
			err(71, "poll");
		if (pfd[0].revents && read(STDIN_FILENO, buf, sizeof(buf)) <= 0) {
			printf("%d\n", held);
			return 0;
		}
		/* accepted and kept open, never read, never answered */
		if (pfd[1].revents && accept(fd, NULL, NULL) != -1)
			held++;
	}
}

static int
listener(int *port)
{
	struct sockaddr_in sin = loopback(0);
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(71, "socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(71, "listen");
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Reads into buf (NUL-terminated) until it holds want; 0 on EOF. */
static int
read_until(int fd, char *buf, size_t size, size_t *len, const char *want)
{
	ssize_t n;

	while (strstr(buf, want) == NULL) {
		if (*len + 1 >= size)
			return 0;
		if ((n = read(fd, buf + *len, size - 1 - *len)) <= 0)
			return 0;
		*len += n;
		buf[*len] = '\0';
	}
	return 1;
}

static int
fakexmpp(const char *mode)
{
	static char buf[1 << 16];
	static const char header[] = "<?xml version='1.0'?><stream:stream "
	    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/"
	    "streams' id='fake' from='xmpputils.test' version='1.0'>";
	static const char mechs[] = "<mechanisms xmlns='urn:ietf:params:xml:"
	    "ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>";
	size_t len = 0, after;
	int lfd, fd, port, failtls = strcmp(mode, "failtls") == 0;
	ssize_t n;

	if (!failtls && strcmp(mode, "nostarttls") != 0)
		errx(64, "fakexmpp: unknown mode %s", mode);
	lfd = listener(&port);
	printf("%d\n", port);
	fflush(stdout);
	alarm(30);
	if ((fd = accept(lfd, NULL, NULL)) == -1)
		err(71, "accept");
	buf[0] = '\0';
	if (!read_until(fd, buf, sizeof(buf), &len, "<stream:stream") ||
	    !read_until(fd, buf, sizeof(buf), &len, ">"))
		errx(65, "fakexmpp: no stream header");
	after = strstr(strstr(buf, "<stream:stream"), ">") + 1 - buf;
	dprintf(fd, "%s<stream:features>%s%s</stream:features>", header,
	    failtls ? "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" :
	    "", mechs);
	if (failtls && read_until(fd, buf, sizeof(buf), &len, "<starttls"))
		dprintf(fd, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
	/* everything the client says from now until it hangs up */
	while (len + 1 < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	printf("%zu bytes, auth: %s\n", len - after,
	    strstr(buf + after, "<auth") ? "yes" : "no");
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *errstr;
	int n = 1, secs = 20;

	if (argc >= 2 && strcmp(argv[1], "freeport") == 0) {
		if (argc > 2) {
			n = strtonum(argv[2], 1, 64, &errstr);
			if (errstr)
				errx(64, "count %s: %s", errstr, argv[2]);
		}
		return freeport(n);
	}
	if (argc >= 3 && strcmp(argv[1], "waitport") == 0) {
		n = strtonum(argv[2], 1, 65535, &errstr);
		if (errstr)
			errx(64, "port %s: %s", errstr, argv[2]);
		if (argc > 3) {
			secs = strtonum(argv[3], 1, 3600, &errstr);
			if (errstr)
				errx(64, "seconds %s: %s", errstr, argv[3]);
		}
		return waitport(n, secs);
	}
	if (argc == 2 && strcmp(argv[1], "blackhole") == 0)
		return blackhole();
	if (argc == 3 && strcmp(argv[1], "fakexmpp") == 0)
		return fakexmpp(argv[2]);
	fprintf(stderr, "usage: nettool freeport [count]\n"
	    "       nettool waitport port [seconds]\n"
	    "       nettool blackhole\n"
	    "       nettool fakexmpp nostarttls|failtls\n");
	return 64;
}
