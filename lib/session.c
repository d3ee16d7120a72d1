/*
 * session.c: one logged-in XMPP stream over libstrophe, from opening to
 * freeing: the login (login.c does the protocol), a reconnect, the
 * graceful close. See session.h for the other files of the module.
 *
 * A process may hold several sessions. libstrophe's certificate and
 * socket callbacks carry no pointer of ours: the sessions are kept on a
 * list, to be found by the library context each has of its own
 * (session_of_ctx).
 */
#include <sys/socket.h>

#include <netdb.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "xmpputils.h"
#include "session.h"
#include "token.h"
#include "stanza.h"
#include "xmlguard.h"

static struct session *sessions;

/* Each session has a context of its own. */
struct session *
session_of_ctx(const xmpp_ctx_t *ctx)
{
	struct session *s;

	for (s = sessions; s; s = s->next)
		if (s->ctx == ctx)
			return s;
	return NULL;
}

void
session_fail(struct session *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = rc;
	if (s->report.sm == SM_ASKED)
		timing_failed(s);	/* the login's last phase, failed */
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
	/* a login made again at once says only how that one ends */
	if (s->fast_retry || s->retrying || (s->pipelined && !s->authed &&
	    rc != EX_TEMPFAIL))
		session_note(s, "%s", s->failure);
	else
		warnx("%s", s->failure);
}

const char *
session_failure(struct session *s)
{
	return s->failure;
}

/* Remembers the first explanation of trouble for when the stream dies. */
void
session_explain(struct session *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (s->why_rc)
		return;
	s->why_rc = rc;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

void
session_note(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->verbose < 1)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/* Ends the connection before anything more is said on it. */
void
session_cut(struct session *s)
{
	if (s->sock >= 0)
		shutdown(s->sock, SHUT_RDWR);
}

/*
 * The alarm, for phases where the library may block (signals.c): our
 * own deadline comes first where we have one, grace seconds before.
 */
void
session_watchdog(struct session *s, const char *what, int grace)
{
	if (what == NULL) {
		watchdog_disarm();
		s->watching[0] = '\0';
		return;
	}
	snprintf(s->watching, sizeof(s->watching), "%s: timed out after %d s",
	    what, s->timeout_ms / 1000 + grace);
	watchdog_arm(&s->sock, s->timeout_ms / 1000 + grace);
}

/* ---- the library's callbacks */

/*
 * <stream:error/>: the last word of a server. Its condition and text go
 * to the user; the close that follows changes nothing.
 */
int
session_on_stream_error(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	struct buf b = { 0 };
	const char *cond;
	int temporary;

	(void)conn;
	cond = stanza_condition(st, NS_STREAM_ERRORS, &b);
	/* going down, idle too long, overloaded: worth trying again later */
	temporary = strcmp(cond, "system-shutdown") == 0 ||
	    strcmp(cond, "connection-timeout") == 0 ||
	    strcmp(cond, "reset") == 0 ||
	    strcmp(cond, "resource-constraint") == 0 ||
	    strcmp(cond, "internal-server-error") == 0 ||
	    strcmp(cond, "remote-connection-failed") == 0;
	if (!s->failed && !temporary)
		s->refused = 1;
	session_fail(s, temporary ? EX_TEMPFAIL : EX_UNAVAILABLE,
	    "%s: stream error: %s", s->host, b.p);
	buf_free(&b);
	return 1;
}

/* Logged in: a fresh stream's requests of the old one go again. */
void
session_online(struct session *s)
{
	s->state = ONLINE;
	if (!s->resumed) {
		timing_mark(s, PHASE_BIND);
		iq_new_stream(s);
	}
}

void
session_conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
    xmpp_stream_error_t *se, void *arg)
{
	struct session *s = arg;
	enum state was = s->state;

	(void)conn;
	(void)se;	/* a raw connection's come to session_on_stream_error */
	if (ev == XMPP_CONN_RAW_CONNECT) {
		login_connected(s);
		return;
	}
	if (ev == XMPP_CONN_CONNECT)
		return;		/* a stream opened; its features say more */
	s->state = CLOSED;
	s->sock = -1;
	if (s->watching[0] && watchdog_fired())
		session_fail(s, EX_TEMPFAIL, "%s", s->watching);
	if (was == CLOSING || s->cert_shown)
		return;
	if (s->why_rc)
		session_fail(s, s->why_rc, "%s", s->why);
	else if (error)
		/* the library hands over OpenSSL's codes (1-8) as errors too */
		session_fail(s, was == CONNECTING ? EX_UNAVAILABLE :
		    EX_TEMPFAIL, "%s: the connection %s (%s)", s->host,
		    was == CONNECTING ? "failed" : "was lost", error <= 10 ?
		    "TLS" : strerror(error));
	else if (was == CONNECTING)
		session_fail(s, EX_UNAVAILABLE, "%s: the connection closed "
		    "while logging in", s->host);
	else
		session_fail(s, EX_TEMPFAIL, "%s: the server closed the "
		    "connection", s->host);
}

