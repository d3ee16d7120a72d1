/* sasl.h: SCRAM and PLAIN, private to lib/ (and its unit tests). */
#ifndef SASL_H
#define SASL_H

#include <openssl/evp.h>

#include "xmpputils.h"

struct scram {
	const EVP_MD *md;
	size_t hlen;
	struct buf bare;	/* client-first-message-bare */
	size_t cnonce_len;
	unsigned char server_sig[EVP_MAX_MD_SIZE];
};

/* Base64 into out (appended); decode returns -1 for bad input. */
void sasl_base64_encode(struct buf *out, const void *, size_t);
int sasl_base64_decode(struct buf *out, const char *, size_t);

/* PLAIN's message, base64 encoded, appended to out. */
void sasl_plain(struct buf *out, const char *user, const char *password);

/* mechanism: SCRAM-SHA-1, -256 or -512; -1 for any other. */
int scram_init(struct scram *, const char *mechanism);
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

#endif
