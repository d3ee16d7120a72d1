/*
 * queue.c: messages kept on disk until the server takes them (xsend
 * --queue, --flush, --list-queue).
 *
 * One account's queue is a directory of entries, each a directory of
 * its own: "entry" (who, and the messages' texts), "file.I" (the
 * attachments' copies), "sent" (how many its flush got confirmed). An
 * entry is written as .tmp.ID, every file in it synced, then renamed
 * into place, so that a crash leaves all of it or none; the rename is
 * made durable by syncing the queue's directory. Every name is opened
 * relative to a directory descriptor, never through a symbolic link.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmpputils.h"

#define MAGIC "xmpputils-queue 1"
#define NAME_ROOM 200		/* of the JID's name (NAME_MAX is 255) */
#define URL_MAX 4096
#define TIDY_AGE (24 * 3600)	/* a .tmp. older than this was a crash's */
/* The largest entry read: xsend caps what one run queues well below. */
#define ENTRY_READ_MAX (1024LL * 1024 * 1024 + 1024 * 1024)

struct queue {
	int fd;			/* the account's directory */
	int lockfd;		/* -1: no lock held */
	char *path;
	int sentfd;		/* the "sent" file last written to */
	char *sentid;		/* its entry */
};

/* ---- entries in memory */

static struct qmsg *
qentry_grow(struct qentry *e)
{
	if (e->nmsgs == e->cap)
		e->msgs = xgrow(e->msgs, &e->cap, sizeof(*e->msgs));
	memset(&e->msgs[e->nmsgs], 0, sizeof(*e->msgs));
	e->msgs[e->nmsgs].fd = -1;
	return &e->msgs[e->nmsgs++];
}

void
qentry_add_text(struct qentry *e, enum qmsg_kind kind, const char *text,
    size_t len)
{
	struct qmsg *m = qentry_grow(e);

	m->kind = kind;
	m->own = xstrndup(text, len);
	m->text = m->own;
	m->len = len;
}

void
qentry_add_file(struct qentry *e, const char *name, const char *type,
    uint64_t size, int fd)
{
	struct qmsg *m = qentry_grow(e);

	m->kind = QMSG_FILE;
	m->name = xstrdup(name);
	m->type = xstrdup(type);
	m->size = size;
	m->index = e->nfiles++;
	m->fd = fd;
}

static void
strings_free(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
qentry_free(struct qentry *e)
{
	size_t i;

	for (i = 0; i < e->nmsgs; i++) {
		free(e->msgs[i].own);
		free(e->msgs[i].name);
		free(e->msgs[i].type);
	}
	free(e->msgs);
	strings_free(e->to, e->nto);
	strings_free(e->rooms, e->nrooms);
	free(e->id);
	free(e->from);
	free(e->type);
	free(e->subject);
	if (e->map)
		munmap(e->map, e->maplen);
	memset(e, 0, sizeof(*e));
}

/* ---- the entry's text */

static void
field(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s ", key);
	text_escape(b, value, strlen(value));
	buf_addc(b, '\n');
}

void
qentry_format(struct buf *b, const struct qentry *e)
{
	const struct qmsg *m;
	size_t i;
	int k;

	buf_printf(b, MAGIC "\n");
	field(b, "from", e->from);
	buf_printf(b, "queued %" PRId64 "\n", e->queued);
	field(b, "type", e->type);
	if (e->subject)
		field(b, "subject", e->subject);
	for (k = 0; k < e->nto; k++)
		field(b, "to", e->to[k]);
	for (k = 0; k < e->nrooms; k++)
		field(b, "room", e->rooms[k]);
	for (i = 0; i < e->nmsgs; i++) {
		m = &e->msgs[i];
		if (m->kind == QMSG_FILE) {
			/* its type is its name's again, as it was: one
			 * an entry cannot make HTML */
			buf_printf(b, "file %d %" PRIu64 " ", m->index,
			    m->size);
			text_escape(b, m->name, strlen(m->name));
			buf_addc(b, '\n');
			continue;
		}
		buf_printf(b, "%s %zu\n", m->kind == QMSG_URL ? "url" :
		    "text", m->len);
		buf_add(b, m->text, m->len);
		buf_addc(b, '\n');
	}
	buf_printf(b, "end %zu\n", e->nmsgs);
}

/* A parser over the text: the line at p, and where the next begins. */
struct reader {
	const char *p, *end;
	const char *line;	/* the current line's value */
	size_t len;
	char key[16];
};

/* The next "key value" line: 1, or 0 at the end (or no newline). */
static int
next_line(struct reader *r)
{
	const char *nl, *sp;
	size_t klen;

	if (r->p >= r->end ||
	    (nl = memchr(r->p, '\n', r->end - r->p)) == NULL)
		return 0;
	sp = memchr(r->p, ' ', nl - r->p);
	klen = sp ? (size_t)(sp - r->p) : (size_t)(nl - r->p);
	if (klen >= sizeof(r->key))
		klen = 0;	/* no key we know */
	memcpy(r->key, r->p, klen);
	r->key[klen] = '\0';
	r->line = sp ? sp + 1 : nl;
	r->len = nl - r->line;
	r->p = nl + 1;
	return 1;
}

/* The line's value, unescaped: a string of its own, or NULL. */
static char *
value(const struct reader *r)
{
	char *s = xstrndup(r->line, r->len);
	long n = text_unescape(s, r->len);

	if (n < 0 || memchr(s, '\0', n) != NULL) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

/* A decimal number of the line, up to max: 1, else 0. */
static int
number(const char *s, size_t len, uint64_t max, uint64_t *n)
{
	size_t i;

	*n = 0;
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    *n > (max - (s[i] - '0')) / 10)
			return 0;
		*n = *n * 10 + (s[i] - '0');
	}
	return 1;
}

