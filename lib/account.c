/*
 * account.c: who a tool logs in as, from the command line, the
 * environment and the config file, in that order of precedence.
 *
 * A password is only ever sent for the JID it was written down with: one
 * from the config file goes with that file's jid, so XMPP_JID or --jid
 * naming someone else never carries the file's password to their server.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "xmpputils.h"

#define CONFIG_MAX (1024 * 1024)

#define PORT_KEY ((size_t)-1)
#define PASSWORD_MAX 1024

static const char *
tls_check(const char *v)
{
	return strcmp(v, "starttls") == 0 || strcmp(v, "direct") == 0 ? NULL :
	    "expected starttls or direct";
}

/*
 * A pin is "sha256//" and the base64 of a SHA-256 hash (44 characters);
 * several, for a key about to change, are separated by ';'.
 */
static const char *
pin_check(const char *v)
{
	const char *p = v;
	size_t n;

	for (;;) {
		if (strncmp(p, "sha256//", 8) != 0)
			return "expected sha256//BASE64 (see --show-cert)";
		p += 8;
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/=");
		if (n != 44 || p[43] != '=' || p[42] == '=')
			return "the hash is not the base64 of 32 bytes";
		p += n;
		if (*p == '\0')
			return NULL;
		if (*p++ != ';')
			return "pins are separated by ';'";
	}
}

static const char *
agent_check(const char *v)
{
	if (strcmp(v, "auto") && strcmp(v, "yes") && strcmp(v, "no"))
		return "expected auto, yes or no";
	return NULL;
}

static const char *
persist_check(const char *v)
{
	const char *errstr;

	strtonum(v, 1, 7 * 86400, &errstr);
	return errstr ? "expected seconds, from 1 to 604800" : NULL;
}

static const char *
yesno_check(const char *v)
{
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return "expected yes or no";
	return NULL;
}

static const char *
age_check(const char *v)
{
	int64_t seconds;

	return queue_age_parse(v, &seconds);
}

/* Names we know, so that a typo does not pin the account to nothing. */
static const char *
mechanisms_check(const char *v)
{
	static const char *known[] = { "SCRAM-SHA-1", "SCRAM-SHA-256",
	    "SCRAM-SHA-512", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS",
	    "SCRAM-SHA-512-PLUS", "PLAIN", "EXTERNAL", "HT-SHA-256-NONE",
	    "HT-SHA-256-ENDP", "HT-SHA-256-EXPR" };
	size_t i, w, n = 0;

	for (; *v; v += w) {
		v += strspn(v, " ,\t");
		if ((w = strcspn(v, " ,\t")) == 0)
			break;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i]) == w &&
			    strncasecmp(known[i], v, w) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0]))
			return "a mechanism we do not know (see "
			    "xmpputils.conf(5))";
		n++;
	}
	return n ? NULL : "expected mechanisms, such as SCRAM-SHA-256-PLUS";
}

struct key {
	const char *name;
	size_t off;		/* of the char * in struct account */
	int credential;		/* not inherited by a [section] */
	const char *(*check)(const char *);	/* why a value is wrong */
};

static const struct key keys[] = {
	{ "jid", offsetof(struct account, jid), 1, NULL },
	{ "password", offsetof(struct account, password), 1, NULL },
	{ "password_file", offsetof(struct account, password_file), 1, NULL },
	{ "password_command", offsetof(struct account, password_command), 1,
	    NULL },
	{ "client_cert", offsetof(struct account, client_cert), 1, NULL },
	{ "client_key", offsetof(struct account, client_key), 1, NULL },
	{ "server", offsetof(struct account, server), 0, NULL },
	{ "port", PORT_KEY, 0, NULL },
	{ "resource", offsetof(struct account, resource), 0, NULL },
	{ "tls", offsetof(struct account, tls), 0, tls_check },
	{ "cafile", offsetof(struct account, cafile), 0, NULL },
	{ "capath", offsetof(struct account, capath), 0, NULL },
	{ "pin", offsetof(struct account, pin), 0, pin_check },
	{ "agent", offsetof(struct account, agent), 0, agent_check },
	{ "agent_persist", offsetof(struct account, agent_persist), 0,
	    persist_check },
	{ "sasl2", offsetof(struct account, sasl2), 0, yesno_check },
	{ "fast", offsetof(struct account, fast), 0, yesno_check },
	{ "sasl_mechanisms", offsetof(struct account, sasl_mechanisms), 0,
	    mechanisms_check },
	{ "queue", offsetof(struct account, queue), 0, yesno_check },
	{ "queue_max_age", offsetof(struct account, queue_max_age), 0,
	    age_check },
};

