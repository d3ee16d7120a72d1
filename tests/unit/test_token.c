/* test_token: FAST tokens on disk: slots, locks, checks, atomic saves. */
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "token.h"
#include "unit.h"

#define JID "alice@example.org"
#define TOKEN "secret-token:fast-Abc123+/="
#define MECH "HT-SHA-256-NONE"

static char root[] = "/tmp/test_token.XXXXXX";
static char fast[1024];		/* the directory of the test at hand */
static char why[PATH_MAX + 256];

static void
skip(const char *fmt, const char *what)
{
	printf("ok %d # SKIP ", ++unit_n);
	printf(fmt, what);
	putchar('\n');
}

/* A state directory of its own for each test: XDG_STATE_HOME=root/name */
static void
fresh(const char *name)
{
	char state[512];

	snprintf(state, sizeof(state), "%s/%s", root, name);
	mkdir(state, 0755);
	setenv("XDG_STATE_HOME", state, 1);
	snprintf(fast, sizeof(fast), "%s/xmpputils/fast", state);
}

static const char *
at(const char *name)
{
	static char path[2048];

	snprintf(path, sizeof(path), "%s/%s", fast, name);
	return path;
}

static void
put(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1 || write(fd, text, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
	fchmod(fd, mode);
	close(fd);
}

/* The file's text, or "" if it cannot be read. */
static const char *
slurp(const char *path)
{
	static char text[8192];
	ssize_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) != -1) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == -1 ? (mode_t)-1 : st.st_mode & 07777;
}

/* How many names in dir end with suffix */
static int
count(const char *dir, const char *suffix)
{
	struct dirent *e;
	size_t len = strlen(suffix);
	int n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strlen(e->d_name) >= len && strcmp(e->d_name +
		    strlen(e->d_name) - len, suffix) == 0)
			n++;
	closedir(d);
	return n;
}

static int
ends_with(const char *s, const char *suffix)
{
	return s != NULL && strlen(s) >= strlen(suffix) &&
	    strcmp(s + strlen(s) - strlen(suffix), suffix) == 0;
}

/* Lowercase, and of the form of a random UUID (RFC 9562, version 4) */
static int
uuid_v4(const char *id)
{
	static const char form[] = "hhhhhhhh-hhhh-4hhh-vhhh-hhhhhhhhhhhh";
	const char *want;
	size_t i;

	if (strlen(id) != strlen(form))
		return 0;
	for (i = 0; form[i]; i++) {
		want = form[i] == 'h' ? "0123456789abcdef" :
		    form[i] == 'v' ? "89ab" : form + i;
		if (id[i] == '\0' || strchr(want, id[i]) == NULL ||
		    (want == form + i && id[i] != form[i]))
			return 0;
	}
	return 1;
}

static void
test_datetime(void)
{
	static const struct {
		const char *s;
		int64_t t;	/* -1: not a DateTime */
	} cases[] = {
		{ "2026-12-23T10:00:00Z", 1798020000 },
		{ "2026-12-23T10:00:00.123456Z", 1798020000 },
		{ "2026-12-23T12:00:00+02:00", 1798020000 },
		{ "2026-12-23T04:30:00-05:30", 1798020000 },
		{ "2026-12-23T10:00:00.5-00:00", 1798020000 },
		{ "2024-02-29T23:59:59Z", 1709251199 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2025-02-29T00:00:00Z", -1 },		/* not a leap year */
		{ "2026-04-31T00:00:00Z", -1 },
		{ "2026-13-01T00:00:00Z", -1 },
		{ "2026-12-23T24:00:00Z", -1 },
		{ "2026-12-23T10:60:00Z", -1 },
		{ "2026-12-23T10:00:60Z", -1 },
		{ "2026-12-23T10:00:00", -1 },		/* no zone */
		{ "2026-12-23T10:00:00z", -1 },
		{ "2026-12-23 10:00:00Z", -1 },
		{ "2026-12-23T10:00:00.Z", -1 },
		{ "2026-12-23T10:00:00+0200", -1 },
		{ "2026-12-23T10:00:00+15:00", -1 },
		{ "2026-12-23T10:00:00Z ", -1 },
		{ "2026-12-23T10:00Z", -1 },
		{ "+2026-12-23T10:00:00Z", -1 },
		{ "2026-1-23T10:00:00Z", -1 },
		{ "", -1 },
	};
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = 42;
		rc = token_datetime(cases[i].s, &t);
		ok(cases[i].t == -1 ? rc == -1 : rc == 0 && t == cases[i].t,
		    "XEP-0082 \"%s\": %s", cases[i].s, cases[i].t == -1 ?
		    "refused" : "read");
	}
}