static const char *
add_string(char ***v, int *n, char *s)
{
	if (s == NULL)
		return "a malformed value";
	if (*n >= 1024) {
		free(s);
		return "too many recipients";
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
	return NULL;
}

/* A text or url message: its length on the line, its bytes after. */
static const char *
parse_text(struct qentry *e, struct reader *r, enum qmsg_kind kind)
{
	struct qmsg *m;
	uint64_t len;
	size_t off;

	if (!number(r->line, r->len, kind == QMSG_URL ? URL_MAX :
	    XU_TEXT_MAX, &len))
		return "a malformed or too long message length";
	if ((uint64_t)(r->end - r->p) < len + 1 || r->p[len] != '\n')
		return "a message cut short";
	if (text_check(r->p, len, &off) != NULL || len == 0)
		return "a message XML cannot carry";
	if (kind == QMSG_URL) {
		if (!text_plain(r->p, len))
			return "a malformed URL";
		qentry_add_text(e, kind, r->p, len);
	} else {
		m = qentry_grow(e);
		m->kind = kind;
		m->text = r->p;
		m->len = len;
	}
	r->p += len + 1;
	return NULL;
}

/* file I SIZE NAME */
static const char *
parse_file(struct qentry *e, struct reader *r)
{
	struct reader w = *r;
	const char *f[2], *sp, *end = r->line + r->len;
	uint64_t index, size;
	struct qmsg *m;
	int i;

	for (i = 0, sp = r->line; i < 2; i++, sp++) {
		f[i] = sp;
		if ((sp = memchr(sp, ' ', end - sp)) == NULL)
			return "a malformed file line";
	}
	if (!number(f[0], f[1] - f[0] - 1, 1000, &index) ||
	    (int)index != e->nfiles)
		return "a file out of order";
	if (!number(f[1], sp - 1 - f[1], UINT64_MAX / 2, &size))
		return "a malformed file size";
	m = qentry_grow(e);
	m->kind = QMSG_FILE;
	m->index = e->nfiles++;
	m->size = size;
	w.line = sp;
	w.len = end - sp;
	if ((m->name = value(&w)) == NULL || *m->name == '\0' ||
	    attachment_name_check(m->name) != NULL)
		return "a malformed file name";
	m->type = xstrdup(attachment_type(m->name));
	return NULL;
}

/* The header's lines, up to the first message. */
static const char *
parse_head(struct qentry *e, struct reader *r, uint64_t *queued)
{
	const char *why = NULL;

	while (why == NULL && r->p < r->end) {
		const char *at = r->p;

		if (!next_line(r))
			return "a line without its end";
		if (strcmp(r->key, "from") == 0 && e->from == NULL)
			why = (e->from = value(r)) ? NULL : "a malformed from";
		else if (strcmp(r->key, "queued") == 0)
			why = number(r->line, r->len, INT64_MAX, queued) ?
			    NULL : "a malformed time";
		else if (strcmp(r->key, "type") == 0 && e->type == NULL)
			why = (e->type = value(r)) ? NULL : "a malformed type";
		else if (strcmp(r->key, "subject") == 0 && !e->subject)
			why = (e->subject = value(r)) ? NULL :
			    "a malformed subject";
		else if (strcmp(r->key, "to") == 0)
			why = add_string(&e->to, &e->nto, value(r));
		else if (strcmp(r->key, "room") == 0)
			why = add_string(&e->rooms, &e->nrooms, value(r));
		else {
			r->p = at;	/* a message's: not the header's */
			break;
		}
	}
	return why;
}

static const char *
check_head(const struct qentry *e)
{
	const char *t = e->type;
	size_t off;
	int i;

	if (e->from == NULL || jid_check(e->from) != NULL)
		return "no sender, or a malformed one";
	if (t == NULL || (strcmp(t, "chat") && strcmp(t, "normal") &&
	    strcmp(t, "headline") && strcmp(t, "groupchat")))
		return "no message type, or one we do not send";
	if (e->subject && text_check(e->subject, strlen(e->subject), &off))
		return "a subject XML cannot carry";
	if (e->nto + e->nrooms == 0)
		return "no recipient";
	for (i = 0; i < e->nto; i++)
		if (jid_check(e->to[i]) != NULL)
			return "a malformed recipient";
	for (i = 0; i < e->nrooms; i++)
		if (muc_spec_check(e->rooms[i]) != NULL)
			return "a malformed room";
	return NULL;
}

const char *
qentry_parse(struct qentry *e, const char *text, size_t len)
{
	struct reader r = { .p = text, .end = text + len };
	const char *why;
	uint64_t queued = UINT64_MAX, count;

	if (!next_line(&r) || r.line - text != (ptrdiff_t)strlen(MAGIC) -
	    1 || memcmp(text, MAGIC, strlen(MAGIC)) != 0 || r.len != 1)
		return "not a queue entry (or one of another version)";
	if ((why = parse_head(e, &r, &queued)) != NULL ||
	    (why = check_head(e)) != NULL)
		return why;
	if (queued == UINT64_MAX)
		return "no time queued";
	e->queued = (int64_t)queued;
	while (next_line(&r)) {
		if (strcmp(r.key, "text") == 0)
			why = parse_text(e, &r, QMSG_TEXT);
		else if (strcmp(r.key, "url") == 0)
			why = parse_text(e, &r, QMSG_URL);
		else if (strcmp(r.key, "file") == 0)
			why = parse_file(e, &r);
		else if (strcmp(r.key, "end") == 0)
			break;
		else
			why = "a line we do not know";
		if (why != NULL)
			return why;
		if (e->nmsgs > 10000000)
			return "too many messages";
	}
	if (strcmp(r.key, "end") != 0 || !number(r.line, r.len, SIZE_MAX,
	    &count) || count != e->nmsgs || r.p != r.end)
		return "cut short, or more after its end";
	if (e->nmsgs == 0)
		return "no message";
	return NULL;
}

/* ---- ages */

const char *
queue_age_parse(const char *s, int64_t *seconds)
{
	static const struct { char c; int64_t mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	size_t len = strlen(s), i;
	int64_t mul = 1;
	uint64_t n;

	for (i = 0; len > 0 && i < sizeof(units) / sizeof(units[0]); i++)
		if (s[len - 1] == units[i].c) {
			mul = units[i].mul;
			len--;
			break;
		}
	if (!number(s, len, 3650 * 86400, &n) || (int64_t)n * mul >
	    3650LL * 86400)
		return "expected seconds, or a number with s, m, h or d "
		    "(up to 3650d)";
	*seconds = (int64_t)n * mul;
	return NULL;
}

void
queue_age_format(struct buf *b, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		buf_printf(b, "%" PRId64 "s", s);
	else if (s < 3600)
		buf_printf(b, "%" PRId64 "m", s / 60);
	else if (s < 86400)
		buf_printf(b, "%" PRId64 "h", s / 3600);
	else
		buf_printf(b, "%" PRId64 "d", s / 86400);
}

/* ---- the directory */

/* An entry's name: 16 digits, a dot, a process id. */
static int
entry_name(const char *name)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	if (name[16] != '.' || name[17] == '\0')
		return 0;
	for (i = 17; name[i]; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 1;
}

/* A directory of ours alone, relative to dirfd: its fd, or -1. */
static int
open_dir(int dirfd, const char *name)
{
	struct stat st;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * A regular file of dirfd, opened for reading: never a symbolic link,
 * and never a FIFO or a device planted there, which would block the
 * open or the read for good. The fd and *st, or -1 with errno.
 */
static int
open_file(int dirfd, const char *name, struct stat *st)
{
	int fd, err = 0;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, st) == -1)
		err = errno;
	else if (!S_ISREG(st->st_mode))
		err = EINVAL;
	else if (fcntl(fd, F_SETFL, 0) == -1)
		err = errno;
	if (err != 0) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int
queue_dir(struct buf *path, const char *jid, int make, int quiet)
{
	char why[512];
	int rc;

	if ((rc = place_state_dir(path, "queue", make, why, sizeof(why))) ==
	    EX_OK) {
		buf_addc(path, '/');
		place_name(path, jid, NAME_ROOM);
		rc = place_dir(path->p, make, why, sizeof(why));
	}
	if (rc == EX_OK || why[0] == '\0')
		return rc;	/* missing, and not to be made: no error */
	if (!quiet)
		warnx("queue: %s", why);
	return EX_CANTCREAT;
}

int
queue_open(struct queue **qp, const char *jid, int make)
{
	struct buf path = { 0 };
	struct queue *q;
	int rc, fd;

	*qp = NULL;
	if ((rc = queue_dir(&path, jid, make, 0)) != EX_OK) {
		buf_free(&path);
		return rc;
	}
	if ((fd = open_dir(AT_FDCWD, path.p)) == -1) {
		warn("queue: %s", path.p);
		buf_free(&path);
		return EX_CANTCREAT;
	}
	q = xcalloc(1, sizeof(*q));
	q->fd = fd;
	q->lockfd = q->sentfd = -1;
	q->path = path.p;
	*qp = q;
	return EX_OK;
}

static void
progress_close(struct queue *q)
{
	if (q->sentfd != -1)
		close(q->sentfd);
	q->sentfd = -1;
	free(q->sentid);
	q->sentid = NULL;
}

void
queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	progress_close(q);
	if (q->lockfd != -1)
		close(q->lockfd);
	close(q->fd);
	free(q->path);
	free(q);
}

const char *
queue_path(const struct queue *q)
{
	return q->path;
}

/* Calls fn for each name in the directory dirfd. */
static void
each_name(int dirfd, void (*fn)(const char *, void *), void *arg)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			fn(d->d_name, arg);
	closedir(dir);
}

