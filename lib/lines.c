/*
 * lines.c: stdin a line at a time, as the lines arrive: the caller polls
 * the descriptor and calls lines_fill when it is readable, so a line is
 * handed on the moment its newline is read, not when a buffer fills.
 * Memory stays bounded: a line longer than max is reported once and
 * skipped, never buffered whole.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

#define READ_CHUNK 65536

void
lines_init(struct lines *l, int fd, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->max = max;
}

int
lines_fill(struct lines *l)
{
	ssize_t n;

	if (l->start > 0) {	/* drop what was already returned */
		memmove(l->in.p, l->in.p + l->start, l->in.len - l->start);
		l->in.len -= l->start;
		l->start = 0;
	}
	buf_reserve(&l->in, READ_CHUNK);
	/* a signal ends it even if it blocks: see signals_read */
	n = signals_read(l->fd, l->in.p + l->in.len, READ_CHUNK);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		l->eof = 1;
	l->in.len += n;
	return 0;
}

int
lines_next(struct lines *l, const char **line, size_t *len)
{
	char *p, *nl;
	size_t avail;

	for (;;) {
		if (l->in.p == NULL)	/* nothing read yet */
			return l->eof ? -1 : 0;
		p = l->in.p + l->start;
		avail = l->in.len - l->start;
		nl = avail ? memchr(p, '\n', avail) : NULL;
		if (nl && l->skipping) {	/* the end of an overlong line */
			l->skipping = 0;
			l->start += nl - p + 1;
			continue;
		}
		if (nl && (size_t)(nl - p) > l->max) {	/* overlong, but whole */
			l->lineno++;
			*line = NULL;
			*len = nl - p;
			l->start += nl - p + 1;
			return 1;
		}
		if (nl) {
			*nl = '\0';
			*line = p;
			*len = nl - p;
			l->start += *len + 1;
			l->lineno++;
			return 1;
		}
		if (l->skipping) {
			l->start = l->in.len;
			return l->eof ? -1 : 0;
		}
		if (avail > l->max) {
			l->skipping = 1;
			l->lineno++;
			*line = NULL;
			*len = avail;
			l->start = l->in.len;
			return 1;
		}
		if (l->eof && avail > 0 && !l->stopped) {
			/* a last line without '\n' */
			buf_str(&l->in);
			*line = l->in.p + l->start;
			*len = avail;
			l->start = l->in.len;
			l->lineno++;
			return 1;
		}
		return l->eof ? -1 : 0;
	}
}

void
lines_stop(struct lines *l)
{
	l->eof = l->stopped = 1;
}

int
lines_held(const struct lines *l)
{
	return l->stopped && !l->skipping && l->in.p != NULL &&
	    l->start < l->in.len;
}

int
lines_partial(struct lines *l, const char **line, size_t *len)
{
	if (!lines_held(l))
		return 0;
	buf_str(&l->in);
	*line = l->in.p + l->start;
	*len = l->in.len - l->start;
	l->start = l->in.len;
	l->lineno++;
	return 1;
}

void
lines_free(struct lines *l)
{
	buf_free(&l->in);
}
