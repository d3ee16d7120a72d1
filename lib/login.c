/*
 * login.c: from a TCP connection to a stream we may send on, done here
 * rather than by libstrophe (which we use as a raw connection: sockets,
 * TLS, the XML parser). The sequence, each step started by what the
 * server's stream features offer (on_features):
 *
 *   stream -> STARTTLS -> TLS (or direct TLS first) -> stream again
 *     -> SASL2 (XEP-0388), where offered: one <authenticate/> that also
 *        binds (Bind2, XEP-0386) and enables stream management, or
 *        resumes the stream (XEP-0198), and asks for a FAST token
 *        (XEP-0484); its <success/> says what was done -> online
 *     -> or RFC 6120's SASL -> stream again -> bind or resume -> online
 *
 * Which mechanism, and the mechanisms themselves, are sasl.c's: here is
 * only what goes on the wire, the channel binding's data (trust.c reads
 * it from the handshake) and the FAST token (token.c keeps it).
 *
 * Nothing secret is sent before TLS is up and its certificate has passed
 * (verified by the CAs, or its key matching the pin): tls_decide is the
 * one place that lets the login go on.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "xmpputils.h"
#include "cert.h"
#include "sasl.h"
#include "session.h"
#include "srv.h"
#include "stanza.h"
#include "token.h"

static void start_stream(struct session *);
static void pipeline_fast(struct session *);
static int bound_as_us(struct session *, const char *, int);
static void sasl2_success(struct session *, xmpp_stanza_t *);
static void offer_free(struct session *);
static int on_sasl(xmpp_conn_t *, xmpp_stanza_t *, void *);
static int on_sasl2(xmpp_conn_t *, xmpp_stanza_t *, void *);
static int sasl_element(struct session *, xmpp_stanza_t *, int);

/* ---- before connecting */

/*
 * Whether OpenSSL can load the CAs of file. Parsing them costs more than
 * the rest of the cafile's use, so this is asked only once the
 * certificate failed to verify: a cafile of garbage then is a config
 * error, not a server that cannot be trusted.
 */
static int
cafile_loads(const char *file)
{
	X509_STORE *store = X509_STORE_new();
	int ok = store && X509_STORE_load_file(store, file) == 1;

	X509_STORE_free(store);
	ERR_clear_error();	/* not the library's to find later */
	return ok;
}

#define CAFILE_BAD "cafile %s: not a PEM file of certificates that can be read"

/* After a failed handshake: blames the cafile, if it is the cause. */
static void
blame_cafile(struct session *s)
{
	if (s->acct->cafile && !cafile_loads(s->acct->cafile))
		session_explain(s, EX_CONFIG, CAFILE_BAD, s->acct->cafile);
}

/*
 * What TLS and login need from files, read before connecting: a CA file
 * with no certificate in it, a missing client certificate (no SASL
 * EXTERNAL then) are config errors, found before anything is sent.
 */
