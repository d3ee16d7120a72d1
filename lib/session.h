/*
 * session.h: what the files of the session module share; private to
 * lib/. One struct session is one account's stream, and each file
 * below does one job for it:
 *
 *   session.c   the connection's life: open, login, reconnect, close, and
 *               the sessions a process has (libstrophe's callbacks that
 *               carry no pointer of ours find theirs there)
 *   login.c     TLS (and the decision to trust it), SASL, bind or resume
 *   trust.c     which CAs a handshake trusts
 *   loop.c      the event loop: poll, the library's turns, deadlines
 *   inbound.c   what arrives: the checks on it, then the tool's handlers
 *   iq.c        requests and their answers, and answering the server's
 *   delivery.c  what we send: the write queue, stream management, the
 *               barrier, and the stanzas kept until the server has them
 *   logread.c   what libstrophe says only in its log
 *   recover.c   logging in again after a failure: backoff, rooms, resend
 *   signals.c   SIGINT/SIGTERM, and the alarm on the library's blocking calls
 *   timing.c    how the last login went, phase by phase
 */
#ifndef SESSION_H
#define SESSION_H

#include "xmpputils.h"
#include "sasl.h"

#define NS_STREAMS "http://etherx.jabber.org/streams"
#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_STREAM_ERRORS "urn:ietf:params:xml:ns:xmpp-streams"
#define NS_SM "urn:xmpp:sm:3"
#define NS_SASL2 "urn:xmpp:sasl:2"
#define NS_BIND2 "urn:xmpp:bind:0"
#define NS_FAST "urn:xmpp:fast:0"
#define NS_SASL_CB "urn:xmpp:sasl-cb:0"
#define NS_PING "urn:xmpp:ping"
#define NS_CARBONS "urn:xmpp:carbons:2"

enum state { CONNECTING, ONLINE, CLOSING, CLOSED };

/* A stanza sent and kept until the server confirms it. */
struct kept {
	uint64_t seq;
	char *xml;
	int iq;			/* a request of iq.c's: it resends its own */
};

struct handler {
	session_handler *fn;	/* NULL: a free slot */
	void *arg;
};

struct fresh_hook {
	session_fresh_hook *fn;	/* NULL: a free slot */
	void *arg;
};

/* What SCRAM-*-PLUS binds to, from the TLS handshake (trust.c). */
struct tls_bindings {
	unsigned char exporter[32];	/* tls-exporter, RFC 9266 */
	size_t exporter_len;
	unsigned char endpoint[EVP_MAX_MD_SIZE];  /* tls-server-end-point */
	size_t endpoint_len;
};

struct iq_pending;
struct iq_answerer;
struct token_slot;
struct agent_conn;

struct session {
	struct session *next;	/* the process's sessions (session.c) */
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;
	xmpp_log_t log;
	const struct account *acct;	/* borrowed: see xmpputils.h */
	const struct common_opts *opts;	/* borrowed too */
	int verbose;
	int quiet;		/* -q: no notes of reconnects */
	int retrying;		/* -q, a reconnect's attempt: its failure is
				 * a note (give_up says the last one) */
	int timeout_ms;
	int sock;		/* the library's socket, or -1 */
	enum state state;
	int failed;		/* EX_OK, or the exit code it failed with */
	int refused;		/* by a stream error another login would
				 * meet again (not a temporary one) */
	char failure[512];	/* what session_fail said */
	char why[512];		/* the best explanation seen so far */
	int why_rc;
	char host[300];		/* where we connected, for messages */
	char *domain;		/* the account's server */
	int stream_closed;	/* the server sent </stream:stream> */
	int64_t last_rx;	/* when a whole element last came */
	int64_t probe_at;	/* when we last asked for a sign of life */
	unsigned long stanzas;	/* top-level elements received */
	size_t partial;		/* bytes read since the last one ended */
	char watching[350];	/* what the alarm bounds, for its message */

	/* logread.c */
	unsigned long logged;	/* lines the library has logged */
	int closely;		/* the log is read for progress */
	int xml_broken;		/* the library could not parse the server */