struct names {
	char **v;
	size_t n, cap;
};

static void
gather(const char *name, void *arg)
{
	struct names *l = arg;

	if (!entry_name(name))
		return;
	if (l->n == l->cap)
		l->v = xgrow(l->v, &l->cap, sizeof(*l->v));
	l->v[l->n++] = xstrdup(name);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
queue_list(struct queue *q, char ***ids, size_t *n)
{
	struct names l = { 0 };

	each_name(q->fd, gather, &l);
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	*ids = l.v;
	*n = l.n;
	return EX_OK;
}

void
queue_ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static void
seen(const char *name, void *arg)
{
	*(int *)arg |= entry_name(name);
}

int
queue_waiting(const char *jid)
{
	struct buf path = { 0 };
	int fd, any = 0;

	if (queue_dir(&path, jid, 0, 1) == EX_OK &&
	    (fd = open_dir(AT_FDCWD, path.p)) != -1) {
		each_name(fd, seen, &any);
		close(fd);
	}
	buf_free(&path);
	return any;
}

/* ---- writing an entry */

static void
unlink_in(const char *name, void *arg)
{
	unlinkat(*(int *)arg, name, 0);
}

/* Removes dir name of dirfd and the files in it (no deeper). */
static void
remove_dir(int dirfd, const char *name)
{
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) != -1) {
		each_name(fd, unlink_in, &fd);
		close(fd);
	}
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* A new file of dirfd, 0600, written whole and synced: 0, or errno. */
static int
write_file(int dirfd, const char *name, const char *p, size_t len)
{
	int fd, err = 0;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return errno;
	if (write_all(fd, p, len) == -1 || fsync(fd) == -1)
		err = errno;
	if (close(fd) == -1 && err == 0)
		err = errno;
	return err;
}