static void
test_take_save(void)
{
	struct token_slot s, again;
	char id[37], want[512];

	fresh("take");
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == 0 &&
	    s.lock >= 0 && s.token == NULL && s.mechanism[0] == '\0' &&
	    s.expiry == 0, "a first take: slot 0, no token");
	ok(ends_with(s.path, "/xmpputils/fast/" JID ".xsend.0"),
	    "named after the JID and the tool: %s", s.path);
	ok(uuid_v4(s.id), "its id is a UUID v4: %s", s.id);
	snprintf(want, sizeof(want), "id %s\n", s.id);
	is_str(slurp(s.path), want, "written down at once: id only");
	ok(mode_of(s.path) == 0600 && mode_of(at(JID ".xsend.0.lock")) ==
	    0600, "the file and its lock are 0600");
	ok(mode_of(fast) == 0700 && mode_of(at("..")) == 0700,
	    "the directories made are 0700");
	strlcpy(id, s.id, sizeof(id));
	ok(token_save(&s, MECH, TOKEN, "2126-12-23T10:00:00Z", why,
	    sizeof(why)) == 0 && strcmp(s.token, TOKEN) == 0 &&
	    s.expiry == 4953693600LL, "saved: %s", why);
	snprintf(want, sizeof(want), "id %s\nmechanism " MECH "\ntoken "
	    TOKEN "\nexpiry %lld\n", id, 4953693600LL);
	is_str(slurp(s.path), want, "the file: id, mechanism, token, expiry");
	token_release(&s);
	ok(s.lock == -1 && s.token == NULL && s.path == NULL,
	    "released: nothing left in the slot");
	ok(token_take("Alice@Example.ORG/phone", "xsend", &again, why,
	    sizeof(why)) == 0 && again.token && strcmp(again.token, TOKEN) ==
	    0 && strcmp(again.mechanism, MECH) == 0 && strcmp(again.id, id) ==
	    0 && again.expiry == 4953693600LL,
	    "taken again (any case, any resource): the same id and token");
	ok(token_save(&again, MECH, "secret-token:two", "soon", why,
	    sizeof(why)) == 0 && again.expiry == 0,
	    "an expiry that is not a DateTime is kept as unknown");
	ok(token_save(&again, MECH, "secret-token:three",
	    "1960-01-01T00:00:00Z", why, sizeof(why)) == 0 &&
	    again.expiry == 1, "one before 1970 as expired");
	ok(token_save(&again, again.mechanism, again.token, NULL, why,
	    sizeof(why)) == 0 && strcmp(again.token, "secret-token:three") ==
	    0 && strcmp(again.mechanism, MECH) == 0 && again.expiry == 0,
	    "the slot's own token saved again (its expiry now unknown)");
	ok(token_drop(&again, why, sizeof(why)) == 0 && again.token == NULL &&
	    again.mechanism[0] == '\0', "dropped");
	snprintf(want, sizeof(want), "id %s\n", id);
	is_str(slurp(again.path), want, "the file keeps the id alone");
	token_release(&again);
	ok(count(fast, ".tmp") == 0, "no temporary file is left");
}

