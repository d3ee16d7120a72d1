/*
 * session.c: one logged-in XMPP stream over libstrophe, with the delivery
 * barrier and the graceful close built in; see session.h for how the
 * work is split with login.c and delivery.c.
 *
 * The event loop is ours (poll on the library's socket and on the tool's
 * input), so a tool can send each stdin line the moment it arrives;
 * libstrophe does the rest with xmpp_run_once(ctx, 0).
 *
 * libstrophe 0.12 reports some failures only in its log (a refused
 * connection, a failed TLS handshake, the server's closing tag), so the
 * log handler below also listens for those: learn().
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "xmpputils.h"
#include "session.h"
#include "stanza.h"
#include "xmlguard.h"

#define LOOP_TICK_MS 1000	/* the library's timers want a turn */

static volatile sig_atomic_t interrupted;
static char watchdog_msg[256];

void
fail(struct session *s, int rc, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = rc;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/* Remembers the first explanation of trouble for when the stream dies. */
void
explain(struct session *s, int rc, const char *fmt, ...)
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
note(struct session *s, const char *fmt, ...)
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
cut(struct session *s)
{
	if (s->sock >= 0)
		shutdown(s->sock, SHUT_RDWR);
}

/* ---- the watchdog: the library blocks in DNS and the TLS handshake */

static void
watchdog_fire(int sig)
{
	(void)sig;
	write(STDERR_FILENO, watchdog_msg, strlen(watchdog_msg));
	_exit(EX_TEMPFAIL);
}

/*
 * Arms (what: the phase, for the message) or disarms the alarm. grace:
 * seconds past the timeout, for phases our own deadline already bounds.
 */
void
session_watchdog(struct session *s, const char *what, int grace)
{
	struct itimerval it = { 0 };

	if (what) {
		snprintf(watchdog_msg, sizeof(watchdog_msg),
		    "%s: %s: timed out after %d s\n", getprogname(), what,
		    s->timeout_ms / 1000 + grace);
		signal(SIGALRM, watchdog_fire);
		it.it_value.tv_sec = s->timeout_ms / 1000 + grace;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- signals */

/* The mask to wait with: ours, with SIGINT and SIGTERM let through. */
static void
waiting_mask(sigset_t *set)
{
	sigprocmask(SIG_SETMASK, NULL, set);
	sigdelset(set, SIGINT);
	sigdelset(set, SIGTERM);
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
session_interrupted(void)
{
	return interrupted;
}

/*
 * SIGINT and SIGTERM are blocked except while we wait in ppoll, so none
 * is lost between checking the flag and sleeping. They only ask for a
 * graceful end, which every wait bounds with the timeout; a second one
 * is no different (timeout(1), for one, signals twice).
 */
static void
signals_setup(void)
{
	struct sigaction sa = { 0 };
	sigset_t set;

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* ---- what the library's log tells us */

/* Replaces the payload of SASL elements in a logged line. */
static void
redact(struct session *s, const char *msg, struct buf *out)
{
	const char *gt, *lt, *pw = s->acct->password;
	char *p;

	if ((strncmp(msg, "SENT: <auth", 11) == 0 ||
	    strncmp(msg, "SENT: <response", 15) == 0 ||
	    strncmp(msg, "RECV: <challenge", 16) == 0 ||
	    strncmp(msg, "RECV: <success", 14) == 0) &&
	    strstr(msg, NS_SASL) && (gt = strchr(msg, '>')) != NULL &&
	    gt[-1] != '/' && (lt = strrchr(msg, '<')) != NULL && lt > gt) {
		buf_add(out, msg, gt + 1 - msg);
		buf_adds(out, "[redacted]");
		buf_adds(out, lt);
	} else
		buf_adds(out, msg);
	buf_str(out);
	/* belt and braces: the password itself never reaches the terminal */
	if (pw && *pw)
		while ((p = strstr(out->p, pw)) != NULL)
			memset(p, '*', strlen(pw));
}

static void
learn(struct session *s, const char *msg)
{
	char host[256];
	unsigned port;
	int e;

	if (sscanf(msg, "sock_connect() to %255[^:]:%u", host, &port) == 2)
		snprintf(s->host, sizeof(s->host), "%s port %u", host, port);
	else if (sscanf(msg, "connection failed, error %d", &e) == 1)
		explain(s, EX_UNAVAILABLE, "connect to %s: %s", s->host,
		    strerror(e));
	else if (strcmp(msg, "Connection attempt timed out.") == 0)
		explain(s, EX_UNAVAILABLE, "connect to %s: timed out",
		    s->host);
	else if (strcmp(msg, "RECV: </stream:stream>") == 0)
		s->stream_closed = 1;
}

static void
on_log(void *arg, xmpp_log_level_t level, const char *area,
    const char *msg)
{
	struct session *s = arg;
	struct buf b = { 0 };

	/* the library's only word on XML it cannot parse, and it goes on */
	if (strncmp(msg, "parse error", 11) == 0)
		s->xml_broken = 1;
	if (!s->closely && !s->verbose)
		return;
	s->logged++;
	learn(s, msg);
	if (s->verbose >= 2 || (s->verbose == 1 && level >= XMPP_LEVEL_WARN)) {
		redact(s, msg, &b);
		fprintf(stderr, "%s: %s: %s\n", getprogname(), area, b.p);
		buf_free(&b);
	}
}

/*
 * The log costs a formatted copy of every stanza, and reading it costs
 * turns of the loop: read it closely while logging in and out, and in
 * between only for the one line that reports broken XML.
 */
static void
log_closely(struct session *s, int on)
{
	s->closely = on;
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

	(void)conn;
	cond = error_desc(st, NS_STREAM_ERRORS, &b);
	/* going down, or idle too long: worth trying again later */
	fail(s, strcmp(cond, "system-shutdown") == 0 ||
	    strcmp(cond, "connection-timeout") == 0 ||
	    strcmp(cond, "reset") == 0 ? EX_TEMPFAIL : EX_UNAVAILABLE,
	    "%s: stream error: %s", s->host, b.p);
	buf_free(&b);
	return 1;
}

static int on_stanza(xmpp_conn_t *, xmpp_stanza_t *, void *);
static int on_sm(xmpp_conn_t *, xmpp_stanza_t *, void *);

void
session_online(struct session *s)
{
	s->state = ONLINE;
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
	if (was == CLOSING || s->cert_shown)
		return;
	if (s->why_rc)
		fail(s, s->why_rc, "%s", s->why);
	else if (error)
		/* the library hands over OpenSSL's codes (1-8) as errors too */
		fail(s, was == CONNECTING ? EX_UNAVAILABLE : EX_TEMPFAIL,
		    "%s: the connection %s (%s)", s->host, was == CONNECTING ?
		    "failed" : "was lost", error <= 10 ? "TLS" :
		    strerror(error));
	else if (was == CONNECTING)
		fail(s, EX_UNAVAILABLE, "%s: the connection closed while "
		    "logging in", s->host);
	else
		fail(s, EX_TEMPFAIL, "%s: the server closed the connection",
		    s->host);
}

/* Tells the server how many of its stanzas we have taken (XEP-0198). */
static void
send_ack(struct session *s)
{
	char ack[64];

	snprintf(ack, sizeof(ack), "<a xmlns='" NS_SM "' h='%" PRIu32 "'/>",
	    (uint32_t)s->handled);
	send_nonza(s, ack);
}

static int
on_sm(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st), *h, *id, *resume;

	(void)conn;
	if (strcmp(xmpp_stanza_get_ns(st) ? xmpp_stanza_get_ns(st) : "",
	    NS_SM) != 0 || s->resuming)
		return 1;
	if (strcmp(name, "enabled") == 0) {
		s->sm = 1;
		id = xmpp_stanza_get_attribute(st, "id");
		resume = xmpp_stanza_get_attribute(st, "resume");
		if (id && resume && (strcmp(resume, "true") == 0 ||
		    strcmp(resume, "1") == 0)) {
			free(s->resume_id);
			s->resume_id = xstrdup(id);
		}
		note(s, "stream management enabled%s", s->resume_id ?
		    ", resumable" : "");
	} else if (strcmp(name, "failed") == 0 && !s->sm)
		note(s, "stream management refused; confirming with pings");
	else if (strcmp(name, "r") == 0 && s->sm && s->state == ONLINE)
		send_ack(s);
	else if (strcmp(name, "a") == 0 && s->sm &&
	    (h = xmpp_stanza_get_attribute(st, "h")) != NULL) {
		s->resume_check = 0;
		delivery_acked(s, (uint32_t)strtoul(h, NULL, 10));
	}
	return 1;
}

/* Parses our own ids: prefix-N. Returns 1 and sets *n if it is ours. */
static int
our_id(struct session *s, const char *id, char kind, uint64_t *n)
{
	size_t plen = strlen(s->prefix);
	char *end;

	if (id == NULL || strncmp(id, s->prefix, plen) != 0 ||
	    id[plen] != kind)
		return 0;
	*n = strtoull(id + plen + 1, &end, 10);
	return *end == '\0';
}

/* RFC 6120 wants every get and set answered: pings yes, the rest no. */
static void
reply_to_iq(struct session *s, xmpp_stanza_t *iq)
{
	const char *from = xmpp_stanza_get_from(iq);
	const char *id = xmpp_stanza_get_id(iq);
	struct buf b = { 0 };
	int ping;

	ping = xmpp_stanza_get_child_by_name_and_ns(iq, "ping", NS_PING) !=
	    NULL;
	buf_printf(&b, "<iq type='%s' id='", ping ? "result" : "error");
	if (id)
		xml_escape(&b, id, strlen(id));
	buf_addc(&b, '\'');
	if (from) {
		buf_adds(&b, " to='");
		xml_escape(&b, from, strlen(from));
		buf_addc(&b, '\'');
	}
	if (ping)
		buf_adds(&b, "/>");
	else
		buf_adds(&b, "><error type='cancel'><service-unavailable "
		    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
	session_send_buf(s, &b);
	buf_free(&b);
}

/* Whether from is our own account (bare JID) or, with server, its server. */
static int
from_own(struct session *s, const char *from, int server)
{
	if (from == NULL)
		return 1;	/* the server speaking for the account */
	if (!jid_is_bare(from))
		return 0;
	return jid_bare_equal(from, session_jid(s)) ||
	    (server && jid_equal(from, s->domain));
}

/*
 * Stanzas that claim what only our own account or server may say: a
 * carbon (XEP-0280) copies a message our account sent or got, so it must
 * come from our bare JID, and a roster push from it or our server. Taken
 * from anyone else at face value, they let a stranger speak as someone
 * else (CVE-2015-8688, CVE-2017-5589). Returns what is forged, or NULL.
 */
static const char *
forged(struct session *s, xmpp_stanza_t *st)
{
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);

	if (strcmp(name, "message") == 0 &&
	    (xmpp_stanza_get_child_by_name_and_ns(st, "received",
	    NS_CARBONS) || xmpp_stanza_get_child_by_name_and_ns(st, "sent",
	    NS_CARBONS)) && !from_own(s, from, 0))
		return "carbon";
	if (strcmp(name, "iq") == 0 && type && strcmp(type, "set") == 0 &&
	    xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_ROSTER) &&
	    !from_own(s, from, 1))
		return "roster push";
	return NULL;
}

/*
 * What xmlguard.c says of the stanza being delivered: 1 to go on with
 * it. One whose attributes are ambiguous (a forged from, say) is
 * dropped, and taken, so that the server does not keep it for us. One
 * the guard never saw ends the session: then nothing's sender can be
 * trusted.
 */
static int
guarded(struct session *s, xmpp_stanza_t *st)
{
	struct buf b = { 0 }, w = { 0 };
	const char *why, *from;

	switch (xmlguard_verdict(&why, &from)) {
	case XMLGUARD_CLEAN:
		return 1;
	case XMLGUARD_AMBIGUOUS:
		if (s->state != ONLINE)
			return 0;
		/* why names the sender's attribute: its words too */
		note(s, "dropped %s %s from %s: %s (a forged sender?)",
		    strcmp(xmpp_stanza_get_name(st), "iq") ? "a" : "an",
		    xmpp_stanza_get_name(st), from ? text_shown(&b, from) :
		    "the server", text_shown(&w, why));
		buf_free(&b);
		buf_free(&w);
		s->handled += s->sm && !s->refusing;
		return 0;
	default:
		fail(s, EX_SOFTWARE, "the check of who sent a stanza is not in "
		    "libstrophe's path (%s): refusing to trust what arrives",
		    why ? why : "it never saw one");
		cut(s);
		return 0;
	}
}

static int
on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct session *s = arg;
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st), *what;
	struct buf b = { 0 };
	uint64_t n;
	int i;

	(void)conn;
	s->stanzas++;
	if (strcmp(name, "message") != 0 && strcmp(name, "presence") != 0 &&
	    strcmp(name, "iq") != 0)
		return 1;
	if (!guarded(s, st))
		return 1;
	/* before we are online, and past our final ack: not ours to take */
	if (s->state != ONLINE)
		return 1;
	if ((what = forged(s, st)) != NULL) {
		note(s, "ignoring a %s from %s: not from your own account",
		    what, text_shown(&b, xmpp_stanza_get_from(st)));
		buf_free(&b);
		s->handled += s->sm && !s->refusing;
		if (strcmp(name, "iq") == 0)
			reply_to_iq(s, st);
		return 1;
	}
	if (strcmp(name, "iq") == 0 && type &&
	    (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) &&
	    our_id(s, id, 'p', &n)) {
		/* a barrier ping answered: everything before it was handled */
		delivery_pinged(s, n);
		s->handled += s->sm && !s->refusing;
		return 1;
	}
	if (strcmp(name, "message") == 0 && type &&
	    strcmp(type, "error") == 0 && s->bounce_unit &&
	    our_id(s, id, '-', &n)) {
		struct buf who = { 0 };

		stanza_error_desc(st, &b);
		warnx("%s %" PRIu64 " to %s bounced: %s", s->bounce_unit, n,
		    text_shown(&who, xmpp_stanza_get_from(st)), b.p);
		buf_free(&b);
		buf_free(&who);
		s->bounces++;
	}
	/*
	 * Once a handler takes no more, nothing more is acknowledged (acks
	 * are a count), so the server keeps it all for the next login; the
	 * handlers still see it, a room's farewell for one.
	 */
	for (i = 0; i < MAX_HANDLERS; i++)
		if (s->handlers[i].fn &&
		    !s->handlers[i].fn(s, st, s->handlers[i].arg))
			s->refusing = 1;
	if (s->refusing)
		return 1;
	s->handled += s->sm;
	if (strcmp(name, "iq") == 0 && type &&
	    (strcmp(type, "get") == 0 || strcmp(type, "set") == 0))
		reply_to_iq(s, st);
	return 1;
}

/* ---- opening */

static int
online(struct session *s, void *arg)
{
	(void)arg;
	return s->state == ONLINE || s->cert_shown;
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

/* Makes a new connection and logs in on it, within the timeout. */
static int
login(struct session *s)
{
	unsigned long guards;
	int rc, e;

	if (s->conn) {
		s->state = CLOSING;	/* so its end is no news */
		xmpp_conn_release(s->conn);
	}
	guards = xmlguard_parsers();
	s->conn = xmpp_conn_new(s->ctx);
	s->state = CONNECTING;
	s->partial = 0;
	s->probe_at = 0;
	s->sock = -1;
	s->failed = s->why_rc = 0;
	if (xmlguard_parsers() == guards) {
		/* the library parses where xmlguard.c cannot see */
		fail(s, EX_SOFTWARE, "libstrophe's parser is not one the "
		    "check of stanza senders can watch: refusing to log in");
		return s->failed;
	}
	s->stream_closed = 0;
	s->xml_broken = 0;
	log_closely(s, 1);
	login_prepare(s);
	xmpp_handler_add(s->conn, on_sm, NS_SM, NULL, NULL, s);
	xmpp_handler_add(s->conn, on_stanza, NULL, NULL, NULL, s);
	/* our own deadline comes first; this is the backstop */
	session_watchdog(s, "logging in", 2);
	if (login_connect(s) != XMPP_EOK) {
		e = errno;
		session_watchdog(s, NULL, 0);
		fail(s, EX_UNAVAILABLE, "connect to %s: %s", s->host,
		    e ? strerror(e) : "cannot resolve or reach it");
		return s->failed;
	}
	rc = session_until(s, online, NULL, "the login");
	session_watchdog(s, NULL, 0);
	if (rc != EX_OK || s->cert_shown)
		return rc;
	s->last_rx = now_ms();
	log_closely(s, 0);
	if (s->verbose) {
		struct buf b = { 0 };

		/* the bound JID is the server's to choose */
		note(s, "logged in as %s via %s", text_shown(&b,
		    session_jid(s)), s->host);
		buf_free(&b);
	}
	return EX_OK;
}

int
session_open(struct session **sp, const struct account *acct,
    const struct common_opts *o)
{
	struct session *s;
	int rc;

	*sp = NULL;
	/*
	 * OpenSSL's error strings cost 1.2 MB of RSS and a few ms to load,
	 * and we print none of them: the first init wins, so say so before
	 * anything of OpenSSL's runs (the cafile check, the library).
	 */
	OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	if ((rc = login_files_check(acct)) != EX_OK)
		return rc;
	s = xcalloc(1, sizeof(*s));
	s->acct = acct;
	s->opts = o;
	s->verbose = o->verbose;
	s->timeout_ms = o->timeout * 1000;
	s->show_cert = o->show_cert;
	s->resumable = o->resumable;
	s->sock = -1;
	snprintf(s->prefix, sizeof(s->prefix), "xu%08x",
	    (unsigned)arc4random());
	s->domain = xstrndup(strchr(acct->jid, '@') + 1,
	    strcspn(strchr(acct->jid, '@') + 1, "/"));
	snprintf(s->host, sizeof(s->host), "%s", acct->server ?
	    acct->server : s->domain);
	s->log.handler = on_log;
	s->log.userdata = s;
	signals_setup();
	warnings(o);
	xmpp_initialize();
	s->ctx = xmpp_ctx_new(NULL, &s->log);
	*sp = s;
	return login(s);
}

/*
 * A resumed stream that died before the server acked anything on it is
 * not resumed again: the server was not reading it (see on_resume), and
 * what we sent on it was never handled, so a fresh login that sends it
 * again duplicates nothing.
 */
int
session_reconnect(struct session *s)
{
	if (s->resume_check && s->resume_id) {
		note(s, "the resumed stream never answered: logging in afresh");
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
session_backoff(int64_t ms)
{
	struct timespec ts;
	sigset_t unblocked;

	if (ms < 1)
		ms = 1;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	waiting_mask(&unblocked);
	ppoll(NULL, 0, &ts, &unblocked);
	return interrupted;
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

/* ---- the loop */

int
session_failed(struct session *s)
{
	return s->failed;
}

/*
 * Acknowledge the server's segments at once. Our delayed ACK holds back
 * a server that writes two small records in a row with Nagle on (the
 * TLS session tickets, for one): a 40 ms stall each time. Linux leaves
 * quick-ack mode on its own, so it is asked for before every turn.
 */
static void
quickack(struct session *s)
{
	int one = 1;

	if (s->sock >= 0)
		setsockopt(s->sock, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
}

/*
 * The library keeps a stanza whole in memory until it ends, however
 * long: a server (or whoever is in between) sending one without end
 * would take all we have. Bytes read since the last element ended are
 * counted, and past the limit the connection is cut.
 */
#define PARTIAL_MAX (1024 * 1024)

static void
account_bytes(struct session *s, int taken, int ended)
{
	s->partial = ended ? (size_t)taken : s->partial + taken;
	if (s->partial > PARTIAL_MAX) {
		fail(s, EX_UNAVAILABLE, "%s: more than %d kB without the end "
		    "of a stanza: refusing it", s->host, PARTIAL_MAX / 1024);
		cut(s);
	}
}

/* Bytes the kernel holds for us to read. */
static int
unread(struct session *s)
{
	int n = 0;

	if (s->sock < 0 || ioctl(s->sock, FIONREAD, &n) == -1)
		return 0;
	return n;
}

/*
 * Lets the library work until it has nothing left that we cannot see.
 * A turn (xmpp_run_once) first writes what the last one queued, then
 * reads at most 4 kB. Two things it does are invisible to our poll: the
 * rest of a TLS record of up to 16 kB waits in OpenSSL's buffer, not the
 * kernel's; and what it queues itself while logging in and out
 * (STARTTLS, auth, bind, the closing tag), which xmpp_conn_send_queue_len
 * does not count, goes out only on the next turn.
 *
 * So: while logging in and out, when the library logs every step, turn
 * until a turn logs nothing. Otherwise, after a turn takes bytes off the
 * socket, four more: three for the rest of its record, one to send what
 * it queued; and one after the socket woke us, for the same reason.
 */
static void
run_library(struct session *s, int woke)
{
	int owed = woke ? 2 : 1, before, taken;
	unsigned long logged, stanzas;

	while (owed-- > 0 && s->state != CLOSED) {
		before = unread(s);
		logged = s->logged;
		stanzas = s->stanzas;
		quickack(s);
		xmpp_run_once(s->ctx, 0);
		if (s->xml_broken && !s->failed) {
			fail(s, EX_UNAVAILABLE, "%s: the server sent XML that "
			    "is not well-formed", s->host);
			cut(s);
		}
		if (s->stanzas != stanzas)
			s->last_rx = now_ms();	/* a sign of life */
		if ((taken = before - unread(s)) > 0) {
			owed = 4;
			account_bytes(s, taken, s->stanzas != stanzas);
		} else if (owed == 0 && (unread(s) > 0 ||
		    s->logged != logged))
			owed = 1;
	}
}

/* Makes *timeout_ms (-1: none) end at the latest when `at` comes. */
static void
wake_by(int *timeout_ms, int64_t at, int64_t now)
{
	int64_t left = at - now;

	if (*timeout_ms < 0 || left < *timeout_ms)
		*timeout_ms = left > 0 ? (int)left : 0;
}

/*
 * What the session waits for once online, each bounded. A confirmation
 * asked for, and a resumed stream's first answer, within -T. And a dead
 * link is silent: after --keepalive seconds without a whole element
 * from the server, ask for a sign of life (<r/>, or a ping); if that
 * many more pass without one, the connection is dead. Bytes alone do
 * not count: whitespace pings prove little, and a server that drips a
 * stanza forever is as dead as a silent one. Shortens *timeout_ms to
 * the next moment to look. Returns 1 once the session has failed.
 */
static int
deadlines(struct session *s, int *timeout_ms)
{
	int64_t k = (int64_t)s->opts->keepalive * 1000, now;

	if (s->state != ONLINE)
		return 0;
	now = now_ms();
	/* a confirmation asked for is a wait like any other: -T bounds it */
	if (s->awaiting && now - s->awaiting >= s->timeout_ms) {
		fail(s, EX_TEMPFAIL, "%s: timed out after %d s waiting for the "
		    "server to confirm delivery", s->host,
		    s->timeout_ms / 1000);
		cut(s);
		return 1;
	}
	if (s->awaiting)
		wake_by(timeout_ms, s->awaiting + s->timeout_ms, now);
	if (s->resume_check && now - s->resume_check >= s->timeout_ms) {
		fail(s, EX_TEMPFAIL, "%s: no answer on the resumed stream in "
		    "%d s", s->host, s->timeout_ms / 1000);
		cut(s);
		return 1;
	}
	if (s->resume_check)
		wake_by(timeout_ms, s->resume_check + s->timeout_ms, now);
	if (k <= 0)
		return 0;
	if (s->probe_at && s->last_rx >= s->probe_at)
		s->probe_at = 0;
	if (s->probe_at && now - s->probe_at >= k) {
		fail(s, EX_TEMPFAIL, "%s: no answer in %d s: the connection "
		    "is dead", s->host, s->opts->keepalive);
		cut(s);
		return 1;
	}
	if (!s->probe_at && now - s->last_rx >= k) {
		s->probe_at = now;
		delivery_probe(s);
	}
	wake_by(timeout_ms, (s->probe_at ? s->probe_at : s->last_rx) + k,
	    now);
	return 0;
}

int
session_step(struct session *s, int fd, int timeout_ms)
{
	struct pollfd pfd[2];
	struct timespec ts, *tsp = NULL;
	sigset_t unblocked;
	int n = 0, isock = -1, ifd = -1, r;

	if (s->failed)
		return s->failed;
	if (deadlines(s, &timeout_ms))
		return s->failed;
	delivery_flush(s);
	if (s->sock >= 0 && s->state != CLOSED) {
		isock = n;
		pfd[n].fd = s->sock;
		pfd[n].events = POLLIN;
		/* writable: a TCP connect finished, or room for the queue */
		if (xmpp_conn_is_connecting(s->conn) ||
		    xmpp_conn_send_queue_len(s->conn) > 0)
			pfd[n].events |= POLLOUT;
		n++;
	}
	if (fd >= 0) {
		ifd = n;
		pfd[n].fd = fd;
		pfd[n].events = POLLIN;
		n++;
	}
	if (s->state != CLOSED &&
	    (timeout_ms < 0 || timeout_ms > LOOP_TICK_MS))
		timeout_ms = LOOP_TICK_MS;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	waiting_mask(&unblocked);
	r = ppoll(pfd, n, tsp, &unblocked);
	if (r < 0 && errno != EINTR) {
		fail(s, EX_SOFTWARE, "poll: %s", strerror(errno));
		return s->failed;
	}
	if (s->state != CLOSED)
		run_library(s, r > 0 && isock >= 0 && pfd[isock].revents);
	if (s->failed)
		return s->failed;
	return r > 0 && ifd >= 0 && (pfd[ifd].revents & (POLLIN | POLLHUP |
	    POLLERR)) ? 1 : 0;
}

int
session_until(struct session *s, int (*done)(struct session *, void *),
    void *arg, const char *what)
{
	int64_t deadline = now_ms() + s->timeout_ms, left;

	for (;;) {
		if (done(s, arg))
			return EX_OK;
		if (s->failed)
			return s->failed;
		if (s->state == CLOSED) {
			fail(s, EX_TEMPFAIL, "%s: the connection closed "
			    "while waiting for %s", s->host, what);
			return s->failed;
		}
		if ((left = deadline - now_ms()) <= 0) {
			fail(s, EX_TEMPFAIL, "%s: timed out after %d s "
			    "waiting for %s", s->host, s->timeout_ms / 1000,
			    what);
			return s->failed;
		}
		session_step(s, -1, (int)left);
	}
}

/* ---- sending and confirming */

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

void
session_on_stanza(struct session *s, session_handler *fn, void *arg)
{
	int i;

	for (i = 0; i < MAX_HANDLERS; i++)
		if (s->handlers[i].fn == NULL) {
			s->handlers[i].fn = fn;
			s->handlers[i].arg = arg;
			return;
		}
	errx(EX_SOFTWARE, "session_on_stanza: too many handlers");
}

void
session_off_stanza(struct session *s, session_handler *fn, void *arg)
{
	int i;

	for (i = 0; i < MAX_HANDLERS; i++)
		if (s->handlers[i].fn == fn && s->handlers[i].arg == arg)
			s->handlers[i].fn = NULL;
}

void
session_report_bounces(struct session *s, const char *unit)
{
	s->bounce_unit = unit;
}

unsigned long
session_bounces(struct session *s)
{
	return s->bounces;
}

char *
session_id(struct session *s, uint64_t n)
{
	struct buf b = { 0 };

	buf_printf(&b, "%s-%" PRIu64, s->prefix, n);
	buf_str(&b);
	return b.p;
}

static int
all_confirmed(struct session *s, void *arg)
{
	(void)arg;
	return session_unconfirmed(s) == 0;
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

/* ---- closing */

static int
closed(struct session *s, void *arg)
{
	(void)arg;
	return s->state == CLOSED;
}

int
session_close(struct session *s)
{
	int rc;

	if (s->state != ONLINE)
		return s->failed;
	log_closely(s, 1);
	/*
	 * Tell the server how much we took before we go: what it thinks we
	 * never got, it stores for our next login, and we would print it twice.
	 */
	if (s->sm)
		send_ack(s);
	delivery_flush(s);
	s->state = CLOSING;
	session_watchdog(s, "closing the stream", 2);
	xmpp_disconnect(s->conn);
	rc = session_until(s, closed, NULL, "the server to close the stream");
	session_watchdog(s, NULL, 0);
	if (rc == EX_OK && !s->stream_closed)
		fail(s, EX_TEMPFAIL, "%s: the server did not close its "
		    "stream in time", s->host);
	if (s->failed)
		return s->failed;
	note(s, "stream closed");
	return EX_OK;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	if (s->conn) {
		s->state = CLOSING;
		xmpp_conn_release(s->conn);
	}
	if (s->ctx)
		xmpp_ctx_free(s->ctx);
	xmpp_shutdown();
	delivery_free(s);
	scram_free(&s->scram);
	free(s->resume_id);
	free(s->bound);
	free(s->domain);
	free(s);
}
