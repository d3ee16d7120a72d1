/*
 * session.h: what session.c, login.c and delivery.c share about a
 * session; private to lib/.
 *
 *   session.c   the connection's life: open, the event loop, what
 *               arrives, close, reconnect
 *   login.c     TLS (and the decision to trust it), SASL, bind or resume
 *   delivery.c  what we send: the write queue, stream management, the
 *               barrier, and the stanzas kept until the server has them
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
#define NS_PING "urn:xmpp:ping"
#define NS_CARBONS "urn:xmpp:carbons:2"
#define NS_ROSTER "jabber:iq:roster"
#define MAX_HANDLERS 16

enum state { CONNECTING, ONLINE, CLOSING, CLOSED };

/* A stanza sent and kept until the server confirms it. */
struct kept {
	uint64_t seq;
	char *xml;
};

struct session {
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;
	xmpp_log_t log;
	const struct account *acct;	/* the caller's, for reconnecting */
	const struct common_opts *opts;
	int verbose;
	int timeout_ms;
	int sock;		/* the library's socket, or -1 */
	enum state state;
	int failed;		/* EX_OK, or the exit code it failed with */
	char why[512];		/* the best explanation seen so far */
	int why_rc;
	char host[300];		/* where we connected, for messages */
	char *domain;		/* the account's server */
	unsigned long logged;	/* lines the library has logged */
	int stream_closed;	/* the server sent </stream:stream> */
	int closely;		/* the log is read for progress (log_closely) */
	int xml_broken;		/* the library could not parse the server */
	int64_t last_rx;	/* when bytes last came from the server */
	int64_t probe_at;	/* when we last asked for a sign of life */
	unsigned long stanzas;	/* top-level elements received */
	size_t partial;		/* bytes read since the last one ended */

	/* login.c */
	int tls_done;		/* TLS is up, and its certificate passed */
	int authed;		/* SASL succeeded */
	int show_cert, cert_shown;
	char problem[256];	/* why the certificate did not verify */
	struct scram scram;
	int sasl_scram;		/* a SCRAM exchange is under way */
	int sm_offered;		/* the stream features list XEP-0198 */
	int session_needed;	/* RFC 3921's session, by an old server */
	int resumable;		/* ask the server to keep the session */
	int resuming;		/* <resume/> sent, no answer yet */
	char *resume_id;	/* what it said to resume with */
	int resumed;		/* the last login resumed the session */
	int64_t resume_check;	/* resumed at; 0 once the server acked */
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
				 * asked for (0: none asked for); -T bounds it */
	uint64_t asked_upto;	/* the last stanza it was asked for */
	uint64_t handled;	/* stanzas we took in this stream */
	int refusing;		/* a handler took no more: stop counting */

	/* session.c */
	char prefix[16];	/* of every id this session makes */
	const char *bounce_unit;
	unsigned long bounces;
	struct {
		session_handler *fn;
		void *arg;
	} handlers[MAX_HANDLERS];
};

/* session.c */
void session_watchdog(struct session *, const char *, int);
int session_on_stream_error(xmpp_conn_t *, xmpp_stanza_t *, void *);
void session_conn_handler(xmpp_conn_t *, xmpp_conn_event_t, int,
    xmpp_stream_error_t *, void *);
void fail(struct session *, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void explain(struct session *, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void note(struct session *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cut(struct session *);
void session_online(struct session *);

/* login.c */
int login_files_check(const struct account *);
void login_prepare(struct session *);
int login_connect(struct session *);
void login_connected(struct session *);

/* delivery.c */
void send_nonza(struct session *, const char *xml);
void delivery_flush(struct session *);
void delivery_probe(struct session *);
void delivery_acked(struct session *, uint32_t h);
void delivery_pinged(struct session *, uint64_t seq);
void delivery_new_stream(struct session *, int resumed, uint32_t h);
void delivery_resend(struct session *, int discard);
void delivery_free(struct session *);

#endif