	/* login.c */
	int tls_done;		/* TLS is up, and its certificate passed */
	int authed;		/* SASL succeeded */
	int show_cert, cert_shown;
	char problem[256];	/* why the certificate did not verify */
	struct scram scram;
	int sasl_scram;		/* a SCRAM exchange is under way */
	struct tls_bindings cb;	/* this connection's channel bindings */
	char **offer;		/* the mechanisms offered, as received */
	char **fast_offer;	/* FAST's (HT-SHA-256-...) */
	char **cbs;		/* the binding types offered (XEP-0440) */
	size_t noffer, nfast, ncbs;
	int cb_advertised;	/* the server listed its binding types */
	int sasl2;		/* authenticating with SASL2 (XEP-0388) */
	int sasl2_sm;		/* ... which can resume a stream inline */
	int bind2, bind2_sm;	/* ... and bind, enabling SM (XEP-0386) */
	int inline_done;	/* SASL2 bound or resumed: no more to do */
	int fast;		/* authenticating with the FAST token */
	int fast_retry;		/* which the server refused: log in again */
	int fast_replaced;	/* ... and the password's got a new one */
	int pipelined;		/* sent with the stream's header, unasked */
	int no_pipeline;	/* ... and the login failed: not again */
	const char *fast_req;	/* the token mechanism asked for */
	struct token_slot *token;	/* our FAST slot; NULL: none */
	int token_tried;	/* the slot was looked for */
	int token_borrowed;	/* ... and is not ours to release */
	int fast_invalidate;	/* log in to have the token forgotten */
	struct account *acct_rw;	/* to read the password late, if a
					 * token fails; NULL: it is there */
	int sm_offered;		/* the stream features list XEP-0198 */
	xmpp_stanza_t *features;	/* the last stream's, after login */
	int session_needed;	/* RFC 3921's session, by an old server */
	int resumable;		/* ask the server to keep the session */
	int resuming;		/* <resume/> sent, no answer yet */
	char *resume_id;	/* what it said to resume with */
	int resumed;		/* the last login resumed the session */
	char *bound;		/* our full JID */

	/* delivery.c */
	int sm;			/* stream management is on in this stream */
	struct buf out;		/* written to the library at the next turn */
	struct kept *kept;	/* a ring of unconfirmed stanzas, wire order */
	size_t kept_head, kept_len, kept_cap;
	struct kept *stash;	/* unconfirmed when a fresh stream began */
	size_t stash_len, stash_cap;
	uint64_t sent;		/* stanzas sent (their seq), ever */
	unsigned unrequested;	/* sent since we last asked for an ack */
	uint32_t last_h;	/* the server's last <a h> in this stream */
	int64_t awaiting;	/* since when we wait for a confirmation we
				 * asked for, or for a resumed stream's
				 * first ack (0: none); -T bounds it */
	uint64_t asked_upto;	/* the last stanza it was asked for */
	int resume_check;	/* awaiting is a resumed stream's first ack */
	int answered;		/* the server answered on this stream: an
				 * <a/>, a barrier ping (recover.c) */
	uint64_t handled;	/* stanzas we took in this stream */
	int refusing;		/* a handler took no more: stop counting */

	/* inbound.c */
	char prefix[16];	/* of our messages' ids, which recipients see */
	char secret[20];	/* of our barrier pings' ids: only our server
				 * sees them, and only it may answer them */
	const char *bounce_unit;
	session_bounce_check *bounce_ours;
	void *bounce_arg;
	unsigned long bounces;
	struct handler *handlers;
	size_t nhandlers, caphandlers;
	int dispatching;	/* inside a handler: no compacting */

	/* recover.c */
	struct fresh_hook *fresh;
	size_t nfresh, capfresh;

	/* iq.c */
	struct iq_pending *iqs;	/* requests not yet answered */
	size_t niqs, capiqs;
	uint64_t iq_ids;	/* ids made so far (each also random) */
	struct iq_answerer *answerers;
	size_t nanswerers;

	/* timing.c */
	struct login_report report;
	char *report_pem;	/* the certificate, described when asked */

	/* agent.c: the session is an agent's (s->conn is NULL) */
	struct agent_conn *agent;
};

