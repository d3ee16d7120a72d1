/*
 * xmpputils.h: the one header the tools in cmd/ include.
 *
 * Errors: every function that can fail prints "prog: what: why" on stderr
 * itself and returns a sysexits(3) code (EX_OK on success), so a tool's
 * only job on failure is to exit with what it was given.
 *
 * Ownership: a function that returns a pointer says who frees it. Strings
 * inside the structures below belong to the structure.
 */
#ifndef XMPPUTILS_H
#define XMPPUTILS_H

#include <sys/types.h>

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sysexits.h>

#include <strophe.h>

#define XU_VERSION "0.2.0"

/* -a's name for the account of the keys before the first section. */
#define ACCOUNT_DEFAULT "default"

/*
 * The largest text a tool accepts for one message body or stdin line, and
 * the largest stanza it sends: servers close the stream on a stanza over
 * their limit (Prosody's default is 256 kB), losing what follows.
 */
#define XU_TEXT_MAX (64 * 1024)
#define XU_STANZA_MAX (192 * 1024)

/* -T's default: the seconds any one step may take. */
#define XU_TIMEOUT 10

/* ---- buf.c: a growable byte buffer; the caller owns p, buf_free frees */

struct buf {
	char *p;
	size_t len, cap;
};

/* Makes room for more bytes and a NUL after len. */
void buf_reserve(struct buf *, size_t more);
void buf_add(struct buf *, const void *, size_t);
void buf_adds(struct buf *, const char *);
void buf_addc(struct buf *, char);
void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
const char *buf_str(struct buf *);	/* NUL-terminates, returns p */
void buf_free(struct buf *);

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
void *xreallocarray(void *, size_t n, size_t size);
/* Doubles *cap (64 to start with) and returns the array, moved. */
void *xgrow(void *, size_t *cap, size_t size);

/* Milliseconds (microseconds) on a monotonic clock. */
int64_t now_ms(void);
int64_t now_us(void);

/* ---- text.c: what XML can carry, JIDs, and the three output escapes */

/*
 * Returns NULL when s is UTF-8 made only of characters XML 1.0 allows,
 * with no control character but tab, newline and carriage return (no
 * C0, DEL or C1: XML could carry the last two, but a terminal would act
 * on them), else a static description of the first problem, at byte
 * *off.
 */
const char *text_check(const char *s, size_t len, size_t *off);

/*
 * Whether s is UTF-8 that can be shown as it is: no control character
 * (tab and newline included), no bidirectional control, no line
 * separator. For a name or a URL, which must be one visible token.
 */
int text_plain(const char *s, size_t len);

/* Returns NULL for a well-formed JID, else a static reason. */
const char *jid_check(const char *jid);

/* ---- jid.c: JIDs compared as servers compare them */

/*
 * Two JIDs are the same when their parts are after the stringprep
 * profiles servers apply (RFC 6122: Nodeprep, Nameprep, Resourceprep):
 * the local part and domain fold case, the resource does not. See
 * jid.c for what is and is not done. jid_bare_equal ignores resources;
 * jid_matches(want, jid) takes a bare want for any of its resources, a
 * full one only for itself. NULL is equal to nothing.
 */
int jid_equal(const char *a, const char *b);
int jid_bare_equal(const char *a, const char *b);
int jid_matches(const char *want, const char *jid);
int jid_is_bare(const char *jid);
/*
 * NULL when each part of a JID that jid_check passed also passes its
 * stringprep profile and is still one part once prepared (a server
 * would refuse it otherwise, jid-malformed), else a static reason.
 * jid_check calls it.
 */
const char *jid_prep_check(const char *jid);
/* Appends jid's prepared form (bare: without its resource) to b. */
void jid_normalize(struct buf *b, const char *jid, int bare);

/*
 * Appends s escaped for XML character data and attribute values; DEL,
 * C1, the bidirectional controls and U+2028/U+2029 (line and paragraph
 * separators) become character references, so that the XML is safe to
 * show on a terminal and stays on one line for a reader that splits
 * lines there too.
 */
void xml_escape(struct buf *, const char *s, size_t len);
/*
 * For XML that is already XML (a library's serialization, shown as it
 * is): its markup is kept, and only tab, newline, carriage return, DEL,
 * C1, the bidirectional controls and U+2028/U+2029 become character
 * references.
 */
void xml_defang(struct buf *, const char *s, size_t len);

/* Appends s as a JSON string, quotes included; control and
 * bidirectional characters, U+2028 and U+2029 as \uXXXX. */
void json_escape(struct buf *, const char *s, size_t len);
/* Appends value as a JSON string (null for NULL); json_field puts
 * ,"key": before it. */
void json_value(struct buf *, const char *value);
void json_field(struct buf *, const char *key, const char *value);

/*
 * Appends s in xlisten's text format: backslash, newline, tab and carriage
 * return become \\ \n \t \r; every byte of any other control character
 * (C0, DEL, C1), of the bidirectional controls (U+061C, U+200E/F,
 * U+202A-E, U+2066-9) and of the line and paragraph separators (U+2028/9)
 * becomes \xHH. text_unescape reverses it in place and
 * returns the new length, or -1 for a malformed escape.
 */
void text_escape(struct buf *, const char *s, size_t len);
long text_unescape(char *s, size_t len);

/*
 * For a message on stderr that quotes the network (a JID, a server's
 * error text): empties b, fills it with s text_escape'd ("?" for NULL)
 * and returns it as a string.
 */
const char *text_shown(struct buf *b, const char *s);
/*
 * Whether s is UTF-8 with no character text_escape escapes but '\\':
 * no control character (C0, DEL, C1), bidi control or line separator.
 */
int text_showable(const char *s);
/*
 * A name every message can quote as it is (a file's, a socket's): 1 if
 * text_showable, else says "what: NAME: a control character, or not
 * UTF-8, in kind" (NAME escaped) and returns 0.
 */
int showable_name(const char *name, const char *what, const char *kind);
/* The value of a hexadecimal digit, or -1 if c is none. */
int hex_value(char c);

/* ---- account.c: who a tool logs in as */

struct account {
	char *jid;
	char *password;
	char *password_file;
	char *password_command;	/* run with /bin/sh; its first line */
	char *server;		/* NULL: SRV lookup on the JID's domain */
	char *resource;
	char *tls;		/* "starttls" (NULL too) or "direct" */
	char *cafile, *capath;	/* trust these CAs, not the system's */
	char *pin;		/* "sha256//BASE64[;...]": trust these keys */
	char *client_cert, *client_key;	/* for SASL EXTERNAL */
	char *agent;		/* "auto", "yes" (NULL too) or "no" */
	char *agent_persist;	/* seconds an auto agent idles */
	char *sasl2;		/* "no": never XEP-0388's login */
	char *fast;		/* "no": no FAST tokens (XEP-0484) */
	char *sasl_mechanisms;	/* the only mechanisms allowed; NULL: any */
	char *queue;		/* "yes": xsend --queue */
	char *queue_max_age;	/* "7d" (NULL too): older entries fail */
	char *config;		/* the file read (password_later) */
	unsigned port;		/* 0: the default, or SRV's */
};

/* What the command line said; NULL for "not given". */
struct account_opts {
	const char *name;	/* -a: a [NAME] section of the config */
	const char *file;	/* -f: the config file */
	const char *jid, *server, *port, *resource, *cafile, *tls, *pin;
	const char *password_fd;	/* read the password from this fd */
	int no_password;		/* --show-cert: none is needed */
	int password_later;		/* account_password finds it, if a
					 * login needs one (not an agent's) */
	int timeout;			/* seconds a password may take to read:
					 * a FIFO, a password_command (0:
					 * XU_TIMEOUT) */
};

/*
 * Fills acct from, in order of precedence, the command line, the
 * environment (XMPP_JID, XMPP_PASSWORD) and the config file, then finds a
 * password (password, password_file, XMPP_PASSWORD, or a prompt on the
 * terminal). account_free releases what it holds.
 */
int account_load(struct account *acct, const struct account_opts *);
void account_free(struct account *acct);
/*
 * After account_load with password_later: finds the password as
 * account_load would have (EX_OK at once if one is there already).
 */
