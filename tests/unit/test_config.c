/* test_config: the config file parser, and account_load's precedence. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "unit.h"

static const char sample[] =
    "# global settings apply to every account\n"
    "server = 127.0.0.1\n"
    "port = 5222\n"
    "jid = bot@example.org\n"
    "password = \"  spaced secret  \"\n"
    "\n"
    "[ops]\n"
    "jid = ops@example.org\n"
    "password_file = /run/secrets/ops\n"
    "resource = pager\n"
    "\n"
    "[other]\n"
    "  jid=other@example.net  \n"
    "cafile=/etc/ca.pem\n";

static int
parse(struct account *a, const char *text, const char *section)
{
	memset(a, 0, sizeof(*a));
	return config_parse(a, text, strlen(text), "cfg", section);
}

static void
test_sections(void)
{
	struct account a;

	ok(parse(&a, sample, NULL) == EX_OK, "global account parses");
	is_str(a.jid, "bot@example.org", "global jid");
	is_str(a.password, "  spaced secret  ", "quotes keep blanks");
	is_str(a.server, "127.0.0.1", "global server");
	ok(a.port == 5222, "global port");
	ok(a.resource == NULL, "a section's resource stays in the section");
	account_free(&a);

	ok(parse(&a, sample, "ops") == EX_OK, "[ops] parses");
	is_str(a.jid, "ops@example.org", "[ops] jid");
	ok(a.password == NULL, "[ops] does not inherit the global password");
	is_str(a.password_file, "/run/secrets/ops", "[ops] password_file");
	is_str(a.server, "127.0.0.1", "[ops] inherits the global server");
	is_str(a.resource, "pager", "[ops] resource");
	account_free(&a);

	ok(parse(&a, sample, "other") == EX_OK, "[other] parses");
	is_str(a.jid, "other@example.net", "blanks around keys and values");
	is_str(a.cafile, "/etc/ca.pem", "[other] cafile");
	account_free(&a);

	ok(parse(&a, sample, "missing") == EX_CONFIG,
	    "an unknown account is a config error");
	account_free(&a);
}

static void
test_errors(void)
{
	static const struct {
		const char *text;
		const char *name;
	} bad[] = {
		{ "pasword = x\n", "an unknown key" },
		{ "jid\n", "a line without =" },
		{ "port = 0\n", "port 0" },
		{ "port = 70000\n", "port 70000" },
		{ "port = 12ab\n", "a port that is not a number" },
		{ "[broken\njid = a@b\n", "an unclosed section header" },
		{ "[]\n", "an empty section name" },
		{ "jid = a@b\njid = c@d\n", "a key given twice" },
	};
	struct account a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(parse(&a, bad[i].text, NULL) == EX_CONFIG,
		    "refuses %s", bad[i].name);
		account_free(&a);
	}
	ok(parse(&a, "; comment\n\n   \n# more\r\n", NULL) == EX_OK,
	    "comments and blank lines (CRLF too) are fine");
	account_free(&a);
	ok(parse(&a, "[x]\njid = a@b\n[x]\njid = c@d\n", "x") == EX_CONFIG,
	    "a section given twice is refused");
	account_free(&a);
}

/* Writes a file, printf-style. */
static void __attribute__((format(printf, 2, 3)))
write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* account_load: flags over environment over file; passwords stay with
 * the JID they were written for. */
