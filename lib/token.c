/*
 * token.c: FAST tokens (XEP-0484) on disk, kept as a password is.
 *
 * $XDG_STATE_HOME/xmpputils/fast/ (else ~/.local/state/xmpputils/fast/),
 * a directory of ours alone, holds for each account and tool
 * TOKEN_SLOTS slots: NAME.TOOL.N, NAME made from the bare JID by
 * place_name. A server keeps a token for one user-agent id and turns it
 * into a new one when it is used: two processes sharing a slot would
 * spend each other's. So each process takes a slot of its own, the
 * first that no other holds: a flock on NAME.TOOL.N.lock, a file never
 * replaced, so that every process locks the same file.
 *
 * A slot's file is lines "key value": id (the slot's XEP-0388
 * user-agent id, a UUID made at its first take), and, while it holds a
 * token, mechanism, token and expiry (Unix seconds). Nothing else: a
 * file we did not write is not read as ours. It is replaced whole (a
 * temporary file beside it, fsync, rename, fsync of the directory):
 * a crash or a full disk leaves the old file or the new one.
 *
 * The token stands for the password: no message says it, and every
 * buffer that held it is wiped.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmpputils.h"
#include "token.h"

#define TOOL_MAX 32
/* NAME.TOOL.N.<16 hex>.tmp, the longest name, must be a file's name */
#define NAME_ROOM (NAME_MAX - TOOL_MAX - 32)
#define MECHANISM_MAX 20	/* RFC 4422 */

static int
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
all_of(const char *s, const char *set, size_t min, size_t max)
{
	size_t n = strspn(s, set);

	return s[n] == '\0' && n >= min && n <= max;
}

static int
tool_ok(const char *tool)
{
	return all_of(tool, "abcdefghijklmnopqrstuvwxyz0123456789_-", 1,
	    TOOL_MAX);
}

static int
mechanism_ok(const char *m)
{
	return all_of(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 1,
	    MECHANISM_MAX);
}

/* Printable ASCII, no space: what the server's tokens are made of. */
static int
token_ok(const char *t)
{
	size_t n;

	for (n = 0; t[n] > ' ' && t[n] < 0x7f; n++)
		;
	return t[n] == '\0' && n > 0 && n <= TOKEN_MAX;
}

static int
uuid_ok(const char *id)
{
	int i;

	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? id[i] != '-' :
		    !strchr("0123456789abcdef", id[i]) || id[i] == '\0')
			return 0;
	return id[36] == '\0';
}

static void
new_id(char id[37])
{
	unsigned char b[16];

	arc4random_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4: random */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 9562's variant */
	snprintf(id, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- XEP-0082 */

/* n decimal digits at s, no more checked: 1 with *v, else 0 */
static int
digits(const char *s, int n, int *v)
{
	int i;

	for (*v = 0, i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + s[i] - '0';
	}
	return 1;
}

static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int
token_datetime(const char *s, int64_t *t)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, east = 0;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' ||
	    !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return -1;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	}
	if (*s == 'Z')
		s++;
	else if ((*s == '+' || *s == '-') && digits(s + 1, 2, &oh) &&
	    s[3] == ':' && digits(s + 4, 2, &om)) {
		east = *s == '+';
		s += 6;
	} else
		return -1;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59 ||
	    oh > 14 || om > 59 || (oh == 14 && om > 0))
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (int64_t)timegm(&tm) + (east ? -1 : 1) * (oh * 3600 + om * 60);
	return 0;
}

/* ---- where */

/*
 * The directory, in dir: made (0700, and so are the parents it needs)
 * if make, and ours alone. 0, 1 when it is missing (not make), -1.
 */
static int
token_dir(struct buf *dir, int make, char *why, size_t whylen)
{
	int rc = place_state_dir(dir, "fast", make, why, whylen);

	return rc == EX_OK ? 0 : why[0] == '\0' ? 1 : -1;
}