/*
 * A copy of an attachment's size bytes (read from offset 0: it may have
 * been read before), synced: 0, or errno (EIO for one that shrank).
 */
static int
copy_file(int dirfd, const char *name, int from, uint64_t size)
{
	char chunk[65536];
	uint64_t off = 0;
	ssize_t n;
	int fd, err = 0;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return errno;
	while (err == 0 && off < size) {
		n = pread(from, chunk, size - off < sizeof(chunk) ?
		    size - off : sizeof(chunk), off);
		if (n <= 0)
			err = n == 0 ? EIO : errno;
		else if (write_all(fd, chunk, n) == -1)
			err = errno;
		else
			off += n;
	}
	if (err == 0 && fsync(fd) == -1)
		err = errno;
	if (close(fd) == -1 && err == 0)
		err = errno;
	return err;
}

/* A name no entry has had: the time in microseconds, made to grow. */
static char *
new_id(void)
{
	static uint64_t last;
	struct timeval tv;
	uint64_t us;
	char id[64];

	gettimeofday(&tv, NULL);
	us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	us = us > last ? us : last + 1;
	last = us;
	snprintf(id, sizeof(id), "%016" PRIu64 ".%ld", us, (long)getpid());
	return xstrdup(id);
}

/* The entry's files in dirfd: 0, or errno with *what naming the file. */
static int
write_entry(int dirfd, const struct qentry *e, const char **what)
{
	static char name[32];
	struct buf text = { 0 };
	size_t i;
	int err = 0;

	for (i = 0; err == 0 && i < e->nmsgs; i++) {
		if (e->msgs[i].kind != QMSG_FILE)
			continue;
		snprintf(name, sizeof(name), "file.%d", e->msgs[i].index);
		*what = name;
		err = copy_file(dirfd, name, e->msgs[i].fd, e->msgs[i].size);
	}
	if (err == 0) {
		qentry_format(&text, e);
		*what = "entry";
		err = write_file(dirfd, "entry", text.p, text.len);
		buf_free(&text);
	}
	if (err == 0 && fsync(dirfd) == -1) {
		*what = "its directory";
		err = errno;
	}
	return err;
}