static const struct key *
key_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == len &&
		    memcmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trims [*s, *e) of blanks. */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

/*
 * What a line of the config is, decided here once for the parser and
 * for the check of who may read the file: [*s, *e) is the line at p,
 * trimmed, and the return value is where the next one begins (end: no
 * more).
 */
static const char *
config_line(const char *p, const char *end, const char **s, const char **e)
{
	const char *nl = memchr(p, '\n', end - p);

	*s = p;
	*e = nl ? nl : end;
	trim(s, e);
	return nl ? nl + 1 : end;
}

/*
 * A "key = value" line's key, [*ks, *ke) trimmed; returns where its '='
 * is, or NULL if the line is no such line.
 */
static const char *
line_key(const char *s, const char *e, const char **ks, const char **ke)
{
	const char *eq = memchr(s, '=', e - s);

	if (eq == NULL || *s == '#' || *s == ';' || *s == '[')
		return NULL;
	*ks = s;
	*ke = eq;
	trim(ks, ke);
	return eq;
}

/* Sets one key of acct from the value v. */
static int
set_key(struct account *acct, const struct key *k, const char *v,
    size_t vlen, const char *path, unsigned line)
{
	struct buf shown = { 0 };
	char **field;
	long long port;
	const char *errstr, *why;
	char *s = xstrndup(v, vlen);

	if (k->off == PORT_KEY) {
		port = strtonum(s, 1, 65535, &errstr);
		if (errstr) {
			warnx("%s:%u: port: %s: %s", path, line, errstr,
			    text_shown(&shown, s));
			buf_free(&shown);
			free(s);
			return EX_CONFIG;
		}
		acct->port = (unsigned)port;
		free(s);
		return EX_OK;
	}
	if (strlen(s) != vlen) {
		warnx("%s:%u: %s: value holds a NUL byte", path, line,
		    k->name);
		free(s);
		return EX_CONFIG;
	}
	if (k->check && (why = k->check(s)) != NULL) {
		warnx("%s:%u: %s %s: %s", path, line, k->name,
		    text_shown(&shown, s), why);
		buf_free(&shown);
		free(s);
		return EX_CONFIG;
	}
	field = (char **)((char *)acct + k->off);
	free(*field);
	*field = s;
	return EX_OK;
}

