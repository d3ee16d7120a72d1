/* sasl.h: SCRAM and PLAIN, private to lib/ (and its unit tests). */
#ifndef SASL_H
#define SASL_H

#include <openssl/evp.h>

#include "xmpputils.h"

struct scram {
	const EVP_MD *md;
	size_t hlen;
	int plus;		/* a -PLUS mechanism: channel binding */
	struct buf gs2;		/* the gs2 header: "n,,", "y,,", "p=T,," */
	struct buf cbind;	/* c=: the header, then the binding's data */
	struct buf bare;	/* client-first-message-bare */
	size_t cnonce_len;
	unsigned char server_sig[EVP_MAX_MD_SIZE];
};

/* Base64 into out (appended); decode returns -1 for bad input. */
void sasl_base64_encode(struct buf *out, const void *, size_t);
int sasl_base64_decode(struct buf *out, const char *, size_t);

/* PLAIN's message, base64 encoded, appended to out. */
void sasl_plain(struct buf *out, const char *user, const char *password);

/* mechanism: SCRAM-SHA-1, -256 or -512, each also -PLUS; -1 for any
 * other. */
int scram_init(struct scram *, const char *mechanism);
/*
 * What the gs2 header says, before scram_first: for a -PLUS mechanism,
 * the binding's type and data (RFC 5929, RFC 9266); otherwise
 * can_bind says whether we could have bound, which makes the header
 * "y": a server that could too then knows -PLUS was stripped on the way
 * (RFC 5802 section 6). Without a call: "n".
 */
void scram_bind(struct scram *, const char *type, const void *data,
    size_t len, int can_bind);
/* Appends the client-first-message (not base64) to out. */
void scram_first(struct scram *, const char *user, const char *cnonce,
    struct buf *out);
/*
 * Given the server-first-message (decoded), appends the
 * client-final-message to out. -1, with *why, if the server's message
 * is wrong.
 */
int scram_final(struct scram *, const char *password,
    const char *server_first, size_t len, struct buf *out, const char **why);
/* Checks the server-final-message: -1, with *why, if it is not right. */
int scram_verify(struct scram *, const char *server_final, size_t len,
    const char **why);
void scram_free(struct scram *);

/*
 * SSDP (XEP-0474): the server-first-message's h attribute hashes the
 * mechanisms and channel-binding types the server offered; we hash what
 * reached us. 1: they match; 0: the server sent none; -1: they differ
 * (a relay changed the offer); -2: the attribute is malformed.
 */
int scram_ssdp(const struct scram *, const char *server_first, size_t len,
    const char *const *mechs, size_t nmechs, const char *const *cbs,
    size_t ncbs);
/* The string SSDP hashes: sorted mechanisms, then sorted binding types. */
void ssdp_string(struct buf *out, const char *const *mechs, size_t nmechs,
    const char *const *cbs, size_t ncbs);

/*
 * FAST's HT-SHA-256-* (XEP-0484): the initial response ("user\0" and
 * HMAC(token, "Initiator" cb)), and the check of the server's answer,
 * HMAC(token, "Responder" cb): -1 if it is wrong.
 */
int ht_known(const char *mechanism);
void ht_initiator(struct buf *out, const char *user, const char *token,
    const void *cb, size_t cblen);
int ht_verify(const char *token, const void *cb, size_t cblen,
    const void *answer, size_t len);

/*
 * The mechanism to use, of those offered (n of them): the strongest we
 * know that allowed permits (a list of names, spaces or commas between;
 * NULL: any), -PLUS only if can_bind, PLAIN only if no SCRAM is
 * offered (allowed or not). NULL if none.
 */
const char *sasl_pick(const char *const *offered, size_t n,
    const char *allowed, int can_bind);
/* Whether allowed (as for sasl_pick) lists mechanism. */
int sasl_allowed(const char *allowed, const char *mechanism);

#endif
