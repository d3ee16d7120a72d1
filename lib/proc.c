/*
 * proc.c: what a tool makes sure of about its own process: that
 * descriptors 0-2 are open before anything else is, that a password in
 * memory never lands in a core file, that what it wrote to stdout
 * got there, and (for a tool whose reader never sees stderr) what it
 * last said on stderr.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

static unsigned closed_at_start;

/*
 * As OpenSSH's sanitise_stdfd: a descriptor 0-2 that is closed gets
 * /dev/null. Otherwise the first socket we open would become stdout (and
 * a message would go onto the TCP stream in clear), or stderr, or stdin.
 */
void
stdfd_sanitise(void)
{
	int fd, nullfd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		closed_at_start |= 1u << fd;
		if ((nullfd = open("/dev/null", O_RDWR)) == -1)
			_exit(EX_SOFTWARE);	/* nowhere to say so */
		if (nullfd != fd) {	/* cannot be: fd was the lowest free */
			close(nullfd);
			_exit(EX_SOFTWARE);
		}
	}
}

int
stdfd_was_closed(int fd)
{
	return fd >= 0 && fd <= 2 && (closed_at_start & (1u << fd));
}

/*
 * Once a password is in memory: no core file (it would hold it) and no
 * ptrace by other processes of the user, which PR_SET_DUMPABLE also
 * stops.
 */
void
secrets_protect(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, c, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += n;
		len -= n;
	}
	return 0;
}

/* The first error of a write to stdout made past stdio. */
static int stdout_errno;

int
stdout_write(const void *p, size_t len)
{
	if (stdout_errno)
		return -1;
	if (write_all(STDOUT_FILENO, p, len) == 0)
		return 0;
	stdout_errno = errno ? errno : EIO;
	return -1;
}

int
stdout_failed(void)
{
	return stdout_errno;
}

int
stdout_done(int rc)
{
	int e = stdout_errno;

	errno = 0;
	if (e != 0)
		;	/* said first: later ones follow from it */
	else if (fflush(stdout) == EOF)
		e = errno ? errno : EIO;
	else if (ferror(stdout))
		e = EIO;	/* an earlier write failed: why is gone */
	else if (close(STDOUT_FILENO) == -1 && errno != EBADF)
		e = errno;
	if (e == 0 || e == EPIPE)	/* a reader that left is no error */
		return rc;
	errno = e;
	warn("stdout");
	return rc == EX_OK ? EX_IOERR : rc;
}

/* stderr_remember: the line being written, and the last message. */
static char line[512], last[512];
static size_t linelen;
static int in_message;	/* a line now goes on the last message */

/*
 * A line is whole. A message starts with "prog: " and goes on until the
 * next line that does: a line break in what it quotes (a path, a value
 * from the command line) is no end of it. Lines before the first
 * message are none.
 */
static void
line_done(void)
{
	size_t n = strlen(getprogname()), have = strlen(last);

	line[linelen] = '\0';
	if (linelen > n + 2 && strncmp(line, getprogname(), n) == 0 &&
	    strncmp(line + n, ": ", 2) == 0) {
		memcpy(last, line + n + 2, linelen - n - 1);
		in_message = 1;
	} else if (in_message && have + 1 < sizeof(last)) {
		last[have++] = '\n';
		n = linelen < sizeof(last) - 1 - have ? linelen :
		    sizeof(last) - 1 - have;	/* cut, as a long line is */
		memcpy(last + have, line, n);
		last[have + n] = '\0';
	}
	linelen = 0;
}

static ssize_t
remember_write(void *cookie, const char *p, size_t len)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < len; i++)
		if (p[i] == '\n')
			line_done();
		else if (linelen < sizeof(line) - 1)
			line[linelen++] = p[i];	/* a longer one is cut */
	return write_all(STDERR_FILENO, p, len) == -1 ? -1 : (ssize_t)len;
}

/*
 * err(3) and warn(3) write to the stream stderr points at: a stream of
 * ours in its place, unbuffered as stderr is, sees every message.
 */
void
stderr_remember(void)
{
	cookie_io_functions_t io = { .write = remember_write };
	FILE *f;

	if ((f = fopencookie(NULL, "w", io)) == NULL)
		return;		/* said as before, only not remembered */
	setvbuf(f, NULL, _IONBF, 0);
	stderr = f;
}

const char *
stderr_last(void)
{
	return last;
}

void
proc_sibling(struct buf *b, const char *tool)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	b->len = 0;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			buf_add(b, self, slash + 1 - self);
			buf_adds(b, tool);
			if (access(buf_str(b), X_OK) == 0)
				return;
		}
	}
	b->len = 0;
	buf_adds(b, tool);
	buf_str(b);
}