/* DIR/NAME.TOOL, the slots' files without their number */
static int
slot_base(struct buf *b, const char *jid, const char *tool, int make,
    char *why, size_t whylen)
{
	int rc;

	if ((rc = token_dir(b, make, why, whylen)) != 0)
		return rc;
	buf_addc(b, '/');
	place_name(b, jid, NAME_ROOM);
	buf_printf(b, ".%s", tool);
	return 0;
}

/* Whether name is NAME.TOOL.N of the prefix "NAME." */
static int
slot_name(const char *name, const char *prefix, size_t plen)
{
	char tool[TOOL_MAX + 1];
	const char *dot;

	if (strncmp(name, prefix, plen) != 0)
		return 0;
	name += plen;
	if ((dot = strchr(name, '.')) == NULL ||
	    (size_t)(dot - name) > TOOL_MAX)
		return 0;
	snprintf(tool, sizeof(tool), "%.*s", (int)(dot - name), name);
	return tool_ok(tool) && dot[1] >= '0' &&
	    dot[1] < '0' + TOKEN_SLOTS && dot[2] == '\0';
}

/* ---- files */

static int
refused(const char *path, int e, char *why, size_t whylen)
{
	if (e == ELOOP)
		return say(why, whylen, "%s: a symbolic link: refusing to "
		    "use it", path);
	return say(why, whylen, "%s: %s", path, strerror(e));
}

/* As password_file is checked, but the owner must be us, not root. */
static int
ours(const char *path, const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode))
		return say(why, whylen, "%s: not a file: refusing to use it",
		    path);
	if (st->st_uid != geteuid())
		return say(why, whylen, "%s: owned by uid %u, not by you: "
		    "refusing to use it", path, (unsigned)st->st_uid);
	if (st->st_mode & 077)
		return say(why, whylen, "%s: others can %s it: refusing to "
		    "use it; run chmod 600 %s", path, st->st_mode & 044 ?
		    "read" : "write or run", path);
	return 0;
}

/*
 * Opens path's lock file and locks it, trying until deadline (ms): the
 * fd, -1 (an error) or -2 (another holds it).
 */
