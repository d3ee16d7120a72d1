/*
 * cert.c: the server's certificate: its public-key pin, in the form HPKP
 * and curl's --pinnedpubkey use (sha256// and the base64 of the SHA-256
 * of the DER SubjectPublicKeyInfo), and a description for --show-cert.
 */
#include <stdio.h>
#include <time.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "xmpputils.h"
#include "cert.h"

static X509 *
parse(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;

	if (bio == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

static int
x509_pin(X509 *x, char pin[CERT_PIN_LEN])
{
	unsigned char *der = NULL, hash[32];
	unsigned int hlen = 0;
	int len, ok = 0;

	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len > 0 && EVP_Digest(der, len, hash, &hlen, EVP_sha256(), NULL) &&
	    hlen == sizeof(hash)) {
		memcpy(pin, "sha256//", 8);
		EVP_EncodeBlock((unsigned char *)pin + 8, hash, sizeof(hash));
		ok = 1;
	}
	OPENSSL_free(der);
	return ok;
}

int
cert_pin(const char *pem, char pin[CERT_PIN_LEN])
{
	X509 *x = parse(pem);
	int ok;

	if (x == NULL)
		return 0;
	ok = x509_pin(x, pin);
	X509_free(x);
	return ok;
}

/* A name as one line, RFC 2253, shown safely (it is the server's). */
static void
name_line(X509_NAME *name, char *out, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct buf b = { 0 };
	char *p;
	long n;

	out[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) > 0) {
		text_escape(&b, p, n);
		snprintf(out, len, "%s", buf_str(&b));
	}
	BIO_free(bio);
	buf_free(&b);
}

int
cert_describe(const char *pem, char *subject, size_t slen, char *issuer,
    size_t ilen, int64_t *not_after)
{
	X509 *x = parse(pem);
	struct tm tm;

	subject[0] = issuer[0] = '\0';
	*not_after = 0;
	if (x == NULL)
		return 0;
	name_line(X509_get_subject_name(x), subject, slen);
	name_line(X509_get_issuer_name(x), issuer, ilen);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		*not_after = timegm(&tm);
	X509_free(x);
	return 1;
}

int
cert_pin_matches(const char *pins, const char *pin)
{
	size_t n = strlen(pin);
	const char *p;

	for (p = pins; p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL)
		if (strncmp(p, pin, n) == 0 && (p[n] == '\0' || p[n] == ';'))
			return 1;
	return 0;
}

static void
show_name(FILE *f, const char *label, const X509_NAME *name)
{
	BIO *bio = BIO_new_fp(f, BIO_NOCLOSE);

	fprintf(f, "%s: ", label);
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE);
	BIO_free(bio);
	fputc('\n', f);
}

static void
show_time(FILE *f, const char *label, const ASN1_TIME *t)
{
	BIO *bio = BIO_new_fp(f, BIO_NOCLOSE);

	fprintf(f, "%s: ", label);
	ASN1_TIME_print(bio, t);
	BIO_free(bio);
	fputc('\n', f);
}

int
cert_show(FILE *f, const char *pem, const char *where, const char *problem)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char pin[CERT_PIN_LEN];
	GENERAL_NAMES *names;
	const GENERAL_NAME *g;
	X509 *x = parse(pem);
	int n;

	if (x == NULL || !x509_pin(x, pin)) {
		X509_free(x);
		return 0;
	}
	fprintf(f, "server: %s\n", where);
	show_name(f, "subject", X509_get_subject_name(x));
	show_name(f, "issuer", X509_get_issuer_name(x));
	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (n = 0; n < sk_GENERAL_NAME_num(names); n++) {
		g = sk_GENERAL_NAME_value(names, n);
		if (g->type == GEN_DNS)
			fprintf(f, "name: %.*s\n",
			    ASN1_STRING_length(g->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
	}
	GENERAL_NAMES_free(names);
	show_time(f, "valid from", X509_get0_notBefore(x));
	show_time(f, "valid until", X509_get0_notAfter(x));
	X509_digest(x, EVP_sha256(), md, &mdlen);
	fprintf(f, "sha256 fingerprint: ");
	for (i = 0; i < mdlen; i++)
		fprintf(f, "%02X%s", md[i], i + 1 < mdlen ? ":" : "\n");
	if (problem)
		fprintf(f, "verified: no: %s\n", problem);
	else
		fprintf(f, "verified: yes\n");
	fprintf(f, "pin: %s\n", pin);
	X509_free(x);
	return 1;
}