int account_password(struct account *acct, const struct account_opts *);
/* Wipes the password, once no login will need it again. */
void account_forget_password(struct account *acct);

/*
 * The config parser alone, for account_load and the unit tests: reads the
 * global keys and those of section (NULL: global only) from the len
 * bytes of text (a NUL among them is an error). Returns EX_OK, or
 * EX_CONFIG after printing "path:line: why".
 */
int config_parse(struct account *acct, const char *text, size_t len,
    const char *path, const char *section);

/* ---- opts.c: the options every tool takes */

struct common_opts {
	struct account_opts acct;
	int timeout;		/* seconds, for each phase */
	int verbose;		/* -v: events; -vv: the XML exchange */
	int quiet;		/* -q: no notes on stderr, only errors */
	int insecure;		/* --insecure: any certificate will do */
	int insecure_plaintext;	/* --insecure-plaintext: TLS optional */
	int show_cert;		/* --show-cert: print it, log in no further */
	int keepalive;		/* seconds of silence before probing; 0: no;
				 * -1: the tool's default */
	int resumable;		/* ask the server to keep the session */
	int trace;		/* xraw --trace: the XML both ways on stdout */
	enum { AGENT_IF_UP, AGENT_NEVER, AGENT_REQUIRED } agent;
	int agent_persist;	/* --agent-persist: start one (seconds it
				 * may idle); 0: as the config says */
	int no_fast;		/* --no-fast: no FAST token, used or kept */
};

/* getopt_long tables: the tools append these to their own. */
#define COMMON_SHORTOPTS "a:f:qT:v"
enum {
	OPT_JID = 256, OPT_SERVER, OPT_PORT, OPT_RESOURCE, OPT_CAFILE,
	OPT_TLS, OPT_PIN, OPT_PASSWORD, OPT_PASSWORD_FD, OPT_INSECURE,
	OPT_INSECURE_PLAINTEXT, OPT_SHOW_CERT, OPT_KEEPALIVE, OPT_VERSION,
	OPT_AGENT, OPT_NO_AGENT, OPT_AGENT_PERSIST, OPT_NO_FAST, OPT_HELP,
	OPT_TOOL		/* a tool's own long options from here */
};
#define COMMON_LONGOPTS \
	{ "account", required_argument, NULL, 'a' }, \
	{ "config", required_argument, NULL, 'f' }, \
	{ "timeout", required_argument, NULL, 'T' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "jid", required_argument, NULL, OPT_JID }, \
	{ "server", required_argument, NULL, OPT_SERVER }, \
	{ "port", required_argument, NULL, OPT_PORT }, \
	{ "resource", required_argument, NULL, OPT_RESOURCE }, \
	{ "cafile", required_argument, NULL, OPT_CAFILE }, \
	{ "tls", required_argument, NULL, OPT_TLS }, \
	{ "pin", required_argument, NULL, OPT_PIN }, \
	{ "password", optional_argument, NULL, OPT_PASSWORD }, \
	{ "password-fd", required_argument, NULL, OPT_PASSWORD_FD }, \
	{ "insecure", no_argument, NULL, OPT_INSECURE }, \
	{ "insecure-plaintext", no_argument, NULL, OPT_INSECURE_PLAINTEXT }, \
	{ "show-cert", no_argument, NULL, OPT_SHOW_CERT }, \
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE }, \
	{ "no-fast", no_argument, NULL, OPT_NO_FAST }, \
	{ "agent", no_argument, NULL, OPT_AGENT }, \
	{ "no-agent", no_argument, NULL, OPT_NO_AGENT }, \
	{ "help", no_argument, NULL, OPT_HELP }, \
	{ "version", no_argument, NULL, OPT_VERSION }

/* xagent takes the login's options, not the choice of an agent. */
#define LOGIN_USAGE \
	"[-qv] [-a account] [-f config] [-T seconds] [--jid jid]\n" \
	"\t[--server host] [--port port] [--resource resource] [--cafile file]\n" \
	"\t[--tls starttls|direct] [--pin sha256//...] [--password-fd fd]\n" \
	"\t[--keepalive seconds] [--no-fast] [--show-cert] [--insecure]\n" \
	"\t[--insecure-plaintext]"
#define COMMON_USAGE LOGIN_USAGE "\n\t[--agent | --no-agent]"

void common_init(struct common_opts *);
void common_usage_code(int rc);
/*
 * getopt_long, but its errors are ours: an unknown or ambiguous option
 * is named without its value (a mistyped --password=SECRET is never
 * echoed). Returns '?' after printing the error; the tool then prints
 * its usage.
 */
struct option;
int common_getopt(int argc, char *argv[], const char *shortopts,
    const struct option *longopts);
/* Handles one common option; returns 0 if ch is not one, else 1. */
int common_option(struct common_opts *, int ch, const char *arg);
/*
 * An old spelling, still taken for one release: says once, on stderr,
 * what to write instead (NEWS lists them all).
 */
void deprecated(const char *old, const char *now);
/* Says that arg, left after the options, is one too many. */
void extra_argument(const char *arg);
/*
 * --help: the usage, then the tool's own options described (own: one
 * "Group:" line, then "  -x, --long ARG  what it does" lines, groups
 * apart by a blank line), then the login options (with the choice of
 * an agent unless HELP_NO_AGENT), then where the man page is. Exits 0.
 */
#define HELP_NO_AGENT	0x1
#define HELP_OWN_QUIET	0x2	/* the tool's own text says what -q does */
void help_print(void (*usage_lines)(FILE *), const char *own, int flags)
    __attribute__((noreturn));

/*
 * The option common_getopt returned last as the user wrote it ("--wait",
 * "-W", "-w"): what an error about its value names.
 */
const char *option_typed(void);
/*
 * The value arg of the option just parsed is none it takes: says so,
 * naming the option as typed, the value escaped, and what it expected;
 * exits 64 (or common_usage_code's).
 */
void bad_value(const char *arg, const char *expected)
    __attribute__((noreturn));
/*
 * Parses a number in [min, max] given for option opt, or exits 64 (or
 * what common_usage_code set: a tool with another convention).
 */
long long number_arg(const char *arg, long long min, long long max,
    const char *opt);

/* ---- proc.c: the process's own hygiene */

/*
 * The first thing every tool does: descriptors 0-2 that are closed are
 * opened on /dev/null, so that no socket becomes stdin, stdout or
 * stderr. stdfd_was_closed says which were.
 */
void stdfd_sanitise(void);
int stdfd_was_closed(int fd);

/* write(2) until all of p is written: 0, or -1 with errno. */
int write_all(int fd, const void *p, size_t len);

/*
 * In b: the program tool beside the running one (a build tree, a test,
 * one install prefix), if it is there to run; else tool alone, for a
 * PATH search.
 */
void proc_sibling(struct buf *b, const char *tool);

/* No core file, and no ptrace: once a password is in memory. */
void secrets_protect(void);

/*
 * Output written past stdio, a record at a time (unbuffered): 0, or -1
 * once a write failed (errno then; every later call fails at once).
 * stdout_failed returns that first errno (EPIPE: the reader left), or 0.
 */
int stdout_write(const void *, size_t);
int stdout_failed(void);

/*
 * The last thing a tool does with stdout: flushes and closes it. On a
 * write error, stdout_write's included (other than a reader gone,
 * EPIPE), says so and turns an EX_OK into EX_IOERR; returns rc
 * otherwise.
 */
int stdout_done(int rc);

/*
 * For a tool whose reader never sees stderr (a monitoring plugin's):
 * from stderr_remember on, stderr keeps the last message written in the
 * "prog: what: why" form, which stderr_last returns without "prog: "
 * ("" before any). A message goes on, line breaks and all, until a line
 * starts with "prog: " again: what else the tool writes on stderr after
 * one (a synopsis) must go past stderr, to its descriptor.
 */
void stderr_remember(void);
const char *stderr_last(void);

/* ---- signals.c: what the process does with signals */

/*
 * Once, early in main: SIGINT and SIGTERM then only ask for a graceful
 * end (signals_interrupted), and are let in only while a session waits,
 * so none is lost between a check and a sleep; SIGPIPE is ignored, so a
 * reader gone is an EPIPE. A tool that does not call it keeps the
 * default actions. Nothing else of the process's signals is touched.
 */
