/*
 * nettool: the small network chores the test scripts need and sh lacks.
 *
 *   nettool freeport [COUNT]        print COUNT unused loopback TCP ports
 *   nettool waitport [ADDR:]PORT... [SECONDS]
 *                                   wait until each ADDR:PORT accepts (ADDR,
 *                                   a loopback address, 127.0.0.1 by
 *                                   default), SECONDS (20) in all; given
 *                                   two or more, the last is SECONDS
 *   nettool canbind [ADDR:]PORT...  exit 0 if a listener may bind each
 *                                   (as servers do, with SO_REUSEADDR),
 *                                   else say which is taken and exit 1:
 *                                   for a server of the tests' own on an
 *                                   address of 127/8
 *   nettool blackhole               listen on a port, print it, accept
 *                                   connections and never answer, until
 *                                   stdin closes: a server that hangs;
 *                                   then print how many it accepted
 *   nettool relay PORT              a TCP relay to 127.0.0.1:PORT, for the
 *                                   fault tests: prints its own port, then
 *                                   "conn N" for each connection it takes;
 *                                   reads commands on stdin: "cut" resets
 *                                   the connections it has, "stall" stops
 *                                   forwarding on them, silently (new
 *                                   ones still pass), "mute" drops what
 *                                   their clients send from then on,
 *                                   saying "muted BYTES" (the total) as
 *                                   it does, while the server's side
 *                                   still reaches them.
 *                                   --listen LPORT: on that port, not a
 *                                   free one (it still prints it);
 *                                   --stall-after BYTES: each connection
 *                                   passes at most BYTES of its client's,
 *                                   then stalls, both ways, kept open
 *                                   ("stalled N" for the Nth): a server
 *                                   that hangs mid-upload. The relay ends
 *                                   when its stdin does
 *   nettool delay PORT [ADDR:]PORT MS COUNTFILE
 *                                   a TCP relay on 127.0.0.1's first PORT
 *                                   (0: any; it prints the one it took) to
 *                                   the second, that holds what passes MS
 *                                   milliseconds each way, as a link with
 *                                   that one-way latency would (the bench's
 *                                   login rows: this kernel has no netem),
 *                                   TCP's handshake included: nothing
 *                                   passes before 2 MS after the accept.
 *                                   One connection at a time, any number
 *                                   in turn; for each, when it ends, a line
 *                                   appended to COUNTFILE: "rtts N
 *                                   bytes_c2s N bytes_s2c N ms N", rtts
 *                                   the times data came from the server
 *                                   after the client's (the turns a login
 *                                   waits for), ms from accept to end.
 *                                   Bytes are bytes: TLS passes as it is.
 *                                   Runs until killed
 *   nettool peakrss FILE CMD...     run CMD, write its peak RSS in kB to
 *                                   FILE, exit as it did
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
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

/* ADDR (a dotted quad in 127/8) into sin, port 0; exits on any other */
static struct sockaddr_in
loopaddr(const char *addr)
{
	struct sockaddr_in sin = loopback(0);

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127)
		errx(64, "%s: not an IPv4 loopback address (127/8)", addr);
	return sin;
}

/* [ADDR:]PORT into sin; exits on a malformed one */
static struct sockaddr_in
endpoint(const char *s)
{
	struct sockaddr_in sin = loopback(0);
	const char *colon = strrchr(s, ':'), *errstr;
	char addr[INET_ADDRSTRLEN];
	int port;

	if (colon) {
		if ((size_t)(colon - s) >= sizeof(addr))
			errx(64, "%s: not ADDR:PORT", s);
		memcpy(addr, s, colon - s);
		addr[colon - s] = '\0';
		sin = loopaddr(addr);
		s = colon + 1;
	}
	port = strtonum(s, 1, 65535, &errstr);
	if (errstr)
		errx(64, "port %s: %s", errstr, s);
	sin.sin_port = htons(port);
	return sin;
}

/*
 * A server that is still starting refuses connections; one that is up
 * accepts. Nothing tells us the moment it comes up, so retry every 10 ms
 * within a deadline.
 */
