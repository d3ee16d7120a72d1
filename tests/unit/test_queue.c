/*
 * test_queue: a queue entry's text, written and read back; what makes
 * one corrupt; queue_max_age's values; and the directory itself, in a
 * state directory of the test's own.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "unit.h"

static void
sample(struct qentry *e)
{
	memset(e, 0, sizeof(*e));
	e->from = xstrdup("alice@example.org");
	e->queued = 1764690000;
	e->type = xstrdup("headline");
	e->subject = xstrdup("disk\tfull \\ on\nhost");
	e->to = xcalloc(2, sizeof(char *));
	e->to[e->nto++] = xstrdup("ops@example.org");
	e->to[e->nto++] = xstrdup("bob@example.net/phone");
	e->rooms = xcalloc(1, sizeof(char *));
	e->rooms[e->nrooms++] = xstrdup("room@muc.example.org/bot");
	qentry_add_text(e, QMSG_TEXT, "one\nline two\n", 13);
	qentry_add_text(e, QMSG_URL, "https://up.example/a/b.png", 26);
	qentry_add_file(e, "report 1.pdf", "application/pdf", 5, -1);
	qentry_add_text(e, QMSG_TEXT, "end 9\nfile 0 1 x y\n", 19);
}

static void
test_round_trip(void)
{
	struct qentry e, back = { 0 };
	struct buf b = { 0 };
	const char *why;

	sample(&e);
	qentry_format(&b, &e);
	why = qentry_parse(&back, b.p, b.len);
	is_str(why, NULL, "an entry read back is not corrupt");
	is_str(back.from, "alice@example.org", "its sender");
	ok(back.queued == 1764690000, "its time");
	is_str(back.type, "headline", "its type");
	is_str(back.subject, "disk\tfull \\ on\nhost",
	    "its subject, tab, backslash and newline kept");
	ok(back.nto == 2 && strcmp(back.to[1], "bob@example.net/phone") == 0,
	    "its recipients");
	ok(back.nrooms == 1 &&
	    strcmp(back.rooms[0], "room@muc.example.org/bot") == 0,
	    "its room");
	ok(back.nmsgs == 4, "its four messages");
	if (back.nmsgs == 4) {
		is_bytes(back.msgs[0].text, back.msgs[0].len,
		    "one\nline two\n", 13, "a text with newlines, whole");
		ok(back.msgs[1].kind == QMSG_URL &&
		    strcmp(back.msgs[1].text, "https://up.example/a/b.png") ==
		    0, "an uploaded file's URL");
		ok(back.msgs[2].kind == QMSG_FILE &&
		    strcmp(back.msgs[2].name, "report 1.pdf") == 0 &&
		    strcmp(back.msgs[2].type, "application/pdf") == 0 &&
		    back.msgs[2].size == 5 && back.msgs[2].index == 0,
		    "a file: its name (a space in it), size, index, and its "
		    "type from its name");
		is_bytes(back.msgs[3].text, back.msgs[3].len,
		    "end 9\nfile 0 1 x y\n", 19,
		    "a text that looks like the entry's own lines");
	}
	qentry_free(&back);
	qentry_free(&e);
	buf_free(&b);
}

/* The sample's text with from replaced by to (once). */
static char *
edited(const char *from, const char *to)
{
	struct qentry e;
	struct buf b = { 0 };
	char *at, *s;

	sample(&e);
	qentry_format(&b, &e);
	qentry_free(&e);
	if ((at = strstr(buf_str(&b), from)) == NULL) {
		buf_free(&b);
		return NULL;
	}
	s = xmalloc(b.len + strlen(to) + 1);
	memcpy(s, b.p, at - b.p);
	strcpy(s + (at - b.p), to);
	strcat(s, at + strlen(from));
	buf_free(&b);
	return s;
}