/* ---- opening */

static int
online(struct session *s, void *arg)
{
	(void)arg;
	return s->state == ONLINE || s->cert_shown;
}

/*
 * A signal during a login ends it: the user wants out, and what the
 * tool would send once logged in (the message of an xsend) must not go.
 */
static int
online_or_interrupted(struct session *s, void *arg)
{
	return online(s, arg) || signals_interrupted();
}

/* Nothing is sent on a login the user ended. */
static int
login_interrupted(struct session *s)
{
	session_fail(s, EX_TEMPFAIL, "%s: interrupted while logging in",
	    s->host);
	session_cut(s);
	return s->failed;
}

static void
warnings(const struct common_opts *o)
{
	if (o->insecure_plaintext)
		warnx("WARNING: --insecure-plaintext: TLS is optional; the "
		    "password and every message may cross the network in "
		    "clear text");
	if (o->insecure && !o->show_cert)
		warnx("WARNING: --insecure: any certificate is accepted; "
		    "whoever sits in between can read and change everything");
}

static int login_once(struct session *);

/*
 * Makes a new connection and logs in on it, within the timeout; once
 * more, with the password, if the server refused our FAST token (on the
 * stream that refused it, servers do not all take a second try).
 */
static int
login(struct session *s)
{
	int rc;

	s->fast_replaced = 0;
	rc = login_once(s);
	if (rc != EX_OK && !s->fast_retry && s->pipelined && !s->authed &&
	    rc != EX_TEMPFAIL) {
		/* a server that took no unasked <authenticate/>: ask it */
		session_note(s, "logging in again, waiting for the features");
		s->no_pipeline = 1;
		rc = login_once(s);
	}
	if (rc != EX_OK && s->fast_retry) {
		s->fast_retry = 0;
		rc = login_once(s);
	}
	return rc;
}

/*
 * Why a connection could not even be tried: libstrophe leaves errno as
 * it was when a name does not resolve (getaddrinfo sets none), so the
 * name is looked up again to tell "cannot resolve" from a socket's error.
 */
static int
connect_errno(const char *host, int e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;

	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return 0;
	freeaddrinfo(ai);
	return e;
}

static int
login_once(struct session *s)
{
	struct buf shown = { 0 };
	unsigned long guards;
	int rc, e, interrupted;

	if (s->agent)
		return agent_login(s);
	if (s->conn) {
		s->state = CLOSING;	/* so its end is no news */
		xmpp_conn_release(s->conn);
	}
	iq_drop_login(s);
	guards = xmlguard_parsers();
	s->conn = xmpp_conn_new(s->ctx);
	s->state = CONNECTING;
	s->partial = 0;
	s->probe_at = 0;
	s->sock = -1;
	s->failed = s->why_rc = s->refused = 0;
	s->failure[0] = '\0';
	if (xmlguard_parsers() == guards) {
		/* the library parses where xmlguard.c cannot see */
		session_fail(s, EX_SOFTWARE, "libstrophe's parser is not one "
		    "the check of stanza senders can watch: refusing to log "
		    "in");
		return s->failed;
	}
	s->stream_closed = 0;
	s->xml_broken = 0;
	logread_closely(s, 1);
	login_prepare(s);
	xmpp_handler_add(s->conn, delivery_sm, NS_SM, NULL, NULL, s);
	xmpp_handler_add(s->conn, inbound_stanza, NULL, NULL, NULL, s);
	session_watchdog(s, "logging in", 2);
	timing_begin(s);
	blocking_begin();	/* a DNS lookup may take its time */
	errno = 0;
	rc = login_connect(s);
	e = rc != XMPP_EOK ? connect_errno(s->host, errno) : 0;
	interrupted = blocking_end();
	snprintf(s->report.where, sizeof(s->report.where), "%s", s->host);
	if (interrupted) {
		session_watchdog(s, NULL, 0);
		timing_failed(s);
		return login_interrupted(s);
	}
	if (rc != XMPP_EOK) {
		session_watchdog(s, NULL, 0);
		timing_failed(s);
		session_fail(s, EX_UNAVAILABLE, "connect to %s: %s",
		    text_shown(&shown, s->host),
		    e ? strerror(e) : "cannot resolve or reach it");
		buf_free(&shown);
		return s->failed;
	}
	timing_mark(s, PHASE_DNS);
	rc = session_until(s, online_or_interrupted, NULL, "the login");
	if (rc == EX_OK && !online(s, NULL))
		rc = login_interrupted(s);
	if (rc != EX_OK)
		timing_failed(s);
	session_watchdog(s, NULL, 0);
	if (rc != EX_OK || s->cert_shown)
		return rc;
	s->last_rx = now_ms();
	logread_closely(s, 0);
	if (s->verbose) {
		struct buf b = { 0 };

		/* the bound JID is the server's to choose */
		session_note(s, "logged in as %s via %s", text_shown(&b,
		    session_jid(s)), s->host);
		buf_free(&b);
	}
	return EX_OK;
}