static int waitone(const struct sockaddr_in *, const char *, long long, int);

static int
waitport(char **eps, int count, int seconds)
{
	long long deadline = now_ms() + seconds * 1000LL;
	char name[INET_ADDRSTRLEN];
	struct sockaddr_in sin;
	int i;

	for (i = 0; i < count; i++) {
		sin = endpoint(eps[i]);
		inet_ntop(AF_INET, &sin.sin_addr, name, sizeof(name));
		if (waitone(&sin, name, deadline, seconds) != 0)
			return 75;
	}
	return 0;
}

static int
waitone(const struct sockaddr_in *sin, const char *name, long long deadline,
    int seconds)
{
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd == -1)
			err(71, "socket");
		if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		if (errno != ECONNREFUSED)
			err(69, "connect to %s:%d", name, ntohs(sin->sin_port));
		if (now_ms() >= deadline)
			errx(75, "%s:%d: nothing listening after %d s",
			    name, ntohs(sin->sin_port), seconds);
		poll(NULL, 0, 10);
	}
}

/*
 * Whether a server could listen on each ADDR:PORT now. All are held until
 * the last is tried, so that the answer is about all of them at once;
 * SO_REUSEADDR as a server sets it, so a port in TIME_WAIT counts as free.
 */
static int
canbind(char **eps, int count)
{
	int fds[64];
	int i, n, rc = 0, on = 1;

	if (count > 64)
		errx(64, "canbind: at most 64 ports at once");
	for (n = 0; n < count; n++) {
		struct sockaddr_in sin = endpoint(eps[n]);

		if ((fds[n] = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(71, "socket");
		if (setsockopt(fds[n], SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == -1)
			err(71, "setsockopt");
		if (bind(fds[n], (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fds[n], 1) == -1) {
			warn("%s", eps[n]);
			rc = 1;
			n++;
			break;
		}
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return rc;
}

static int listener(int *);
static int listener_at(int *);

static int
blackhole(void)
{
	struct pollfd pfd[2];
	int fd, port, held = 0;
	char buf[4096];

	fd = listener(&port);
	printf("%d\n", port);
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

#define RELAY_MAX 32

struct pipe {
	int a, b;		/* client side, server side; -1 when closed */
	int id;			/* the N of "conn N" */
	int stalled;
	size_t budget;		/* client bytes it may still pass */
	int muted;		/* the client's bytes are dropped */
	size_t dropped;
};

static void
reset(int fd)
{
	struct linger lg = { 1, 0 };	/* close with RST, as a lost link */

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * Writes what came from the client, as far as the budget goes; the first
 * time it runs out, the connection stalls. -1 when the server is gone.
 */
static int
pass_client(struct pipe *p, const char *buf, size_t len)
{
	size_t n = len < p->budget ? len : p->budget;

	if (n > 0 && write(p->b, buf, n) != (ssize_t)n)
		return -1;
	p->budget -= n;
	if (n < len || p->budget == 0) {
		p->stalled = 1;
		printf("stalled %d\n", p->id);
		fflush(stdout);
	}
	return 0;
}

/*
 * What came (len, as read returned it) from side j, 0 the client's, on to
 * the other side; -1 when either is gone.
 */
static int
pass(struct pipe *p, int j, const char *buf, ssize_t len)
{
	if (len <= 0)
		return -1;
	if (j == 1)
		return write(p->a, buf, len) == len ? 0 : -1;
	if (p->muted) {
		p->dropped += len;
		printf("muted %zu\n", p->dropped);
		fflush(stdout);
		return 0;
	}
	return pass_client(p, buf, len);
}

static int
relay(int target, int port, size_t stall_after)
{
	struct pipe p[RELAY_MAX];
	struct pollfd pfd[2 + 2 * RELAY_MAX];
	struct sockaddr_in sin = loopback(target);
	char buf[65536], cmd[64];
	int lfd, n, i, k, fd, conns = 0, taken = 0;
	ssize_t len;

	signal(SIGPIPE, SIG_IGN);	/* a peer gone is a read of 0, later */
	lfd = listener_at(&port);
	/*
	 * A stall is to be seen by the client near BYTES, not megabytes
	 * later: loopback's receive buffer grows to 32 MB, and all of it
	 * would be taken as progress. (Accepted sockets inherit it.)
	 */
	if (stall_after != SIZE_MAX && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF,
	    &(int){ 65536 }, sizeof(int)) == -1)
		err(71, "setsockopt");
	printf("%d\n", port);
	fflush(stdout);
	for (;;) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = lfd;
		pfd[1].events = POLLIN;
		n = 2;
		for (i = 0; i < conns; i++) {
			pfd[n].fd = p[i].stalled ? -1 : p[i].a;
			pfd[n++].events = POLLIN;
			pfd[n].fd = p[i].stalled ? -1 : p[i].b;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, -1) == -1)
			err(71, "poll");
		if (pfd[0].revents) {
			if ((len = read(STDIN_FILENO, cmd, sizeof(cmd) - 1)) <= 0)
				return 0;
			cmd[len] = '\0';
			for (i = 0; i < conns; i++) {
				if (strncmp(cmd, "cut", 3) == 0) {
					reset(p[i].a);
					reset(p[i].b);
					p[i].a = p[i].b = -1;
					p[i].stalled = 1;
				} else if (strncmp(cmd, "stall", 5) == 0)
					p[i].stalled = 1;
				else if (strncmp(cmd, "mute", 4) == 0)
					p[i].muted = 1;
			}
		}
		if (pfd[1].revents && (fd = accept(lfd, NULL, NULL)) != -1) {
			/* a slot whose connection is over, or a new one */
			for (i = 0; i < conns && (p[i].a != -1 || p[i].b != -1);
			    i++)
				;
			if (i == RELAY_MAX) {
				close(fd);	/* a full relay drops, never hangs */
				continue;
			}
			p[i].a = fd;
			p[i].b = socket(AF_INET, SOCK_STREAM, 0);
			p[i].stalled = p[i].muted = 0;
			p[i].dropped = 0;
			p[i].budget = stall_after;
			if (connect(p[i].b, (struct sockaddr *)&sin,
			    sizeof(sin)) == -1) {
				close(p[i].a);
				close(p[i].b);
				p[i].a = p[i].b = -1;
				p[i].stalled = 1;
				continue;
			}
			if (i == conns)
				conns++;
			p[i].id = ++taken;
			printf("conn %d\n", taken);
			fflush(stdout);
			continue;	/* pfd describes the slots as they were */
		}
		for (i = 0, k = 2; i < conns && k < n; i++, k += 2) {
			int from[2] = { p[i].a, p[i].b }, j;

			for (j = 0; j < 2; j++) {
				if (!pfd[k + j].revents || p[i].stalled)
					continue;
				len = read(from[j], buf, sizeof(buf));
				if (pass(&p[i], j, buf, len) == -1) {
					close(p[i].a);
					close(p[i].b);
					p[i].a = p[i].b = -1;
					p[i].stalled = 1;
					break;
				}
			}
		}
	}
}

/*
 * delay: what one side sends is queued as it came, each chunk due MS
 * after it arrived (or after the emulated TCP handshake), and written to
 * the other side when due, as far as that side takes it: the sockets do
 * not block, so a slow reader holds up its own way only.
 */
struct chunk {
	struct chunk *next;
	long long due;
	size_t len, off;
	char data[];
};

struct way {
	int from, to;
	struct chunk *head, *tail;
	size_t bytes;
	int eof, shut;
};

static void
way_push(struct way *w, const char *buf, size_t len, long long due)
{
	struct chunk *c;

	if ((c = malloc(sizeof(*c) + len)) == NULL)
		err(71, "malloc");
	c->next = NULL;
	c->due = due;
	c->len = len;
	c->off = 0;
	memcpy(c->data, buf, len);
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->bytes += len;
}

/* Writes what is due; -1 when the other side is gone. */
static int
way_flush(struct way *w, long long now)
{
	struct chunk *c;
	ssize_t n;

	while ((c = w->head) != NULL && c->due <= now) {
		n = write(w->to, c->data + c->off, c->len - c->off);
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		if ((c->off += n) < c->len)
			return 0;
		w->head = c->next;
		if (w->head == NULL)
			w->tail = NULL;
		free(c);
	}
	/* all passed: the sender's end goes on to the other side */
	if (w->eof && w->head == NULL && !w->shut) {
		shutdown(w->to, SHUT_WR);
		w->shut = 1;
	}
	return 0;
}

static void
way_free(struct way *w)
{
	struct chunk *c;

	while ((c = w->head) != NULL) {
		w->head = c->next;
		free(c);
	}
	w->tail = NULL;
}

/* Reads what came on way i; -1 on a reset, or when its side is gone. */
static int
way_read(struct way *w, long long due)
{
	char buf[65536];
	ssize_t n;

	n = read(w->from, buf, sizeof(buf));
	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		w->eof = 1;
	else
		way_push(w, buf, n, due);
	return n;
}

/* One connection through, to its end: the line for COUNTFILE in line. */
static void
delay_conn(int c, int s, int ms, char *line, size_t size)
{
	struct way w[2] = { { c, s, NULL, NULL, 0, 0, 0 },
	    { s, c, NULL, NULL, 0, 0, 0 } };
	struct pollfd pfd[4];
	long long start = now_ms(), now, open = start + 2LL * ms, wait;
	int i, n, rtts = 0, last = -1, rc = 0;
	nfds_t k;

	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	while (rc == 0 && !(w[0].shut && w[1].shut)) {
		now = now_ms();
		wait = -1;
		for (i = 0, k = 0; i < 2; i++) {
			if (!w[i].eof) {
				pfd[k].fd = w[i].from;
				pfd[k++].events = POLLIN;
			}
			if (w[i].head && w[i].head->due <= now) {
				pfd[k].fd = w[i].to;
				pfd[k++].events = POLLOUT;
			} else if (w[i].head && (wait == -1 ||
			    w[i].head->due - now < wait))
				wait = w[i].head->due - now;
		}
		if (poll(pfd, k, wait) == -1)
			err(71, "poll");
		now = now_ms();
		for (i = 0; i < 2 && rc == 0; i++) {
			if (w[i].eof)
				continue;
			/* before the handshake is done, nothing passes */
			n = way_read(&w[i], (now > open ? now : open) + ms);
			if (n > 0 && i == 1 && last == 0)
				rtts++;	/* the server answers the client */
			if (n > 0)
				last = i;
			rc = n < 0;
		}
		for (i = 0; i < 2 && rc == 0; i++)
			rc = way_flush(&w[i], now);
	}
	snprintf(line, size, "rtts %d bytes_c2s %zu bytes_s2c %zu ms %lld\n",
	    rtts, w[0].bytes, w[1].bytes, now_ms() - start);
	way_free(&w[0]);
	way_free(&w[1]);
}

static int
delay(int port, const char *target, int ms, const char *countfile)
{
	struct sockaddr_in sin = endpoint(target);
	char line[128];
	int lfd, c, s;
	FILE *f;

	signal(SIGPIPE, SIG_IGN);	/* a peer gone is a write's EPIPE */
	lfd = listener_at(&port);
	printf("%d\n", port);
	fflush(stdout);
	for (;;) {
		if ((c = accept(lfd, NULL, NULL)) == -1)
			err(71, "accept");
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			err(71, "socket");
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			warn("delay: connect to %s", target);
			close(c);
			close(s);
			continue;
		}
		delay_conn(c, s, ms, line, sizeof(line));
		close(c);
		close(s);
		if ((f = fopen(countfile, "a")) == NULL)
			err(73, "%s", countfile);
		fputs(line, f);
		if (fclose(f) == EOF)
			err(74, "%s", countfile);
	}
}

/* Runs cmd; writes its peak RSS (kB) to file; returns its exit code. */
static int
peakrss(const char *file, char *cmd[])
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		err(71, "fork");
	if (pid == 0) {
		execvp(cmd[0], cmd);
		err(127, "%s", cmd[0]);
	}
	if (wait4(pid, &status, 0, &ru) == -1)
		err(71, "wait4");
	if ((f = fopen(file, "w")) == NULL)
		err(73, "%s", file);
	fprintf(f, "%ld\n", ru.ru_maxrss);
	fclose(f);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * A socket listening on loopback port *port, or on a free one (*port 0),
 * which then goes in *port.
 */
static int
listener_at(int *port)
{
	struct sockaddr_in sin = loopback(*port);
	socklen_t len = sizeof(sin);
	int fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(71, "socket");
	/* (a port of an earlier run may still be in TIME_WAIT) */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(71, "listen");
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A socket listening on a free loopback port, which goes in *port. */
static int
listener(int *port)
{
	*port = 0;
	return listener_at(port);
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
	signal(SIGPIPE, SIG_IGN);	/* a peer gone is a read of 0, later */
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

/* relay PORT [--listen LPORT] [--stall-after BYTES] */
static int
relay_main(int argc, char *argv[])
{
	const char *errstr;
	long long stall = -1;
	int target, port = 0, i;

	target = strtonum(argv[0], 1, 65535, &errstr);
	if (errstr)
		errx(64, "port %s: %s", errstr, argv[0]);
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0) {
			port = strtonum(argv[i + 1], 1, 65535, &errstr);
			if (errstr)
				errx(64, "port %s: %s", errstr, argv[i + 1]);
		} else if (strcmp(argv[i], "--stall-after") == 0) {
			stall = strtonum(argv[i + 1], 0, LLONG_MAX, &errstr);
			if (errstr)
				errx(64, "bytes %s: %s", errstr, argv[i + 1]);
		} else
			break;
	}
	if (i != argc)
		errx(64, "relay: %s: unknown or without its value", argv[i]);
	return relay(target, port, stall == -1 ? SIZE_MAX : (size_t)stall);
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
		n = argc - 2;
		if (n > 1) {
			n--;
			secs = strtonum(argv[argc - 1], 1, 3600, &errstr);
			if (errstr)
				errx(64, "seconds %s: %s", errstr,
				    argv[argc - 1]);
		}
		return waitport(argv + 2, n, secs);
	}
	if (argc >= 3 && strcmp(argv[1], "canbind") == 0)
		return canbind(argv + 2, argc - 2);
	if (argc == 2 && strcmp(argv[1], "blackhole") == 0)
		return blackhole();
	if (argc == 3 && strcmp(argv[1], "fakexmpp") == 0)
		return fakexmpp(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "peakrss") == 0)
		return peakrss(argv[2], argv + 3);
	if (argc >= 3 && strcmp(argv[1], "relay") == 0)
		return relay_main(argc - 2, argv + 2);
	if (argc == 6 && strcmp(argv[1], "delay") == 0) {
		n = strtonum(argv[2], 0, 65535, &errstr);
		if (errstr)
			errx(64, "port %s: %s", errstr, argv[2]);
		secs = strtonum(argv[4], 0, 60000, &errstr);
		if (errstr)
			errx(64, "milliseconds %s: %s", errstr, argv[4]);
		return delay(n, argv[3], secs, argv[5]);
	}
	fprintf(stderr, "usage: nettool freeport [count]\n"
	    "       nettool waitport [addr:]port ... [seconds]\n"
	    "       nettool canbind [addr:]port ...\n"
	    "       nettool blackhole\n"
	    "       nettool relay port [--listen lport] [--stall-after bytes]\n"
	    "       nettool delay port [addr:]port ms countfile\n"
	    "       nettool peakrss file command [arg ...]\n"
	    "       nettool fakexmpp nostarttls|failtls\n");
	return 64;
}