static void
test_bad_tokens(void)
{
	struct token_slot s;
	char want[512], big[TOKEN_MAX + 2];

	fresh("bad");
	token_take(JID, "xsend", &s, why, sizeof(why));
	token_save(&s, MECH, TOKEN, NULL, why, sizeof(why));
	snprintf(want, sizeof(want), "%s", slurp(s.path));
	ok(token_save(&s, MECH, "secret-token:a b", NULL, why, sizeof(why)) ==
	    -1 && strstr(why, "secret") == NULL,
	    "a token with a space is refused, and not said: %s", why);
	ok(token_save(&s, MECH, "secret\x7f", NULL, why, sizeof(why)) == -1,
	    "so is one with DEL");
	ok(token_save(&s, MECH, "", NULL, why, sizeof(why)) == -1,
	    "and an empty one");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(token_save(&s, MECH, big, NULL, why, sizeof(why)) == -1,
	    "and one of %d bytes", TOKEN_MAX + 1);
	big[TOKEN_MAX] = '\0';
	ok(token_save(&s, MECH, big, "2126-12-23T10:00:00.999999+14:00",
	    why, sizeof(why)) == 0, "but not one of %d: %s", TOKEN_MAX, why);
	token_save(&s, MECH, TOKEN, NULL, why, sizeof(why));
	ok(token_save(&s, "ht-sha-256-none", TOKEN, NULL, why, sizeof(why)) ==
	    -1 && token_save(&s, "HT-SHA-256-NONE-TOO-LONG", TOKEN, NULL, why,
	    sizeof(why)) == -1, "a mechanism's name is checked: %s", why);
	is_str(slurp(s.path), want, "the file is as it was");
	ok(strcmp(s.token, TOKEN) == 0, "and so is the slot");
	token_release(&s);
	ok(token_take(JID, "x.send", &s, why, sizeof(why)) == -1 &&
	    token_take(JID, "", &s, why, sizeof(why)) == -1 && s.lock == -1,
	    "a tool's name is checked: %s", why);
	ok(token_take("@example.org", "xsend", &s, why, sizeof(why)) == -1,
	    "and the JID: %s", why);
}

static void
test_slots(void)
{
	struct token_slot s[TOKEN_SLOTS + 1];
	char id1[37];
	int i, fd, rc;

	fresh("slots");
	ok(token_take(JID, "xsend", &s[0], why, sizeof(why)) == 0,
	    "slot 0 taken");
	fd = open(at(JID ".xsend.0.lock"), O_RDONLY);
	ok(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == -1 &&
	    errno == EWOULDBLOCK, "a second open of its lock cannot lock it, "
	    "in the same process too");
	close(fd);
	ok(token_take(JID, "xsend", &s[1], why, sizeof(why)) == 0 &&
	    ends_with(s[1].path, ".xsend.1") && strcmp(s[0].id, s[1].id) != 0,
	    "a second take gets slot 1, with an id of its own");
	strlcpy(id1, s[1].id, sizeof(id1));
	for (i = 2; i < TOKEN_SLOTS; i++)
		token_take(JID, "xsend", &s[i], why, sizeof(why));
	ok(ends_with(s[TOKEN_SLOTS - 1].path, ".xsend.3"), "slot 3 too");
	rc = token_take(JID, "xsend", &s[TOKEN_SLOTS], why, sizeof(why));
	ok(rc == 1 && s[TOKEN_SLOTS].lock == -1 &&
	    s[TOKEN_SLOTS].path == NULL, "all %d busy: 1, no slot",
	    TOKEN_SLOTS);
	token_release(&s[TOKEN_SLOTS]);	/* harmless */
	ok(token_take(JID, "xping", &s[TOKEN_SLOTS], why, sizeof(why)) == 0,
	    "another tool has slots of its own");
	token_release(&s[TOKEN_SLOTS]);
	token_release(&s[1]);
	ok(token_take(JID, "xsend", &s[1], why, sizeof(why)) == 0 &&
	    ends_with(s[1].path, ".xsend.1") && strcmp(s[1].id, id1) == 0,
	    "slot 1, released, is taken again: its id is the same");
	for (i = 0; i < TOKEN_SLOTS; i++)
		token_release(&s[i]);
}

static void
test_expired(void)
{
	struct token_slot s;
	char id[37];

	fresh("expired");
	token_take(JID, "xsend", &s, why, sizeof(why));
	strlcpy(id, s.id, sizeof(id));
	ok(token_save(&s, MECH, TOKEN, "2000-01-01T00:00:00Z", why,
	    sizeof(why)) == 0 && s.expiry == 946684800, "a token that "
	    "expired is saved as the server says");
	token_release(&s);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == 0 &&
	    s.token == NULL && s.mechanism[0] == '\0' && s.expiry == 0 &&
	    strcmp(s.id, id) == 0, "and not taken: the id is");
	token_release(&s);
}