/* Once per process: the library, and OpenSSL as we want it. */
static void
library_init(void)
{
	static int done;

	if (done++)
		return;
	/*
	 * OpenSSL's error strings cost 1.2 MB of RSS and a few ms to load,
	 * and we print none of them: the first init wins, so say so before
	 * anything of OpenSSL's runs (the cafile check, the library).
	 */
	OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	xmpp_initialize();
}

/* A session, not yet logged in (ctx: libstrophe's context needs no
 * TLS of its own: an agent's session never starts it). */
static struct session *
session_new(const struct account *acct, const struct common_opts *o)
{
	struct session *s;

	s = xcalloc(1, sizeof(*s));
	s->acct = acct;
	s->opts = o;
	s->verbose = o->verbose;
	s->quiet = o->quiet;
	s->timeout_ms = o->timeout * 1000;
	s->show_cert = o->show_cert;
	s->resumable = o->resumable;
	s->sock = -1;
	snprintf(s->prefix, sizeof(s->prefix), "xu%08x",
	    (unsigned)arc4random());
	/* not derived from the prefix, which every recipient sees */
	snprintf(s->secret, sizeof(s->secret), "%08x%08x",
	    (unsigned)arc4random(), (unsigned)arc4random());
	s->domain = xstrndup(strchr(acct->jid, '@') + 1,
	    strcspn(strchr(acct->jid, '@') + 1, "/"));
	snprintf(s->host, sizeof(s->host), "%s", acct->server ?
	    acct->server : s->domain);
	logread_init(s);
	s->ctx = xmpp_ctx_new(NULL, &s->log);
	s->next = sessions;
	sessions = s;
	return s;
}

/*
 * A login of our own. With rw (the account, to fill in), the password
 * is read first unless a FAST token may do without it: then only if
 * the server refuses the token (a password_command is not run).
 */
static int
open_own(struct session **sp, const struct account *acct,
    struct account *rw, const struct common_opts *o)
{
	int rc;

	*sp = NULL;
	library_init();
	if ((rc = login_files_check(acct)) != EX_OK)
		return rc;
	*sp = session_new(acct, o);
	if (rw && login_has_token(*sp))
		(*sp)->acct_rw = rw;
	else if (rw && (rc = account_password(rw, &o->acct)) != EX_OK) {
		session_free(*sp);
		*sp = NULL;
		return rc;
	}
	warnings(o);
	return login(*sp);
}

int
session_open(struct session **sp, const struct account *acct,
    const struct common_opts *o)
{
	return open_own(sp, acct, NULL, o);
}

struct logout {
	struct account *acct;
	const struct common_opts *o;
	int failed;
};

/*
 * One slot's token: a login with it that tells the server to forget
 * it (XEP-0484's invalidate), then it is deleted here, whatever the
 * server said: a token the server refuses is no use to anyone.
 */