static int
lock_slot(const char *path, int64_t deadline, char *why, size_t whylen)
{
	struct buf lock = { 0 };
	struct stat st;
	int fd, rc;

	buf_printf(&lock, "%s.lock", path);
	/* O_NONBLOCK: no FIFO hangs us; fstat refuses it */
	fd = open(lock.p, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		rc = refused(lock.p, errno, why, whylen);
	else if (fstat(fd, &st) == -1)
		rc = refused(lock.p, errno, why, whylen);
	else if ((rc = ours(lock.p, &st, why, whylen)) == 0) {
		while ((rc = flock(fd, LOCK_EX | LOCK_NB)) == -1 &&
		    errno == EWOULDBLOCK && now_ms() < deadline)
			if (signals_sleep(10)) {
				errno = EINTR;
				break;
			}
		if (rc == -1 && errno == EWOULDBLOCK)
			rc = -2;
		else if (rc == -1)
			refused(lock.p, errno, why, whylen);
	}
	if (rc < 0 && fd != -1)
		close(fd);
	buf_free(&lock);
	return rc < 0 ? rc : fd;
}

static void
forget(struct token_slot *s)
{
	if (s->token) {
		explicit_bzero(s->token, strlen(s->token));
		free(s->token);
	}
	s->token = NULL;
	s->mechanism[0] = '\0';
	s->expiry = 0;
}

static void
slot_clear(struct token_slot *s)
{
	memset(s, 0, sizeof(*s));
	s->lock = -1;
}

static int
malformed(struct token_slot *s, int line, const char *what, char *why,
    size_t whylen)
{
	forget(s);
	if (line > 0)
		return say(why, whylen, "%s: line %d: %s: not a token file",
		    s->path, line, what);
	return say(why, whylen, "%s: %s: not a token file", s->path, what);
}

/* One line: key, a space, value; the value never in a message. */
static int
parse_line(struct token_slot *s, char *line, int n, unsigned *seen,
    char *why, size_t whylen)
{
	static const char *const keys[] = { "id", "mechanism", "token",
	    "expiry" };
	char *value;
	unsigned k;

	if ((value = strchr(line, ' ')) == NULL)
		return malformed(s, n, "not \"key value\"", why, whylen);
	*value++ = '\0';
	for (k = 0; k < 4 && strcmp(line, keys[k]) != 0; k++)
		;
	if (k == 4)
		return malformed(s, n, "an unknown key", why, whylen);
	if (*seen & 1u << k)
		return malformed(s, n, "a key given twice", why, whylen);
	*seen |= 1u << k;
	if (k == 0 && !uuid_ok(value))
		return malformed(s, n, "an id that is not a UUID", why,
		    whylen);
	if (k == 1 && !mechanism_ok(value))
		return malformed(s, n, "not a mechanism's name", why, whylen);
	if (k == 2 && !token_ok(value))
		return malformed(s, n, "a token with characters no token has",
		    why, whylen);
	if (k == 3 && (!all_of(value, "0123456789", 1, 18) || value[0] == '0'))
		return malformed(s, n, "an expiry that is not Unix seconds",
		    why, whylen);
	if (k == 0)
		memcpy(s->id, value, sizeof(s->id));
	else if (k == 1)
		strlcpy(s->mechanism, value, sizeof(s->mechanism));
	else if (k == 2)
		s->token = xstrdup(value);
	else
		s->expiry = strtoll(value, NULL, 10);
	return 0;
}

static int
parse(struct token_slot *s, char *text, size_t len, char *why,
    size_t whylen)
{
	char *line, *end;
	unsigned seen = 0;
	int n = 0;

	if (memchr(text, '\0', len))
		return malformed(s, 0, "a NUL byte", why, whylen);
	if (len > 0 && text[len - 1] != '\n')
		return malformed(s, 0, "its last line is not ended", why,
		    whylen);
	for (line = text; line < text + len; line = end + 1) {
		end = strchr(line, '\n');
		*end = '\0';
		if (parse_line(s, line, ++n, &seen, why, whylen) == -1)
			return -1;
	}
	if (!(seen & 1))
		return malformed(s, 0, "no id", why, whylen);
	if (!(seen & 2) != !(seen & 4) || (seen & 8 && !(seen & 4)))
		return malformed(s, 0, "a token without a mechanism, or "
		    "either without the other", why, whylen);
	return 0;
}

/* The slot's file into *s: 0, 1 (there is none) or -1. */
static int
slot_read(struct token_slot *s, char *why, size_t whylen)
{
	char text[TOKEN_FILE_MAX + 1];
	struct stat st;
	size_t len = 0;
	ssize_t n = 0;
	int fd, rc;

	fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 1 : refused(s->path, errno, why,
		    whylen);
	if (fstat(fd, &st) == -1)
		rc = refused(s->path, errno, why, whylen);
	else if ((rc = ours(s->path, &st, why, whylen)) == 0) {
		/* one byte more than a file may have tells one that has */
		while (len < sizeof(text) && ((n = read(fd, text + len,
		    sizeof(text) - len)) > 0 || (n == -1 && errno == EINTR)))
			if (n > 0)
				len += n;
		if (n == -1)
			rc = refused(s->path, errno, why, whylen);
		else if (len > TOKEN_FILE_MAX)
			rc = malformed(s, 0, "longer than a token file is",
			    why, whylen);
		else
			rc = parse(s, text, len, why, whylen);
	}
	explicit_bzero(text, sizeof(text));
	close(fd);
	return rc;
}

/* So that a rename in it outlives a crash. */
static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc, e;

	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path),
	    path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/*
 * Replaces path, whole or not at all, with the lines of that id and
 * token (NULL: none): a temporary file beside it is written, synced
 * and renamed over it. The token's length is checked by then.
 */