void signals_init(void);
int signals_interrupted(void);
/*
 * Sleeps ms (at least 1), or less if SIGINT or SIGTERM comes; returns 1
 * if one did.
 */
int signals_sleep(int64_t ms);
/* The mask to wait with (ppoll): the caller's, SIGINT and SIGTERM let in. */
void signals_wait_mask(sigset_t *);
/*
 * For a read outside a session (a config, a password, stdin before
 * logging in), which SIGINT and SIGTERM must end at once. wait_readable
 * waits until fd is readable (or at its end), until deadline (a now_ms()
 * time; 0: no limit), or a signal: 1, 0 once the deadline is past, -1
 * on a signal (at once if one came before). read_by is one read(2) of
 * at most cap bytes after such a wait: what read returns, or -1 with
 * errno, ETIMEDOUT past the deadline, EINTR on a signal.
 */
int wait_readable(int fd, int64_t deadline);
ssize_t read_by(int fd, void *p, size_t cap, int64_t deadline);
/*
 * read(2) once poll said fd is readable, which a signal that comes
 * during it still ends (-1, EINTR) if it blocks after all: ^C on a
 * terminal throws away the line poll saw. What it read then is lost:
 * for a tool about to end.
 */
ssize_t signals_read(int fd, void *p, size_t cap);
/*
 * What a tool does when a signal ended such a read: says "interrupted:
 * nothing sent" and returns EX_TEMPFAIL, the exit status of every tool
 * (but xping, by its own convention) for a signal before it did its work.
 */
int interrupted_nothing_sent(void);

/* ---- session.c: one logged-in XMPP stream */

/*
 * Lifetimes. A session borrows the account and the options given to
 * session_open, and reads them until session_free: the caller keeps both
 * alive (and unchanged) that long; account_forget_password is the one
 * change allowed, once no login will need the password again. Arguments
 * registered with a callback are borrowed until it is removed (or the
 * session freed). A process may hold any number of sessions at once;
 * libstrophe is initialised by the first and stays so. Nothing here
 * installs signal handlers: see signals_init.
 */
struct session;

/*
 * Called for each message, presence or iq that arrives. Returns 1 when
 * the stanza is taken (even if only to ignore it), 0 to take no more:
 * that stanza and all after it go unacknowledged, so a server with
 * stream management keeps them for the next login.
 */
typedef int session_handler(struct session *, xmpp_stanza_t *, void *);

/*
 * Connects, requires STARTTLS with a verified certificate, authenticates
 * and binds, each phase within timeout seconds. *sp is set even on
 * failure (NULL only when nothing was made); the caller ends it with
 * session_close (if it succeeded) and session_free.
 */
int session_open(struct session **sp, const struct account *,
    const struct common_opts *);
/*
 * session_open, or the session an agent holds for the account's JID
 * (xagent(1)), as o->agent says: without it, none is needed, and
 * neither a password (account_load's password_later) nor TLS. With
 * o->agent_persist, or "agent = auto" in the config, an agent is
 * started if none runs. -v says which path was taken.
 */
int session_start(struct session **sp, struct account *,
    const struct common_opts *);
/* Whether the session is an agent's. */
int session_agent(struct session *);
/* Appends the stream's features (after login) as XML ("" if none). */
void session_features_xml(struct session *, struct buf *);

/*
 * --show-cert: connects as session_open would for the account o names,
 * prints the server's certificate and its pin on stdout, and stops
 * before logging in. Returns an exit code.
 */
int session_show_cert(const struct common_opts *o);

/* The context stanzas are built in, the JID the server bound, and the
 * account's server (its domain). */
xmpp_ctx_t *session_ctx(struct session *);
const char *session_jid(struct session *);
const char *session_domain(struct session *);
/* Whether the stream's features (after login) list <name xmlns=ns/>. */
int session_has_feature(struct session *, const char *name, const char *ns);

/* Adds (or removes) a handler for what arrives; any number, in order. */
void session_on_stanza(struct session *, session_handler *, void *arg);
void session_off_stanza(struct session *, session_handler *, void *arg);

/*
 * Reports each message bounced back to an id from session_id on stderr,
 * as "<unit> N to JID bounced: why", and counts them (unit NULL: don't).
 * Everyone who got one of our messages sees its id, so an error that
 * carries one is a bounce only where ours(s, N, from, arg) says that
 * message N was sent and went to from; any other is ignored (said with
 * -v). ours NULL: any.
 */
typedef int session_bounce_check(struct session *, uint64_t n,
    const char *from, void *arg);
void session_report_bounces(struct session *, const char *unit,
    session_bounce_check *ours, void *arg);
unsigned long session_bounces(struct session *);

/*
 * Queues one stanza, serialized in xml (which stays the caller's), and
 * returns its sequence number (1, 2, ... in the order of the calls).
 * The session keeps it until the server confirms it, and sends it again
 * after a reconnect if need be. What is queued between two turns of the
 * loop leaves in one write (one TLS record), which a busy server reads
 * faster.
 */
uint64_t session_send_buf(struct session *, struct buf *xml);

/*
 * A top-level element that is no stanza (a client state indication, an
 * XEP-0198 <r/>), written at the next turn of the loop: not numbered,
 * not kept, never sent again (the server counts stanzas only, and
 * answers none of these). Dropped when the session is not online.
 */
void session_send_nonza(struct session *, const char *xml);
/* Stream management in this stream: 1 on, 0 off, -1 asked for and not
 * answered yet. */
int session_sm(struct session *);

/*
 * Every stanza numbered below this the server has confirmed (and none
 * is unconfirmed: the sequence number the next stanza will get).
 */
uint64_t session_confirmed_below(struct session *);

/* The id for a tool's stanza number n, unique to this session: the
 * caller frees it. Bounce reports name n. session_id_number reads n
 * back from an id (1), or says it is none of ours (0). */
char *session_id(struct session *, uint64_t n);
int session_id_number(struct session *, const char *id, uint64_t *n);

/* How many stanzas sent so far the server has not yet confirmed. */
uint64_t session_unconfirmed(struct session *);

/* Asks the server to confirm what it was not yet asked about; no wait. */
void session_request_ack(struct session *);

/*
 * One turn of the event loop: waits at most timeout_ms (-1: until
 * something happens) for the server or for fd (-1: none) to be
 * readable. Returns 1 if fd is readable, 0 otherwise, or an exit code
 * (> 1) once the session has failed: check with session_failed.
 */
int session_step(struct session *, int fd, int timeout_ms);
int session_failed(struct session *);	/* EX_OK, or why it failed */
/* What the failure's message said ("" before any), for a tool that must
 * repeat it elsewhere (a monitoring plugin's status line). */
const char *session_failure(struct session *);

/*
 * The same loop for a caller that polls more than the stream (a daemon
 * and its clients): session_poll_prepare fills *pfd for the stream (fd
 * -1 when there is none) and shortens *timeout_ms (-1: none) to the
 * session's next deadline; after ppoll(2) with signals_wait_mask's
 * mask, session_poll_done lets the library work. Both return EX_OK, or
 * the exit code the session failed with.
 */
int session_poll_prepare(struct session *, struct pollfd *pfd,
    int *timeout_ms);
int session_poll_done(struct session *, const struct pollfd *pfd);

/*
 * Runs the loop until done(arg) is true, the session fails, or the
 * timeout passes ("timed out waiting for <what>"). Returns an exit code.
 */
int session_until(struct session *, int (*done)(struct session *, void *),
    void *arg, const char *what);

/*
 * The delivery barrier: returns EX_OK once the server has taken every
 * stanza sent so far (XEP-0198 acks, or the reply to a ping sent after
 * them where the server has no stream management).
 */
int session_sync(struct session *);

/*
 * Sends </stream:stream> and waits for the server's own close. Returns
 * EX_OK for a clean close.
 */
int session_close(struct session *);
/*
 * session_sync and session_close at once, for the last of what a tool
 * sends: EX_OK only if the server confirmed it all before its close.
 */
int session_sync_close(struct session *);
/*
 * xping --logout: every FAST token kept for the account's JID, by any
 * tool, invalidated at the server and deleted; *n says how many.
 */
int session_logout(struct account *, const struct common_opts *, int *n);
void session_free(struct session *);