static int
logout_one(struct token_slot *slot, void *arg)
{
	struct logout *l = arg;
	struct session *s = session_new(l->acct, l->o);
	char why[512];
	int rc;

	s->token = slot;
	s->token_tried = s->token_borrowed = s->fast_invalidate = 1;
	rc = login(s);
	if (rc == EX_OK)
		rc = session_close(s);
	if (rc == EX_OK)
		session_note(s, "token of %s invalidated at the server",
		    slot->path);
	else if (s->report.fast == FAST_REFUSED)
		rc = EX_OK;	/* it knew it no more */
	else {
		warnx("%s: %s", slot->path, session_failure(s));
		l->failed = rc;
	}
	if (token_drop(slot, why, sizeof(why)) == -1) {
		warnx("%s", why);
		l->failed = EX_CANTCREAT;
	}
	session_free(s);
	return 0;
}

int
session_logout(struct account *acct, const struct common_opts *o, int *n)
{
	struct logout l = { acct, o, EX_OK };
	char why[512] = "", *bare;
	int rc;

	library_init();
	if ((rc = login_files_check(acct)) != EX_OK)
		return rc;
	bare = xstrndup(acct->jid, strcspn(acct->jid, "/"));
	*n = token_each(bare, o->timeout * 1000, logout_one, &l, why,
	    sizeof(why));
	free(bare);
	if (*n == -1) {
		warnx("%s", why);
		return EX_CONFIG;
	}
	if (why[0]) {		/* slots in use: not logged out */
		warnx("%s", why);
		return l.failed ? l.failed : EX_TEMPFAIL;
	}
	return l.failed;
}

/* The seconds an agent this tool starts may idle: 0 for none to start. */
static int
persist(const struct account *acct, const struct common_opts *o)
{
	const char *errstr;
	int n;

	if (o->agent_persist > 0)
		return o->agent_persist;
	if (acct->agent == NULL || strcmp(acct->agent, "auto") != 0)
		return 0;
	if (acct->agent_persist == NULL)
		return 600;
	n = strtonum(acct->agent_persist, 1, 7 * 86400, &errstr);
	return errstr ? 600 : n;
}

/*
 * Whether an agent should be used, and which: 1 with its socket in
 * *path (and *ready connected to it, or -1 for one just started), 0
 * for none (a login of our own), or an exit code (> 1).
 */
static int
agent_wanted(struct account *acct, const struct common_opts *o,
    struct buf *path, int *ready)
{
	struct buf shown = { 0 };
	int fd, rc, idle;

	*ready = -1;
	if (o->show_cert || o->agent == AGENT_NEVER ||
	    (o->agent == AGENT_IF_UP && acct->agent &&
	    strcmp(acct->agent, "no") == 0 && o->agent_persist == 0))
		return 0;
	if ((rc = agent_path(path, acct->jid)) != EX_OK)
		return rc;
	/*
	 * Another uid's directory (one made in /tmp before us) is no place
	 * to look: whatever listens there is not ours, and may not answer.
	 */
	if (agent_dir(path->p, 0) == EX_NOPERM) {
		if (o->agent == AGENT_REQUIRED)
			return EX_NOPERM;
		warnx("not looking for an agent there: logging in");
		return 0;
	}
	if ((fd = agent_connect(path->p, 1, 0)) >= 0) {
		*ready = fd;	/* the login's: one connection, not two */
		return 1;
	}
	if (fd == -1 && errno == EAGAIN)
		return 1;	/* up, and busy: the login waits for it */
	if (fd == -2)
		return EX_NOPERM;
	if ((idle = persist(acct, o)) > 0) {
		if ((rc = agent_spawn(o, idle)) != EX_OK)
			return rc;
		return 1;
	}
	if (o->agent != AGENT_REQUIRED) {
		if (o->verbose)
			warnx("no agent for %s: logging in", text_shown(&shown,
			    acct->jid));
		buf_free(&shown);
		return 0;
	}
	warnx("no agent runs for %s: start one with xagent",
	    text_shown(&shown, acct->jid));
	buf_free(&shown);
	return EX_UNAVAILABLE;
}

int
session_start(struct session **sp, struct account *acct,
    const struct common_opts *o)
{
	struct buf path = { 0 };
	int rc, fd;

	*sp = NULL;
	rc = agent_wanted(acct, o, &path, &fd);
	if (rc == 0) {
		buf_free(&path);
		return open_own(sp, acct, acct, o);
	}
	if (rc > 1) {
		buf_free(&path);
		return rc;
	}
	*sp = session_new(acct, o);
	agent_attach(*sp, path.p, fd);
	buf_free(&path);
	return login(*sp);
}

/*
 * A resumed stream that died before the server acked anything on it is
 * not resumed again: the server was not reading it (see delivery.c),
 * and what we sent on it was never handled, so a fresh login that sends
 * it again duplicates nothing.
 */