int
queue_add(struct queue *q, struct qentry *e)
{
	struct buf tmp = { 0 };
	const char *what = "its directory";
	char *id = new_id();
	int dfd = -1, err = 0;

	if (e->queued == 0)
		e->queued = time(NULL);
	buf_printf(&tmp, ".tmp.%s", id);
	if (mkdirat(q->fd, tmp.p, 0700) == -1 ||
	    (dfd = open_dir(q->fd, tmp.p)) == -1)
		err = errno;
	if (err == 0)
		err = write_entry(dfd, e, &what);
	if (err == 0 && renameat(q->fd, tmp.p, q->fd, id) == -1)
		err = errno;
	if (err == 0 && fsync(q->fd) == -1) {
		/* in place, but not known to be durable: still said */
		what = "the queue's directory";
		err = errno;
		remove_dir(q->fd, id);
	}
	if (dfd != -1)
		close(dfd);
	if (err != 0) {
		remove_dir(q->fd, tmp.p);
		warnx("queue %s: writing %s: %s", q->path, what,
		    strerror(err));
		free(id);
		buf_free(&tmp);
		return err == EACCES || err == EPERM || err == EROFS ?
		    EX_CANTCREAT : EX_IOERR;
	}
	free(e->id);
	e->id = id;
	buf_free(&tmp);
	return EX_OK;
}