/*
 * After a failure: logs in again, resuming the stream where the server
 * still holds it (o->resumable). Resumed, what the server had not got is
 * sent again at once and the server sends again what we had not
 * acknowledged. Otherwise the stream is fresh: the fresh-stream hooks
 * run (rooms are joined again), then the caller calls session_resend (or
 * discards what was pending). session_recover does all of it.
 */
int session_reconnect(struct session *);
int session_resumed(struct session *);
void session_resend(struct session *, int discard);

/* ---- timing.c: how the last login went, phase by phase */

/*
 * The phases of a login, in the order they happen. A login skips some:
 * direct TLS has no first stream and no STARTTLS, --insecure-plaintext
 * may have no TLS, a resumed stream no bind.
 */
enum login_phase {
	PHASE_DNS,		/* SRV and address lookups, the connect begun */
	PHASE_TCP,		/* TCP connected */
	PHASE_STREAM,		/* the first stream opened: its features */
	PHASE_STARTTLS,		/* <starttls/> answered with <proceed/> */
	PHASE_TLS,		/* the TLS handshake, certificate checked */
	PHASE_STREAM_TLS,	/* the stream again, inside TLS */
	PHASE_SASL,		/* authenticated */
	PHASE_STREAM_AUTH,	/* the stream again, authenticated */
	PHASE_BIND,		/* a resource bound (and RFC 3921's session) */
	PHASE_SM,		/* stream management enabled (XEP-0198) */
	PHASE_COUNT
};

/* The stream features offered, by the stream they came on. */
enum { STAGE_PLAIN, STAGE_TLS, STAGE_AUTH, STAGE_COUNT };

struct login_report {
	int64_t began_us;		/* now_us() as the login began */
	int64_t ended_us[PHASE_COUNT];	/* as each phase ended; 0: it did
					 * not (yet) */
	int64_t failed_us;		/* as the login failed; 0: it did not,
					 * or the stream failed after it */
	enum login_phase failed;	/* the phase under way then */
	char where[300];		/* the host and port connected to */
	char tls_version[32];		/* "TLSv1.3" */
	char tls_cipher[64];
	char cert_subject[256], cert_issuer[256];
	int64_t cert_expires;		/* its notAfter, Unix time; 0: none */
	char features[STAGE_COUNT][512];	/* "starttls(required) ..." */
	char mechanism[32];		/* the SASL mechanism chosen */
	enum { SM_NONE, SM_ASKED, SM_ENABLED, SM_REFUSED } sm;
	int sasl2;			/* XEP-0388's login, not RFC 6120's */
	char binding[24];		/* the channel binding; "": none */
	int ssdp;			/* 1: the offer verified (XEP-0474);
					 * 0: the server sent no hash */
	enum { FAST_NONE, FAST_USED, FAST_ISSUED, FAST_ROTATED,
	    FAST_REFUSED, FAST_REPLACED } fast;	/* what became of FAST's
						 * token */
};

/* "dns", "tcp", "stream", "starttls", "tls", "stream_tls", ... */
const char *login_phase_name(enum login_phase);

/*
 * The last login's report, as far as it went (a failed one too, with
 * the phase it failed in and when): valid until the session's next
 * login. Stream management is answered after the login returns: its
 * phase ends when sm is no longer SM_ASKED, or fails with the session.
 */
const struct login_report *session_login_report(struct session *);

/* ---- recover.c: logging in again, with backoff */

/*
 * Called after a fresh (not resumed) login, in the order added: what
 * the server forgot with the old stream is said again (presence, a
 * room's join). Returns EX_OK or an exit code, which ends the attempt.
 */
typedef int session_fresh_hook(struct session *, void *arg);
void session_on_fresh(struct session *, session_fresh_hook *, void *arg);
void session_off_fresh(struct session *, session_fresh_hook *, void *arg);

/* How a tool retries: its bounds, for each outage. */
#define RETRY_FOREVER (-1)
struct retry {
	int attempts;		/* logins to try in one outage; 0: none;
				 * RETRY_FOREVER: until a signal */
	int64_t first_ms;	/* the first wait; each doubles it */
	int64_t max_ms;		/* up to this */
	int resend;		/* send again what was unconfirmed (else
				 * drop it: a listener's presence, say) */
};

/*
 * --retry's argument (opt names it in errors), in opts.c: a number of
 * attempts from 0 to 1000, or "inf" for RETRY_FOREVER; else it exits as
 * number_arg does.
 */
int retry_arg(const char *arg, const char *opt);
/* The wait before attempt n (1, 2, ...): first_ms * 2^(n-1), capped. */
int64_t retry_delay(const struct retry *, int n);
/* Whether a failure with exit code rc is worth another login. */
int retry_worth(struct session *, int rc);
/*
 * Whether it may pass, for a message to be kept until later (xsend
 * --queue): a timeout, a signal, a temporary stream error, or the
 * session failed (the server unreachable, the stream lost, TLS) but
 * not by a stream error that refuses us. Never a bounce, a refused
 * login, a bad config or input.
 */
int session_may_pass(struct session *, int rc);

/*
 * One outage: while the session has failed in a way worth retrying,
 * waits (saying "reconnecting in T s (attempt N of M)"), logs in again,
 * runs the fresh-stream hooks, resends (r->resend) or drops what was
 * unconfirmed, and waits for the server to answer on the new stream.
 * Returns EX_OK once it has ("back after N attempts over S s" with -v):
 * the outage is over, and the next has all of r->attempts again. Else
 * the last failure: once the attempts are spent (after "giving up after
 * N attempts over S s: why"), a refusal another login would meet again,
 * or a signal (signals_interrupted says so).
 */
int session_recover(struct session *, const struct retry *);
/*
 * One attempt of session_recover's, without its wait: for a caller that
 * waits between attempts itself (a daemon serving its clients
 * meanwhile). Returns EX_OK once the server answered on the new stream.
 */
int session_recover_once(struct session *, const struct retry *);

/* ---- iq.c: requests and their answers, and answering the server's */

/*
 * Called once with a request's answer (an <iq type='result'/> or
 * type='error'), valid only during the call; or with NULL when none will
 * come: a set that went out on a stream that was lost (it may or may not
 * have been done), or the session is freed. A get is sent again on the
 * next fresh stream instead.
 */
typedef void iq_callback(struct session *, xmpp_stanza_t *reply, void *);

/*
 * Sends <iq type=type to=to id=...>child</iq>: type "get" or "set", to
 * NULL for the account itself, child serialized XML (the caller's) or
 * NULL. Returns its id, the session's until the callback has run. cb
 * may be NULL: the answer is then taken and dropped.
 */
const char *iq_send(struct session *, const char *type, const char *to,
    const char *child, iq_callback *cb, void *arg);

/*
 * iq_send, then the loop until its answer comes, within the timeout.
 * Returns EX_OK with *reply set (result or error: look at its type; the
 * caller releases it with xmpp_stanza_release), or an exit code.
 */
int iq_call(struct session *, const char *type, const char *to,
    const char *child, xmpp_stanza_t **reply);

/* Requests sent and not yet answered. */
size_t iq_pending(struct session *);
/* Forgets the callback of a request given up on (its arg is going). */
void iq_cancel(struct session *, const char *id);

/*
 * For a tool that writes its own requests (xraw): a fresh id (the
 * caller frees it; random, so that whoever it asks cannot guess the
 * next), and iq_expect to have the answer to the request with that id,
 * sent to `to` (NULL: the account), given to cb. Such a request is
 * never sent again: on a fresh stream it is reported lost.
 */
char *iq_new_id(struct session *);
void iq_expect(struct session *, const char *id, const char *to,
    iq_callback *cb, void *arg);

/*
 * Answering: fn is called for each get or set whose first child is
 * name in namespace ns (the last one added wins) and answers it with
 * iq_result or iq_error. Without one, a ping is answered and anything
 * else refused (service-unavailable), as RFC 6120 asks.
 */
typedef void iq_handler(struct session *, xmpp_stanza_t *iq, void *arg);
void iq_on_request(struct session *, const char *name, const char *ns,
    iq_handler *, void *arg);
