/*
 * sasl.c: the client side of SCRAM (RFC 5802, RFC 7677) and PLAIN
 * (RFC 4616), as pure functions over strings: login.c moves them over the
 * wire, the unit tests feed them the RFCs' examples.
 *
 * Unlike libstrophe 0.12, the server's signature is checked: a server
 * that does not know the password cannot pass itself off as ours.
 *
 * Also here: channel binding (the -PLUS mechanisms), SSDP's check of the
 * offer, FAST's HT-SHA-256 token mechanisms, and which mechanism of an
 * offer to use.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xmpputils.h"
#include "sasl.h"

void
sasl_base64_encode(struct buf *out, const void *p, size_t len)
{
	size_t n = 4 * ((len + 2) / 3);

	buf_reserve(out, n);
	EVP_EncodeBlock((unsigned char *)out->p + out->len, p, (int)len);
	out->len += n;
	buf_str(out);
}

int
sasl_base64_decode(struct buf *out, const char *s, size_t len)
{
	int n, pad = 0;

	if (len % 4 != 0)
		return -1;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	buf_reserve(out, len / 4 * 3);
	n = EVP_DecodeBlock((unsigned char *)out->p + out->len,
	    (const unsigned char *)s, (int)len);
	if (n < 0)
		return -1;
	out->len += n - pad;	/* EVP_DecodeBlock counts the padding */
	buf_str(out);
	return 0;
}

void
sasl_plain(struct buf *out, const char *user, const char *password)
{
	struct buf raw = { 0 };

	buf_addc(&raw, '\0');
	buf_adds(&raw, user);
	buf_addc(&raw, '\0');
	buf_adds(&raw, password);
	sasl_base64_encode(out, raw.p, raw.len);
	explicit_bzero(raw.p, raw.len);
	buf_free(&raw);
}

int
scram_init(struct scram *sc, const char *mechanism)
{
	size_t len = strlen(mechanism);
	char base[32];

	memset(sc, 0, sizeof(*sc));
	if (len > 5 && strcmp(mechanism + len - 5, "-PLUS") == 0) {
		sc->plus = 1;
		len -= 5;
	}
	if (len >= sizeof(base))
		return -1;
	memcpy(base, mechanism, len);
	base[len] = '\0';
	if (strcmp(base, "SCRAM-SHA-1") == 0)
		sc->md = EVP_sha1();
	else if (strcmp(base, "SCRAM-SHA-256") == 0)
		sc->md = EVP_sha256();
	else if (strcmp(base, "SCRAM-SHA-512") == 0)
		sc->md = EVP_sha512();
	else
		return -1;
	sc->hlen = EVP_MD_get_size(sc->md);
	buf_adds(&sc->gs2, "n,,");
	buf_adds(&sc->cbind, "n,,");
	return 0;
}

void
scram_bind(struct scram *sc, const char *type, const void *data, size_t len,
    int can_bind)
{
	sc->gs2.len = sc->cbind.len = 0;
	if (sc->plus) {
		buf_printf(&sc->gs2, "p=%s,,", type);
		buf_add(&sc->cbind, sc->gs2.p, sc->gs2.len);
		buf_add(&sc->cbind, data, len);
	} else {
		buf_adds(&sc->gs2, can_bind ? "y,," : "n,,");
		buf_add(&sc->cbind, sc->gs2.p, sc->gs2.len);
	}
	buf_str(&sc->gs2);
}

/* RFC 5802: ',' and '=' in the user name are escaped as =2C and =3D. */
static void
add_saslname(struct buf *b, const char *user)
{
	for (; *user; user++)
		if (*user == ',')
			buf_adds(b, "=2C");
		else if (*user == '=')
			buf_adds(b, "=3D");
		else
			buf_addc(b, *user);
}

void
scram_first(struct scram *sc, const char *user, const char *cnonce,
    struct buf *out)
{
	sc->bare.len = 0;
	buf_adds(&sc->bare, "n=");
	add_saslname(&sc->bare, user);
	buf_printf(&sc->bare, ",r=%s", cnonce);
	sc->cnonce_len = strlen(cnonce);
	buf_add(out, sc->gs2.p, sc->gs2.len);
	buf_add(out, sc->bare.p, sc->bare.len);
	buf_str(out);
}

/* The value of attribute a ("s", "i"...) in a SCRAM message, or NULL. */
static const char *
attr(const char *msg, size_t len, char a, size_t *vlen)
{
	const char *p = msg, *end = msg + len, *comma;

	while (p < end) {
		comma = memchr(p, ',', end - p);
		if (comma == NULL)
			comma = end;
		if (comma - p >= 2 && p[0] == a && p[1] == '=') {
			*vlen = comma - p - 2;
			return p + 2;
		}
		p = comma + 1;
	}
	return NULL;
}