static void
test_corrupt(void)
{
	static const struct {
		const char *from, *to, *name;
	} cases[] = {
		{ "xmpputils-queue 1", "xmpputils-queue 2", "another version" },
		{ "from alice@example.org\n", "", "no sender" },
		{ "from alice@example.org", "from alice@@example.org",
		    "a malformed sender" },
		{ "queued 1764690000\n", "", "no time" },
		{ "queued 1764690000", "queued 17646x0000", "a malformed time" },
		{ "type headline", "type error", "a type xsend never sends" },
		{ "to ops@example.org\nto bob@example.net/phone\n"
		    "room room@muc.example.org/bot\n", "", "no recipient" },
		{ "to ops@example.org", "to ops@", "a malformed recipient" },
		{ "room room@muc", "room @muc", "a malformed room" },
		{ "text 13", "text 14", "a length past its text" },
		{ "text 13", "text 12", "a length short of it" },
		{ "text 13", "text 013", "a length with a leading zero" },
		{ "text 13", "text 99999999999999999999999",
		    "a length that overflows" },
		{ "end 4", "end 3", "a count that does not match" },
		{ "end 4\n", "", "no end: cut short" },
		{ "end 4\n", "end 4\nmore\n", "something after the end" },
		{ "file 0 5", "file 1 5", "a file out of order" },
		{ "file 0 5", "file 0 5x", "a malformed file size" },
		{ "file 0 5 report 1.pdf", "file 0 5 ", "a file without a name" },
		{ "report 1.pdf", "../etc/passwd", "a file name with a slash" },
		{ "https://up.example/a/b.png", "https://up.example/a/b\x01png",
		    "a URL with a control character" },
		{ "one\nline", "one\xff" "line", "text that is not UTF-8" },
		{ "subject disk", "subject \\x00disk", "a NUL in the subject" },
		{ "text 13", "txet 13", "a line we do not know" },
	};
	struct qentry e;
	const char *why;
	char *s;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if ((s = edited(cases[i].from, cases[i].to)) == NULL) {
			ok(0, "%s: the sample has no '%s'", cases[i].name,
			    cases[i].from);
			continue;
		}
		memset(&e, 0, sizeof(e));
		why = qentry_parse(&e, s, strlen(s));
		ok(why != NULL, "corrupt: %s (%s)", cases[i].name,
		    why ? why : "taken");
		qentry_free(&e);
		free(s);
	}
	memset(&e, 0, sizeof(e));
	ok(qentry_parse(&e, "", 0) != NULL, "corrupt: an empty file");
	qentry_free(&e);
}

static void
test_ages(void)
{
	static const struct {
		const char *s;
		int64_t want;	/* -1: refused */
	} cases[] = {
		{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "15m", 900 },
		{ "3h", 10800 }, { "7d", 604800 }, { "3650d", 315360000 },
		{ "3651d", -1 }, { "", -1 }, { "d", -1 }, { "-1", -1 },
		{ "1w", -1 }, { "1.5h", -1 }, { " 1h", -1 }, { "1h ", -1 },
		{ "01h", -1 }, { "99999999999999999999", -1 },
	};
	static const struct {
		int64_t s;
		const char *want;
	} shown[] = {
		{ -5, "0s" }, { 45, "45s" }, { 60, "1m" }, { 3599, "59m" },
		{ 3600, "1h" }, { 86399, "23h" }, { 8 * 86400 + 5, "8d" },
	};
	struct buf b = { 0 };
	int64_t got;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		got = -1;
		if (cases[i].want >= 0)
			ok(queue_age_parse(cases[i].s, &got) == NULL &&
			    got == cases[i].want, "queue_max_age %s",
			    cases[i].s);
		else
			ok(queue_age_parse(cases[i].s, &got) != NULL,
			    "queue_max_age '%s' refused", cases[i].s);
	}
	for (i = 0; i < sizeof(shown) / sizeof(*shown); i++) {
		b.len = 0;
		queue_age_format(&b, shown[i].s);
		is_str(buf_str(&b), shown[i].want, "an age as --list-queue "
		    "shows it");
	}
	buf_free(&b);
}