void iq_off_request(struct session *, const char *name, const char *ns);
/* child: serialized XML or NULL; type: "cancel", "modify", ... */
void iq_result(struct session *, xmpp_stanza_t *iq, const char *child);
void iq_error(struct session *, xmpp_stanza_t *iq, const char *type,
    const char *condition);

/* ---- outbox.c: messages sent and not yet confirmed */

/*
 * One record per message: its text and number (a line number, or 0),
 * its recipients, and the sequence numbers of the stanzas it became.
 * The outbox owns copies of all of it; it knows nothing of sessions:
 * the caller tells it how far delivery has confirmed.
 */
struct outbox_msg {
	uint64_t first, last;	/* its stanzas' sequence numbers */
	unsigned long number;	/* a line number, or 0 */
	char *text;
	size_t len;
	char *to;		/* recipients, each ended by a NUL */
	size_t tolen;
	unsigned char *awaiting;	/* per recipient: 1 while it awaits a
					 * confirmation beyond the server's */
	size_t nto, nawaiting;
};

struct outbox {
	struct outbox_msg *msgs;	/* oldest first */
	size_t head, len, cap;
	uint64_t stanzas;	/* of the messages held */
	uint64_t window;	/* full at this many stanzas; 0: never */
};

void outbox_init(struct outbox *, uint64_t window);
/* Copies in one message; to holds tolen bytes of NUL-ended JIDs. */
void outbox_add(struct outbox *, uint64_t first, uint64_t last,
    unsigned long number, const char *text, size_t len, const char *to,
    size_t tolen);
/*
 * Beyond the server (xsend --confirm domain|client): the message last
 * added also awaits its i-th recipient's confirmation, and stays until
 * it comes. outbox_recipient_confirmed marks one (the message numbered
 * number, the recipient whose bare JID is jid's): 1 if it was awaited.
 * outbox_recipient_vouched marks the i-th recipient of every message
 * held numbered up to upto (its domain answered for them); it returns
 * how many.
 */
void outbox_await(struct outbox *, size_t i);
int outbox_recipient_confirmed(struct outbox *, unsigned long number,
    const char *jid);
size_t outbox_recipient_vouched(struct outbox *, size_t i,
    unsigned long upto);
/* Drops the oldest messages whose stanzas are all below `below`, and
 * that await nothing. */
void outbox_confirmed(struct outbox *, uint64_t below);
int outbox_full(const struct outbox *);
size_t outbox_len(const struct outbox *);
/* The i-th message held, oldest first. */
const struct outbox_msg *outbox_at(const struct outbox *, size_t i);
void outbox_free(struct outbox *);

/* ---- confirm.c: delivery beyond the own server (--confirm) */

/*
 * server: the own server has taken every stanza (the default). domain:
 * each recipient's server has (an XEP-0199 ping to each remote domain
 * after the messages: a server keeps one stream's stanzas to a domain
 * in order). client: a client of each recipient sent an XEP-0184
 * receipt. Rooms count as the server level does (their reflection).
 */
enum confirm_level { CONFIRM_SERVER, CONFIRM_DOMAIN, CONFIRM_CLIENT };

/* Parses "server", "domain" or "client": 0 for anything else. */
int confirm_level_arg(const char *, enum confirm_level *);

/*
 * What confirms the messages of ob beyond the server, on session s.
 * Free it after session_free: a ping in flight is the session's until
 * then. Every call takes a NULL confirm, as the server level.
 */
struct confirm;
struct confirm *confirm_new(struct session *, struct outbox *,
    enum confirm_level, char **to, int nto);
enum confirm_level confirm_level(const struct confirm *);
/* The message last added to the outbox awaits recipient i of to. */
void confirm_await(struct confirm *, int i);
/*
 * domain: pings each domain awaited, for what was sent so far, unless
 * one is in flight to it or an answer already vouched for all of it.
 * Returns how many pings it sent.
 */
int confirm_checkpoint(struct confirm *);
/*
 * A checkpoint, then the loop until nothing held awaits a confirmation
 * that may still come, within timeout_s (or a signal): EX_OK, or the
 * session's failure. What is still pending then, confirm_pending says.
 * At the server level: one ping to each other domain among to, so that
 * a bounce that comes at once (an unknown domain) is not missed; one
 * not answered in time is no failure there.
 */
int confirm_wait(struct confirm *, int timeout_s);
/* Whether some message still awaits a recipient's confirmation. */
int confirm_pending(struct confirm *);
/* Whether confirm_wait will need the stream (probes, receipts). */
int confirm_needs_stream(struct confirm *);
/* Domains that said they cannot be reached (their messages bounce). */
size_t confirm_failed(struct confirm *);
/*
 * On stderr: the domains that cannot be reached; each recipient with
 * messages not confirmed (with verbose, every one) and how many of the
 * sent were.
 */
void confirm_report(struct confirm *, unsigned long sent, int verbose);
void confirm_free(struct confirm *);

/* Numbers, gathered as ranges: "4-5,9". */
struct ranges {
	struct buf text;
	unsigned long first, last;
	size_t count;
};
void ranges_add(struct ranges *, unsigned long n);
const char *ranges_str(struct ranges *);
void ranges_free(struct ranges *);

/*
 * --unsent FILE: what was never confirmed, for the user to send again:
 * each text written followed by a newline, as stdin would give it (a
 * line of xsend -l, or one message of any number of lines). It holds
 * message text: a file is created (or truncated) mode 0600, a FIFO or a
 * device left as it is, never through a symbolic link. unsent_open says
 * why it cannot and returns NULL; unsent_close returns 0 once all of it
 * is written, or -1 after saying why.
 */
struct unsent;
struct unsent *unsent_open(const char *path);
void unsent_write(struct unsent *, const char *text, size_t len);
int unsent_close(struct unsent *);

/* ---- muc.c: multi-user chat rooms (XEP-0045) */

struct room;

/* Returns NULL for a well-formed ROOM[/NICK], else a static reason. */
const char *muc_spec_check(const char *spec);

/*
 * Joins ROOM[/NICK] (the nick defaults to the account's local part) and
 * waits for the room to confirm; after a fresh (not resumed) login, the
 * session joins it again (session_on_fresh). *rp is freed by muc_leave.
 */
int muc_join(struct room **rp, struct session *, const char *spec);
/*
 * The same without the wait, for a daemon: muc_join_begin sends the
 * join; muc_join_poll then returns -1 while the room has not answered,
 * EX_OK once we are in (and the session joins again after a fresh
 * login, as muc_join's), or the exit code of a refusal (said;
 * muc_error says the room's words) or of the session's failure. A room
 * not joined is freed with muc_forget.
 */
int muc_join_begin(struct room **rp, struct session *, const char *spec);
int muc_join_poll(struct room *);
const char *muc_error(struct room *);
/* Whether the room put us out (a kick, a ban, its end) since we joined. */
int muc_left(struct room *);
void muc_forget(struct room *);
const char *muc_jid(struct room *);
const char *muc_nick(struct room *);
/*
 * Sends a groupchat message numbered n (see session_id) to the room and
 * returns its sequence number; the text must have passed text_check;
 * oob, if not NULL, a file's URL (see message_xml).
 */
uint64_t muc_send(struct room *, uint64_t n, const char *subject,
    const char *body, size_t len, const char *oob);
/* Waits until the room has reflected every message sent to it. */
int muc_sync(struct room *);
/* Leaves the room, waits for it to confirm, and frees r. */
int muc_leave(struct room *);

/* ---- stanza_out.c: printing what arrives */

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_XML };

/* Appends one line (with '\n') for stanza to out. */
void stanza_format(struct buf *out, xmpp_stanza_t *, enum format);
/* --format's "text", "json" or "xml" into *f: 1, or 0 for another. */
int format_parse(const char *, enum format *f);
/* --format of a tool's records (text or json): the format, or exit 64. */
enum format format_records_arg(const char *);

/* XEP-0066: the URLs a message carries, as JSON shows them ("oob"). */
#define OOB_MAX 16
struct oob {
	char *url;		/* <url/>'s text, trimmed; never empty */
	char *desc;		/* <desc/>'s; NULL: none */
	char *path;		/* xlisten --download: where it was saved */
	char *error;		/* or why not; both NULL: not tried */
};
struct oob_list {
	struct oob item[OOB_MAX];
	int n;
};
/*
 * Fills l with the first OOB_MAX <x xmlns='jabber:x:oob'/> children of
 * st that have a <url/> (l's previous content is not freed); the
 * strings are l's: oob_list_free frees them.
 */