/* The line number of byte off of text. */
static unsigned
line_of(const char *text, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

int
config_parse(struct account *acct, const char *text, size_t len,
    const char *path, const char *section)
{
	const char *p = text, *end = text + len, *next, *s, *e, *ks, *ke, *eq;
	const char *nul = memchr(text, '\0', len);
	const struct key *k;
	struct buf shown = { 0 };
	unsigned line = 0, seen = 0;
	int in_global = 1, in_chosen = 0, found = section == NULL, rc;

	/* a NUL would end every C string made of what follows it */
	if (nul) {
		warnx("%s:%u: a NUL byte: not a text file", path,
		    line_of(text, nul - text));
		return EX_CONFIG;
	}
	for (; p < end; p = next) {
		line++;
		next = config_line(p, end, &s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (e[-1] != ']' || e - s < 3) {
				warnx("%s:%u: malformed section header, "
				    "expected [name]", path, line);
				return EX_CONFIG;
			}
			if (e - s - 2 == (int)strlen(ACCOUNT_DEFAULT) &&
			    memcmp(s + 1, ACCOUNT_DEFAULT, e - s - 2) == 0) {
				warnx("%s:%u: [%s] is the name of the keys "
				    "before the first section: call this "
				    "account something else", path, line,
				    ACCOUNT_DEFAULT);
				return EX_CONFIG;
			}
			in_global = 0;
			in_chosen = section && strlen(section) ==
			    (size_t)(e - s - 2) &&
			    memcmp(section, s + 1, e - s - 2) == 0;
			if (in_chosen) {
				if (found) {
					warnx("%s:%u: section [%s] appears "
					    "twice", path, line,
					    text_shown(&shown, section));
					buf_free(&shown);
					return EX_CONFIG;
				}
				found = 1;
				seen = 0;
			}
			continue;
		}
		if ((eq = line_key(s, e, &ks, &ke)) == NULL) {
			warnx("%s:%u: expected key = value", path, line);
			return EX_CONFIG;
		}
		if ((k = key_find(ks, ke - ks)) == NULL) {
			text_escape(&shown, ks, ke - ks);
			warnx("%s:%u: unknown key '%s'", path, line,
			    buf_str(&shown));
			buf_free(&shown);
			return EX_CONFIG;
		}
		s = eq + 1;
		trim(&s, &e);
		/* quotes keep blanks at either end of a value */
		if (e - s >= 2 && *s == '"' && e[-1] == '"')
			s++, e--;
		if (!(in_chosen || (in_global && (!k->credential ||
		    section == NULL))))
			continue;
		if (in_chosen || section == NULL) {
			unsigned bit = 1u << (k - keys);

			if (seen & bit) {
				warnx("%s:%u: key '%s' given twice", path,
				    line, k->name);
				return EX_CONFIG;
			}
			seen |= bit;
		}
		if ((rc = set_key(acct, k, s, e - s, path, line)) != EX_OK)
			return rc;
	}
	if (!found) {
		warnx("%s: no account [%s]", path, text_shown(&shown, section));
		buf_free(&shown);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* Who may have written a file we are about to trust: only us, or root. */
static int
owned_safely(const char *what, const char *path, const struct stat *st)
{
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		warnx("%s%s: owned by uid %u, not by you: refusing to use it",
		    what, path, (unsigned)st->st_uid);
		return 0;
	}
	if (st->st_mode & 022) {
		warnx("%s%s: others can write it: refusing to use it; run "
		    "chmod go-w %s", what, path, path);
		return 0;
	}
	return 1;
}

/*
 * Reads the rest of fd, at most max bytes, by deadline, into a
 * NUL-terminated string; caller frees. On failure, *e is the errno
 * (EFBIG: over max; read_by's) and *lenp what was read before it.
 */
static char *
slurp(int fd, size_t max, int64_t deadline, int *e, size_t *lenp)
{
	struct buf b = { 0 };
	char chunk[4096];
	ssize_t n;

	while ((n = read_by(fd, chunk, sizeof(chunk), deadline)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > max)
			break;
	}
	*e = b.len > max ? EFBIG : n < 0 ? errno : 0;
	*lenp = b.len;
	if (*e) {
		if (b.p)	/* a config may hold a password */
			explicit_bzero(b.p, b.len);
		buf_free(&b);
		return NULL;
	}
	buf_str(&b);
	return b.p;
}

/* The config file to read: -f, else the XDG location. Caller frees. */
static char *
config_path(const char *file)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct buf b = { 0 };

	if (file)
		return xstrdup(file);
	if (xdg && *xdg)
		buf_printf(&b, "%s/xmpputils/config", xdg);
	else if (home && *home)
		buf_printf(&b, "%s/.config/xmpputils/config", home);
	else
		return NULL;
	buf_str(&b);
	return b.p;
}

static void
replace(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}

static void
forget_password(struct account *acct)
{
	account_forget_password(acct);
	replace(&acct->password_file, NULL);
	replace(&acct->password_command, NULL);
}

/*
 * Reads the first line of fd into out (NUL-terminated, without the
 * newline) a byte at a time, so that nothing after it is taken from a
 * descriptor others read too (--password-fd 0 with xsend -l: the rest
 * of stdin is the messages), and waits for it until deadline at most: a
 * FIFO with no writer, or a command that never answers, must not hang
 * a cron job; a signal ends the wait at once. Returns 0, or -1 with
 * errno (ETIMEDOUT, EINTR, EMSGSIZE).
 */
static int
read_first_line(int fd, char *out, size_t cap, int64_t deadline)
{
	size_t len = 0;
	ssize_t n;
	char c;

	while ((n = read_by(fd, &c, 1, deadline)) == 1 && c != '\n') {
		if (len + 1 >= cap) {
			errno = EMSGSIZE;
			return -1;
		}
		out[len++] = c;
	}
	if (n == -1)
		return -1;
	if (len > 0 && out[len - 1] == '\r')
		len--;
	out[len] = '\0';
	return 0;
}

/* Reads fd to its end, by deadline: 0, or -1 with errno. */
static int
drain(int fd, char *scratch, size_t cap, int64_t deadline)
{
	ssize_t n;

	while ((n = read_by(fd, scratch, cap, deadline)) > 0)
		;
	return n == 0 ? 0 : -1;
}

/* Keeps text (the first line, which the caller owns) as the password. */
static int
take_password(struct account *acct, const char *text, const char *what,
    const char *path)
{
	if (*text == '\0') {
		warnx("%s%s: the first line is empty", what, path);
		return EX_CONFIG;
	}
	acct->password = xstrdup(text);
	return EX_OK;
}

/* Says why read_first_line failed: EX_CONFIG, or EX_TEMPFAIL on a signal. */
static int
read_failed(const char *what, const char *path, int timeout)
{
	if (errno == EINTR)
		return interrupted_nothing_sent();
	if (errno == ETIMEDOUT)
		warnx("%s%s: nothing to read in %d s", what, path, timeout);
	else if (errno == EMSGSIZE)
		warnx("%s%s: the first line is longer than %d bytes", what,
		    path, PASSWORD_MAX);
	else
		warn("%s%s", what, path);
	return EX_CONFIG;
}

/*
 * password_file: its first line. As ssh does with a key, refused when
 * others may read or write it, or it is someone else's. A FIFO (a
 * password manager's) is waited on until the timeout.
 */
static int
read_password_file(struct account *acct, int timeout)
{
	const char *path = acct->password_file, *what = "password_file ";
	char text[PASSWORD_MAX + 2];
	struct stat st;
	int fd, rc = EX_CONFIG;

	/* O_NONBLOCK: a FIFO opens at once, writer or not */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		warn("%s%s", what, path);
		return EX_CONFIG;
	}
	if (fstat(fd, &st) == -1)
		warn("%s%s", what, path);
	else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		warnx("%s%s: not a file", what, path);
	else if (!owned_safely(what, path, &st))
		;
	else if (st.st_mode & 077)
		warnx("%s%s: others can read it: refusing to use it; run "
		    "chmod 600 %s", what, path, path);
	else if (read_first_line(fd, text, sizeof(text),
	    now_ms() + timeout * 1000LL) == -1)
		rc = read_failed(what, path, timeout);
	else
		rc = take_password(acct, text, what, path);
	explicit_bzero(text, sizeof(text));
	close(fd);
	return rc;
}