/* Makes the slot file of a fresh state directory; returns its path. */
static const char *
slot_file(const char *name, const char *text, size_t len, mode_t mode)
{
	struct token_slot s;

	fresh(name);
	token_take(JID, "xsend", &s, why, sizeof(why));
	token_release(&s);
	put(at(JID ".xsend.0"), text, len, mode);
	return at(JID ".xsend.0");
}

static void
test_unsafe(void)
{
	static const char good[] = "id 0a1b2c3d-0000-4000-8000-00000000000f\n"
	    "mechanism " MECH "\ntoken " TOKEN "\n";
	struct token_slot s;
	char target[PATH_MAX];
	struct passwd *pw;
	const char *path;

	path = slot_file("unsafe", good, strlen(good), 0600);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == 0 && s.token &&
	    strcmp(s.id, "0a1b2c3d-0000-4000-8000-00000000000f") == 0,
	    "a file written by hand, well-formed: taken");
	token_release(&s);

	snprintf(target, sizeof(target), "%s/elsewhere", root);
	put(target, good, strlen(good), 0600);
	unlink(path);
	symlink(target, path);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "a symbolic link") && s.lock == -1,
	    "a symbolic link is refused: %s", why);
	unlink(path);
	unlink(at(JID ".xsend.0.lock"));
	symlink(target, at(JID ".xsend.0.lock"));
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, ".lock: a symbolic link"), "so is a lock that is "
	    "one: %s", why);

	path = slot_file("group", good, strlen(good), 0640);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "others can read it") && strstr(why, "chmod 600"),
	    "a file others can read is refused: %s", why);
	chmod(path, 0602);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "others can write"), "so is one they can write: %s",
	    why);
	unlink(path);
	mkdir(path, 0700);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "not a file"), "and a directory: %s", why);

	path = slot_file("owner", good, strlen(good), 0600);
	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL)
		skip("%s", "a file of another uid: only root can make one");
	else {
		chown(path, pw->pw_uid, pw->pw_gid);
		ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
		    strstr(why, "not by you"),
		    "a file of another uid is refused: %s", why);
	}

	fresh("opendir");
	snprintf(target, sizeof(target), "%s/opendir/xmpputils", root);
	mkdir(target, 0700);
	mkdir(fast, 0755);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "not a directory of ours alone"),
	    "a directory others can read is refused: %s", why);
	rmdir(fast);
	snprintf(target, sizeof(target), "%s/realdir", root);
	mkdir(target, 0700);
	symlink(target, fast);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "not a directory of ours alone"),
	    "so is a symbolic link to one of ours: %s", why);
}

static void
test_malformed(void)
{
#define U "0a1b2c3d-0000-4000-8000-00000000000f"
	static const struct {
		const char *what, *text;
		size_t len;
	} cases[] = {
#define C(what, text) { what, text, sizeof(text) - 1 }
		C("an unknown key", "id " U "\nfoo bar\n"),
		C("a key in capitals", "ID " U "\n"),
		C("a key twice", "id " U "\nid " U "\n"),
		C("an id not a UUID", "id 0a1b2c3d\n"),
		C("an id in capitals", "id 0A1B2C3D-0000-4000-8000-00000000000F\n"),
		C("two spaces", "id  " U "\n"),
		C("a CR", "id " U "\r\n"),
		C("an empty line", "id " U "\n\n"),
		C("no end of line", "id " U),
		C("no id", "mechanism " MECH "\ntoken secret\n"),
		C("nothing", ""),
		C("a token with a control character",
		    "id " U "\nmechanism " MECH "\ntoken secret\001\n"),
		C("a token with a space",
		    "id " U "\nmechanism " MECH "\ntoken secret x\n"),
		C("a token without a mechanism", "id " U "\ntoken secret\n"),
		C("a mechanism without a token", "id " U "\nmechanism " MECH
		    "\n"),
		C("an expiry without a token", "id " U "\nexpiry 5\n"),
		C("an expiry not a number", "id " U "\nmechanism " MECH
		    "\ntoken secret\nexpiry 12a\n"),
		C("an expiry with a sign", "id " U "\nmechanism " MECH
		    "\ntoken secret\nexpiry +12\n"),
		C("a NUL byte", "id " U "\nmechanism " MECH
		    "\ntoken secret\0x\n"),
	};
	struct token_slot s;
	char big[TOKEN_FILE_MAX + 2];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		slot_file("malformed", cases[i].text, cases[i].len, 0600);
		rc = token_take(JID, "xsend", &s, why, sizeof(why));
		ok(rc == -1 && strstr(why, "not a token file") &&
		    !strstr(why, "secret") && s.lock == -1 && s.token == NULL,
		    "%s: refused (%s)", cases[i].what, why);
	}
	snprintf(big, sizeof(big), "id " U "\nmechanism " MECH "\ntoken ");
	memset(big + strlen(big), 'x', sizeof(big) - strlen(big));
	big[sizeof(big) - 1] = '\n';
	slot_file("malformed", big, sizeof(big), 0600);
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "longer"), "a file of %zu bytes: refused (%s)",
	    sizeof(big), why);