void oob_collect(struct oob_list *l, xmpp_stanza_t *st);
void oob_list_free(struct oob_list *l);
/*
 * stanza_format, with a message's JSON "oob" taken from oob (with its
 * path and error) rather than from the stanza; NULL: the stanza's.
 */
void stanza_format_oob(struct buf *out, xmpp_stanza_t *, enum format,
    const struct oob_list *oob);
/*
 * Appends "condition (text)" for an error stanza, from its <error/>
 * child (text escaped to be shown, as text_shown does).
 */
void stanza_error_desc(xmpp_stanza_t *, struct buf *);

/* Appends stanza serialized as XML on one line (no '\n'). */
void stanza_xml(struct buf *out, xmpp_stanza_t *);
/* The same, indented: a child element a line (no final '\n'). */
void stanza_xml_pretty(struct buf *out, xmpp_stanza_t *);

/*
 * Appends a <message/> with the given type and id (both plain tokens),
 * an optional subject and a body of len bytes (NULL: none), with oob
 * (not NULL) a file's URL in an XEP-0066 <x xmlns='jabber:x:oob'/>,
 * and with receipt an XEP-0184 request for a delivery receipt. The text
 * must have passed text_check.
 */
void message_xml(struct buf *out, const char *to, const char *type,
    const char *id, const char *subject, const char *body, size_t len,
    const char *oob, int receipt);

#define NS_RECEIPTS "urn:xmpp:receipts"
/*
 * XEP-0184: the id whose receipt a message carries (<received/>), or
 * NULL; and whether it asks for one (<request/>).
 */
const char *message_receipt_for(xmpp_stanza_t *);
int message_receipt_requested(xmpp_stanza_t *);

/* ---- xmlin.c: top-level XML elements from a byte stream */

/*
 * Each element the input holds, handed over the moment its end tag is
 * read, written again on one line with its namespaces declared (a
 * stanza in jabber:client, the stream's default, gets none). What a
 * stream would not take is refused whole (a stream header, STARTTLS,
 * SASL, stream management but <r/>, a stanza in another namespace);
 * input that is not well-formed XML, or an element over max bytes, is
 * an error, after which the input is skipped up to the next line that
 * starts with '<'. Nothing of an element in error is handed over.
 */
enum xmlin_kind { XMLIN_ELEMENT, XMLIN_REFUSED, XMLIN_ERROR };

struct xmlin_item {
	enum xmlin_kind kind;
	const char *xml;	/* ELEMENT: it; ERROR: the input there (text-
				 * escaped, at most 40 bytes of its line) */
	size_t len;		/* of xml */
	const char *name, *ns;	/* ELEMENT, REFUSED: local name, namespace */
	const char *type, *id, *to;	/* its attributes, or NULL */
	size_t id_at;		/* where in xml an id attribute may go */
	const char *error;	/* REFUSED, ERROR: why */
	unsigned long line, col;	/* where it starts, or went wrong */
};

struct xmlin;
struct xmlin *xmlin_new(size_t max);
void xmlin_feed(struct xmlin *, const char *, size_t);
/* The end of the input: an element it left open is an error. */
void xmlin_end(struct xmlin *);
/* The next item (1), or none ready (0); valid until the next feed. */
int xmlin_next(struct xmlin *, struct xmlin_item *);
size_t xmlin_pending(const struct xmlin *);	/* items ready */
void xmlin_free(struct xmlin *);

/* ---- lines.c: reading stdin a line at a time, as lines arrive */

struct lines {
	int fd;
	struct buf in;		/* bytes read, not yet returned */
	size_t start;		/* where the unreturned bytes begin */
	size_t max;		/* a longer line is reported and skipped */
	unsigned long lineno;	/* of the line last returned */
	int eof;
	int skipping;		/* inside an overlong line */
	int stopped;		/* lines_stop: no more reading */
};

void lines_init(struct lines *, int fd, size_t max);
/*
 * Returns 1 with *line and *len set (no '\n'; valid until the next call),
 * 0 when no whole line is buffered, -1 at the end of input. An
 * overlong line is reported as *len > max with *line NULL.
 */
int lines_next(struct lines *, const char **line, size_t *len);
/* One read(2) into the buffer: 0 on success or EOF, -1 on error. */
int lines_fill(struct lines *);
/*
 * Reads no more (after a signal, say): lines_next hands over the whole
 * lines already read, then -1; a line begun but not ended is never
 * taken for a whole one. lines_partial then returns it (1), once;
 * lines_held says whether there is one, and takes nothing.
 */
void lines_stop(struct lines *);
int lines_partial(struct lines *, const char **line, size_t *len);
int lines_held(const struct lines *);
void lines_free(struct lines *);

/* ---- roster.c: the contact list (RFC 6121), pure: no session */

#define NS_ROSTER "jabber:iq:roster"

enum roster_sub { ROSTER_NONE, ROSTER_TO, ROSTER_FROM, ROSTER_BOTH };

/* One online resource of a contact (--presence). */
struct roster_resource {
	char *resource;		/* "" for a bare JID's presence */
	char *show;		/* "online", "away", "chat", "dnd", "xa" */
	char *status;		/* NULL: none */
	int priority;
};

/* One item; its strings and arrays are its own (roster_free). */
struct roster_item {
	char *jid;		/* bare */
	char *name;		/* NULL: none */
	enum roster_sub sub;
	int ask;		/* ask='subscribe': our request is pending */
	int approved;		/* approved='true': a stored pre-approval */
	char **groups;		/* sorted, no duplicates */
	size_t ngroups;
	struct roster_resource *res;	/* online now */
	size_t nres;
	int heard;		/* a presence came from it (--presence) */
};

struct roster {
	struct roster_item *items;	/* sorted by JID after roster_sort */
	size_t len, cap;
};

/*
 * Appends the items of a <query xmlns='jabber:iq:roster'/> (a result or
 * a push) to r; an item without a well-formed bare jid is skipped, one
 * with subscription='remove' too (roster_parse_removed lists those).
 * Returns the number added. roster_sort orders by JID, for output and
 * for roster_find's binary search.
 */
size_t roster_parse(struct roster *, xmpp_stanza_t *query);
void roster_sort(struct roster *);
struct roster_item *roster_find(const struct roster *, const char *jid);
/* Copies it into r (the caller's stays the caller's); unsorted. */
struct roster_item *roster_add(struct roster *, const struct roster_item *);
void roster_item_free(struct roster_item *);
void roster_free(struct roster *);

/* "none", "to", ...; roster_sub_parse returns -1 for anything else. */
const char *roster_sub_name(enum roster_sub);
int roster_sub_parse(const char *);

/*
 * What a subscription request or answer is to achieve, and whether the
 * item (NULL: not in the roster) has reached it, as the server says.
 */
enum roster_want { WANT_SUBSCRIBE, WANT_UNSUBSCRIBE, WANT_APPROVE,
	WANT_DENY };
int roster_reached(const struct roster_item *, enum roster_want);
/* Whether the item says we receive, or send, presence (or asked to). */
int roster_wants_to(const struct roster_item *);
int roster_wants_from(const struct roster_item *);

/*
 * <item/> for a roster set, in *b: the jid, name and groups of it
 * (remove: subscription='remove' and nothing else).
 */
void roster_item_xml(struct buf *b, const struct roster_item *, int remove);

/*
 * Output, one line each, appended to b: the text format (JID, NAME,
 * SUBSCRIPTION, GROUPS, text_escape'd, tab-separated; a comma in a group
 * as \x2C) or a JSON object; with_presence adds the resources (text: a
 * line each, or one "offline" line, "unknown" when the contact's
 * presence is not ours to see and did not come; JSON: an array, null
 * for unknown).
 */
void roster_format_text(struct buf *, const struct roster_item *,
    int with_presence);
void roster_format_json(struct buf *, const struct roster_item *,
    int with_presence);

/*
 * Presence that arrived for the roster: an available one adds or
 * updates the sender's resource, an unavailable one removes it; either
 * marks the contact heard. Returns 0 if the sender is no contact.
 */