static int
still_running(const char *what, int timeout)
{
	warnx("%s: still running after %d s", what, timeout);
	return EX_CONFIG;
}

/*
 * password_command: run with /bin/sh, as `pass show xmpp/bot` would be;
 * its first line, within the timeout. Without a terminal, it gets a
 * process group of its own, so that a command that hangs is stopped
 * whole; with one, it stays in ours, free to ask on the terminal.
 */
static int
run_password_command(struct account *acct, int timeout)
{
	const char *what = "password_command";
	char text[PASSWORD_MAX + 2], rest[256];
	int64_t deadline = now_ms() + timeout * 1000LL;
	int fds[2], status = 0, rc, own_group = !isatty(STDIN_FILENO);
	pid_t pid;

	fflush(NULL);
	if (pipe2(fds, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		warn("%s", what);
		return EX_CONFIG;
	}
	if (pid == 0) {
		if (own_group)
			setpgid(0, 0);
		if (dup2(fds[1], STDOUT_FILENO) == -1)
			_exit(127);
		execl("/bin/sh", "sh", "-c", acct->password_command,
		    (char *)NULL);
		_exit(127);
	}
	if (own_group)
		setpgid(pid, pid);	/* whichever of us comes first */
	close(fds[1]);
	if (read_first_line(fds[0], text, sizeof(text), deadline) == -1)
		rc = read_failed(what, "", timeout);
	/* what follows the first line is not ours, but it must end */
	else if (drain(fds[0], rest, sizeof(rest), deadline) == -1)
		rc = errno == EINTR ? interrupted_nothing_sent() :
		    still_running(what, timeout);
	else
		rc = EX_OK;
	if (rc != EX_OK) {
		/* ours, and stuck: SIGTERM could be ignored, this cannot */
		kill(own_group ? -pid : pid, SIGKILL);
		waitpid(pid, &status, 0);
	} else if (waitpid(pid, &status, 0) == -1 || status != 0) {
		warnx("%s failed (%s %d): %s", what, WIFEXITED(status) ?
		    "exit status" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status),
		    acct->password_command);
		rc = EX_CONFIG;
	} else
		rc = take_password(acct, text, what, "");
	close(fds[0]);
	explicit_bzero(text, sizeof(text));
	explicit_bzero(rest, sizeof(rest));
	return rc;
}

