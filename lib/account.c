/*
 * account.c: who a tool logs in as, from the command line, the
 * environment and the config file, in that order of precedence.
 *
 * A password is only ever sent for the JID it was written down with: one
 * from the config file goes with that file's jid, so XMPP_JID or --jid
 * naming someone else never carries the file's password to their server.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

#define CONFIG_MAX (1024 * 1024)

#define PORT_KEY ((size_t)-1)

struct key {
	const char *name;
	size_t off;		/* of the char * in struct account */
	int credential;		/* not inherited by a [section] */
};

static const struct key keys[] = {
	{ "jid", offsetof(struct account, jid), 1 },
	{ "password", offsetof(struct account, password), 1 },
	{ "password_file", offsetof(struct account, password_file), 1 },
	{ "server", offsetof(struct account, server), 0 },
	{ "port", PORT_KEY, 0 },
	{ "resource", offsetof(struct account, resource), 0 },
	{ "cafile", offsetof(struct account, cafile), 0 },
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

/* Sets one key of acct from the value v. */
static int
set_key(struct account *acct, const struct key *k, const char *v,
    size_t vlen, const char *path, unsigned line)
{
	char **field;
	long long port;
	const char *errstr;
	char *s = xstrndup(v, vlen);

	if (k->off == PORT_KEY) {
		port = strtonum(s, 1, 65535, &errstr);
		if (errstr) {
			warnx("%s:%u: port: %s: %s", path, line, errstr, s);
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
	field = (char **)((char *)acct + k->off);
	free(*field);
	*field = s;
	return EX_OK;
}

int
config_parse(struct account *acct, const char *text, const char *path,
    const char *section)
{
	const char *p = text, *nl, *s, *e, *eq, *ks, *ke;
	const struct key *k;
	unsigned line = 0, seen = 0;
	int in_global = 1, in_chosen = 0, found = section == NULL, rc;

	for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
		line++;
		nl = strchr(p, '\n');
		s = p;
		e = nl ? nl : p + strlen(p);
		trim(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (e[-1] != ']' || e - s < 3) {
				warnx("%s:%u: malformed section header, "
				    "expected [name]", path, line);
				return EX_CONFIG;
			}
			in_global = 0;
			in_chosen = section && strlen(section) ==
			    (size_t)(e - s - 2) &&
			    memcmp(section, s + 1, e - s - 2) == 0;
			if (in_chosen) {
				if (found) {
					warnx("%s:%u: section [%s] appears "
					    "twice", path, line, section);
					return EX_CONFIG;
				}
				found = 1;
				seen = 0;
			}
			continue;
		}
		if ((eq = memchr(s, '=', e - s)) == NULL) {
			warnx("%s:%u: expected key = value", path, line);
			return EX_CONFIG;
		}
		ks = s;
		ke = eq;
		trim(&ks, &ke);
		if ((k = key_find(ks, ke - ks)) == NULL) {
			warnx("%s:%u: unknown key '%.*s'", path, line,
			    (int)(ke - ks), ks);
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
		warnx("%s: no account [%s]", path, section);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* Reads a whole small file into a NUL-terminated string; caller frees. */
static char *
slurp(const char *path, size_t max, int *rc)
{
	struct buf b = { 0 };
	char chunk[4096];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*rc = errno;
		return NULL;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > max) {
			close(fd);
			buf_free(&b);
			*rc = EFBIG;
			return NULL;
		}
	}
	*rc = n < 0 ? errno : 0;
	close(fd);
	if (n < 0) {
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
	if (acct->password)
		explicit_bzero(acct->password, strlen(acct->password));
	replace(&acct->password, NULL);
	replace(&acct->password_file, NULL);
}

static int
read_password_file(struct account *acct)
{
	char *text, *nl;
	int e;

	if ((text = slurp(acct->password_file, 64 * 1024, &e)) == NULL) {
		warnx("password_file %s: %s", acct->password_file,
		    strerror(e));
		return EX_CONFIG;
	}
	if ((nl = strchr(text, '\n')) != NULL)
		*nl = '\0';
	if (*text == '\0') {
		warnx("password_file %s: the first line is empty",
		    acct->password_file);
		free(text);
		return EX_CONFIG;
	}
	acct->password = text;
	return EX_OK;
}

static int
prompt_password(struct account *acct)
{
	char pw[1024], prompt[1200];

	snprintf(prompt, sizeof(prompt), "Password for %s: ", acct->jid);
	if (readpassphrase(prompt, pw, sizeof(pw), RPP_REQUIRE_TTY) == NULL) {
		warn("reading the password from the terminal");
		return EX_CONFIG;
	}
	acct->password = xstrdup(pw);
	explicit_bzero(pw, sizeof(pw));
	return EX_OK;
}

static int
find_password(struct account *acct, const char *path)
{
	if (acct->password)
		return EX_OK;
	if (acct->password_file)
		return read_password_file(acct);
	if (isatty(STDIN_FILENO))
		return prompt_password(acct);
	warnx("no password for %s: set password or password_file in %s, "
	    "or XMPP_PASSWORD", acct->jid, path ? path : "the config file");
	return EX_CONFIG;
}

static int
load_file(struct account *acct, const char *path, const char *name,
    int required)
{
	char *text;
	int e, rc;

	if ((text = slurp(path, CONFIG_MAX, &e)) == NULL) {
		if (e == ENOENT && !required)
			return EX_OK;
		warnx("%s: %s", path, e == EFBIG ? "larger than 1 MB" :
		    strerror(e));
		return EX_CONFIG;
	}
	rc = config_parse(acct, text, path, name);
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

int
account_load(struct account *acct, const struct account_opts *o)
{
	const char *env_jid = getenv("XMPP_JID");
	const char *env_pw = getenv("XMPP_PASSWORD");
	const char *why, *errstr, *jid;
	char *path;
	int rc;

	memset(acct, 0, sizeof(*acct));
	path = config_path(o->file);
	if (path && (rc = load_file(acct, path, o->name,
	    o->file != NULL || o->name != NULL)) != EX_OK)
		goto out;
	/*
	 * The JID: --jid, else XMPP_JID (unless -a named the account), else
	 * the file's. The file's password goes only with the file's JID.
	 */
	jid = o->jid ? o->jid : o->name == NULL && env_jid && *env_jid ?
	    env_jid : acct->jid;
	if (jid && (acct->jid == NULL || strcmp(jid, acct->jid) != 0)) {
		forget_password(acct);
		replace(&acct->jid, jid);
	}
	if (o->name == NULL && env_pw && *env_pw) {
		forget_password(acct);
		acct->password = xstrdup(env_pw);
	}
	if (o->server)
		replace(&acct->server, o->server);
	if (o->resource)
		replace(&acct->resource, o->resource);
	if (o->cafile)
		replace(&acct->cafile, o->cafile);
	if (o->port) {
		acct->port = strtonum(o->port, 1, 65535, &errstr);
		if (errstr) {
			warnx("--port %s: %s", o->port, errstr);
			rc = EX_USAGE;
			goto out;
		}
	}
	expand_home(&acct->password_file);
	expand_home(&acct->cafile);
	rc = EX_CONFIG;
	if (acct->jid == NULL) {
		warnx("no account: set jid in %s, XMPP_JID, or --jid",
		    path ? path : "the config file");
		goto out;
	}
	if ((why = jid_check(acct->jid)) != NULL) {
		warnx("jid %s: %s", acct->jid, why);
		goto out;
	}
	if (strchr(acct->jid, '@') == NULL) {
		warnx("jid %s: an account needs a local part (user@domain)",
		    acct->jid);
		goto out;
	}
	if (acct->resource && (why = resource_check(acct->resource))) {
		warnx("resource %s: %s", acct->resource, why);
		goto out;
	}
	rc = find_password(acct, path);
out:
	free(path);
	if (rc != EX_OK)
		account_free(acct);
	return rc;
}

void
account_free(struct account *acct)
{
	forget_password(acct);
	free(acct->jid);
	free(acct->server);
	free(acct->resource);
	free(acct->cafile);
	memset(acct, 0, sizeof(*acct));
}