/* session.c */
struct session *session_of_ctx(const xmpp_ctx_t *);
void session_fail(struct session *, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void session_explain(struct session *, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void session_note(struct session *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void session_cut(struct session *);
void session_online(struct session *);
void session_conn_handler(xmpp_conn_t *, xmpp_conn_event_t, int,
    xmpp_stream_error_t *, void *);
int session_on_stream_error(xmpp_conn_t *, xmpp_stanza_t *, void *);
/* Arms the alarm for a blocking phase (what: for the message), or
 * disarms it (NULL). grace: seconds past -T. */
void session_watchdog(struct session *, const char *what, int grace);

/* login.c */
int login_files_check(const struct account *);
void login_prepare(struct session *);
int login_connect(struct session *);
void login_connected(struct session *);
/* Whether a FAST token may spare the login the password. */
int login_has_token(struct session *);
void login_free(struct session *);

/* trust.c: the CAs of the handshake being made, for its duration */
void trust_begin(const char *cafile, const char *capath);
void trust_end(void);
/* The version and cipher the last handshake agreed on ("" if none). */
void trust_agreed(char *version, size_t vlen, char *cipher, size_t clen);
/* Its channel bindings' data (length 0: that binding is not there). */
void trust_bindings(struct tls_bindings *);

/* timing.c */
void timing_begin(struct session *);
void timing_mark(struct session *, enum login_phase);
void timing_failed(struct session *);
void timing_features(struct session *, xmpp_stanza_t *features, int stage);
void timing_tls(struct session *, const char *pem);
void timing_free(struct session *);

/* inbound.c */
int inbound_stanza(xmpp_conn_t *, xmpp_stanza_t *, void *);
/* Counts st as taken, for the acks, unless a handler refuses. */
void inbound_take(struct session *);
/*
 * Parses our own ids: prefix, kind, N; a message's ('-') or a barrier
 * ping's ('p', whose prefix is the secret). Returns 1 and sets *n if ours.
 */
int inbound_our_id(struct session *, const char *id, char kind,
    uint64_t *n);
void inbound_free(struct session *);

/* iq.c */
/* An answer to one of ours: given to its callback (1), or not ours (0). */
int iq_answered(struct session *, xmpp_stanza_t *);
/* A get or set for us: answered by its handler, or refused. */
void iq_requested(struct session *, xmpp_stanza_t *);
/* Sends <iq type='set'> for login.c: before stream management, raw. */
void iq_login(struct session *, const char *child, iq_callback *,
    void *arg);
/* A fresh stream is up: gets go again, sets fail. Login's are dropped. */
void iq_new_stream(struct session *);
void iq_drop_login(struct session *);
void iq_free(struct session *);

/* delivery.c */
int delivery_sm(xmpp_conn_t *, xmpp_stanza_t *, void *);
void delivery_nonza(struct session *, const char *xml);
void delivery_ack(struct session *);
uint64_t delivery_send(struct session *, const char *xml, size_t len,
    int iq);
void delivery_flush(struct session *);
void delivery_probe(struct session *);
void delivery_acked(struct session *, uint32_t h);
void delivery_pinged(struct session *, uint64_t seq);
void delivery_new_stream(struct session *, int resumed, uint32_t h);
/* The server enabled stream management (<enabled/>, maybe inline). */
void delivery_enabled(struct session *, xmpp_stanza_t *enabled);
void delivery_resend(struct session *, int discard);
void delivery_free(struct session *);

/* agent.c: the client's half, where the server's stream would be */
void agent_attach(struct session *, const char *path, int fd);
int agent_login(struct session *);
int agent_spawn(const struct common_opts *, int idle);
void agent_out(struct session *, const char *xml, size_t len);
void agent_nonza(struct session *, const char *xml);
void agent_flush(struct session *);
int agent_wants_write(struct session *);
void agent_read(struct session *);
void agent_close(struct session *);
void agent_free(struct session *);
int agent_join(struct session *, const char *room, const char *nick,
    char **joined_as);

/* logread.c */
void logread_init(struct session *);
void logread_agent(struct session *, const char *dir, const char *xml,
    size_t len);
/* While logging in and out, every line is read for what it says. */
void logread_closely(struct session *, int on);

/* recover.c */
void recover_free(struct session *);

/* signals.c */
void watchdog_arm(const int *sock, int seconds);
/* Returns 1 if the alarm went off (and shut *sock down) since armed. */
int watchdog_disarm(void);
int watchdog_fired(void);
/*
 * Around a blocking call of the library's: SIGINT and SIGTERM are let
 * in, and one shuts the armed socket down as the alarm does, so that
 * the call fails at once. blocking_end returns 1 if one came.
 */
void blocking_begin(void);
int blocking_end(void);

#endif