/* --password-fd: the first line read from that descriptor, no more. */
static int
read_password_fd(struct account *acct, const char *arg, int timeout)
{
	char text[PASSWORD_MAX + 2], what[32];
	const char *errstr;
	int fd, rc;

	fd = strtonum(arg, 0, 1024, &errstr);
	if (errstr) {
		/* the value is not repeated: it may be a mistyped secret */
		warnx("--password-fd: expected a file descriptor number");
		return EX_USAGE;
	}
	snprintf(what, sizeof(what), "--password-fd %d", fd);
	if (read_first_line(fd, text, sizeof(text),
	    now_ms() + timeout * 1000LL) == -1)
		rc = read_failed(what, "", timeout);
	else
		rc = take_password(acct, text, what, "");
	explicit_bzero(text, sizeof(text));
	return rc;
}

/*
 * SIGINT and SIGTERM end the prompt's read (signals.c), and the
 * terminal is restored after it. A signal that kills the process where
 * it stands (^\ is SIGQUIT; a hangup) would leave it without echo:
 * while echo is off, one of them restores the terminal first, then
 * kills as it would have.
 */
static int tty_fd = -1;
static struct termios tty_saved;
static const int fatal_signals[] = { SIGQUIT, SIGHUP, SIGABRT };
static struct sigaction fatal_before[sizeof(fatal_signals) /
    sizeof(fatal_signals[0])];

static void
echo_back(int sig)
{
	struct sigaction dfl = { 0 };

	tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);	/* as it would have, once this returns */
}

static void
echo_guard(int on)
{
	struct sigaction sa = { 0 };
	size_t i;

	sa.sa_handler = echo_back;
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		if (on)
			sigaction(fatal_signals[i], &sa, &fatal_before[i]);
		else
			sigaction(fatal_signals[i], &fatal_before[i], NULL);
}

/*
 * The prompt, on the terminal: echo off while the line is typed, which
 * is read as every read here is, so that a signal ends it at once.
 * Not readpassphrase(3): a signal that comes between its taking the
 * signals and its read (just as the prompt shows) would leave it
 * waiting for the line. ^Z is held off meanwhile, to take effect once
 * the line is read (a shell that took the terminal back would turn echo
 * on under us; a job in the background still stops until it is in the
 * foreground, before echo goes off), and the terminal is restored
 * however the read ends.
 */
