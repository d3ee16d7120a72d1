/*
 * attach.c: saving what a message links to (xlisten --download).
 *
 * The URL is the sender's to choose, and so is every byte of it: the
 * local name keeps only [A-Za-z0-9._-] of its last path segment, and the
 * file is made inside one directory, opened once, by names relative to
 * it, never through a symlink and never over a file that is there. A
 * download goes to a hidden temporary name first and takes its own name
 * only once it is whole, so that a reader of the directory never sees
 * half a file, and a failed one leaves nothing.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

/* The temporary file's name: hidden, so no derived name can be one. */
#define TMP_PREFIX ".xlisten-"
/* How far "name-N.ext" goes looking for a free name. */
#define NUMBERED_MAX 9999
/* An extension this long at most is kept when a name is cut short. */
#define EXT_MAX 16

static int
safe_byte(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Where a name's extension begins (its last '.', not the first byte);
 * len when it has none or one too long to be worth keeping. */
static size_t
ext_start(const char *name, size_t len)
{
	size_t i = len;

	while (i > 1 && name[i - 1] != '.')
		i--;
	if (i <= 1 || len - (i - 1) > EXT_MAX)
		return len;
	return i - 1;
}

/* Appends stem (cut to fit), suffix and ext: at most ATTACH_NAME_MAX. */
static void
fit(struct buf *b, const char *stem, size_t stemlen, const char *suffix,
    const char *ext, size_t extlen)
{
	size_t room = ATTACH_NAME_MAX - strlen(suffix) - extlen;

	buf_add(b, stem, stemlen < room ? stemlen : room);
	buf_adds(b, suffix);
	buf_add(b, ext, extlen);
	buf_str(b);
}

void
attach_local_name(struct buf *b, const char *url)
{
	struct buf raw = { 0 };
	const char *p = url, *seg, *end;
	size_t i, e, n;
	int hi, lo;

	/* past the scheme and the authority: the path alone counts */
	n = strcspn(p, ":/?#");
	if (strncmp(p + n, "://", 3) == 0)
		p += n + 3 + strcspn(p + n + 3, "/?#");
	end = p + strcspn(p, "?#");
	for (seg = end; seg > p && seg[-1] != '/'; seg--)
		;
	/* percent-decoded first, so that %2F or %00 is judged as a byte */
	for (; seg < end; seg++) {
		if (*seg == '%' && (hi = hex_value(seg[1])) >= 0 &&
		    (lo = hex_value(seg[2])) >= 0) {
			buf_addc(&raw, (char)(hi << 4 | lo));
			seg += 2;
		} else
			buf_addc(&raw, *seg);
	}
	/*
	 * then made safe: a leading '.' would hide it (or be ".."), a
	 * leading '-' be an option to `rm *` in the directory
	 */
	for (i = 0; i < raw.len && raw.p[i] == '.'; i++)
		;
	e = b->len;
	for (; i < raw.len; i++)
		buf_addc(b, safe_byte((unsigned char)raw.p[i]) &&
		    !(b->len == e && raw.p[i] == '-') ? raw.p[i] : '_');
	if (b->len == e)
		buf_adds(b, "file");
	if (b->len - e > ATTACH_NAME_MAX) {
		/* cut the stem short, and keep an extension worth keeping */
		raw.len = 0;
		buf_add(&raw, b->p + e, b->len - e);
		b->len = e;
		i = ext_start(raw.p, raw.len);
		fit(b, raw.p, i, "", raw.p + i, raw.len - i);
	}
	buf_str(b);
	buf_free(&raw);
}

void
attach_numbered_name(struct buf *b, const char *name, unsigned n)
{
	size_t len = strlen(name), e = ext_start(name, len);
	char suffix[16];

	snprintf(suffix, sizeof(suffix), "-%u", n);
	fit(b, name, e, suffix, name + e, len - e);
}

const char *
attach_size_parse(const char *s, uint64_t *bytes)
{
	uint64_t n = 0, unit = 1;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return "too large";
		n = n * 10 + (*p - '0');
	}
	if (p == s)
		return "not a number";
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		unit = 1024;
		break;
	case 'M':
		unit = 1024 * 1024;
		break;
	case 'G':
		unit = 1024 * 1024 * 1024;
		break;
	default:
		return "expected a number of bytes, with k, M or G after it";
	}
	if (*p && p[1])
		return "expected a number of bytes, with k, M or G after it";
	if (n > UINT64_MAX / unit)
		return "too large";
	if (n == 0)
		return "too small";
	*bytes = n * unit;
	return NULL;
}