/* The queue on disk, in a state directory of the test's own. */
static void
test_disk(void)
{
	char dir[] = "/tmp/test_queue.XXXXXX", path[512];
	struct queue *q;
	struct qentry e, back;
	struct buf why = { 0 };
	struct stat st;
	char **ids;
	size_t n;
	int fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	setenv("XDG_STATE_HOME", dir, 1);
	ok(queue_open(&q, "alice@example.org", 0) == EX_UNAVAILABLE,
	    "a queue never made: missing, not an error");
	ok(!queue_waiting("alice@example.org"), "nothing waits there");
	ok(queue_open(&q, "Alice@Example.ORG/res", 1) == EX_OK,
	    "made on first use");
	snprintf(path, sizeof(path), "%s/xmpputils/queue/alice@example.org",
	    dir);
	ok(lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700, "named by the bare JID, 0700");
	sample(&e);
	snprintf(path, sizeof(path), "%s/attachment", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ok(write(fd, "hello", 5) == 5, "an attachment to copy in");
	e.msgs[2].fd = fd;
	ok(queue_add(q, &e) == EX_OK && e.id != NULL, "an entry added");
	close(fd);
	unlink(path);
	ok(queue_waiting("alice@example.org"), "now something waits");
	queue_list(q, &ids, &n);
	ok(n == 1 && strcmp(ids[0], e.id) == 0, "listed");
	ok(queue_read(q, e.id, &back, &why) == EX_OK && back.nmsgs == 4 &&
	    back.sent == 0, "read back");
	fd = queue_file_open(q, &back, 0);
	ok(fd >= 0 && read(fd, path, sizeof(path)) == 5 &&
	    memcmp(path, "hello", 5) == 0,
	    "its file, a copy: the original's removal changes nothing");
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/xmpputils/queue/alice@example.org/"
	    "%s/file.0", dir, e.id);
	truncate(path, 4);
	ok(queue_file_open(q, &back, 0) == -1,
	    "a copy of another size: not the one queued");
	truncate(path, 5);
	ok((fd = queue_file_open(q, &back, 0)) >= 0, "its size again: taken");
	close(fd);
	queue_progress(q, &back, 3);
	qentry_free(&back);
	ok(queue_read(q, e.id, &back, &why) == EX_OK && back.sent == 3,
	    "the progress of a flush, read back");
	qentry_free(&back);
	snprintf(path, sizeof(path), "%s/xmpputils/queue/alice@example.org/"
	    "failed", dir);
	ok(mkdir(path, 0755) == 0, "failed/ made, group-readable");
	ok(queue_fail(q, e.id, "bounced: item-not-found") == EX_IOERR,
	    "not moved into a failed/ that is not ours alone");
	ok(queue_read(q, e.id, &back, &why) == EX_OK && back.failing,
	    "it stays, marked failing (its reason written)");
	qentry_free(&back);
	chmod(path, 0700);
	ok(queue_fail(q, e.id, "bounced: item-not-found") == EX_OK &&
	    queue_failed_count(q) == 1, "moved into failed/");
	ok(queue_read(q, e.id, &back, &why) == EX_UNAVAILABLE,
	    "no longer in the queue");
	queue_ids_free(ids, n);
	queue_list(q, &ids, &n);
	ok(n == 0, "nothing listed");
	queue_ids_free(ids, n);
	qentry_free(&e);

	sample(&e);
	snprintf(path, sizeof(path), "%s/attachment", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ok(write(fd, "hello", 5) == 5, "another attachment");
	e.msgs[2].fd = fd;
	ok(queue_add(q, &e) == EX_OK, "another entry");
	close(fd);
	snprintf(path, sizeof(path), "%s/xmpputils/queue/alice@example.org/"
	    "%s/entry", dir, e.id);
	unlink(path);
	ok(mkfifo(path, 0600) == 0, "its entry made a FIFO");
	why.len = 0;
	ok(queue_read(q, e.id, &back, &why) == EX_DATAERR,
	    "read at once as corrupt, not waited on (%s)", buf_str(&why));
	qentry_free(&e);
	queue_close(q);

	snprintf(path, sizeof(path), "%s/xmpputils/queue/bob@example.org",
	    dir);
	ok(symlink(dir, path) == 0, "a symbolic link planted as bob's queue");
	ok(queue_open(&q, "bob@example.org", 1) == EX_CANTCREAT && q == NULL,
	    "refused (73), not followed");
	snprintf(path, sizeof(path), "%s/xmpputils/queue/carol@example.org",
	    dir);
	ok(mkdir(path, 0770) == 0, "carol's queue, group-writable");
	ok(queue_open(&q, "carol@example.org", 1) == EX_CANTCREAT,
	    "refused (73)");
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ok(system(path) == 0, "cleaned up");
	buf_free(&why);
}

int
main(void)
{
	test_round_trip();
	test_corrupt();
	test_ages();
	test_disk();
	return done_testing();
}