int
session_reconnect(struct session *s)
{
	if (s->resume_check && s->resume_id) {
		session_note(s, "the resumed stream never answered: logging in "
		    "afresh");
		free(s->resume_id);
		s->resume_id = NULL;
	}
	s->resume_check = 0;
	return login(s);
}

int
session_resumed(struct session *s)
{
	return s->resumed;
}

void
session_resend(struct session *s, int discard)
{
	delivery_resend(s, discard);
}

int
session_show_cert(const struct common_opts *o)
{
	struct account acct;
	struct session *s;
	int rc;

	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	rc = session_open(&s, &acct, o);
	if (s && s->cert_shown)
		rc = EX_OK;
	session_free(s);
	account_free(&acct);
	return rc;
}

xmpp_ctx_t *
session_ctx(struct session *s)
{
	return s->ctx;
}

const char *
session_jid(struct session *s)
{
	return s->bound ? s->bound : s->acct->jid;
}

const char *
session_domain(struct session *s)
{
	return s->domain;
}

int
session_has_feature(struct session *s, const char *name, const char *ns)
{
	return s->features &&
	    xmpp_stanza_get_child_by_name_and_ns(s->features, name, ns) != NULL;
}

void
session_features_xml(struct session *s, struct buf *b)
{
	if (s->features)
		stanza_xml(b, s->features);
}

/* ---- confirming and closing */

/* What a handler sent while we wait (a receipt) is asked about too. */
static int
all_confirmed(struct session *s, void *arg)
{
	(void)arg;
	if (session_unconfirmed(s) == 0)
		return 1;
	session_request_ack(s);
	return 0;
}

int
session_sync(struct session *s)
{
	if (s->failed)
		return s->failed;
	session_request_ack(s);
	return session_until(s, all_confirmed, NULL,
	    "the server to confirm delivery");
}

static int
closed(struct session *s, void *arg)
{
	(void)arg;
	return s->state == CLOSED;
}

/*
 * session_sync then session_close, in one round trip, not two: the
 * request for the count goes with the close, and the server answers
 * both in order, its count (and any bounce of ours) before its own
 * close. Only with stream management: the ping that stands in for it
 * would be answered after our close.
 */
int
session_sync_close(struct session *s)
{
	int rc;

	if (s->failed)
		return s->failed;
	if (s->agent || !s->sm || s->state != ONLINE)
		return session_sync(s);
	session_request_ack(s);
	if ((rc = session_close(s)) != EX_OK)
		return rc;
	if (session_unconfirmed(s) > 0)
		session_fail(s, EX_TEMPFAIL, "%s: the server closed the "
		    "stream before confirming delivery", s->host);
	return s->failed;
}

int
session_close(struct session *s)
{
	int rc;

	if (s->state != ONLINE)
		return s->failed;
	if (s->agent) {
		/* the agent's stream stays: all of ours was confirmed */
		agent_close(s);
		return s->failed;
	}
	logread_closely(s, 1);
	/*
	 * Tell the server how much we took before we go: what it thinks we
	 * never got, it stores for our next login, and we would print it twice.
	 */
	if (s->sm)
		delivery_ack(s);
	delivery_flush(s);
	s->state = CLOSING;
	session_watchdog(s, "closing the stream", 2);
	xmpp_disconnect(s->conn);
	rc = session_until(s, closed, NULL, "the server to close the stream");
	session_watchdog(s, NULL, 0);
	if (rc == EX_OK && !s->stream_closed)
		session_fail(s, EX_TEMPFAIL, "%s: the server did not close its "
		    "stream in time", s->host);
	if (s->failed)
		return s->failed;
	session_note(s, "stream closed");
	return EX_OK;
}

void
session_free(struct session *s)
{
	struct session **p;

	if (s == NULL)
		return;
	iq_free(s);	/* its callbacks may still want the session */
	for (p = &sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	if (s->features)
		xmpp_stanza_release(s->features);
	login_free(s);		/* before the context its stanzas are in */
	if (s->conn) {
		s->state = CLOSING;
		xmpp_conn_release(s->conn);
	}
	if (s->ctx)
		xmpp_ctx_free(s->ctx);
	agent_free(s);
	delivery_free(s);
	inbound_free(s);
	recover_free(s);
	free(s->resume_id);
	free(s->bound);
	timing_free(s);
	free(s->domain);
	free(s);
}