static int
prompt_password(struct account *acct)
{
	const char *what = "reading the password from the terminal";
	char pw[PASSWORD_MAX + 2];
	struct termios quiet;
	sigset_t tstp, mask;
	int fd, r, e;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(fd, &tty_saved) == -1) {
		warn("%s", what);
		if (fd != -1)
			close(fd);
		return EX_CONFIG;
	}
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	sigprocmask(SIG_BLOCK, &tstp, &mask);
	quiet = tty_saved;
	quiet.c_lflag &= ~(ECHO | ECHONL);
	tty_fd = fd;
	echo_guard(1);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	dprintf(fd, "Password for %s: ", acct->jid);
	r = read_first_line(fd, pw, sizeof(pw), 0);
	e = errno;
	tcsetattr(fd, TCSAFLUSH, &tty_saved);
	echo_guard(0);
	dprintf(fd, "\n");
	close(fd);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (r == -1) {
		errno = e;
		r = read_failed(what, "", 0);
	} else if (*pw == '\0') {
		warnx("%s: none typed", what);
		r = EX_CONFIG;
	} else
		r = take_password(acct, pw, what, "");
	explicit_bzero(pw, sizeof(pw));
	return r;
}

static int
find_password(struct account *acct, const char *path, int timeout)
{
	int ways = !!acct->password + !!acct->password_file +
	    !!acct->password_command;

	if (ways > 1) {
		warnx("%s: give only one of password, password_file and "
		    "password_command", path);
		return EX_CONFIG;
	}
	if (acct->password || (acct->client_cert && !acct->password_file &&
	    !acct->password_command))
		return EX_OK;	/* a client certificate needs none */
	if (acct->password_file)
		return read_password_file(acct, timeout);
	if (acct->password_command)
		return run_password_command(acct, timeout);
	if (isatty(STDIN_FILENO))
		return prompt_password(acct);
	warnx("no password for %s: set password, password_file or "
	    "password_command in %s, or XMPP_PASSWORD", acct->jid,
	    path ? path : "the config file");
	return EX_CONFIG;
}

/* Whether a config holds a password itself, in any account. */
static int
holds_password(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *s, *e, *ks, *ke;

	while (p < end) {
		p = config_line(p, end, &s, &e);
		if (line_key(s, e, &ks, &ke) && ke - ks == 8 &&
		    memcmp(ks, "password", 8) == 0)
			return 1;
	}
	return 0;
}

/*
 * As ssh does with its files: a config must be the user's (or root's)
 * and no one else's to write (it names the server, and commands to
 * run), and one that holds a password no one else's to read.
 */
static int
safe_to_trust(const char *path, const struct stat *st, const char *text,
    size_t len)
{
	if (!owned_safely("", path, st))
		return 0;
	if ((st->st_mode & 077) && holds_password(text, len)) {
		warnx("%s: holds a password and others can read it: refusing "
		    "to use it; run chmod 600 %s", path, path);
		return 0;
	}
	return 1;
}

/* Says why slurp failed: as read_failed does, and what only slurp meets. */
static int
slurp_failed(const char *path, int e, size_t len, int timeout)
{
	if (e == EFBIG)
		warnx("%s: larger than 1 MB", path);
	else if (e == ETIMEDOUT && len > 0)
		warnx("%s: not read to its end in %d s", path, timeout);
	else {
		errno = e;
		return read_failed("", path, timeout);
	}
	return EX_CONFIG;
}

/*
 * A pipe or a FIFO (-f <(pass show ...)) is read as a password source
 * is: within the timeout, and a signal ends the wait.
 */