int
attach_dir_open(struct attach_dir *d, const char *path)
{
	struct stat st;
	size_t len = strlen(path);
	char *bare;

	d->fd = -1;
	d->shown = NULL;
	/* its name begins every path printed of what is saved in it */
	if (!showable_name(path, "--download", "the directory's name"))
		return EX_CANTCREAT;
	/*
	 * Not through a symlink: its target could be changed under us.
	 * (O_NOFOLLOW ignores a symlink named with a trailing '/': the
	 * name is looked at without it.)
	 */
	while (len > 1 && path[len - 1] == '/')
		len--;
	bare = xstrndup(path, len);
	d->fd = open(bare, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd == -1) {
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    lstat(bare, &st) == 0 && S_ISLNK(st.st_mode))
			warnx("--download %s: a symlink: give the directory "
			    "itself", path);
		else
			warn("--download %s", path);
		free(bare);
		return EX_CANTCREAT;
	}
	if (fstat(d->fd, &st) == -1)
		err(EX_OSERR, "--download %s", path);
	/*
	 * Anyone else who may write in it could swap a file we saved for
	 * theirs under the name we print, or fill it for us.
	 */
	d->shown = bare;
	if (st.st_uid != geteuid()) {
		warnx("--download %s: owned by another user", path);
		attach_dir_close(d);
		return EX_CANTCREAT;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		warnx("--download %s: others can write in it", path);
		attach_dir_close(d);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

void
attach_dir_close(struct attach_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->shown);
	d->shown = NULL;
}

/* A new hidden file in the directory, 0600: its descriptor, name in b. */
static int
tmp_open(struct attach_dir *d, struct buf *b)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int fd, tries, i;

	for (tries = 0; tries < 100; tries++) {
		b->len = 0;
		buf_adds(b, TMP_PREFIX);
		for (i = 0; i < 10; i++)
			buf_addc(b, set[arc4random_uniform(sizeof(set) - 1)]);
		fd = openat(d->fd, buf_str(b), O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/*
 * Gives the whole file at tmp its name: name, else name-1, name-2...,
 * the first that is free, in *final. Never over what is there (a file,
 * or a symlink planted for us to write through): renameat2's
 * RENAME_NOREPLACE, or on a file system without it link(2), both
 * atomic, so that the name appears with the whole file or not at all.
 */
static int
take_name(struct attach_dir *d, const char *tmp, const char *name,
    struct buf *final)
{
	unsigned n;
	int r;

	for (n = 0; n <= NUMBERED_MAX; n++) {
		final->len = 0;
		if (n == 0)
			buf_adds(final, name);
		else
			attach_numbered_name(final, name, n);
		r = renameat2(d->fd, tmp, d->fd, buf_str(final),
		    RENAME_NOREPLACE);
		if (r == -1 && errno == EINVAL &&
		    (r = linkat(d->fd, tmp, d->fd, final->p, 0)) == 0)
			unlinkat(d->fd, tmp, 0);
		if (r == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/*
 * A URL as messages name it: without what may be a secret in it (a
 * user and password before the host, a token in the query).
 */
static void
url_shown(struct buf *b, const char *url)
{
	const char *host = strstr(url, "://"), *at, *q;

	host = host ? host + 3 : url;
	text_escape(b, url, host - url);
	at = memrchr(host, '@', strcspn(host, "/?#"));
	if (at) {
		buf_adds(b, "[redacted]@");
		host = at + 1;
	}
	q = host + strcspn(host, "?#");
	text_escape(b, host, q - host);
	if (*q == '?')
		buf_adds(b, "?[redacted]");
	buf_str(b);
}

int
attach_save(struct attach_dir *d, const struct http *h, const char *url,
    uint64_t max, struct buf *path, struct buf *why)
{
	struct http mine = *h;
	struct buf tmp = { 0 }, name = { 0 }, final = { 0 }, what = { 0 };
	uint64_t got;
	int fd, rc;

	why->len = 0;
	mine.why = why;
	buf_adds(&what, "download ");
	url_shown(&what, url);
	if ((fd = tmp_open(d, &tmp)) == -1) {
		buf_printf(why, "%s/%s: %s", d->shown, TMP_PREFIX "*",
		    strerror(errno));
		warnx("%s: %s", what.p, buf_str(why));
		rc = EX_CANTCREAT;
		goto out;
	}
	rc = http_get(&mine, what.p, url, fd, max, &got);
	if (rc == EX_OK && fsync(fd) == -1) {
		buf_printf(why, "%s/%s: %s", d->shown, tmp.p, strerror(errno));
		warnx("%s: %s", what.p, buf_str(why));
		rc = EX_IOERR;
	}
	close(fd);
	attach_local_name(&name, url);
	if (rc == EX_OK && take_name(d, tmp.p, name.p, &final) == -1) {
		buf_printf(why, "%s/%s: %s", d->shown, name.p,
		    strerror(errno));
		warnx("%s: %s", what.p, buf_str(why));
		rc = EX_CANTCREAT;
	}
	if (rc != EX_OK)
		unlinkat(d->fd, tmp.p, 0);	/* nothing half left */
	else {
		path->len = 0;
		buf_printf(path, "%s/%s", d->shown, final.p);
	}
out:
	buf_free(&tmp);
	buf_free(&name);
	buf_free(&final);
	buf_free(&what);
	return rc;
}