static void
hmac(const struct scram *sc, const void *key, size_t klen, const void *d,
    size_t dlen, unsigned char *out)
{
	unsigned int n = 0;

	HMAC(sc->md, key, (int)klen, d, dlen, out, &n);
}

int
scram_final(struct scram *sc, const char *password, const char *server_first,
    size_t len, struct buf *out, const char **why)
{
	const char *nonce, *salt64, *iter;
	size_t nlen, slen, ilen, i;
	struct buf salt = { 0 }, auth = { 0 }, c = { 0 };
	unsigned char salted[EVP_MAX_MD_SIZE], client_key[EVP_MAX_MD_SIZE];
	unsigned char stored[EVP_MAX_MD_SIZE], sig[EVP_MAX_MD_SIZE];
	unsigned char proof[EVP_MAX_MD_SIZE], server_key[EVP_MAX_MD_SIZE];
	unsigned int hn = 0;
	long iterations;
	char ibuf[16];
	int rc = -1;

	nonce = attr(server_first, len, 'r', &nlen);
	salt64 = attr(server_first, len, 's', &slen);
	iter = attr(server_first, len, 'i', &ilen);
	*why = "malformed server-first-message";
	if (!nonce || !salt64 || !iter || ilen == 0 || ilen >= sizeof(ibuf))
		goto out;
	/* the server's nonce must extend ours, or this is not our exchange */
	*why = "the server's nonce does not start with ours";
	if (nlen <= sc->cnonce_len || memcmp(nonce, sc->bare.p +
	    sc->bare.len - sc->cnonce_len, sc->cnonce_len) != 0)
		goto out;
	memcpy(ibuf, iter, ilen);
	ibuf[ilen] = '\0';
	iterations = strtol(ibuf, NULL, 10);
	*why = "the iteration count is below 4096 or absurd";
	if (iterations < 4096 || iterations > 1000000)
		goto out;
	*why = "the salt is not base64";
	if (sasl_base64_decode(&salt, salt64, slen) == -1 || salt.len == 0)
		goto out;

	PKCS5_PBKDF2_HMAC(password, (int)strlen(password),
	    (unsigned char *)salt.p, (int)salt.len, (int)iterations, sc->md,
	    (int)sc->hlen, salted);
	hmac(sc, salted, sc->hlen, "Client Key", 10, client_key);
	hmac(sc, salted, sc->hlen, "Server Key", 10, server_key);
	EVP_Digest(client_key, sc->hlen, stored, &hn, sc->md, NULL);

	/* c=: the gs2 header, and what it binds to ("biws" for "n,,") */
	sasl_base64_encode(&c, sc->cbind.p, sc->cbind.len);
	/* AuthMessage = client-first-bare "," server-first "," final-bare */
	buf_add(&auth, sc->bare.p, sc->bare.len);
	buf_addc(&auth, ',');
	buf_add(&auth, server_first, len);
	buf_printf(&auth, ",c=%s,r=", c.p);
	buf_add(&auth, nonce, nlen);
	hmac(sc, stored, sc->hlen, auth.p, auth.len, sig);
	for (i = 0; i < sc->hlen; i++)
		proof[i] = client_key[i] ^ sig[i];
	hmac(sc, server_key, sc->hlen, auth.p, auth.len, sc->server_sig);

	buf_printf(out, "c=%s,r=", c.p);
	buf_add(out, nonce, nlen);
	buf_adds(out, ",p=");
	sasl_base64_encode(out, proof, sc->hlen);
	rc = 0;
	*why = NULL;
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(client_key, sizeof(client_key));
	OPENSSL_cleanse(server_key, sizeof(server_key));
	buf_free(&salt);
	buf_free(&auth);
	buf_free(&c);
	return rc;
}

int
scram_verify(struct scram *sc, const char *server_final, size_t len,
    const char **why)
{
	struct buf got = { 0 };
	const char *v, *e;
	size_t vlen, elen;
	int rc = -1;

	if ((e = attr(server_final, len, 'e', &elen)) != NULL)
		*why = "the server reports an error";
	else if ((v = attr(server_final, len, 'v', &vlen)) == NULL ||
	    sasl_base64_decode(&got, v, vlen) == -1)
		*why = "malformed server-final-message";
	else if (got.len != sc->hlen ||
	    CRYPTO_memcmp(got.p, sc->server_sig, sc->hlen) != 0)
		*why = "the server's signature is wrong: it does not know "
		    "the password";
	else {
		*why = NULL;
		rc = 0;
	}
	buf_free(&got);
	return rc;
}