int roster_presence(struct roster *, xmpp_stanza_t *presence);

/*
 * Whether s can be a contact's name (roster_name_check) or group: NULL,
 * or a static reason, at byte *off. Either must pass text_check; a name
 * also holds no tab, newline or carriage return, which XML turns into a
 * space in an attribute, and a group no carriage return, which XML turns
 * into a newline: the roster would never match what was asked for.
 */
const char *roster_name_check(const char *s, size_t *off);
const char *roster_group_check(const char *s, size_t *off);

/*
 * One line of export's JSON (list --format json) into *it, which the
 * caller frees with roster_item_free. Returns NULL, or a static reason
 * (why may also point into a buffer of the parser's: use it before the
 * next call).
 */
const char *roster_read_json(const char *line, size_t len,
    struct roster_item *it);

/* What import does to the roster it finds, in this order a JID. */
enum roster_op { OP_ADD, OP_UPDATE, OP_SUBSCRIBE, OP_APPROVE, OP_REMOVE };

struct roster_change {
	enum roster_op op;
	const struct roster_item *item;	/* want's (remove: have's) */
};

/*
 * The changes that make have match want: items added or updated (name,
 * groups), a subscription asked for where want has to/both or ask, a
 * pre-approval (can_preapprove) where it has from/both or approved, and
 * with prune what want lacks removed. *changes is the caller's to free;
 * its items point into have and want. Returns the count.
 */
size_t roster_diff(const struct roster *have, const struct roster *want,
    int prune, int can_preapprove, struct roster_change **changes);
const char *roster_op_name(enum roster_op);

/* ---- place.c: where a tool's files about an account go */

/*
 * Appends to b a file name made from jid's bare JID: itself, prepared,
 * when it is made of [a-z0-9.-_@] and max bytes at most; else "=" and
 * 32 hex digits of its SHA-256.
 */
void place_name(struct buf *b, const char *jid, size_t max);
/*
 * Checks that dir is a directory of ours alone (our uid, no group or
 * other bits, not a symbolic link), made (0700) first if make: EX_OK,
 * else an exit code with why filled, but for a directory that is
 * missing and not to be made (EX_UNAVAILABLE, why empty).
 */
int place_dir(const char *dir, int make, char *why, size_t whylen);
/*
 * $XDG_STATE_HOME/xmpputils/sub (else ~/.local/state/xmpputils/sub) in
 * dir, made with its parents (0700) if make, and checked as place_dir
 * does: its exit code, why filled but for one missing and not made.
 */
int place_state_dir(struct buf *dir, const char *sub, int make, char *why,
    size_t whylen);

/* ---- agent.c: xagent's socket and its protocol (see xagent(1)) */

#define AGENT_MAGIC "xmpputils-agent"
#define AGENT_VERSION 1
#define AGENT_FRAME_MAX (256 * 1024)
/*
 * What the agent may write to a client is larger: a stanza from the
 * server, up to the 1 MB a session reads, and escaped again (a client
 * only reads from an agent it checked is of its own uid).
 */
#define AGENT_FRAME_MAX_DOWN (4 * 1024 * 1024)

/*
 * The socket of the agent for jid, in *b: XMPP_AGENT_SOCK, or a name
 * made from the bare JID under $XDG_RUNTIME_DIR/xmpputils (else
 * /tmp/xmpputils-UID). agent_dir checks (make: creates) the directory
 * it is in: ours alone. Both return exit codes.
 */
int agent_path(struct buf *b, const char *jid);
int agent_dir(const char *path, int make);
/* The uid (and pid) of the process at the other end of fd: 0 or -1. */
int agent_peer(int fd, uid_t *uid, pid_t *pid);
/*
 * Connects to the agent at path, waiting wait_ms at most (0: not at
 * all) for it to take us, and checks it runs as we do: the fd, or -1
 * (none there: said unless quiet; errno EAGAIN: one there, too busy to
 * take us, not said) or -2 (someone else's: said).
 */
int agent_connect(const char *path, int quiet, int wait_ms);

/* Appends a frame of that type and payload (text, no NUL) to out. */
void agent_frame(struct buf *out, int type, const char *p, size_t len);

/* Frames read from a byte stream; the caller owns it (zeroed first). */
struct agent_reader {
	struct buf in;
	size_t start;
	size_t max;		/* a longer frame is an error (0: the
				 * client's AGENT_FRAME_MAX) */
};
struct agent_msg {
	int type;
	char *p;		/* the payload, NUL-ended in place */
	size_t len;
	char end;		/* the byte the NUL hides */
	const char *why;	/* a malformed frame: why */
};
void agent_reader_add(struct agent_reader *, const void *, size_t);
/* Bytes still needed for the frame begun (0: one is whole). */
size_t agent_reader_want(const struct agent_reader *);
/*
 * The next whole frame: 1, with *m valid until agent_frame_done; 0,
 * none yet; -1, a malformed one (m->why), after which the stream is
 * lost.
 */
int agent_frame_next(struct agent_reader *, struct agent_msg *m);
void agent_frame_done(struct agent_reader *, struct agent_msg *m);
void agent_reader_free(struct agent_reader *);
/* "<rc> <text>": the code (70 when it is none), *text the words. */
int agent_code(const char *p, const char **text);
/* HELLO's payload, changed in place: NULL, or why it is malformed. */
const char *agent_hello_parse(char *p, unsigned *version,
    const char **jid);
/*
 * S's payload, fed to x (xmlin_new(AGENT_FRAME_MAX)): NULL with *it the
 * one stanza it holds (valid until x is fed again or freed), or why it
 * is refused.
 */
const char *agent_stanza_parse(struct xmlin *x, const char *p, size_t len,
    struct xmlin_item *it);
/*
 * For xagent -s and -x, on an agent's session: asks (type 'Q' or 'X')
 * and waits for the answer (-s's text; NULL on a failure, said).
 */
const char *agent_ask(struct session *, int type);

/* ---- http.c: HTTP transfers (libcurl), trusted as the login is */

struct http {
	const char *cafile, *capath;	/* the account's CAs; NULL: the
					 * system's */
	const char *pin;	/* the account's pin: the key, not a CA */
	int insecure;		/* --insecure: any certificate, http: too */
	int stall;		/* seconds without progress: a failure */
	int max_time;		/* seconds a transfer may take; 0: any */
	int verbose;		/* 2 (-vv): headers, secrets redacted */
	int progress;		/* a bar on stderr past 1 MB */
	struct session *keep;	/* served while a transfer runs; NULL */
	struct buf *why;	/* if not NULL: a failure's reason, also
				 * put here (without what) */
};

/* NULL when url may be fetched or sent to, else why not (static). */
const char *http_url_check(const char *url, int insecure);
/*
 * PUTs exactly size bytes read from fd to url, with a Content-Type and
 * the headers ("Name: value"); what names it in messages. EX_OK on a
 * 2xx; else said, with the server's reason, and 69 (75: a stall, a
 * signal, a host not reached, a connection cut, or HTTP 429, 502, 503,
 * 504, a proxy's too; 74: the file could not be read, or shrank). A
 * redirect is a
 * failure: an upload goes where the slot said, or nowhere.
 */
int http_put(const struct http *, const char *what, const char *url,
    int fd, uint64_t size, const char *type, char *const headers[],
    int nheaders);
/*
 * GETs url into fd, at most max bytes (0: any), following at most 5
 * redirects (to https: only, unless insecure); *got says how many were
 * written. EX_OK on a 200; else said: 69, 75, 74 as http_put, 65 past
 * max.
 */
int http_get(const struct http *, const char *what, const char *url,
    int fd, uint64_t max, uint64_t *got);

/* ---- upload.c: HTTP File Upload (XEP-0363) */

#define NS_UPLOAD "urn:xmpp:http:upload:0"
#define NS_OOB "jabber:x:oob"

/* A file to send: opened (and stdin spooled) before any login. */
struct attachment {
	char *name;		/* the name the service is told */
	const char *type;	/* its Content-Type (static) */
	int fd;			/* read from its start */
	uint64_t size;
	char *url;		/* where it can be got, once it is up */
};
/*
 * Opens path ("-": stdin, copied into an unlinked temporary file so
 * that its size is known), named name (NULL: path's last component;
 * stdin's is "stdin"). EX_OK, or said: 66 unreadable, 65 a bad name,
 * 74 a spool that could not be written.
 */