static int
load_file(struct account *acct, const char *path, const char *name,
    int required, int timeout)
{
	struct stat st;
	size_t len;
	char *text;
	int fd, e, rc;

	/* O_NONBLOCK: a FIFO opens at once, writer or not */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !required)
			return EX_OK;
		warn("%s", path);
		return EX_CONFIG;
	}
	if (fstat(fd, &st) == -1) {
		warn("%s", path);
		close(fd);
		return EX_CONFIG;
	}
	/*
	 * A file, or a pipe. /dev/null or a directory is no config, whoever
	 * may write it: said as such, not as a mode to chmod.
	 */
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		warnx("%s: not a regular file", path);
		close(fd);
		return EX_CONFIG;
	}
	text = slurp(fd, CONFIG_MAX, now_ms() + timeout * 1000LL, &e, &len);
	close(fd);
	if (text == NULL)
		return slurp_failed(path, e, len, timeout);
	rc = safe_to_trust(path, &st, text, len) ?
	    config_parse(acct, text, len, path, name) : EX_CONFIG;
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* "~/x" means $HOME/x, for the file names in the config. */
static void
expand_home(char **path)
{
	const char *home = getenv("HOME");
	struct buf b = { 0 };

	if (*path == NULL || strncmp(*path, "~/", 2) != 0 || !home || !*home)
		return;
	buf_printf(&b, "%s%s", home, *path + 1);
	free(*path);
	*path = (char *)buf_str(&b);
}

static const char *
resource_check(const char *resource)
{
	struct buf b = { 0 };
	const char *why;

	buf_printf(&b, "x@y/%s", resource);
	why = jid_check(buf_str(&b));
	buf_free(&b);
	return why;
}

/* The command line's settings over the file's. */
static int
apply_flags(struct account *acct, const struct account_opts *o)
{
	struct buf shown = { 0 };
	const char *errstr, *why;
	int rc = EX_USAGE;

	if (o->server)
		replace(&acct->server, o->server);
	if (o->resource)
		replace(&acct->resource, o->resource);
	if (o->cafile)
		replace(&acct->cafile, o->cafile);
	if (o->tls) {
		if ((why = tls_check(o->tls)) != NULL) {
			warnx("--tls %s: %s", text_shown(&shown, o->tls), why);
			goto out;
		}
		replace(&acct->tls, o->tls);
	}
	if (o->pin) {
		if ((why = pin_check(o->pin)) != NULL) {
			warnx("--pin %s: %s", text_shown(&shown, o->pin), why);
			goto out;
		}
		replace(&acct->pin, o->pin);
	}
	if (o->port) {
		acct->port = strtonum(o->port, 1, 65535, &errstr);
		if (errstr) {
			warnx("--port %s: %s", text_shown(&shown, o->port),
			    errstr);
			goto out;
		}
	}
	rc = EX_OK;
out:
	buf_free(&shown);
	return rc;
}

/*
 * The files the account names are said in messages by name: one with a
 * control character in its name (an escape, a newline) would drive the
 * terminal or forge a line, and is refused before it is opened.
 */
static int
files_showable(const struct account *acct)
{
	const struct {
		const char *key, *name;
	} files[] = {
		{ "password_file", acct->password_file },
		{ "cafile", acct->cafile },
		{ "capath", acct->capath },
		{ "client_cert", acct->client_cert },
		{ "client_key", acct->client_key },
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i].name &&
		    !showable_name(files[i].name, files[i].key, "its name"))
			return 0;
	return 1;
}

static int
check_account(struct account *acct, const char *path)
{
	struct buf shown = { 0 };
	const char *why;

	if (acct->jid == NULL) {
		warnx("no account: set jid in %s, XMPP_JID, or --jid",
		    path ? path : "the config file");
		return EX_CONFIG;
	}
	if ((why = jid_check(acct->jid)) != NULL) {
		warnx("jid %s: %s", text_shown(&shown, acct->jid), why);
		buf_free(&shown);
		return EX_CONFIG;
	}
	if (strchr(acct->jid, '@') == NULL) {
		warnx("jid %s: an account needs a local part (user@domain)",
		    text_shown(&shown, acct->jid));
		buf_free(&shown);
		return EX_CONFIG;
	}
	if (acct->resource && (why = resource_check(acct->resource))) {
		warnx("resource %s: %s", text_shown(&shown, acct->resource),
		    why);
		buf_free(&shown);
		return EX_CONFIG;
	}
	if (!files_showable(acct))
		return EX_CONFIG;
	if (!acct->client_cert != !acct->client_key) {
		warnx("%s: client_cert and client_key go together", path ?
		    path : "the config file");
		return EX_CONFIG;
	}
	return EX_OK;
}