#undef C
#undef U
}

/* ---- token_each */

struct visits {
	char names[8][128];
	int n, stop;
};

static int
visit(struct token_slot *s, void *arg)
{
	struct visits *v = arg;
	char e[256];

	if (v->stop)
		return -1;
	if (v->n < 8)
		snprintf(v->names[v->n++], sizeof(v->names[0]), "%s=%s",
		    strrchr(s->path, '/') + 1, s->token);
	return token_drop(s, e, sizeof(e));
}

static void
saved(const char *jid, const char *tool, int n, const char *token,
    const char *expiry)
{
	struct token_slot s[TOKEN_SLOTS];
	int i;

	for (i = 0; i <= n; i++)
		token_take(jid, tool, &s[i], why, sizeof(why));
	if (token)
		token_save(&s[n], MECH, token, expiry, why, sizeof(why));
	for (i = 0; i <= n; i++)
		token_release(&s[i]);
}

static void
test_each(void)
{
	struct visits v = { 0 };
	struct token_slot held;
	int64_t t0;
	int n;

	fresh("none");
	ok(token_each(JID, 0, visit, &v, why, sizeof(why)) == 0 &&
	    why[0] == '\0' && v.n == 0, "no directory: no tokens");

	fresh("each");
	saved(JID, "xsend", 0, "t-xsend-0", NULL);
	saved(JID, "xsend", 1, "t-xsend-1", "2126-01-01T00:00:00Z");
	saved(JID, "xping", 0, "t-xping-0", NULL);
	saved(JID, "xraw", 0, "t-expired", "2001-01-01T00:00:00Z");
	saved(JID, "xlisten", 0, NULL, NULL);
	saved(JID ".uk", "xsend", 0, "t-other-domain", NULL);
	saved("bob@example.org", "xsend", 0, "t-bob", NULL);
	n = token_each(JID, 0, visit, &v, why, sizeof(why));
	ok(n == 3 && v.n == 3 && why[0] == '\0',
	    "every tool's slots with a token are visited: %d (%s)", n, why);
	is_str(v.names[0], JID ".xping.0=t-xping-0", "xping's slot 0");
	is_str(v.names[1], JID ".xsend.0=t-xsend-0", "xsend's slot 0");
	is_str(v.names[2], JID ".xsend.1=t-xsend-1", "xsend's slot 1");
	v.n = 0;
	ok(token_each(JID, 0, visit, &v, why, sizeof(why)) == 0 && v.n == 0,
	    "dropped by the visits: none the second time");
	ok(token_each(JID ".uk", 0, visit, &v, why, sizeof(why)) == 1 &&
	    token_each("bob@example.org", 0, visit, &v, why, sizeof(why)) == 1,
	    "the other accounts' were left alone");

	saved(JID, "xsend", 0, "t-again", NULL);
	saved(JID, "xping", 0, "t-again", NULL);
	token_take(JID, "xsend", &held, why, sizeof(why));
	v.n = 0;
	t0 = now_ms();
	n = token_each(JID, 50, visit, &v, why, sizeof(why));
	ok(n == 1 && v.n == 1 && strstr(why, JID ".xsend.0: in use by "
	    "another process: skipped"), "a slot held is skipped: %s", why);
	ok(now_ms() - t0 >= 50, "once waited for, 50 ms");
	token_release(&held);
	v.stop = 1;
	ok(token_each(JID, 0, visit, &v, why, sizeof(why)) == -1 &&
	    strstr(why, ".xsend.0: stopped there"),
	    "a visit that fails stops them: %s", why);
}

