/*
 * trust.c: which CAs a TLS handshake trusts, decided per handshake and
 * without touching the process's environment.
 *
 * libstrophe 0.12 calls SSL_CTX_set_default_verify_paths on every TLS
 * context it makes, then loads the connection's cafile or capath on top.
 * That defeats a cafile meant as the only trust (xmpputils.conf(5): the
 * system's CAs must not count then), and costs ~20 ms loading Debian's
 * bundle of ~140 certificates. So the executable defines that function
 * itself (the dynamic linker binds libstrophe's call to ours; OpenSSL's
 * stays reachable through RTLD_NEXT) and, for the handshake a session
 * has marked with trust_begin:
 *   - with a cafile or capath: loads no default at all;
 *   - else, where the system has a hashed CA directory and the user set
 *     neither SSL_CERT_FILE nor SSL_CERT_DIR: that directory alone,
 *     where OpenSSL looks up only the CA it needs;
 *   - else OpenSSL's own defaults.
 * Any other caller gets OpenSSL's own behaviour.
 *
 * It is also the one place the handshake's SSL_CTX can be seen (the
 * library shows neither it nor the SSL): an info callback set there
 * notes the version and cipher agreed on, for the login's report, and
 * the data SCRAM's channel bindings need (login.c): tls-exporter (RFC
 * 9266), from the SSL itself, and tls-server-end-point (RFC 5929), a
 * hash of the server's certificate.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "xmpputils.h"
#include "session.h"

/* the handshake under way, set only for the length of the call */
static struct {
	int on;
	const char *cafile, *capath;
	char version[32], cipher[64];	/* what it agreed on */
	SSL *ssl;		/* the library's, until trust_end */
} handshake;

void
trust_begin(const char *cafile, const char *capath)
{
	handshake.on = 1;
	handshake.version[0] = handshake.cipher[0] = '\0';
	handshake.ssl = NULL;
	handshake.cafile = cafile;
	handshake.capath = capath;
}

void
trust_end(void)
{
	handshake.on = 0;
	handshake.ssl = NULL;
}

void
trust_agreed(char *version, size_t vlen, char *cipher, size_t clen)
{
	snprintf(version, vlen, "%s", handshake.version);
	snprintf(cipher, clen, "%s", handshake.cipher);
}

static void bindings(SSL *, struct tls_bindings *);

/*
 * Read once the handshake is done, not in its callback: there, OpenSSL
 * does not yet say whether TLS 1.2 has the extended master secret.
 */
void
trust_bindings(struct tls_bindings *cb)
{
	memset(cb, 0, sizeof(*cb));
	if (handshake.ssl)
		bindings(handshake.ssl, cb);
}

/*
 * RFC 5929 4.1: the certificate's own signature hash, but SHA-256 for
 * MD5 and SHA-1; none where the signature has no separate hash
 * (Ed25519): the binding is not defined there.
 */
static void
end_point(SSL *ssl, struct tls_bindings *cb)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	const EVP_MD *md = NULL;
	unsigned int len = 0;
	int mdnid = NID_undef;

	if (cert && OBJ_find_sigid_algs(X509_get_signature_nid(cert), &mdnid,
	    NULL) && mdnid != NID_undef)
		md = mdnid == NID_md5 || mdnid == NID_sha1 ? EVP_sha256() :
		    EVP_get_digestbynid(mdnid);
	if (md && X509_digest(cert, md, cb->endpoint, &len) == 1)
		cb->endpoint_len = len;
	X509_free(cert);
}

static void
bindings(SSL *ssl, struct tls_bindings *cb)
{
	/* TLS 1.2's exporter is unsafe without the extended master secret */
	if ((SSL_version(ssl) >= TLS1_3_VERSION || SSL_get_extms_support(ssl) ==
	    1) && SSL_export_keying_material(ssl, cb->exporter,
	    sizeof(cb->exporter), "EXPORTER-Channel-Binding", 24, NULL, 0,
	    0) == 1)
		cb->exporter_len = sizeof(cb->exporter);
	end_point(ssl, cb);
}

static void
on_info(const SSL *ssl, int where, int ret)
{
	(void)ret;
	if (!(where & SSL_CB_HANDSHAKE_DONE) || !handshake.on)
		return;
	handshake.ssl = (SSL *)ssl;
	snprintf(handshake.version, sizeof(handshake.version), "%s",
	    SSL_get_version(ssl));
	snprintf(handshake.cipher, sizeof(handshake.cipher), "%s",
	    SSL_get_cipher_name(ssl));
}

/* Whether dir holds OpenSSL's hashed links ("1a2b3c4d.0"). */
static int
hashed_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d)) != NULL)
		found = strlen(e->d_name) == 10 && e->d_name[8] == '.' &&
		    e->d_name[9] == '0';
	if (d)
		closedir(d);
	return found;
}

static int
openssl_defaults(SSL_CTX *ctx)
{
	static int (*real)(SSL_CTX *);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT,
		    "SSL_CTX_set_default_verify_paths");
	return real ? real(ctx) : 0;
}

int
SSL_CTX_set_default_verify_paths(SSL_CTX *ctx)
{
	static int hashed = -1;
	const char *dir = X509_get_default_cert_dir();

	if (!handshake.on)
		return openssl_defaults(ctx);
	SSL_CTX_set_info_callback(ctx, on_info);
	if (handshake.cafile || handshake.capath)
		return 1;	/* the library loads them next */
	if (getenv(X509_get_default_cert_file_env()) ||
	    getenv(X509_get_default_cert_dir_env()))
		return openssl_defaults(ctx);
	if (hashed == -1)
		hashed = hashed_dir(dir);
	if (hashed)
		return SSL_CTX_load_verify_dir(ctx, dir);
	return openssl_defaults(ctx);
}