static void
test_precedence(void)
{
	char dir[] = "/tmp/xu-unit.XXXXXX", path[64], pwpath[64];
	struct account_opts o = { 0 };
	struct account a;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(pwpath, sizeof(pwpath), "%s/pw", dir);
	write_file(pwpath, "%s", "from-file\nsecond line ignored\n");
	chmod(pwpath, 0600);
	write_file(path, "jid = file@example.org\npassword = filepw\n"
	    "[ops]\njid = ops@example.org\npassword_file = %s\n", pwpath);
	o.file = path;
	unsetenv("XMPP_JID");
	unsetenv("XMPP_PASSWORD");

	chmod(path, 0640);
	ok(account_load(&a, &o) == EX_CONFIG,
	    "a config that holds a password and others can read is refused");
	chmod(path, 0600);

	ok(account_load(&a, &o) == EX_OK, "loads the file's account");
	is_str(a.jid, "file@example.org", "jid from the file");
	is_str(a.password, "filepw", "password from the file");
	account_free(&a);

	setenv("XMPP_PASSWORD", "envpw", 1);
	ok(account_load(&a, &o) == EX_OK, "XMPP_PASSWORD");
	is_str(a.password, "envpw", "the environment beats the file");
	account_free(&a);
	unsetenv("XMPP_PASSWORD");

	setenv("XMPP_JID", "env@example.org", 1);
	ok(account_load(&a, &o) == EX_CONFIG,
	    "XMPP_JID for another account does not take the file's password");
	o.jid = "file@example.org";
	ok(account_load(&a, &o) == EX_OK, "--jid beats XMPP_JID");
	is_str(a.jid, "file@example.org", "jid from the flag");
	is_str(a.password, "filepw", "the file's password for its own jid");
	account_free(&a);
	o.jid = NULL;
	unsetenv("XMPP_JID");

	o.name = "ops";
	setenv("XMPP_JID", "env@example.org", 1);
	ok(account_load(&a, &o) == EX_OK, "-a ops");
	is_str(a.jid, "ops@example.org", "-a picks the section over XMPP_JID");
	is_str(a.password, "from-file", "password_file: its first line");
	account_free(&a);
	unsetenv("XMPP_JID");

	o.name = NULL;
	o.cafile = "~/ca.pem";
	setenv("HOME", "/home/someone", 1);
	ok(account_load(&a, &o) == EX_OK, "--cafile ~/ca.pem");
	is_str(a.cafile, "/home/someone/ca.pem", "~/ is the home directory");
	account_free(&a);
	o.cafile = NULL;
	o.port = "99999";
	ok(account_load(&a, &o) == EX_USAGE, "--port out of range");
	o.port = NULL;
	o.jid = "not a jid@example.org";
	ok(account_load(&a, &o) == EX_CONFIG, "a malformed jid");
	o.jid = NULL;
	o.file = "/nonexistent/config";
	ok(account_load(&a, &o) == EX_CONFIG, "a missing -f file");
	o.file = path;

	write_file(path, "jid = cmd@example.org\npassword_command = printf "
	    "'from-command\\nnot this'\n");
	chmod(path, 0644);
	ok(account_load(&a, &o) == EX_OK,
	    "a config without a password may be readable by others");
	is_str(a.password, "from-command", "password_command: its first line");
	account_free(&a);
	write_file(path, "jid = cmd@example.org\n"
	    "password_command = exit 3\n");
	ok(account_load(&a, &o) == EX_CONFIG, "a failing password_command");
	write_file(path, "jid = cmd@example.org\npassword_file = %s\n"
	    "password_command = true\n", pwpath);
	ok(account_load(&a, &o) == EX_CONFIG, "two ways to the password");
	write_file(path, "jid = a@example.org\ntls = smoke-signals\n");
	ok(account_load(&a, &o) == EX_CONFIG, "tls: starttls or direct");
	write_file(path, "jid = a@example.org\npin = sha256//short=\n");
	ok(account_load(&a, &o) == EX_CONFIG, "a malformed pin");
	write_file(path, "jid = a@example.org\npassword_command = echo pw\n"
	    "pin = sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
	    "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
	ok(account_load(&a, &o) == EX_OK, "two pins, for a key that changes");
	account_free(&a);
	o.no_password = 1;
	write_file(path, "jid = a@example.org\n");
	ok(account_load(&a, &o) == EX_OK && a.password == NULL,
	    "--show-cert needs no password");
	account_free(&a);
	o.no_password = 0;

	unlink(pwpath);
	unlink(path);
	rmdir(dir);
}

/* What a hostile or careless file must not get past. */
static void
test_hostile_files(void)
{
	static const char nul[] = "jid = a@b\npassword = PASS\0tail\n[b]\n";
	char dir[] = "/tmp/xu-unit.XXXXXX", path[64], pw[64], fifo[64];
	char cmd[128], rest[32];
	struct account_opts o = { 0 };
	struct account a;
	int64_t start;
	int fds[2];
	ssize_t n;

	memset(&a, 0, sizeof(a));
	ok(config_parse(&a, nul, sizeof(nul) - 1, "cfg", NULL) == EX_CONFIG,
	    "a NUL byte in the config is an error, not its end");
	account_free(&a);
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(pw, sizeof(pw), "%s/pw", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	o.file = path;
	o.timeout = 1;
	unsetenv("XMPP_JID");
	unsetenv("XMPP_PASSWORD");

	write_file(path, "jid = a@example.org\n\rpassword = secret\n");
	chmod(path, 0644);
	ok(account_load(&a, &o) == EX_CONFIG,
	    "a password line that starts with a carriage return still "
	    "counts as one: refused when others can read the file");
	write_file(path, "jid = a@example.org\npassword_command = echo x\n");
	chmod(path, 0666);
	ok(account_load(&a, &o) == EX_CONFIG,
	    "a config others can write is refused");
	chmod(path, 0620);
	ok(account_load(&a, &o) == EX_CONFIG,
	    "so is one its group can write");

	write_file(pw, "secret\n");
	chmod(pw, 0644);
	write_file(path, "jid = a@example.org\npassword_file = %s\n", pw);
	chmod(path, 0600);
	ok(account_load(&a, &o) == EX_CONFIG,
	    "a password_file others can read is refused");
	chmod(pw, 0600);
	ok(account_load(&a, &o) == EX_OK, "and taken once it is 0600");
	account_free(&a);

	mkfifo(fifo, 0600);
	write_file(path, "jid = a@example.org\npassword_file = %s\n", fifo);
	start = now_ms();
	ok(account_load(&a, &o) == EX_CONFIG && now_ms() - start < 3000,
	    "a FIFO password_file with no writer: given up after -T (%lld "
	    "ms for 1 s)", (long long)(now_ms() - start));
	write_file(path, "jid = a@example.org\npassword_command = sleep 30\n");
	start = now_ms();
	ok(account_load(&a, &o) == EX_CONFIG && now_ms() - start < 3000,
	    "a password_command that never answers: stopped after -T (%lld "
	    "ms for 1 s)", (long long)(now_ms() - start));
	write_file(path, "jid = a@example.org\npassword_command = echo pw; "
	    "sleep 30\n");
	ok(account_load(&a, &o) == EX_CONFIG,
	    "one that answers, then never ends, too");

	/* --password-fd: the first line and not a byte more */
	write_file(path, "jid = a@example.org\n");
	if (pipe(fds) == -1) {
		ok(0, "pipe");
		return;
	}
	write(fds[1], "fdpw\nline one\n", 14);
	close(fds[1]);
	snprintf(cmd, sizeof(cmd), "%d", fds[0]);
	o.password_fd = cmd;
	ok(account_load(&a, &o) == EX_OK, "--password-fd");
	is_str(a.password, "fdpw", "the password is the first line");
	account_free(&a);
	n = read(fds[0], rest, sizeof(rest) - 1);
	rest[n > 0 ? n : 0] = '\0';
	is_str(rest, "line one\n", "and what follows it is left unread");
	close(fds[0]);
	o.password_fd = NULL;

	unlink(fifo);
	unlink(pw);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	/* never a password prompt, even when run from a terminal */
	if (freopen("/dev/null", "r", stdin) == NULL)
		return 1;
	test_sections();
	test_errors();
	test_precedence();
	test_hostile_files();
	return done_testing();
}