int attachment_open(struct attachment *, const char *path,
    const char *name);
void attachment_free(struct attachment *);
/* A Content-Type for a file's name (by its extension), static. */
const char *attachment_type(const char *name);
/* NULL when name may be given to a service, else why not (static). */
const char *attachment_name_check(const char *name);

struct upload_service {
	char *jid;
	uint64_t max_size;	/* its max-file-size; 0: none said */
};
/*
 * The account's upload service: the first item of its domain's
 * disco#items (its domain first) whose disco#info has NS_UPLOAD.
 * EX_OK, or said (69 when there is none).
 */
int upload_find(struct session *, struct upload_service *);
void upload_service_free(struct upload_service *);

struct upload_slot {
	char *put, *get;
	char *headers[3];	/* "Name: value": those XEP-0363 allows */
	int nheaders;
};
/*
 * Asks the service for a slot for the attachment and PUTs it there:
 * a->url is then its GET URL. EX_OK, or said, with the service's or
 * the HTTP server's reason: 69 (refused, too big, an HTTP error), 75
 * (a stall, a signal), 74 (the file).
 */
int upload_send(struct session *, const struct upload_service *,
    const struct http *, struct attachment *a);
/*
 * The slot in an answer to a slot request (pure: for the unit tests):
 * NULL, or why it cannot be used (static). insecure lets http: in.
 */
const char *upload_slot_parse(xmpp_stanza_t *slot, int insecure,
    struct upload_slot *);
void upload_slot_free(struct upload_slot *);

/* ---- queue.c: messages kept on disk until the server takes them */

/*
 * One account's queue (xsend --queue, --flush, --list-queue): a
 * directory of entries under $XDG_STATE_HOME/xmpputils/queue/ (else
 * ~/.local/state/...), named by the bare JID as place_name makes it;
 * each entry a directory of its own, written whole or not at all.
 * See xsend(1), QUEUE.
 */
#define QUEUE_MAX_AGE (7 * 86400)	/* queue_max_age's default */

enum qmsg_kind { QMSG_TEXT, QMSG_URL, QMSG_FILE };

/* One message of an entry. */
struct qmsg {
	enum qmsg_kind kind;
	const char *text;	/* TEXT: its body; URL: the URL (NUL-ended) */
	size_t len;
	char *own;		/* text, when it is the message's own copy */
	char *name, *type;	/* FILE: its name, Content-Type and size; */
	uint64_t size;		/* the bytes are the entry's file.I */
	int index;		/* FILE: I, from 0 */
	int fd;			/* FILE, being queued: the attachment's */
};

/* An entry: who it goes to, and its messages in order. */
struct qentry {
	char *id;		/* its directory's name; NULL: not on disk */
	char *from;		/* the account's bare JID */
	int64_t queued;		/* when, Unix time (0: queue_add's now) */
	char *type, *subject;	/* subject NULL: none */
	char **to, **rooms;	/* JIDs; xsend -r's ROOM[/NICK] */
	int nto, nrooms;
	struct qmsg *msgs;
	size_t nmsgs, cap;
	int nfiles;		/* of the messages, those of kind FILE */
	size_t sent;		/* confirmed by an earlier flush */
	int failing;		/* a flush found it failed, and could not
				 * move it into failed/ */
	char *map;		/* the file read (queue_read) */
	size_t maplen;
};

/* Adds a message to an entry being built (copied). */
void qentry_add_text(struct qentry *, enum qmsg_kind, const char *, size_t);
void qentry_add_file(struct qentry *, const char *name, const char *type,
    uint64_t size, int fd);
void qentry_free(struct qentry *);

/*
 * The entry's text, and its parse (pure: for the unit tests): NULL, or
 * why it is corrupt (static). Parsed, the texts point into text, which
 * must outlive e.
 */
void qentry_format(struct buf *, const struct qentry *);
const char *qentry_parse(struct qentry *e, const char *text, size_t len);

/* "90", "90s", "15m", "3h", "7d": NULL and *seconds, or why not. */
const char *queue_age_parse(const char *s, int64_t *seconds);
/* Appends "45s", "12m", "3h" or "2d": the largest unit, floored. */
void queue_age_format(struct buf *, int64_t seconds);

struct queue;
/*
 * Opens jid's queue, made (0700, and its parents) if make: EX_OK, or
 * said: 73 when it cannot be made or used (not ours alone, a symbolic
 * link), 69 when it is missing and not to be made (not said).
 */
int queue_open(struct queue **, const char *jid, int make);
void queue_close(struct queue *);
const char *queue_path(const struct queue *);
/* Whether jid's queue holds an entry: cheap, says nothing. */
int queue_waiting(const char *jid);

/*
 * Writes e as a new entry: its files copied in, all of it synced, then
 * put in place, so that a crash leaves all of it or none. EX_OK with
 * e->id set, or said (74: a write failed, a full disk; 73: the
 * directory), and nothing left behind.
 */
int queue_add(struct queue *, struct qentry *e);

/* The entries' ids, oldest first: *ids the caller's (queue_ids_free). */
int queue_list(struct queue *, char ***ids, size_t *n);
void queue_ids_free(char **ids, size_t n);
/*
 * Reads entry id into *e (zeroed first): EX_OK; 65 with why a corrupt
 * one; 69 when it is gone (another flusher took it).
 */
int queue_read(struct queue *, const char *id, struct qentry *e,
    struct buf *why);
/* An entry's file I, opened for reading: the fd, or -1 (said) when it
 * is not the copy queued. */
int queue_file_open(struct queue *, const struct qentry *, int index);
/* Records that the first n of e's messages are confirmed (no sync: a
 * crash of the machine may lose it, a killed process does not). */
void queue_progress(struct queue *, const struct qentry *e, size_t n);
/* A delivered entry, removed. */
int queue_remove(struct queue *, const char *id);
/*
 * An entry moved into failed/, with why in its reason file: EX_OK, or
 * said (it stays, and queue_read says it is failing).
 */
int queue_fail(struct queue *, const char *id, const char *why);
/* How many entries failed/ holds, and its path. */
size_t queue_failed_count(struct queue *);
/*
 * The flushers' lock: waits for another's to end (a signal ends the
 * wait: 75). EX_OK, or said.
 */
int queue_lock(struct queue *);
/* Removes what a crash left being written, a day old at least. */
void queue_tidy(struct queue *);
/* Syncs the queue's directory: removals made durable. */
void queue_sync(struct queue *);

/* ---- attach.c: saving what messages link to (xlisten --download) */

#define ATTACH_NAME_MAX 100
/*
 * Appends a safe local name for url (pure): its last path segment (no
 * query, no fragment), percent-decoded, with every byte but
 * [A-Za-z0-9._-] made '_', leading dots dropped, cut to ATTACH_NAME_MAX
 * bytes (a short extension kept); "file" when nothing is left.
 */
void attach_local_name(struct buf *, const char *url);
/* Appends name numbered n: "stem-n.ext", at most ATTACH_NAME_MAX. */
void attach_numbered_name(struct buf *, const char *name, unsigned n);
/* "BYTES", or with k, M or G (1024, 1024^2, 1024^3) after it, at
 * least 1: NULL and *bytes, or why not (static). */
const char *attach_size_parse(const char *s, uint64_t *bytes);

struct attach_dir {
	int fd;			/* opened once; every file is made in it */
	char *shown;		/* its path as given, for "path" */
};
/*
 * Opens path for downloads: a directory (not a symlink to one) that we
 * own and nobody else may write in. EX_OK, or said (73).
 */
int attach_dir_open(struct attach_dir *, const char *path);
void attach_dir_close(struct attach_dir *);
/*
 * GETs url (http_get, at most max bytes) into a new file of d, named by
 * attach_local_name, numbered if the name is taken, 0600; it appears
 * whole or not at all. EX_OK and its path in path; else said on stderr,
 * why (without the URL) in why, nothing left behind, and the code of
 * http_get (or 73, 74 for the file).
 */
int attach_save(struct attach_dir *d, const struct http *, const char *url,
    uint64_t max, struct buf *path, struct buf *why);

#endif