int
login_files_check(const struct account *acct)
{
	char line[128];
	struct stat st;
	FILE *f = NULL;
	int fd, pem = 0;

	if (acct->cafile) {
		/*
		 * Read here, then by OpenSSL at each login: a pipe or a FIFO
		 * would not be there the second time, and would hang the
		 * first (O_NONBLOCK: a FIFO opens at once, to be refused).
		 */
		fd = open(acct->cafile, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1 || (S_ISREG(st.st_mode) &&
		    (f = fdopen(fd, "r")) == NULL)) {
			warn("cafile %s", acct->cafile);
			if (fd != -1)
				close(fd);
			return EX_CONFIG;
		}
		if (f == NULL) {
			warnx("cafile %s: not a regular file", acct->cafile);
			close(fd);
			return EX_CONFIG;
		}
		while (!pem && fgets(line, sizeof(line), f))
			pem = strncmp(line, "-----BEGIN CERTIFICATE-----",
			    27) == 0;
		fclose(f);
		if (!pem) {
			warnx(CAFILE_BAD, acct->cafile);
			return EX_CONFIG;
		}
	}
	if (acct->capath && access(acct->capath, R_OK | X_OK) == -1) {
		warn("capath %s", acct->capath);
		return EX_CONFIG;
	}
	if (acct->client_cert && access(acct->client_cert, R_OK) == -1) {
		warn("client_cert %s", acct->client_cert);
		return EX_CONFIG;
	}
	if (acct->client_key && access(acct->client_key, R_OK) == -1) {
		warn("client_key %s", acct->client_key);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* Where to connect for direct TLS (XEP-0368), which the library won't find. */
static void
direct_tls_target(const struct account *acct, const char *domain,
    char *host, size_t hostlen, unsigned *port)
{
	if (acct->server) {
		snprintf(host, hostlen, "%s", acct->server);
		*port = acct->port ? acct->port : 5223;
	} else if (!srv_lookup("xmpps-client", domain, host, hostlen, port)) {
		snprintf(host, hostlen, "%s", domain);
		*port = acct->port ? acct->port : 5223;
	}
}

static int
direct_tls(const struct account *acct)
{
	return acct->tls && strcmp(acct->tls, "direct") == 0;
}

static int on_certfail(const xmpp_tlscert_t *, const char *);
static int on_socket(xmpp_conn_t *, void *);
static int on_features(xmpp_conn_t *, xmpp_stanza_t *, void *);
static int on_tls(xmpp_conn_t *, xmpp_stanza_t *, void *);
static int on_sasl(xmpp_conn_t *, xmpp_stanza_t *, void *);
static int on_resume(xmpp_conn_t *, xmpp_stanza_t *, void *);

/* A yes-or-no config key (yes by default) says no. */
static int
turned_off(const char *key)
{
	return key && strcmp(key, "no") == 0;
}

/* Whether this login may use FAST's tokens, or keep one. */
static int
fast_wanted(const struct session *s)
{
	return !s->opts->no_fast && !s->show_cert && !s->acct->client_cert &&
	    !turned_off(s->acct->fast) && !turned_off(s->acct->sasl2);
}

/*
 * The name a tool's tokens are kept under: its own (a copy renamed, or
 * run as a link, keeps its tokens apart), in the letters token.c takes.
 */
static void
tool_name(char *out, size_t len)
{
	const char *p = getprogname();
	size_t i;

	for (i = 0; p[i] && i + 1 < len; i++)
		out[i] = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' &&
		    p[i] <= '9') || p[i] == '-' ? p[i] : p[i] >= 'A' &&
		    p[i] <= 'Z' ? p[i] - 'A' + 'a' : '_';
	out[i] = '\0';
	if (i == 0)
		snprintf(out, len, "xmpputils");
}

/*
 * FAST's token slot, taken once per session and held to its end: its
 * lock keeps another process of ours off the same token and user-agent
 * id (with Bind2, both would get the same resource, and one would push
 * the other off).
 */
static void
fast_slot(struct session *s)
{
	const char *jid = s->acct->jid;
	char why[512], tool[33], *bare;
	int rc, e;

	if (s->token_tried || !fast_wanted(s))
		return;
	s->token_tried = 1;
	s->token = xcalloc(1, sizeof(*s->token));
	bare = xstrndup(jid, strcspn(jid, "/"));
	tool_name(tool, sizeof(tool));
	errno = 0;
	rc = token_take(bare, tool, s->token, why, sizeof(why));
	e = errno;
	free(bare);
	if (rc == 0)
		return;
	/*
	 * A home we cannot write (ProtectHome=read-only, a full disk) is
	 * no news at every cron run: -v says it. A store that is not safe
	 * is, every time.
	 */
	if (rc == -1 && (e == EROFS || e == EACCES || e == ENOSPC ||
	    e == EDQUOT))
		session_note(s, "%s: not using FAST tokens", why);
	else if (rc == -1)
		warnx("%s: not using FAST tokens", why);
	else
		session_note(s, "FAST: every token slot of this account is in "
		    "use: logging in without one");
	free(s->token);
	s->token = NULL;
}

int
login_has_token(struct session *s)
{
	fast_slot(s);
	return s->token && s->token->token;
}

void
login_free(struct session *s)
{
	if (s->token && !s->token_borrowed) {
		token_release(s->token);
		free(s->token);
		s->token = NULL;
	}
	offer_free(s);
	scram_free(&s->scram);
}

/* Sets up s->conn, just made, for a login. */
void
login_prepare(struct session *s)
{
	const struct account *acct = s->acct;
	char *jid;

	s->tls_done = s->authed = s->sm_offered = 0;
	s->sasl2 = s->bind2 = s->bind2_sm = s->sasl2_sm = s->fast = 0;
	s->inline_done = s->sasl_scram = s->pipelined = 0;
	memset(&s->cb, 0, sizeof(s->cb));
	s->problem[0] = '\0';
	fast_slot(s);
	xmpp_conn_set_flags(s->conn, XMPP_CONN_FLAG_DISABLE_SM);
	jid = xstrndup(acct->jid, strcspn(acct->jid, "/"));
	xmpp_conn_set_jid(s->conn, jid);
	free(jid);
	if (acct->cafile)
		xmpp_conn_set_cafile(s->conn, acct->cafile);
	if (acct->capath)
		xmpp_conn_set_capath(s->conn, acct->capath);
	if (acct->client_cert)
		xmpp_conn_set_client_cert(s->conn, acct->client_cert,
		    acct->client_key);
	xmpp_conn_set_certfail_handler(s->conn, on_certfail);
	xmpp_conn_set_sockopt_callback(s->conn, on_socket);
	xmpp_handler_add(s->conn, on_features, NS_STREAMS, "features", NULL,
	    s);
	xmpp_handler_add(s->conn, on_tls, NS_TLS, NULL, NULL, s);
	xmpp_handler_add(s->conn, on_sasl, NS_SASL, NULL, NULL, s);
	xmpp_handler_add(s->conn, on_sasl2, NS_SASL2, NULL, NULL, s);
	xmpp_handler_add(s->conn, on_resume, NS_SM, NULL, NULL, s);
	xmpp_handler_add(s->conn, session_on_stream_error, NS_STREAMS,
	    "error", NULL, s);
}

/* Starts connecting: returns XMPP_EOK, or the library's error. */
int
login_connect(struct session *s)
{
	char host[256] = "";
	unsigned port = s->acct->port;

	if (s->acct->server)
		snprintf(host, sizeof(host), "%s", s->acct->server);
	if (direct_tls(s->acct))
		direct_tls_target(s->acct, s->domain, host, sizeof(host),
		    &port);
	snprintf(s->host, sizeof(s->host), "%s", *host ? host : s->domain);
	return xmpp_connect_raw(s->conn, *host ? host : NULL, port,
	    session_conn_handler, s);
}

/*
 * libstrophe fires a handler for a namespace also when only a child is in
 * it (the features list <starttls/>, <mechanisms/>, <sm/>): the stanza's
 * own is what counts here.
 */
static int
in_ns(xmpp_stanza_t *st, const char *ns)
{
	const char *own = xmpp_stanza_get_ns(st);

	return own && strcmp(own, ns) == 0;
}

/* ---- TLS */

/*
 * Called for each problem OpenSSL finds with the chain. Normally that is
 * the end; with a pin (its own test of the key), --show-cert or
 * --insecure, the problem is noted and the handshake goes on, and
 * tls_decide has the last word.
 */
static int
on_certfail(const xmpp_tlscert_t *cert, const char *errormsg)
{
	/* libstrophe 0.12 gives the certificate its context, not its conn */
	struct session *s = session_of_ctx(xmpp_tlscert_get_ctx(cert));

	if (s == NULL)
		return 0;

	if (s->problem[0] == '\0')
		snprintf(s->problem, sizeof(s->problem), "%s (subject %s; "
		    "issuer %s)", errormsg,
		    xmpp_tlscert_get_string(cert, XMPP_CERT_SUBJECT),
		    xmpp_tlscert_get_string(cert, XMPP_CERT_ISSUER));
	if (s->acct->pin || s->show_cert || s->opts->insecure)
		return 1;
	blame_cafile(s);
	session_explain(s, EX_UNAVAILABLE, "certificate of %s at %s not trusted: %s",
	    s->domain, s->host, s->problem);
	return 0;
}

static int
on_socket(xmpp_conn_t *conn, void *sockp)
{
	struct session *s = session_of_ctx(xmpp_conn_get_context(conn));
	int fd = *(int *)sockp, one = 1;

	if (s)
		s->sock = fd;
	/* libstrophe's socket is not close-on-exec: a child of ours (xagent's
	 * queue flush) must not hold the stream open */
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	/* stanzas are small and complete: send them now, not after an ACK */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return xmpp_sockopt_cb_keepalive(conn, sockp);
}

/* The handshake is done: may this server have our credentials? */
static int
tls_decide(struct session *s)
{
	xmpp_tlscert_t *cert = xmpp_conn_get_peer_cert(s->conn);
	char pin[CERT_PIN_LEN] = "";
	int ok = 0;

	timing_tls(s, cert ? xmpp_tlscert_get_pem(cert) : NULL);
	if (cert == NULL || !cert_pin(xmpp_tlscert_get_pem(cert), pin))
		session_explain(s, EX_UNAVAILABLE, "%s: cannot read the server's "
		    "certificate", s->host);
	else if (s->show_cert) {
		/* flushed by the tool's stdout_done, which checks it */
		cert_show(stdout, xmpp_tlscert_get_pem(cert), s->host,
		    s->problem[0] ? s->problem : NULL);
		s->cert_shown = 1;
	} else if (s->acct->pin && !cert_pin_matches(s->acct->pin, pin))
		session_explain(s, EX_UNAVAILABLE, "certificate of %s at %s does not "
		    "match the pin: its key is %s", s->domain, s->host, pin);
	else {
		if (s->acct->pin)
			session_note(s, "certificate key matches the pin %s", pin);
		ok = 1;
	}
	if (cert)
		xmpp_tlscert_free(cert);
	return ok;
}

static void
tls_start(struct session *s)
{
	char what[350];
	int ok;

	/*
	 * The library's handshake blocks: only the alarm can bound it, by
	 * shutting the socket down under it. The trust is decided for this
	 * call alone (trust.c).
	 */
	snprintf(what, sizeof(what), "%s: TLS handshake", s->host);
	session_watchdog(s, what, 0);
	trust_begin(s->acct->cafile, s->acct->capath);
	blocking_begin();
	ok = xmpp_conn_tls_start(s->conn) == XMPP_EOK;
	if (blocking_end())
		session_explain(s, EX_TEMPFAIL, "%s: interrupted while logging "
		    "in", s->host);
	if (ok)
		trust_bindings(&s->cb);	/* while the library's SSL is up */
	trust_end();
	if (watchdog_disarm())
		session_explain(s, EX_TEMPFAIL, "%s", s->watching);
	session_watchdog(s, "logging in", 2);
	if (!ok) {
		blame_cafile(s);
		session_explain(s, EX_UNAVAILABLE, "TLS with %s failed%s%s", s->host,
		    s->problem[0] ? ": certificate not trusted: " : "",
		    s->problem);
		session_cut(s);
		return;
	}
	if (!tls_decide(s)) {
		session_cut(s);
		return;
	}
	s->tls_done = 1;
	timing_mark(s, PHASE_TLS);
	start_stream(s);
	pipeline_fast(s);
}

/* The TCP connection is up (libstrophe's XMPP_CONN_RAW_CONNECT). */
void
login_connected(struct session *s)
{
	timing_mark(s, PHASE_TCP);
	if (direct_tls(s->acct))
		tls_start(s);
	else
		start_stream(s);
}

static void
start_stream(struct session *s)
{
	xmpp_conn_open_stream_default(s->conn);
}

static int
on_tls(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;

	(void)conn;
	if (!in_ns(st, NS_TLS))
		return 1;
	if (strcmp(xmpp_stanza_get_name(st), "proceed") == 0) {
		timing_mark(s, PHASE_STARTTLS);
		tls_start(s);
	}
	else {
		session_explain(s, EX_UNAVAILABLE, "%s refused to start TLS: refusing "
		    "to log in without it", s->host);
		session_cut(s);
	}
	return 1;
}

/* ---- SASL: which mechanism, and the exchange, in SASL2 or the classic */

/*
 * The texts of the <mechanism/> children of el, as received. Kept for
 * SSDP, which hashes what the server offered: compared with this, a
 * relay's changes show.
 */
static void
names_of(xmpp_stanza_t *el, char ***v, size_t *n)
{
	xmpp_stanza_t *m;
	char *t;
	size_t cap = *n;

	for (m = el ? xmpp_stanza_get_children(el) : NULL; m;
	    m = xmpp_stanza_get_next(m)) {
		if (!xmpp_stanza_is_tag(m) ||
		    strcmp(xmpp_stanza_get_name(m), "mechanism") != 0 ||
		    (t = xmpp_stanza_get_text(m)) == NULL)
			continue;
		if (*n == cap)
			*v = xgrow(*v, &cap, sizeof(**v));
		(*v)[(*n)++] = xstrdup(t);
		xmpp_free(xmpp_stanza_get_context(m), t);
	}
}

/* Whether Bind2's <inline/> lists var (<feature var='...'/>). */
static int
feature_var(xmpp_stanza_t *bind, const char *var)
{
	xmpp_stanza_t *inl = xmpp_stanza_get_child_by_name(bind, "inline"), *f;
	const char *v;

	for (f = inl ? xmpp_stanza_get_children(inl) : NULL; f;
	    f = xmpp_stanza_get_next(f))
		if (xmpp_stanza_is_tag(f) &&
		    strcmp(xmpp_stanza_get_name(f), "feature") == 0 &&
		    (v = xmpp_stanza_get_attribute(f, "var")) != NULL &&
		    strcmp(v, var) == 0)
			return 1;
	return 0;
}

static void
offer_free(struct session *s)
{
	size_t i;

	for (i = 0; i < s->noffer; i++)
		free(s->offer[i]);
	for (i = 0; i < s->nfast; i++)
		free(s->fast_offer[i]);
	for (i = 0; i < s->ncbs; i++)
		free(s->cbs[i]);
	free(s->offer);
	free(s->fast_offer);
	free(s->cbs);
	s->offer = s->fast_offer = s->cbs = NULL;
	s->noffer = s->nfast = s->ncbs = 0;
}

/* XEP-0440's list of the binding types the server can do. */
static void
binding_types(struct session *s, xmpp_stanza_t *features)
{
	xmpp_stanza_t *el = xmpp_stanza_get_child_by_name_and_ns(features,
	    "sasl-channel-binding", NS_SASL_CB), *c;
	const char *t;
	size_t cap = 0;

	s->cb_advertised = el != NULL;
	for (c = el ? xmpp_stanza_get_children(el) : NULL; c;
	    c = xmpp_stanza_get_next(c)) {
		if (!xmpp_stanza_is_tag(c) ||
		    strcmp(xmpp_stanza_get_name(c), "channel-binding") != 0 ||
		    (t = xmpp_stanza_get_attribute(c, "type")) == NULL)
			continue;
		if (s->ncbs == cap)
			s->cbs = xgrow(s->cbs, &cap, sizeof(*s->cbs));
		s->cbs[s->ncbs++] = xstrdup(t);
	}
}

static int
listed(char **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

/* This TLS session's data for a binding type; -1 if it has none. */
static int
cb_data(struct session *s, const char *type, const void **data,
    size_t *len)
{
	*data = NULL;
	*len = 0;
	if (strcmp(type, "tls-exporter") == 0) {
		*data = s->cb.exporter;
		*len = s->cb.exporter_len;
	} else if (strcmp(type, "tls-server-end-point") == 0) {
		*data = s->cb.endpoint;
		*len = s->cb.endpoint_len;
	}
	return *len ? 0 : -1;
}

/*
 * The channel binding we can use with this server: tls-exporter (RFC
 * 9266), else tls-server-end-point (RFC 5929), each only if the server
 * lists it (XEP-0440). A server that lists none gets tls-exporter on TLS
 * 1.3, where RFC 9266 makes it the default; NULL: no binding.
 */
static const char *
binding_pick(struct session *s, const void **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if ((s->cb_advertised ? listed(s->cbs, s->ncbs, "tls-exporter") :
	    strcmp(s->report.tls_version, "TLSv1.3") == 0) &&
	    cb_data(s, "tls-exporter", data, len) == 0)
		return "tls-exporter";
	if (listed(s->cbs, s->ncbs, "tls-server-end-point") &&
	    cb_data(s, "tls-server-end-point", data, len) == 0)
		return "tls-server-end-point";
	return NULL;
}

/* The binding FAST's HT mechanism is for; NULL: none (-NONE). */
static const char *
ht_type(const char *mech)
{
	if (strcmp(mech, "HT-SHA-256-EXPR") == 0)
		return "tls-exporter";
	if (strcmp(mech, "HT-SHA-256-ENDP") == 0)
		return "tls-server-end-point";
	return NULL;
}

/* The data an HT mechanism binds to (none for -NONE); -1 if this TLS
 * has not what it needs. */
static int
ht_binding(struct session *s, const char *mech, const void **data,
    size_t *len)
{
	const char *type = ht_type(mech);

	*data = NULL;
	*len = 0;
	return type ? cb_data(s, type, data, len) : 0;
}

/*
 * Whether our token may be used with this TLS session: the account
 * allows its mechanism, and the session has what it binds to.
 */
static int
token_fits(struct session *s)
{
	const void *d;
	size_t n;

	return s->token && s->token->token &&
	    sasl_allowed(s->acct->sasl_mechanisms, s->token->mechanism) &&
	    ht_binding(s, s->token->mechanism, &d, &n) == 0;
}

/* Whether the FAST token may be used on this stream, as it offers. */
static int
fast_usable(struct session *s)
{
	return s->sasl2 && token_fits(s) &&
	    listed(s->fast_offer, s->nfast, s->token->mechanism);
}

static const char *ht_order[] = { "HT-SHA-256-EXPR", "HT-SHA-256-ENDP",
    "HT-SHA-256-NONE" };

static size_t
ht_rank(const char *mech)
{
	size_t i;

	for (i = 0; i < sizeof(ht_order) / sizeof(ht_order[0]); i++)
		if (strcmp(ht_order[i], mech) == 0)
			break;
	return i;
}

/*
 * The token mechanism to ask for: bound to this TLS if we can. With a
 * token that is bound less well than this TLS allows (one from a TLS
 * 1.2 session, or an HT-SHA-256-NONE), a better one is asked for in the
 * same login; NULL when there is no need (or no way).
 */
static const char *
fast_request(struct session *s)
{
	const void *d;
	size_t i, n;

	if (!s->sasl2 || s->token == NULL || s->fast_invalidate)
		return NULL;
	for (i = 0; i < sizeof(ht_order) / sizeof(ht_order[0]); i++)
		if (listed(s->fast_offer, s->nfast, ht_order[i]) &&
		    sasl_allowed(s->acct->sasl_mechanisms, ht_order[i]) &&
		    ht_binding(s, ht_order[i], &d, &n) == 0)
			break;
	if (i == sizeof(ht_order) / sizeof(ht_order[0]) ||
	    (s->fast && i >= ht_rank(s->token->mechanism)))
		return NULL;
	return ht_order[i];
}

/*
 * SASL2's <authenticate/>: the mechanism's first message, who we are
 * (the user-agent id FAST's tokens and Bind2's resources are tied to),
 * then what the one round trip should also do: bind (XEP-0386) with
 * stream management, or resume (XEP-0198), and a FAST token.
 */
static void
send_authenticate(struct session *s, const char *mech, struct buf *payload)
{
	struct buf b = { 0 };
	const char *req = fast_request(s);

	buf_printf(&b, "<authenticate xmlns='" NS_SASL2 "' mechanism='%s'>",
	    mech);
	if (payload && payload->len)
		buf_printf(&b, "<initial-response>%s</initial-response>",
		    buf_str(payload));
	buf_adds(&b, "<user-agent");
	if (s->token)
		buf_printf(&b, " id='%s'", s->token->id);
	buf_adds(&b, "><software>xmpputils</software><device>");
	xml_escape(&b, getprogname(), strlen(getprogname()));
	buf_adds(&b, "</device></user-agent>");
	if (s->resume_id && s->sasl2_sm) {
		buf_adds(&b, "<resume xmlns='" NS_SM "' previd='");
		xml_escape(&b, s->resume_id, strlen(s->resume_id));
		buf_printf(&b, "' h='%" PRIu32 "'/>", (uint32_t)s->handled);
		s->resuming = 1;
	}
	if (s->bind2) {
		buf_adds(&b, "<bind xmlns='" NS_BIND2 "'><tag>");
		xml_escape(&b, getprogname(), strlen(getprogname()));
		buf_adds(&b, "</tag>");
		if (s->bind2_sm)
			buf_adds(&b, s->resumable ? "<enable xmlns='" NS_SM
			    "' resume='true'/>" : "<enable xmlns='" NS_SM "'/>");
		buf_adds(&b, "</bind>");
	}
	s->fast_req = req;
	if (s->fast)
		buf_printf(&b, "<fast xmlns='" NS_FAST "'%s/>",
		    s->fast_invalidate ? " invalidate='true'" : "");
	if (req)
		buf_printf(&b, "<request-token xmlns='" NS_FAST "' "
		    "mechanism='%s'/>", req);
	buf_adds(&b, "</authenticate>");
	xmpp_send_raw(s->conn, buf_str(&b), b.len);
	explicit_bzero(b.p, b.len);
	buf_free(&b);
}

static void
send_auth(struct session *s, const char *mech, struct buf *payload)
{
	struct buf b = { 0 };

	snprintf(s->report.mechanism, sizeof(s->report.mechanism), "%s", mech);
	if (s->sasl2) {
		send_authenticate(s, mech, payload);
		return;
	}
	buf_printf(&b, "<auth xmlns='" NS_SASL "' mechanism='%s'>", mech);
	if (payload && payload->len)
		buf_add(&b, payload->p, payload->len);
	else
		buf_addc(&b, '=');
	buf_adds(&b, "</auth>");
	xmpp_send_raw(s->conn, buf_str(&b), b.len);
	explicit_bzero(b.p, b.len);
	buf_free(&b);
}

/* A SASL message of ours after the first: <response/>, either way. */
static void
send_response(struct session *s, struct buf *payload)
{
	struct buf b = { 0 };

	buf_printf(&b, "<response xmlns='%s'>%s</response>", s->sasl2 ?
	    NS_SASL2 : NS_SASL, payload && payload->len ? buf_str(payload) :
	    "");
	xmpp_send_raw(s->conn, buf_str(&b), b.len);
	buf_free(&b);
}

static void
auth_fail(struct session *s, int rc, const char *fmt, const char *a,
    const char *b)
{
	session_explain(s, rc, fmt, a, b);
	xmpp_disconnect(s->conn);
}

/* A login with the FAST token: one round trip, no password. */
static void
start_fast(struct session *s, const char *user)
{
	struct buf msg = { 0 }, b64 = { 0 };
	const void *cb;
	size_t cblen;

	ht_binding(s, s->token->mechanism, &cb, &cblen);
	if (ht_type(s->token->mechanism))
		snprintf(s->report.binding, sizeof(s->report.binding), "%s",
		    ht_type(s->token->mechanism));
	ht_initiator(&msg, user, s->token->token, cb, cblen);
	sasl_base64_encode(&b64, msg.p, msg.len);
	s->fast = 1;
	s->sasl_scram = 0;
	session_note(s, "authenticating with the FAST token (%s)",
	    s->token->mechanism);
	send_auth(s, s->token->mechanism, &b64);
	explicit_bzero(msg.p, msg.len);
	explicit_bzero(b64.p, b64.len);
	buf_free(&msg);
	buf_free(&b64);
}

/*
 * With a FAST token, the stream after TLS need not wait for its
 * features: the token was issued by this server, over SASL2, and the
 * mechanism it is for binds it to this TLS session (or the server
 * refuses it), so <authenticate/> goes right after the stream's header,
 * binding and enabling stream management as Bind2 would: one round trip
 * fewer. The features, when they come, are only noted. A server that no
 * longer takes the token refuses it (the password then, as for any
 * refused token); one that fails the login otherwise gets a login that
 * waits for its features (login()).
 */
static void
pipeline_fast(struct session *s)
{
	const char *jid = s->acct->jid;
	struct buf user = { 0 };

	/* an unbound token waits for the features: a bound one may replace it */
	if (s->no_pipeline || !token_fits(s) || !ht_type(s->token->mechanism))
		return;
	s->pipelined = s->sasl2 = s->report.sasl2 = 1;
	s->bind2 = s->bind2_sm = !s->acct->resource && !strchr(jid, '/');
	s->sasl2_sm = 1;
	buf_add(&user, jid, strcspn(jid, "@"));
	start_fast(s, buf_str(&user));
	buf_free(&user);
}

/* The password, read now if it was left for a login that needs it. */
static int
have_password(struct session *s)
{
	if (s->acct->password)
		return 1;
	if (s->acct_rw && account_password(s->acct_rw, &s->opts->acct) ==
	    EX_OK && s->acct->password)
		return 1;
	session_explain(s, EX_NOPERM, "%s: no password for %s", s->host,
	    s->acct->jid);
	return 0;
}

static int
plus_offered(const struct session *s)
{
	size_t i, n;

	for (i = 0; i < s->noffer; i++)
		if ((n = strlen(s->offer[i])) > 5 &&
		    strcmp(s->offer[i] + n - 5, "-PLUS") == 0)
			return 1;
	return 0;
}

static void
start_password(struct session *s, const char *user)
{
	const char *mech, *type;
	const void *cb;
	size_t cblen;
	struct buf first = { 0 }, b64 = { 0 };
	unsigned char nonce[18];

	type = binding_pick(s, &cb, &cblen);
	mech = sasl_pick((const char *const *)s->offer, s->noffer,
	    s->acct->sasl_mechanisms, type != NULL);
	if (mech == NULL) {
		struct buf all = { 0 };
		size_t i;

		for (i = 0; i < s->noffer; i++) {
			/* the server's words, bound for a terminal */
			if (i)
				buf_addc(&all, ' ');
			text_escape(&all, s->offer[i], strlen(s->offer[i]));
		}
		buf_str(&all);
		if (s->acct->sasl_mechanisms && sasl_allowed(
		    s->acct->sasl_mechanisms, "PLAIN") && listed(s->offer,
		    s->noffer, "PLAIN"))
			auth_fail(s, EX_NOPERM, "%s offers SCRAM: PLAIN, which "
			    "would give it the password, is never used then; "
			    "it offers %s", s->host, all.len ? all.p : "none");
		else if (s->acct->sasl_mechanisms)
			auth_fail(s, EX_NOPERM, "%s offers no mechanism "
			    "sasl_mechanisms allows: it offers %s", s->host,
			    all.len ? all.p : "none");
		else
			auth_fail(s, EX_NOPERM, "%s offers no SASL mechanism "
			    "we know (SCRAM-SHA-1/256/512[-PLUS], PLAIN, "
			    "EXTERNAL): it offers %s", s->host,
			    all.len ? all.p : "none");
		buf_free(&all);
		return;
	}
	if (!have_password(s)) {
		xmpp_disconnect(s->conn);
		return;
	}
	s->fast = 0;
	if (strcmp(mech, "PLAIN") == 0) {
		/* only inside TLS, or where the user said plaintext is fine */
		sasl_plain(&b64, user, s->acct->password);
		send_auth(s, "PLAIN", &b64);
		explicit_bzero(b64.p, b64.len);
		buf_free(&b64);
		return;
	}
	scram_free(&s->scram);	/* a login before this one's */
	scram_init(&s->scram, mech);
	/*
	 * "y": we could bind, and no -PLUS was offered (stripped on the
	 * way?); "n" where one was, and the account's pin chose another
	 */
	scram_bind(&s->scram, type, cb, cblen, (s->cb.exporter_len ||
	    s->cb.endpoint_len) && !plus_offered(s));
	if (s->scram.plus) {
		snprintf(s->report.binding, sizeof(s->report.binding), "%s",
		    type);
		session_note(s, "%s, bound to %s", mech, type);
	}
	arc4random_buf(nonce, sizeof(nonce));
	sasl_base64_encode(&b64, nonce, sizeof(nonce));
	scram_first(&s->scram, user, b64.p, &first);
	b64.len = 0;
	sasl_base64_encode(&b64, first.p, first.len);
	s->sasl_scram = 1;
	send_auth(s, mech, &b64);
	buf_free(&first);
	buf_free(&b64);
}

/*
 * Authenticates, on the features after TLS: SASL2 where the server has
 * it (and the account allows), else RFC 6120's SASL. The offer is kept
 * for SSDP.
 */
static void
start_sasl(struct session *s, xmpp_stanza_t *features)
{
	xmpp_stanza_t *a2 = NULL, *mechs, *inl, *bind, *fast;
	const char *jid = s->acct->jid;
	struct buf user = { 0 };

	offer_free(s);
	if (!turned_off(s->acct->sasl2))
		a2 = xmpp_stanza_get_child_by_name_and_ns(features,
		    "authentication", NS_SASL2);
	s->sasl2 = a2 != NULL;
	mechs = a2 ? a2 : xmpp_stanza_get_child_by_name_and_ns(features,
	    "mechanisms", NS_SASL);
	names_of(mechs, &s->offer, &s->noffer);
	binding_types(s, features);
	inl = a2 ? xmpp_stanza_get_child_by_name(a2, "inline") : NULL;
	bind = inl ? xmpp_stanza_get_child_by_name_and_ns(inl, "bind",
	    NS_BIND2) : NULL;
	fast = inl ? xmpp_stanza_get_child_by_name_and_ns(inl, "fast",
	    NS_FAST) : NULL;
	names_of(fast, &s->fast_offer, &s->nfast);
	s->sasl2_sm = inl && xmpp_stanza_get_child_by_name_and_ns(inl, "sm",
	    NS_SM);
	/* Bind2 lets the server name the resource: not if the user did */
	s->bind2 = bind && !s->acct->resource && !strchr(jid, '/');
	s->bind2_sm = s->bind2 && feature_var(bind, NS_SM);
	s->report.sasl2 = s->sasl2;
	buf_add(&user, jid, strcspn(jid, "@"));
	if (s->acct->client_cert && listed(s->offer, s->noffer, "EXTERNAL") &&
	    sasl_allowed(s->acct->sasl_mechanisms, "EXTERNAL")) {
		s->fast = 0;
		send_auth(s, "EXTERNAL", NULL);
	} else if (fast_usable(s))
		start_fast(s, buf_str(&user));
	else if (s->fast_invalidate && !sasl_allowed(s->acct->sasl_mechanisms,
	    s->token->mechanism))
		auth_fail(s, EX_NOPERM, "the token's %s is not in "
		    "sasl_mechanisms: it cannot be used to invalidate it at "
		    "%s", s->token->mechanism, s->host);
	else if (s->fast_invalidate)
		auth_fail(s, EX_UNAVAILABLE, "%s does not offer FAST for this "
		    "token now: it cannot be invalidated there%s", s->host, "");
	else
		start_password(s, buf_str(&user));
	buf_free(&user);
}

/* The decoded text of a SASL element; -1 if it is not base64. */
static int
sasl_payload(xmpp_stanza_t *st, struct buf *out)
{
	char *all = st ? xmpp_stanza_get_text(st) : NULL;
	int rc = 0;

	if (all && *all && strcmp(all, "=") != 0)
		rc = sasl_base64_decode(out, all, strlen(all));
	if (all)
		xmpp_free(xmpp_stanza_get_context(st), all);
	return rc;
}

static void
sasl_failed(struct session *s, const char *why)
{
	session_explain(s, EX_NOPERM, "authentication as %s refused: %s",
	    s->acct->jid, why);
	xmpp_disconnect(s->conn);
}

/* The server changed what it offered on the way, or someone did. */
static int
ssdp_check(struct session *s, const char *server_first, size_t len)
{
	int r = scram_ssdp(&s->scram, server_first, len,
	    (const char *const *)s->offer, s->noffer,
	    (const char *const *)s->cbs, s->ncbs);

	s->report.ssdp = r;
	if (r == 1)
		session_note(s, "SSDP: the offer reached us as the server made "
		    "it");
	if (r >= 0)
		return 0;
	session_explain(s, EX_UNAVAILABLE, "%s: %s", s->host, r == -2 ?
	    "its SSDP hash (XEP-0474) is malformed" : "downgrade detected: "
	    "the mechanisms and channel bindings that reached us are not "
	    "those the server offered (SSDP, XEP-0474): someone in between "
	    "changed them");
	session_cut(s);
	return -1;
}

/* A challenge: SCRAM's server-first, or (RFC 6120) its server-final. */
static void
sasl_challenge(struct session *s, struct buf *in)
{
	struct buf out = { 0 }, b64 = { 0 };
	const char *why = NULL;

	if (s->sasl_scram == 1) {
		if (ssdp_check(s, in->p ? in->p : "", in->len) == -1)
			return;
		if (scram_final(&s->scram, s->acct->password, in->p ? in->p :
		    "", in->len, &out, &why) == -1) {
			sasl_failed(s, why);
			goto out;
		}
		sasl_base64_encode(&b64, out.p, out.len);
		send_response(s, &b64);
		s->sasl_scram = 2;
	} else if (s->sasl_scram == 2 && !s->sasl2) {
		/* a server that sends its signature as a last challenge */
		if (scram_verify(&s->scram, in->p ? in->p : "", in->len, &why))
			sasl_failed(s, why);
		else {
			s->sasl_scram = 3;
			send_response(s, NULL);
		}
	} else
		sasl_failed(s, "a challenge we did not expect");
out:
	if (out.p)
		explicit_bzero(out.p, out.len);
	buf_free(&out);
	buf_free(&b64);
}

/*
 * Success: was it the server we share the secret with? SCRAM's
 * signature, or FAST's answer, must prove it; then we are in.
 */
static int
sasl_proven(struct session *s, struct buf *in)
{
	const char *why = NULL;
	const void *cb;
	size_t cblen;

	if (s->fast) {
		ht_binding(s, s->token->mechanism, &cb, &cblen);
		why = ht_verify(s->token->token, cb, cblen, in->p, in->len) ?
		    "its answer to the FAST token is wrong: it does not know "
		    "the token" : NULL;
	} else if (s->sasl_scram == 1)
		why = "SASL success before the SCRAM exchange was done";
	else if (s->sasl_scram == 2)
		scram_verify(&s->scram, in->p ? in->p : "", in->len, &why);
	if (why == NULL)
		return 1;
	/* it never knew the secret: not our server */
	session_explain(s, EX_UNAVAILABLE, "%s: %s", s->host, why);
	session_cut(s);
	return 0;
}

static void
sasl2_text(xmpp_stanza_t *failure, struct buf *cond)
{
	const char *t = stanza_child_text(failure, "text", NS_SASL2);

	if (t && *t) {
		buf_adds(cond, " (");
		text_escape(cond, t, strlen(t));
		buf_adds(cond, ")");
	}
	buf_str(cond);
}

/*
 * libstrophe takes a handler once, and calls one for a namespace also
 * when only a child is in it: SASL2's <failure/> holds a condition in
 * RFC 6120's SASL namespace, and must be taken once.
 */
static int
on_sasl(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	(void)conn;
	return in_ns(st, NS_SASL) ? sasl_element(arg, st, 0) : 1;
}

static int
on_sasl2(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	(void)conn;
	return in_ns(st, NS_SASL2) ? sasl_element(arg, st, 1) : 1;
}

static void
fast_refused(struct session *s, const char *cond)
{
	char why[256] = "";

	session_note(s, "the server refused the FAST token (%s): logging in "
	    "again with the password", cond);
	s->report.fast = FAST_REFUSED;
	if (token_drop(s->token, why, sizeof(why)) == -1) {
		/* not again, whatever the file: the password next */
		warnx("%s", why);
		explicit_bzero(s->token->token, strlen(s->token->token));
		free(s->token->token);
		s->token->token = NULL;
	}
	s->fast = 0;
	s->fast_retry = !s->fast_invalidate;
	s->fast_replaced = 1;
	session_explain(s, EX_NOPERM, "%s refused the FAST token: %s",
	    s->host, cond);
	xmpp_disconnect(s->conn);
}

/* A SASL element (two: SASL2's), whichever handler it came to. */
static int
sasl_element(struct session *s, xmpp_stanza_t *st, int two)
{
	const char *name = xmpp_stanza_get_name(st);
	struct buf in = { 0 }, cond = { 0 };
	xmpp_stanza_t *data = st;

	if (s->authed) {
		/* done: what a server says of SASL now changes nothing */
		session_note(s, "a SASL %s after the login: ignored", name);
		return 1;
	}
	if (two && strcmp(name, "success") == 0)
		data = xmpp_stanza_get_child_by_name(st, "additional-data");
	if (strcmp(name, "failure") == 0) {
		stanza_condition(st, NS_SASL, &cond);
		if (two)	/* SASL2's text is in its own namespace */
			sasl2_text(st, &cond);
		if (s->fast)
			fast_refused(s, cond.p);
		else if (s->sasl_scram == 1 && s->scram.gs2.len &&
		    s->scram.gs2.p[0] == 'y') {
			/* RFC 5802 6: how a server that binds answers "y" */
			buf_adds(&cond, ": no -PLUS mechanism reached us though "
			    "we could bind to the TLS channel, which a server "
			    "that binds refuses: -PLUS may have been stripped "
			    "on the way (a downgrade)");
			sasl_failed(s, buf_str(&cond));
		} else
			sasl_failed(s, cond.p);
	} else if (two && strcmp(name, "continue") == 0)
		sasl_failed(s, "the server asks for a further step (SASL2 "
		    "tasks), which we do not do");
	else if (sasl_payload(data, &in) == -1) {
		session_explain(s, EX_UNAVAILABLE, "%s: its SASL %s is not "
		    "base64", s->host, name);
		session_cut(s);
	}
	else if (strcmp(name, "challenge") == 0)
		sasl_challenge(s, &in);
	else if (strcmp(name, "success") == 0 && sasl_proven(s, &in)) {
		s->authed = 1;
		timing_mark(s, PHASE_SASL);
		if (two)
			sasl2_success(s, st);
		else
			start_stream(s);
	}
	buf_free(&in);
	buf_free(&cond);
	return 1;
}

/* ---- bind, or resume */

static int
is_result(xmpp_stanza_t *st)
{
	const char *type = st ? xmpp_stanza_get_type(st) : NULL;

	return type && strcmp(type, "result") == 0;
}

static void
on_session_iq(struct session *s, xmpp_stanza_t *st, void *arg)
{
	(void)arg;
	if (st == NULL)
		return;		/* the connection is gone */
	if (!is_result(st)) {
		session_explain(s, EX_UNAVAILABLE, "%s refused to start a "
		    "session", s->host);
		xmpp_disconnect(s->conn);
		return;
	}
	session_online(s);
}

/* Bound: switch on stream management, and we are online. */
static void
bound(struct session *s, int session_needed)
{
	delivery_new_stream(s, 0, 0);
	if (s->sm_offered)
		s->report.sm = SM_ASKED;
	if (s->sm_offered)
		delivery_nonza(s, s->resumable ? "<enable xmlns='" NS_SM
		    "' resume='true'/>" : "<enable xmlns='" NS_SM "'/>");
	if (session_needed) {
		/* RFC 3921's session, for servers that still want it */
		iq_login(s, "<session xmlns='" NS_SESSION "'/>",
		    on_session_iq, NULL);
		return;
	}
	session_online(s);
}

static void
on_bind(struct session *s, xmpp_stanza_t *st, void *arg)
{
	xmpp_stanza_t *bind;
	const char *jid;
	struct buf why = { 0 };

	(void)arg;
	if (st == NULL)
		return;		/* the connection is gone */
	bind = xmpp_stanza_get_child_by_name_and_ns(st, "bind", NS_BIND);
	jid = bind ? stanza_child_text(bind, "jid", NULL) : NULL;
	if (!is_result(st) || jid == NULL) {
		stanza_error_desc(st, &why);
		session_explain(s, EX_UNAVAILABLE, "%s refused to bind a resource: %s",
		    s->host, why.p);
		buf_free(&why);
		xmpp_disconnect(s->conn);
		return;
	}
	if (!bound_as_us(s, jid, 1))
		return;
	free(s->bound);
	s->bound = xstrdup(jid);
	bound(s, s->session_needed);
}

static void
bind_resource(struct session *s)
{
	const char *slash = strchr(s->acct->jid, '/');
	const char *res = s->acct->resource ? s->acct->resource :
	    slash ? slash + 1 : NULL;
	struct buf b = { 0 };

	buf_adds(&b, "<bind xmlns='" NS_BIND "'>");
	if (res) {
		buf_adds(&b, "<resource>");
		xml_escape(&b, res, strlen(res));
		buf_adds(&b, "</resource>");
	}
	buf_adds(&b, "</bind>");
	iq_login(s, buf_str(&b), on_bind, NULL);
	buf_free(&b);
}

/* The server resumed the stream: h of ours it had. */
static void
resumed(struct session *s, const char *h)
{
	session_note(s, "stream resumed: the server had %s of our stanzas", h);
	s->resumed = 1;
	timing_mark(s, PHASE_SM);
	delivery_new_stream(s, 1, (uint32_t)strtoul(h, NULL, 10));
	session_online(s);
}

static void
not_resumed(struct session *s)
{
	session_note(s, "the server could not resume the stream: a fresh one");
	free(s->resume_id);
	s->resume_id = NULL;
}

static int
on_resume(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st);
	const char *h = xmpp_stanza_get_attribute(st, "h");

	(void)conn;
	if (!s->resuming || s->sasl2 || !in_ns(st, NS_SM))
		return 1;
	s->resuming = 0;
	if (strcmp(name, "resumed") == 0 && h)
		resumed(s, h);
	else {
		not_resumed(s);
		bind_resource(s);
	}
	return 1;
}

/* FAST's new token, kept for the next login. */
static void
fast_keep(struct session *s, xmpp_stanza_t *tok)
{
	const char *t = xmpp_stanza_get_attribute(tok, "token");
	const char *mech = s->fast_req ? s->fast_req : s->fast ?
	    s->token->mechanism : NULL;
	char why[512];

	if (s->token == NULL || t == NULL || mech == NULL)
		return;
	if (token_save(s->token, mech, t, xmpp_stanza_get_attribute(tok,
	    "expiry"), why, sizeof(why)) == -1) {
		warnx("%s", why);
		return;
	}
	s->report.fast = s->fast ? FAST_ROTATED : s->fast_replaced ?
	    FAST_REPLACED : FAST_ISSUED;
	session_note(s, "FAST: a %s token kept for the next login%s", mech,
	    s->fast ? " (it replaces the one used)" : "");
}

static xmpp_stanza_t *
child(xmpp_stanza_t *st, const char *name, const char *ns)
{
	return xmpp_stanza_get_child_by_name_and_ns(st, name, ns);
}

/*
 * Whether the JID the server says we are is the account's (bound: with
 * a resource); if not, the login stops: checks of who a stanza is from
 * compare with it.
 */
static int
bound_as_us(struct session *s, const char *jid, int bound)
{
	struct buf shown = { 0 };
	const char *why = NULL;

	if (jid == NULL && !bound)
		return 1;	/* it need not say, without Bind2 */
	if (jid == NULL || jid_check(jid) != NULL ||
	    !jid_bare_equal(jid, s->acct->jid))
		why = "not the account";
	else if (bound && (strchr(jid, '/') == NULL ||
	    strchr(jid, '/')[1] == '\0'))
		why = "no resource";
	if (why == NULL)
		return 1;
	session_explain(s, EX_UNAVAILABLE, "%s says we are %s: %s", s->host,
	    text_shown(&shown, jid), why);
	buf_free(&shown);
	session_cut(s);
	return 0;
}

/*
 * SASL2's success carries what the one round trip also did: the token
 * FAST gave us, the stream resumed, or a resource bound with stream
 * management on. What it did not do, the features that follow lead to,
 * on this same stream.
 */
static void
sasl2_success(struct session *s, xmpp_stanza_t *st)
{
	xmpp_stanza_t *tok = child(st, "token", NS_FAST), *res, *b, *en;
	const char *jid = stanza_child_text(st, "authorization-identifier",
	    NULL), *h;
	struct buf why = { 0 };

	s->resumed = 0;
	if (s->fast)
		s->report.fast = FAST_USED;
	if (tok)
		fast_keep(s, tok);
	if (s->resuming) {
		s->resuming = 0;
		res = child(st, "resumed", NS_SM);
		if (res && (h = xmpp_stanza_get_attribute(res, "h")) != NULL) {
			s->inline_done = 1;
			resumed(s, h);
			return;
		}
		not_resumed(s);
	}
	/* Bind2's answer counts only where we asked for Bind2 */
	if (s->bind2 && (b = child(st, "failed", NS_BIND2)) != NULL) {
		stanza_error_desc(b, &why);
		session_explain(s, EX_UNAVAILABLE, "%s refused to bind a "
		    "resource: %s", s->host, why.p);
		buf_free(&why);
		xmpp_disconnect(s->conn);
		return;
	}
	b = s->bind2 ? child(st, "bound", NS_BIND2) : NULL;
	if (!bound_as_us(s, jid, b != NULL))
		return;
	if (b == NULL)
		return;		/* no Bind2: RFC 6120's bind, next */
	free(s->bound);
	s->bound = xstrdup(jid);
	s->inline_done = 1;
	timing_mark(s, PHASE_BIND);
	delivery_new_stream(s, 0, 0);
	if ((en = child(b, "enabled", NS_SM)) != NULL) {
		s->report.sm = SM_ASKED;
		delivery_enabled(s, en);
	} else if (s->bind2_sm) {
		s->report.sm = SM_REFUSED;
		timing_mark(s, PHASE_SM);
		session_note(s, "stream management refused; confirming with "
		    "pings");
	}
	session_online(s);
}

/* ---- the features of each stream say what comes next */

static int
on_features(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	xmpp_stanza_t *sess;
	struct buf b = { 0 };

	(void)conn;
	if (!s->tls_done) {
		timing_mark(s, PHASE_STREAM);
		timing_features(s, st, STAGE_PLAIN);
	} else if (!s->authed) {
		timing_mark(s, PHASE_STREAM_TLS);
		timing_features(s, st, STAGE_TLS);
	} else {
		/* SASL2's features come on the same stream: no new one */
		if (!s->sasl2)
			timing_mark(s, PHASE_STREAM_AUTH);
		timing_features(s, st, STAGE_AUTH);
	}
	if (!s->tls_done) {
		if (xmpp_stanza_get_child_by_name_and_ns(st, "starttls",
		    NS_TLS)) {
			xmpp_send_raw_string(s->conn,
			    "<starttls xmlns='" NS_TLS "'/>");
			return 1;
		}
		if (!s->opts->insecure_plaintext) {
			session_explain(s, EX_UNAVAILABLE, "%s offers no STARTTLS: "
			    "refusing to log in without TLS", s->host);
			session_cut(s);
			return 1;
		}
		s->tls_done = 1;	/* as --insecure-plaintext allows */
	}
	if (!s->authed && s->pipelined)
		return 1;	/* the token is on its way already */
	if (!s->authed) {
		start_sasl(s, st);
		return 1;
	}
	s->sm_offered = xmpp_stanza_get_child_by_name_and_ns(st, "sm",
	    NS_SM) != NULL;
	/* kept for session_has_feature: what this stream offers */
	if (s->features)
		xmpp_stanza_release(s->features);
	s->features = xmpp_stanza_clone(st);
	if (s->inline_done)
		return 1;	/* SASL2 bound or resumed us already */
	sess = xmpp_stanza_get_child_by_name_and_ns(st, "session",
	    NS_SESSION);
	s->session_needed = sess && !xmpp_stanza_get_child_by_name(sess,
	    "optional");
	s->resumed = 0;
	if (s->resume_id && s->sm_offered) {
		buf_adds(&b, "<resume xmlns='" NS_SM "' previd='");
		xml_escape(&b, s->resume_id, strlen(s->resume_id));
		buf_printf(&b, "' h='%" PRIu32 "'/>", (uint32_t)s->handled);
		s->resuming = 1;
		xmpp_send_raw(s->conn, buf_str(&b), b.len);
		buf_free(&b);
		return 1;
	}
	bind_resource(s);
	return 1;
}