static int
slot_write(const char *path, const char *id, const char *mechanism,
    const char *token, int64_t expiry, char *why, size_t whylen)
{
	char text[TOKEN_FILE_MAX + 1];
	struct buf tmp = { 0 };
	int fd, len, e = 0, rc = -1;

	if (token == NULL)
		len = snprintf(text, sizeof(text), "id %s\n", id);
	else
		len = snprintf(text, sizeof(text), "id %s\nmechanism %s\n"
		    "token %s\n", id, mechanism, token);
	if (token && expiry > 0)
		len += snprintf(text + len, sizeof(text) - len,
		    "expiry %lld\n", (long long)expiry);
	buf_printf(&tmp, "%s.%08x%08x.tmp", path, arc4random(), arc4random());
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		refused(tmp.p, errno, why, whylen);
		goto out;
	}
	/* fchmod: the umask is not to make it unreadable to us */
	if (fchmod(fd, 0600) == -1 || write_all(fd, text, len) == -1 ||
	    fsync(fd) == -1)
		e = errno;
	if (close(fd) == -1 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp.p, path) == -1)
		e = errno;
	if (e != 0) {
		unlink(tmp.p);
		say(why, whylen, "%s: %s (the file is as it was)", path,
		    strerror(e));
	} else if (sync_dir(path) == -1)
		say(why, whylen, "%s: its directory: %s", path,
		    strerror(errno));
	else
		rc = 0;
out:
	explicit_bzero(text, sizeof(text));
	buf_free(&tmp);
	return rc;
}

/* ---- slots */

/*
 * Takes the slot of that file, trying until deadline: 0 (taken), 1
 * (another holds it), 2 (there is none, and none made) or -1.
 */
static int
slot_open(struct token_slot *s, const char *path, int64_t deadline,
    int make, char *why, size_t whylen)
{
	int rc;

	slot_clear(s);
	if ((s->lock = lock_slot(path, deadline, why, whylen)) < 0) {
		rc = s->lock == -2 ? 1 : -1;
		s->lock = -1;
		return rc;
	}
	s->path = xstrdup(path);
	if ((rc = slot_read(s, why, whylen)) == 1 && make) {
		new_id(s->id);
		rc = slot_write(s->path, s->id, NULL, NULL, 0, why, whylen);
	} else if (rc == 1)
		rc = 2;
	/* an expired token is not to be tried: the server forgot it */
	if (rc == 0 && s->expiry > 0 && s->expiry <= time(NULL))
		forget(s);
	if (rc != 0)
		token_release(s);
	return rc;
}

int
token_take(const char *bare_jid, const char *tool, struct token_slot *s,
    char *why, size_t whylen)
{
	struct buf path = { 0 };
	size_t len;
	int n, rc;

	slot_clear(s);
	*why = '\0';
	if (!tool_ok(tool))
		return say(why, whylen, "a tool's name for FAST tokens: not "
		    "1 to %d of a-z, 0-9, _ and -", TOOL_MAX);
	if (jid_check(bare_jid) != NULL)
		return say(why, whylen, "the account's JID: %s",
		    jid_check(bare_jid));
	if ((rc = slot_base(&path, bare_jid, tool, 1, why, whylen)) == 0) {
		len = path.len;
		for (n = 0, rc = 1; n < TOKEN_SLOTS && rc == 1; n++) {
			path.len = len;
			buf_printf(&path, ".%d", n);
			rc = slot_open(s, path.p, 0, 1, why, whylen);
		}
	}
	buf_free(&path);
	return rc;
}

int
token_save(struct token_slot *s, const char *mechanism, const char *token,
    const char *expiry, char *why, size_t whylen)
{
	char mech[sizeof(s->mechanism)], *copy;
	int64_t t = 0;

	*why = '\0';
	if (s->lock == -1 || s->path == NULL)
		return say(why, whylen, "a FAST token: no slot to save it in");
	if (!mechanism_ok(mechanism))
		return say(why, whylen, "%s: the server's mechanism: not a "
		    "mechanism's name: its token is not kept", s->path);
	if (!token_ok(token))
		return say(why, whylen, "%s: the server's token: not %d "
		    "printable characters at most, with no space: not kept",
		    s->path, TOKEN_MAX);
	/* one not well-formed is unknown; one before 1970 has expired */
	if (expiry == NULL || token_datetime(expiry, &t) == -1)
		t = 0;
	else if (t < 1)
		t = 1;
	if (slot_write(s->path, s->id, mechanism, token, t, why, whylen) == -1)
		return -1;
	/* copied first: they may be the slot's own */
	copy = xstrdup(token);
	strlcpy(mech, mechanism, sizeof(mech));
	forget(s);
	memcpy(s->mechanism, mech, sizeof(mech));
	s->token = copy;
	s->expiry = t;
	return 0;
}

