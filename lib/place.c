/*
 * place.c: where the files a tool keeps about an account go, for
 * xagent's socket (agent.c) and for FAST's tokens (token.c) alike: a
 * name made from the account's bare JID, in a directory of ours alone.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "xmpputils.h"

static int
safe_name(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_@", *s))
			return 0;
	return 1;
}

void
place_name(struct buf *b, const char *jid, size_t max)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct buf bare = { 0 };
	size_t i;

	jid_normalize(&bare, jid, 1);
	/* readable where it can be; else a name of fixed length */
	if (safe_name(bare.p) && bare.len <= max)
		buf_add(b, bare.p, bare.len);
	else {
		SHA256((unsigned char *)bare.p, bare.len, md);
		buf_addc(b, '=');
		for (i = 0; i < 16; i++)
			buf_printf(b, "%02x", md[i]);
	}
	buf_free(&bare);
	buf_str(b);
}

int
place_dir(const char *dir, int make, char *why, size_t whylen)
{
	struct stat st;

	*why = '\0';
	if (make && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT || make)
			snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return EX_UNAVAILABLE;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(why, whylen, "%s: not a directory of ours alone "
		    "(0700): refusing to use it", dir);
		return EX_NOPERM;
	}
	return EX_OK;
}

int
place_state_dir(struct buf *dir, const char *sub, int make, char *why,
    size_t whylen)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *p;
	int err;

	*why = '\0';
	dir->len = 0;
	/* XDG: a relative path is invalid, and ignored */
	if (state && state[0] == '/')
		buf_printf(dir, "%s/xmpputils/%s", state, sub);
	else if (home && home[0] == '/')
		buf_printf(dir, "%s/.local/state/xmpputils/%s", home, sub);
	else {
		snprintf(why, whylen, "neither XDG_STATE_HOME nor HOME is an "
		    "absolute path");
		return EX_CONFIG;
	}
	buf_str(dir);
	for (p = dir->p + 1; make && (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		err = mkdir(dir->p, 0700) == -1 && errno != EEXIST ? errno : 0;
		if (err != 0)
			snprintf(why, whylen, "%s: %s", dir->p, strerror(err));
		*p = '/';
		if (err != 0)
			return EX_CANTCREAT;
	}
	return place_dir(dir->p, make, why, whylen);
}
