/*
 * login.c: from a TCP connection to a stream we may send on, done here
 * rather than by libstrophe (which we use as a raw connection: sockets,
 * TLS, the XML parser). Three streams, as RFC 6120 has it: one to start
 * TLS, one to authenticate, one to bind a resource, or to resume a
 * session (XEP-0198) instead, which libstrophe 0.12 would not let us do
 * with stream management of our own.
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

static void start_stream(struct session *);

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

/* Sets up s->conn, just made, for a login. */
void
login_prepare(struct session *s)
{
	const struct account *acct = s->acct;
	char *jid;

	s->tls_done = s->authed = s->sm_offered = 0;
	s->problem[0] = '\0';
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

/* ---- SASL */

static int
offers(xmpp_stanza_t *mechs, const char *name)
{
	xmpp_stanza_t *m;
	char *t;
	int found = 0;

	for (m = mechs ? xmpp_stanza_get_children(mechs) : NULL; m && !found;
	    m = xmpp_stanza_get_next(m)) {
		if (!xmpp_stanza_is_tag(m) ||
		    strcmp(xmpp_stanza_get_name(m), "mechanism") != 0 ||
		    (t = xmpp_stanza_get_text(m)) == NULL)
			continue;
		found = strcmp(t, name) == 0;
		xmpp_free(xmpp_stanza_get_context(m), t);
	}
	return found;
}

static void
send_auth(struct session *s, const char *mech, struct buf *payload)
{
	struct buf b = { 0 };

	snprintf(s->report.mechanism, sizeof(s->report.mechanism), "%s", mech);
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

static void
start_sasl(struct session *s, xmpp_stanza_t *features)
{
	static const char *scrams[] = { "SCRAM-SHA-512", "SCRAM-SHA-256",
	    "SCRAM-SHA-1" };
	xmpp_stanza_t *mechs = xmpp_stanza_get_child_by_name_and_ns(features,
	    "mechanisms", NS_SASL);
	const char *jid = s->acct->jid, *pw = s->acct->password;
	struct buf user = { 0 }, first = { 0 }, b64 = { 0 };
	unsigned char nonce[18];
	size_t i;

	buf_add(&user, jid, strcspn(jid, "@"));
	if (s->acct->client_cert && offers(mechs, "EXTERNAL")) {
		send_auth(s, "EXTERNAL", NULL);
		goto out;
	}
	if (pw == NULL) {
		session_explain(s, EX_NOPERM, "%s offers no SASL EXTERNAL for the "
		    "client certificate, and there is no password", s->host);
		xmpp_disconnect(s->conn);
		goto out;
	}
	for (i = 0; i < sizeof(scrams) / sizeof(scrams[0]); i++)
		if (offers(mechs, scrams[i]))
			break;
	if (i < sizeof(scrams) / sizeof(scrams[0])) {
		scram_free(&s->scram);	/* a login before this one's */
		scram_init(&s->scram, scrams[i]);
		arc4random_buf(nonce, sizeof(nonce));
		sasl_base64_encode(&b64, nonce, sizeof(nonce));
		scram_first(&s->scram, buf_str(&user), b64.p, &first);
		b64.len = 0;
		sasl_base64_encode(&b64, first.p, first.len);
		s->sasl_scram = 1;
		send_auth(s, scrams[i], &b64);
	} else if (offers(mechs, "PLAIN")) {
		/* only inside TLS, or where the user said plaintext is fine */
		sasl_plain(&b64, buf_str(&user), pw);
		send_auth(s, "PLAIN", &b64);
		explicit_bzero(b64.p, b64.len);
	} else {
		session_explain(s, EX_NOPERM, "%s offers no SASL mechanism we know "
		    "(SCRAM-SHA-1/256/512, PLAIN, EXTERNAL)", s->host);
		xmpp_disconnect(s->conn);
	}
out:
	buf_free(&user);
	buf_free(&first);
	buf_free(&b64);
}

/* The decoded text of a SASL element; -1 if it is not base64. */
static int
sasl_payload(xmpp_stanza_t *st, struct buf *out)
{
	char *all = xmpp_stanza_get_text(st);
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

static int
on_sasl(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st), *why = NULL;
	struct buf in = { 0 }, out = { 0 }, b64 = { 0 }, cond = { 0 };

	(void)conn;
	if (!in_ns(st, NS_SASL))
		return 1;
	if (strcmp(name, "failure") == 0) {
		stanza_condition(st, NS_SASL, &cond);
		sasl_failed(s, cond.p);
	} else if (sasl_payload(st, &in) == -1)
		sasl_failed(s, "the server's SASL message is not base64");
	else if (strcmp(name, "challenge") == 0 && s->sasl_scram == 1) {
		if (scram_final(&s->scram, s->acct->password, in.p ? in.p : "",
		    in.len, &out, &why) == -1)
			sasl_failed(s, why);
		else {
			sasl_base64_encode(&b64, out.p, out.len);
			buf_printf(&cond, "<response xmlns='" NS_SASL "'>%s"
			    "</response>", buf_str(&b64));
			xmpp_send_raw(s->conn, cond.p, cond.len);
			s->sasl_scram = 2;
		}
	} else if (strcmp(name, "challenge") == 0 && s->sasl_scram == 2) {
		/* a server that sends its signature as a last challenge */
		if (scram_verify(&s->scram, in.p ? in.p : "", in.len, &why))
			sasl_failed(s, why);
		else {
			s->sasl_scram = 3;
			xmpp_send_raw_string(s->conn, "<response xmlns='"
			    NS_SASL "'/>");
		}
	} else if (strcmp(name, "success") == 0) {
		if (s->sasl_scram == 2 && scram_verify(&s->scram, in.p ?
		    in.p : "", in.len, &why) == -1) {
			/* it never knew the password: not our server */
			session_explain(s, EX_UNAVAILABLE, "%s: %s", s->host, why);
			session_cut(s);
		} else if (s->sasl_scram == 1) {
			session_explain(s, EX_UNAVAILABLE, "%s: SASL success before "
			    "the SCRAM exchange was done", s->host);
			session_cut(s);
		} else {
			s->authed = 1;
			timing_mark(s, PHASE_SASL);
			start_stream(s);
		}
	}
	if (out.p)
		explicit_bzero(out.p, out.len);
	buf_free(&in);
	buf_free(&out);
	buf_free(&b64);
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

static int
on_resume(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st);
	const char *h = xmpp_stanza_get_attribute(st, "h");

	(void)conn;
	if (!s->resuming || !in_ns(st, NS_SM))
		return 1;
	s->resuming = 0;
	if (strcmp(name, "resumed") == 0 && h) {
		session_note(s, "stream resumed: the server had %s of our stanzas", h);
		s->resumed = 1;
		timing_mark(s, PHASE_SM);
		delivery_new_stream(s, 1, (uint32_t)strtoul(h, NULL, 10));
		session_online(s);
	} else {
		session_note(s, "the server could not resume the stream: a fresh one");
		free(s->resume_id);
		s->resume_id = NULL;
		bind_resource(s);
	}
	return 1;
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
