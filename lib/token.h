/*
 * token.h: FAST tokens (XEP-0484) kept on disk, private to lib/ (and its
 * unit tests). See token.c for where and how.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>

/* How many processes of one tool may hold a token of one account at once */
#define TOKEN_SLOTS 4
/* A slot's file, and a token, at most (a longer one is not kept) */
#define TOKEN_FILE_MAX 4096
#define TOKEN_MAX 3900

struct token_slot {
	int lock;		/* fd holding this slot's flock; -1: none */
	char *path;		/* the slot's token file (malloc'd) */
	char id[37];		/* XEP-0388 user-agent id: a UUID v4, stable per slot */
	char mechanism[32];	/* "HT-SHA-256-NONE"...; "" when no token */
	char *token;		/* NULL: none; wiped (explicit_bzero) on free */
	int64_t expiry;		/* Unix time; 0: unknown */
};

/*
 * Every function that can fail returns -1 with why filled: "what: why",
 * never with the token in it. A slot that token_take did not fill
 * (it returned 1 or -1) holds nothing (lock -1): releasing it is
 * harmless. None of them prints.
 */

/*
 * Takes the first free slot of (bare_jid, tool): 0 with *slot filled
 * (token NULL if none, or if it expired: then the file's token is
 * ignored, the id kept). A slot's first take makes its id and writes it
 * down, so that the id stays the slot's, token or not. 1 when all
 * TOKEN_SLOTS are held by other processes (or other takes of this one):
 * no slot, no error. -1 on error: an unsafe directory or file, a file
 * that is not ours, a symbolic link, a malformed file, a tool name not
 * of [a-z0-9_-] (32 at most). The caller releases the slot.
 */
int token_take(const char *bare_jid, const char *tool,
    struct token_slot *slot, char *why, size_t whylen);

/*
 * Replaces the slot's file, whole, with this token: 0, or -1 with the
 * file and *slot as they were (a full disk, a token or mechanism name
 * that cannot be kept). expiry: the XEP-0082 DateTime the server sent,
 * or NULL; one that is not well-formed is kept as 0 (unknown).
 */
int token_save(struct token_slot *, const char *mechanism, const char *token,
    const char *expiry, char *why, size_t whylen);

/* Forgets the slot's token, in memory and in its file; the id stays. */
int token_drop(struct token_slot *, char *why, size_t whylen);

/* Closes the lock, wipes and frees: anyone can take the slot again. */
void token_release(struct token_slot *);

/*
 * For a logout: calls fn with each slot of bare_jid, of any tool, that
 * holds a token (not expired), taken for the call and released after it;
 * fn may token_drop it. A slot another process holds is waited for,
 * wait_ms in all, then skipped: why then says which, and the return is
 * not -1; so is a slot whose file is refused (why says why). Returns how many fn was called for, or -1 (an error, or fn
 * returned -1 to stop: why then names the slot it stopped at). A slot
 * this process holds is busy to it too: release it first.
 */
int token_each(const char *bare_jid, int wait_ms,
    int (*fn)(struct token_slot *, void *), void *arg, char *why,
    size_t whylen);

/*
 * An XEP-0082 DateTime (CCYY-MM-DDThh:mm:ss[.s+](Z|+hh:mm|-hh:mm)) as
 * Unix seconds, the fraction dropped: 0, or -1 if s is not one.
 */
int token_datetime(const char *s, int64_t *t);

#endif