void
scram_free(struct scram *sc)
{
	buf_free(&sc->bare);
	buf_free(&sc->gs2);
	buf_free(&sc->cbind);
	OPENSSL_cleanse(sc->server_sig, sizeof(sc->server_sig));
}

/* ---- SSDP (XEP-0474) */

static int
by_bytes(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
sorted_join(struct buf *out, const char *const *v, size_t n)
{
	const char **s = xcalloc(n ? n : 1, sizeof(*s));
	size_t i;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_bytes);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, 0x1e);	/* RS */
		buf_adds(out, s[i]);
	}
	free(s);
}

void
ssdp_string(struct buf *out, const char *const *mechs, size_t nmechs,
    const char *const *cbs, size_t ncbs)
{
	sorted_join(out, mechs, nmechs);
	if (ncbs > 0) {
		buf_addc(out, 0x1f);	/* US */
		sorted_join(out, cbs, ncbs);
	}
	buf_str(out);
}

int
scram_ssdp(const struct scram *sc, const char *server_first, size_t len,
    const char *const *mechs, size_t nmechs, const char *const *cbs,
    size_t ncbs)
{
	struct buf offer = { 0 }, got = { 0 };
	unsigned char want[EVP_MAX_MD_SIZE];
	unsigned int wlen = 0;
	const char *h;
	size_t hlen;
	int rc = -1;

	if ((h = attr(server_first, len, 'h', &hlen)) == NULL)
		return 0;
	ssdp_string(&offer, mechs, nmechs, cbs, ncbs);
	EVP_Digest(offer.p, offer.len, want, &wlen, sc->md, NULL);
	if (sasl_base64_decode(&got, h, hlen) == -1 || got.len != wlen)
		rc = -2;	/* not a hash of this mechanism's */
	else if (CRYPTO_memcmp(got.p, want, wlen) == 0)
		rc = 1;
	buf_free(&offer);
	buf_free(&got);
	return rc;
}

/* ---- FAST's HT-SHA-256 mechanisms (XEP-0484) */

int
ht_known(const char *m)
{
	return strcmp(m, "HT-SHA-256-NONE") == 0 ||
	    strcmp(m, "HT-SHA-256-ENDP") == 0 ||
	    strcmp(m, "HT-SHA-256-EXPR") == 0;
}

static void
ht_hmac(const char *token, const char *label, const void *cb, size_t cblen,
    unsigned char out[32])
{
	struct buf msg = { 0 };
	unsigned int n = 0;

	buf_adds(&msg, label);
	buf_add(&msg, cb, cblen);
	HMAC(EVP_sha256(), token, (int)strlen(token), (unsigned char *)msg.p,
	    msg.len, out, &n);
	buf_free(&msg);
}

void
ht_initiator(struct buf *out, const char *user, const char *token,
    const void *cb, size_t cblen)
{
	unsigned char mac[32];

	buf_adds(out, user);
	buf_addc(out, '\0');
	ht_hmac(token, "Initiator", cb, cblen, mac);
	buf_add(out, mac, sizeof(mac));
	OPENSSL_cleanse(mac, sizeof(mac));
}

int
ht_verify(const char *token, const void *cb, size_t cblen,
    const void *answer, size_t len)
{
	unsigned char mac[32];
	int rc;

	ht_hmac(token, "Responder", cb, cblen, mac);
	rc = len == sizeof(mac) && CRYPTO_memcmp(answer, mac, len) == 0 ?
	    0 : -1;
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

/* ---- which mechanism */

int
sasl_allowed(const char *allowed, const char *mech)
{
	size_t n = strlen(mech), w;
	const char *p;

	if (allowed == NULL)
		return 1;
	for (p = allowed; *p; p += w) {
		p += strspn(p, " ,\t");
		w = strcspn(p, " ,\t");
		if (w == n && strncasecmp(p, mech, n) == 0)
			return 1;
	}
	return 0;
}

static int
offered(const char *const *v, size_t n, const char *m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], m) == 0)
			return 1;
	return 0;
}

const char *
sasl_pick(const char *const *offer, size_t n, const char *allowed,
    int can_bind)
{
	static const char *order[] = {
		"SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
		"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1",
	};
	size_t i;
	int scram = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!offered(offer, n, order[i]))
			continue;
		scram = 1;
		if ((can_bind || i >= 3) && sasl_allowed(allowed, order[i]))
			return order[i];
	}
	/* PLAIN gives the server the password: only where nothing else is */
	if (!scram && offered(offer, n, "PLAIN") &&
	    sasl_allowed(allowed, "PLAIN"))
		return "PLAIN";
	return NULL;
}