int
account_load(struct account *acct, const struct account_opts *o)
{
	const char *env_jid = getenv("XMPP_JID");
	const char *env_pw = getenv("XMPP_PASSWORD");
	const char *jid, *section;
	char *path;
	int rc, timeout = o->timeout > 0 ? o->timeout : XU_TIMEOUT;

	memset(acct, 0, sizeof(*acct));
	/* whatever holds a password from here on stays out of core files */
	secrets_protect();
	path = config_path(o->file);
	if (path && !showable_name(path, o->file ? "-f" : "config",
	    "the file's name")) {
		rc = EX_CONFIG;
		goto out;
	}
	/* -a default: the keys before the first section, by name */
	section = o->name && strcmp(o->name, ACCOUNT_DEFAULT) == 0 ? NULL :
	    o->name;
	if (path && (rc = load_file(acct, path, section,
	    o->file != NULL || o->name != NULL, timeout)) != EX_OK)
		goto out;
	/*
	 * The JID: --jid, else XMPP_JID (unless -a named the account), else
	 * the file's. The file's password goes only with the file's
	 * account: the same JID as a server compares them (its case, or a
	 * resource, aside).
	 */
	jid = o->jid ? o->jid : o->name == NULL && env_jid && *env_jid ?
	    env_jid : acct->jid;
	if (jid && (acct->jid == NULL || !jid_bare_equal(jid, acct->jid))) {
		forget_password(acct);
		replace(&acct->client_cert, NULL);
		replace(&acct->client_key, NULL);
	}
	if (jid && (acct->jid == NULL || strcmp(jid, acct->jid) != 0))
		replace(&acct->jid, jid);
	if (o->name == NULL && env_pw && *env_pw) {
		forget_password(acct);
		acct->password = xstrdup(env_pw);
		/* one copy is enough, and /proc/PID/environ shows this one */
		explicit_bzero((char *)env_pw, strlen(env_pw));
		unsetenv("XMPP_PASSWORD");
	}
	if ((rc = apply_flags(acct, o)) != EX_OK)
		goto out;
	expand_home(&acct->password_file);
	expand_home(&acct->cafile);
	expand_home(&acct->capath);
	expand_home(&acct->client_cert);
	expand_home(&acct->client_key);
	if ((rc = check_account(acct, path)) != EX_OK)
		goto out;
	if (o->no_password)
		forget_password(acct);
	else if (o->password_later) {
		acct->config = path;	/* for account_password */
		path = NULL;
	} else if (o->password_fd) {
		forget_password(acct);
		rc = read_password_fd(acct, o->password_fd, timeout);
	} else
		rc = find_password(acct, path, timeout);
out:
	free(path);
	if (rc != EX_OK)
		account_free(acct);
	return rc;
}

int
account_password(struct account *acct, const struct account_opts *o)
{
	int timeout = o->timeout > 0 ? o->timeout : XU_TIMEOUT;

	if (o->no_password)
		return EX_OK;
	if (o->password_fd) {
		forget_password(acct);
		return read_password_fd(acct, o->password_fd, timeout);
	}
	return find_password(acct, acct->config, timeout);
}

void
account_forget_password(struct account *acct)
{
	if (acct->password)
		explicit_bzero(acct->password, strlen(acct->password));
	free(acct->password);
	acct->password = NULL;
}

void
account_free(struct account *acct)
{
	forget_password(acct);
	free(acct->jid);
	free(acct->server);
	free(acct->resource);
	free(acct->tls);
	free(acct->cafile);
	free(acct->capath);
	free(acct->pin);
	free(acct->client_cert);
	free(acct->client_key);
	free(acct->agent);
	free(acct->agent_persist);
	free(acct->sasl2);
	free(acct->queue);
	free(acct->queue_max_age);
	free(acct->fast);
	free(acct->sasl_mechanisms);
	free(acct->config);
	memset(acct, 0, sizeof(*acct));
}