int
token_drop(struct token_slot *s, char *why, size_t whylen)
{
	*why = '\0';
	if (s->lock == -1 || s->path == NULL)
		return say(why, whylen, "a FAST token: no slot to drop it from");
	if (slot_write(s->path, s->id, NULL, NULL, 0, why, whylen) == -1)
		return -1;
	forget(s);
	return 0;
}

void
token_release(struct token_slot *s)
{
	forget(s);
	if (s->lock != -1)
		close(s->lock);
	free(s->path);
	slot_clear(s);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of jid's slot files, sorted: how many, or -1. */
static int
slot_files(const char *dir, const char *jid, char ***names, char *why,
    size_t whylen)
{
	struct buf prefix = { 0 };
	struct dirent *e;
	size_t n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	if ((d = opendir(dir)) == NULL)
		return say(why, whylen, "%s: %s", dir, strerror(errno));
	place_name(&prefix, jid, NAME_ROOM);
	buf_addc(&prefix, '.');
	while ((e = readdir(d)) != NULL) {
		if (!slot_name(e->d_name, prefix.p, prefix.len))
			continue;
		if (n == cap)
			*names = xgrow(*names, &cap, sizeof(**names));
		(*names)[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	buf_free(&prefix);
	if (n > 0)
		qsort(*names, n, sizeof(**names), by_name);
	return n;
}

int
token_each(const char *bare_jid, int wait_ms,
    int (*fn)(struct token_slot *, void *), void *arg, char *why,
    size_t whylen)
{
	int64_t deadline = now_ms() + (wait_ms > 0 ? wait_ms : 0);
	struct buf path = { 0 }, busy = { 0 };
	struct token_slot s;
	char **names, bad[512] = "";
	int i, n, rc = 0, done = 0, skipped = 0;
	size_t len;

	*why = '\0';
	if (jid_check(bare_jid) != NULL)
		return say(why, whylen, "the account's JID: %s",
		    jid_check(bare_jid));
	if ((rc = token_dir(&path, 0, why, whylen)) != 0) {
		buf_free(&path);
		return rc == 1 ? 0 : -1;	/* no directory, no tokens */
	}
	if ((n = slot_files(path.p, bare_jid, &names, why, whylen)) == -1)
		rc = -1;
	len = path.len;
	for (i = 0; i < n && rc != -1; i++) {
		path.len = len;
		buf_printf(&path, "/%s", names[i]);
		rc = slot_open(&s, path.p, deadline, 0, why, whylen);
		if (rc == -1) {
			/* one bad file does not keep the others: say it */
			if (bad[0] == '\0')
				snprintf(bad, sizeof(bad), "%s", why);
			rc = 0;
			continue;
		}
		if (rc == 1 && skipped++ == 0) {
			buf_adds(&busy, path.p);
			buf_str(&busy);
		}
		if (rc != 0 || s.token == NULL) {
			if (rc == 0)
				token_release(&s);
			continue;
		}
		if ((rc = fn(&s, arg)) == -1)
			say(why, whylen, "%s: stopped there", path.p);
		else
			done++;
		token_release(&s);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc != -1 && skipped > 0)
		say(why, whylen, "%s: in use by another process: skipped "
		    "(%d slot%s in all)", busy.p, skipped, skipped > 1 ? "s" :
		    "");
	else if (rc != -1 && bad[0])
		say(why, whylen, "%s: skipped", bad);
	else if (rc != -1)
		*why = '\0';
	buf_free(&path);
	buf_free(&busy);
	return rc == -1 ? -1 : done;
}