/* ---- reading, and what becomes of an entry */

/* How many of its messages an earlier flush got confirmed. */
static size_t
read_progress(int dfd)
{
	struct stat st;
	char s[32];
	ssize_t n;
	uint64_t sent;
	int fd;

	if ((fd = open_file(dfd, "sent", &st)) == -1)
		return 0;
	n = read(fd, s, sizeof(s) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	s[n] = '\0';
	/* a number cut by a crash counts as none: sent again, not lost */
	return n == 21 && s[20] == '\n' && number(s + strspn(s, "0"),
	    20 - strspn(s, "0"), SIZE_MAX, &sent) ? sent : 0;
}

int
queue_read(struct queue *q, const char *id, struct qentry *e,
    struct buf *why)
{
	struct stat st;
	const char *bad;
	void *map;
	int dfd, fd;

	memset(e, 0, sizeof(*e));
	if ((dfd = open_dir(q->fd, id)) == -1) {
		if (errno == ENOENT)
			return EX_UNAVAILABLE;	/* another flush took it */
		buf_printf(why, "%s", strerror(errno));
		return EX_DATAERR;
	}
	if ((fd = open_file(dfd, "entry", &st)) == -1) {
		buf_printf(why, "entry: %s", errno == EINVAL ?
		    "not a regular file" : strerror(errno));
	} else if (st.st_size == 0 || st.st_size > ENTRY_READ_MAX) {
		buf_printf(why, "entry: empty, or larger than any xsend "
		    "writes");
	} else if ((map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		buf_printf(why, "entry: %s", strerror(errno));
	} else {
		e->map = map;
		e->maplen = st.st_size;
		if ((bad = qentry_parse(e, map, st.st_size)) != NULL)
			buf_printf(why, "%s", bad);
		else {
			e->id = xstrdup(id);
			e->sent = read_progress(dfd);
			if (e->sent > e->nmsgs)
				e->sent = e->nmsgs;
			e->failing = fstatat(dfd, "reason", &st,
			    AT_SYMLINK_NOFOLLOW) == 0;
		}
	}
	if (fd != -1)
		close(fd);
	close(dfd);
	if (e->id == NULL)
		qentry_free(e);
	return e->id ? EX_OK : EX_DATAERR;
}

/*
 * file.I must be the copy made when it was queued: a regular file of
 * ours, with no other name (a hard link to another's file would be
 * uploaded as this one), of the size the entry says.
 */
int
queue_file_open(struct queue *q, const struct qentry *e, int index)
{
	struct stat st;
	char name[32];
	const char *why = NULL;
	uint64_t size = UINT64_MAX;
	size_t i;
	int dfd, fd = -1;

	for (i = 0; i < e->nmsgs; i++)
		if (e->msgs[i].kind == QMSG_FILE && e->msgs[i].index == index)
			size = e->msgs[i].size;
	snprintf(name, sizeof(name), "file.%d", index);
	if ((dfd = open_dir(q->fd, e->id)) == -1 ||
	    (fd = open_file(dfd, name, &st)) == -1)
		why = errno == EINVAL ? "not a regular file" : strerror(errno);
	else if (st.st_uid != geteuid() || st.st_nlink != 1 ||
	    (uint64_t)st.st_size != size)
		why = "not the copy queued (its owner, its links or its size "
		    "differ)";
	if (dfd != -1)
		close(dfd);
	if (why == NULL)
		return fd;
	if (fd != -1)
		close(fd);
	warnx("queue %s: entry %s: %s: %s", q->path, e->id, name, why);
	return -1;
}

void
queue_progress(struct queue *q, const struct qentry *e, size_t n)
{
	struct stat st;
	char s[32];
	int dfd;

	if (q->sentid && strcmp(q->sentid, e->id) != 0)
		progress_close(q);
	if (q->sentfd == -1 && (dfd = open_dir(q->fd, e->id)) != -1) {
		/* (a FIFO planted there: no reader, ENXIO, not a hang) */
		q->sentfd = openat(dfd, "sent", O_WRONLY | O_CREAT |
		    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (q->sentfd != -1 && (fstat(q->sentfd, &st) == -1 ||
		    !S_ISREG(st.st_mode))) {
			close(q->sentfd);
			q->sentfd = -1;
		}
		q->sentid = xstrdup(e->id);
		close(dfd);
	}
	/* one write of a fixed width: never half an old, half a new */
	snprintf(s, sizeof(s), "%020zu\n", n);
	if (q->sentfd != -1 && pwrite(q->sentfd, s, 21, 0) != 21) {
		close(q->sentfd);	/* not said: a message sent twice, */
		q->sentfd = -1;		/* at worst, never one lost */
	}
}

int
queue_remove(struct queue *q, const char *id)
{
	struct buf gone = { 0 };

	progress_close(q);
	/* out of the way at once: a crash mid-removal leaves no half */
	buf_printf(&gone, ".del.%s", id);
	if (renameat(q->fd, id, q->fd, gone.p) == -1) {
		warn("queue %s: removing %s", q->path, id);
		buf_free(&gone);
		return EX_IOERR;
	}
	remove_dir(q->fd, gone.p);
	buf_free(&gone);
	return EX_OK;
}

int
queue_fail(struct queue *q, const char *id, const char *why)
{
	struct stat st;
	struct buf reason = { 0 };
	int dfd, ffd = -1, err = 0;

	progress_close(q);
	/*
	 * The reason first, in the entry: should it not move, the next
	 * flush sees it failed, and never takes it for delivered. One
	 * there already (a flush's that could not move it) is the first
	 * words, and kept; nor is a reason that cannot be written a
	 * reason to keep the entry from failed/.
	 */
	if ((dfd = open_dir(q->fd, id)) != -1) {
		buf_printf(&reason, "%s\n", why);
		if (fstatat(dfd, "reason", &st, AT_SYMLINK_NOFOLLOW) == -1)
			write_file(dfd, "reason", reason.p, reason.len);
		close(dfd);
	}
	if (((mkdirat(q->fd, "failed", 0700) == -1 &&
	    errno != EEXIST) || (ffd = open_dir(q->fd, "failed")) == -1 ||
	    renameat(q->fd, id, ffd, id) == -1))
		err = errno;
	if (ffd != -1)
		close(ffd);
	buf_free(&reason);
	if (err != 0) {
		warnx("queue %s: entry %s: cannot move it into failed/: %s: "
		    "it stays in the queue", q->path, id, strerror(err));
		return EX_IOERR;
	}
	return EX_OK;
}

size_t
queue_failed_count(struct queue *q)
{
	struct names l = { 0 };
	int fd;

	if ((fd = open_dir(q->fd, "failed")) == -1)
		return 0;
	each_name(fd, gather, &l);
	close(fd);
	queue_ids_free(l.v, l.n);
	return l.n;
}

int
queue_lock(struct queue *q)
{
	int said = 0;

	if (q->lockfd == -1 && (q->lockfd = openat(q->fd, ".lock", O_RDWR |
	    O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		warn("queue %s: its lock", q->path);
		return EX_CANTCREAT;
	}
	/* flock cannot be polled: a short sleep that a signal ends */
	while (flock(q->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			warn("queue %s: its lock", q->path);
			return EX_IOERR;
		}
		if (!said++)
			warnx("queue %s: another flush is under way: waiting "
			    "for it", q->path);
		if (signals_sleep(50)) {
			warnx("interrupted waiting for the other flush");
			return EX_TEMPFAIL;
		}
	}
	return EX_OK;
}

struct tidy {
	int fd;
	time_t now;
};

static void
tidy_one(const char *name, void *arg)
{
	const struct tidy *t = arg;
	struct stat st;

	if (strncmp(name, ".del.", 5) == 0 ||
	    (strncmp(name, ".tmp.", 5) == 0 &&
	    fstatat(t->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    t->now - st.st_mtime > TIDY_AGE))
		remove_dir(t->fd, name);
}

void
queue_tidy(struct queue *q)
{
	struct tidy t = { q->fd, time(NULL) };

	each_name(q->fd, tidy_one, &t);
}

void
queue_sync(struct queue *q)
{
	fsync(q->fd);
}