static void
test_names(void)
{
	struct token_slot s;
	char home[PATH_MAX], jid[300];
	const char *name;
	int rc;

	snprintf(home, sizeof(home), "%s/home", root);
	mkdir(home, 0755);
	setenv("HOME", home, 1);
	setenv("XDG_STATE_HOME", "relative", 1);
	chdir(root);
	rc = token_take(JID, "xsend", &s, why, sizeof(why));
	ok(rc == 0 && strncmp(s.path, home, strlen(home)) == 0 &&
	    ends_with(s.path, "/.local/state/xmpputils/fast/" JID ".xsend.0"),
	    "XDG_STATE_HOME relative: ignored, for ~/.local/state: %s",
	    rc == 0 ? s.path : why);
	ok(access("relative", F_OK) == -1, "nothing made at the relative "
	    "path");
	token_release(&s);
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	ok(token_take(JID, "xsend", &s, why, sizeof(why)) == -1 &&
	    strstr(why, "absolute"), "nor HOME: %s", why);

	fresh("names");
	rc = token_take("alice+tag@example.org", "xsend", &s, why,
	    sizeof(why));
	name = rc == 0 ? strrchr(s.path, '/') + 1 : why;
	ok(rc == 0 && strlen(name) == 33 + 8 && name[0] == '=' &&
	    strspn(name + 1, "0123456789abcdef") == 32,
	    "a JID with a character not kept in names: named by its hash: %s",
	    name);
	token_release(&s);
	memset(jid, 'a', 250);
	strlcpy(jid + 250, "@example.org", sizeof(jid) - 250);
	rc = token_take(jid, "xsend", &s, why, sizeof(why));
	ok(rc == 0 && strrchr(s.path, '/')[1] == '=', "so is a long one: %s",
	    rc == 0 ? strrchr(s.path, '/') + 1 : why);
	token_release(&s);
}

/* A full disk: a tmpfs of 64 KiB, filled up. */
static void
test_full(void)
{
	struct token_slot s;
	char mnt[512], filler[1024], want[512], block[4096];
	int fd;

	snprintf(mnt, sizeof(mnt), "%s/full", root);
	mkdir(mnt, 0700);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700") == -1) {
		skip("a full disk: cannot mount a tmpfs: %s", strerror(errno));
		skip("%s", "(the old file kept)");
		skip("%s", "(no temporary file left)");
		return;
	}
	setenv("XDG_STATE_HOME", mnt, 1);
	snprintf(fast, sizeof(fast), "%s/xmpputils/fast", mnt);
	token_take(JID, "xsend", &s, why, sizeof(why));
	token_save(&s, MECH, TOKEN, NULL, why, sizeof(why));
	snprintf(want, sizeof(want), "%s", slurp(s.path));
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	memset(block, 'f', sizeof(block));
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	while (write(fd, block, sizeof(block)) > 0)
		;
	while (write(fd, block, 1) > 0)
		;
	close(fd);
	ok(token_save(&s, MECH, "secret-token:new", NULL, why, sizeof(why)) ==
	    -1 && strstr(why, strerror(ENOSPC)) && !strstr(why, "secret"),
	    "a full disk: not saved (%s)", why);
	ok(strcmp(slurp(s.path), want) == 0 && strcmp(s.token, TOKEN) == 0,
	    "the old file is kept, and so is the slot");
	ok(count(fast, ".tmp") == 0, "no temporary file is left");
	token_release(&s);
	umount2(mnt, MNT_DETACH);
}

static int
rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	test_datetime();
	test_take_save();
	test_bad_tokens();
	test_slots();
	test_expired();
	test_unsafe();
	test_malformed();
	test_each();
	test_names();
	test_full();
	nftw(root, rm, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
