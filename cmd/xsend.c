/*
 * xsend: send a message, and exit 0 only once the server has taken it.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmpputils.h"

/* Unconfirmed stanzas allowed in flight: bounds memory on a long -l. */
#define WINDOW 256

#define MAX_ROOMS 16
#define MAX_FILES 32

enum { OPT_RETRY = OPT_TOOL, OPT_UNSENT, OPT_CONFIRM, OPT_ATTACH,
	OPT_ATTACH_NAME, OPT_QUEUE, OPT_NO_QUEUE, OPT_FLUSH, OPT_LIST_QUEUE,
	OPT_FORMAT };

/* Sent and taken by the server, not confirmed at --confirm's level in
 * time: told apart from a bounce (69) and a failed login (see xsend(1)). */
#define EXIT_UNCONFIRMED 1
/* --queue: not delivered yet, but kept on disk for --flush. */
#define EXIT_QUEUED 2
/* --queue -l: the most one run reads from stdin to queue (an entry is
 * held in memory as it is made), each message costing this much more. */
#define QUEUE_READ_MAX (128 * 1024 * 1024)
#define QUEUE_MSG_COST 128
#define REJECTS_SAID 10

struct job {
	const char *type;
	const char *subject;
	char **to;		/* recipient JIDs */
	int nto;
	const char *specs[MAX_ROOMS];	/* -r ROOM[/NICK] */
	int nspecs;
	struct room *rooms[MAX_ROOMS];	/* those joined */
	int nrooms;
	unsigned long rejected;	/* -l lines that could not be sent */
	int retry;		/* --retry: logins allowed an outage */
	int verbose;
	const char *unsent;	/* --unsent: where what failed goes */
	const char *what;	/* the one message's source: -m, stdin */
	struct lines in;	/* -l: stdin */
	struct outbox sent;	/* messages sent, not yet confirmed */
	struct buf recipients;	/* each JID and room, NUL-ended */
	enum confirm_level level;	/* --confirm */
	struct confirm *confirm;
	unsigned long nsent;	/* messages sent */
	uint64_t last_number;	/* the number of the last one sent */
	unsigned long unprobed;	/* sent since the last domain checkpoint */
	int timeout;		/* -T */
	const char *text;	/* the one text message (-m, stdin); NULL */
	const char *paths[MAX_FILES];	/* --attach */
	const char *names[MAX_FILES];	/* --attach-name; NULL: the path's */
	struct attachment files[MAX_FILES];
	int nfiles;
	int quiet;		/* -q: no progress bar */
	int if_nonempty;	/* -E: empty stdin is nothing to send */
	struct qentry msgs;	/* not -l: the messages, in order */
	size_t start;		/* the first of them to send (--flush: the
				 * ones before were confirmed before) */
	uint64_t base;		/* --flush: the numbers of the entries
				 * before this one's (n is base + index) */
	int queue;		/* --queue: 1; --no-queue: 0; -1: config */
	int stdin_ended;	/* --queue -l: stdin read to its very end */
	struct queue *q;	/* --flush: the entry's queue */
	size_t recorded;	/* --flush: progress on disk */
	int keep_open;		/* --flush: more entries to come */
};

static void
usage_lines(FILE *f)
{
	const char *p = getprogname();

	fprintf(f, "usage: %s [-El] [-m text] [-r room[/nick]] [-s subject] "
	    "[-t type]\n\t[--attach file [--attach-name name]] ...\n\t"
	    "[--confirm server|domain|client] [--retry n|inf] [--unsent file]"
	    "\n\t[--queue | --no-queue] [--agent-persist seconds]\n\t"
	    COMMON_USAGE "\n\tjid ...\n"
	    "       %s --flush [--retry n|inf] [options of the login above]\n"
	    "       %s --list-queue [--format text|json] [-qv] [-a account] "
	    "[-f config]\n\t[--jid jid]\n", p, p, p);
}

static void __attribute__((noreturn))
usage(int rc)
{
	usage_lines(rc == EX_OK ? stdout : stderr);
	exit(rc == EX_OK ? stdout_done(rc) : rc);
}

/* --help: every option of xsend's own, one line each. */
static const char help[] =
"Sends a message to each JID and room; exits 0 once the server has it.\n"
"\n"
"What to send (stdin is the message unless -m or -l):\n"
"  -m, --message TEXT       send TEXT\n"
"  -l, --lines              each line of stdin is a message, sent as it comes\n"
"  -E, --if-nonempty        stdin empty: no login, nothing sent, exit 0\n"
"  -s, --subject TEXT       the messages' subject\n"
"  -t, --type TYPE          chat (the default), normal, headline, groupchat\n"
"      --attach FILE        upload FILE (-: stdin) and share it; repeatable\n"
"      --attach-name NAME   the name the --attach before it is shared under\n"
"\n"
"Where:\n"
"  JID ...                  the people (or services) to send to\n"
"  -r, --room ROOM[/NICK]   join ROOM (as NICK), send there; repeatable\n"
"\n"
"Delivery:\n"
"      --confirm LEVEL      who must have each: server, domain or client\n"
"      --retry N|inf        log in again N times if the connection is lost\n"
"      --unsent FILE        write what was not confirmed to FILE\n"
"      --queue              keep on disk what cannot go now (exit 2)\n"
"      --no-queue           do not, whatever the config says\n"
"      --flush              send what the queue holds, oldest first\n"
"      --list-queue         print what the queue holds; no login\n"
"      --format FORMAT      --list-queue as text (the default) or json\n"
"      --agent-persist SECS start an xagent that stays SECS idle\n";
/* Refuses text XML cannot carry, naming where it goes wrong. */
static int
text_ok(const char *what, const char *s, size_t len)
{
	const char *why;
	size_t off;

	if ((why = text_check(s, len, &off)) == NULL)
		return 1;
	warnx("%s: %s at byte %zu", what, why, off + 1);
	return 0;
}

/*
 * Escaping can make a message several times its text: refuse one the
 * server would take for a reason to close the stream (room is left for
 * the longest JID, 3071 bytes, and the id).
 */
static size_t
stanza_size(struct job *j, const char *text, size_t len)
{
	struct buf b = { 0 };
	size_t size;

	message_xml(&b, "", j->type, "", j->subject, text, len, NULL, 1);
	size = b.len + 3071 + 64;
	buf_free(&b);
	return size;
}

static int
size_ok(struct job *j, const char *what, const char *text, size_t len)
{
	size_t size = stanza_size(j, text, len);

	if (size <= XU_STANZA_MAX)
		return 1;
	warnx("%s: %zu bytes once escaped for XML, more than %d", what,
	    size, XU_STANZA_MAX);
	return 0;
}

/*
 * All of stdin, less one trailing newline: the body of one message. A
 * signal ends the read at once, and nothing is sent: a message read in
 * part may not be the one meant (a draft abandoned with ^C).
 */
/*
 * Whether p holds line ends alone (LF, CR): as stdin, no message, as a
 * line of CRs alone is none to -l (line_blank).
 */
static int
line_blank_ends(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != '\n' && p[i] != '\r')
			return 0;
	return 1;
}

static int
read_body(struct buf *body, int optional)
{
	char chunk[65536];
	ssize_t n;
	int blank = 1;

	while ((n = read_by(STDIN_FILENO, chunk, sizeof(chunk), 0)) != 0) {
		if (n < 0 && errno == EINTR)
			return interrupted_nothing_sent();
		if (n < 0) {
			warn("reading stdin");
			return EX_IOERR;
		}
		buf_add(body, chunk, n);
		/* line ends alone are no message, however many: read on */
		blank = blank && line_blank_ends(chunk, n);
		if (blank && body->len > XU_TEXT_MAX + 1)
			body->len = XU_TEXT_MAX + 2;	/* too long, if text */
		else if (body->len > XU_TEXT_MAX + 1)	/* + its newline */
			break;
	}
	if (blank)
		body->len = 0;
	if (body->len > 0 && body->p[body->len - 1] == '\n')
		body->len--;
	if (body->len > XU_TEXT_MAX) {
		warnx("stdin: message longer than %d bytes", XU_TEXT_MAX);
		return EX_DATAERR;
	}
	buf_str(body);
	if (body->len == 0 && optional)
		return EX_OK;
	if (body->len == 0) {
		warnx("stdin: empty message, nothing sent");
		return EX_DATAERR;
	}
	return text_ok("stdin", body->p, body->len) ? EX_OK : EX_DATAERR;
}

/* A domain checkpoint, if one can go now: it vouches for all unprobed. */
static void
checkpoint(struct job *j)
{
	if (confirm_checkpoint(j->confirm))
		j->unprobed = 0;
}

/* Whether the window has room for another message. */
static int
room_to_send(struct session *s, struct job *j)
{
	if (outbox_full(&j->sent))
		outbox_confirmed(&j->sent, session_confirmed_below(s));
	/*
	 * Held for their domains: one ping each vouches for them all. Also
	 * with nothing new sent: a ping lost with a lost stream is asked
	 * again (a domain with one in flight is skipped).
	 */
	if (outbox_full(&j->sent))
		checkpoint(j);
	return !outbox_full(&j->sent);
}

/*
 * Sends one message, numbered n, to every recipient and room; oob, a
 * file's URL (then also its text) or NULL.
 */
static void
send_text(struct session *s, struct job *j, uint64_t n, const char *text,
    size_t len, const char *oob)
{
	struct buf b = { 0 };
	char *id = session_id(s, n);
	uint64_t first = 0, seq = 0;
	int i;

	for (i = 0; i < j->nto; i++) {
		b.len = 0;
		message_xml(&b, j->to[i], j->type, id, j->subject, text, len,
		    oob, j->level == CONFIRM_CLIENT);
		seq = session_send_buf(s, &b);
		first = first ? first : seq;
	}
	for (i = 0; i < j->nrooms; i++) {
		seq = muc_send(j->rooms[i], n, j->subject, text, len, oob);
		first = first ? first : seq;
	}
	outbox_add(&j->sent, first, seq, n, text, len, j->recipients.p,
	    j->recipients.len);
	j->last_number = n;
	for (i = 0; i < j->nto; i++)
		confirm_await(j->confirm, i);
	j->nsent++;
	/*
	 * --confirm domain: a ping every quarter window, answered while
	 * more is sent, so that a burst never stops to wait for one.
	 */
	if (++j->unprobed >= WINDOW / 4)
		checkpoint(j);
	buf_free(&b);
	free(id);
}

/*
 * Whether len bytes of text could make a stanza over the limit: escaping
 * makes a byte at most 6 ("&quot;"), so only long lines need the exact
 * count size_ok makes.
 */
static int
may_be_too_big(const struct job *j, size_t len)
{
	return (len + (j->subject ? strlen(j->subject) : 0)) * 6 + 3071 +
	    256 > XU_STANZA_MAX;
}

/*
 * A line of carriage returns alone is empty, as it is to -E: a CRLF
 * line end is still just a line end, and a lone CR no message.
 */
static int
line_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != '\r')
			return 0;
	return 1;
}

/*
 * A line's text, without the CR of a CRLF. Returns 0 for an empty line
 * (no message), -1 for one too long (said, with its number), else 1.
 */
static int
line_text(const struct lines *in, const char *line, size_t *len)
{
	if (line && *len > 0 && line[*len - 1] == '\r')
		--*len;
	if (line == NULL || *len > XU_TEXT_MAX) {
		warnx("line %lu: longer than %d bytes, not sent", in->lineno,
		    XU_TEXT_MAX);
		return -1;
	}
	return !line_blank(line, *len);
}

static void
send_line(struct session *s, struct job *j, struct lines *in,
    const char *line, size_t len)
{
	char what[64];
	int r;

	if ((r = line_text(in, line, &len)) <= 0) {
		j->rejected += r < 0;
		return;
	}
	snprintf(what, sizeof(what), "line %lu", in->lineno);
	if (!text_ok(what, line, len) ||
	    (may_be_too_big(j, len) && !size_ok(j, what, line, len))) {
		warnx("%s: not sent", what);
		j->rejected++;
	} else
		send_text(s, j, in->lineno, line, len, NULL);
}

static int
readable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * --queue: a line read and not sent (as lines_next gave it) is queued,
 * if it could be sent; one that could not is said, the first
 * REJECTS_SAID of them (a stream of garbage must not become a flood on
 * stderr, which cron mails).
 */
static void
keep_line(struct job *j, struct qentry *keep, const char *line, size_t len)
{
	const char *why = NULL;
	size_t off;

	if (line && len > 0 && line[len - 1] == '\r')
		len--;
	if (line == NULL || len > XU_TEXT_MAX)
		why = "longer than the most a message holds";
	else if (line_blank(line, len))
		return;
	else if ((why = text_check(line, len, &off)) == NULL &&
	    may_be_too_big(j, len) && stanza_size(j, line, len) >
	    XU_STANZA_MAX)
		why = "too long once escaped for XML";
	if (why == NULL) {
		qentry_add_text(keep, QMSG_TEXT, line, len);
		return;
	}
	if (j->rejected++ < REJECTS_SAID)
		warnx("line %lu: %s: not queued", j->in.lineno, why);
	else if (j->rejected == REJECTS_SAID + 1)
		warnx("more lines not queued: not named one by one");
}

/*
 * What was read and never sent, and with --unsent what is waiting on
 * stdin now (once we exit, a writer's next line would be lost): added to
 * unread by line number, and written to f.
 */
static void
gather_unread(struct job *j, struct unsent *f, struct ranges *unread)
{
	const char *line;
	size_t len, before;
	int r;

	if (j->in.fd != STDIN_FILENO)
		return;
	lines_stop(&j->in);
	for (;;) {
		while ((r = lines_next(&j->in, &line, &len)) == 1)
			if (line_text(&j->in, line, &len) > 0) {
				ranges_add(unread, j->in.lineno);
				unsent_write(f, line, len);
			}
		if (!f || !readable_now(j->in.fd))
			break;
		before = j->in.in.len - j->in.start;
		if (lines_fill(&j->in) == -1 ||
		    j->in.in.len - j->in.start == before)
			break;	/* the end of input, or an error */
	}
	if (lines_partial(&j->in, &line, &len)) {
		warnx("line %lu: read without its end", j->in.lineno);
		ranges_add(unread, j->in.lineno);
		unsent_write(f, line, len);
	}
}

/*
 * Closes --unsent: whether all that was written to it is there, which
 * a full disk says only now. One that could not be opened or written
 * was said; *rc, if still 0, becomes 74.
 */
static int
unsent_written(struct job *j, struct unsent *f, int *rc)
{
	int written = f != NULL && unsent_close(f) == 0;

	if (j->unsent && !written && *rc == EX_OK)
		*rc = EX_IOERR;
	return written;
}

/*
 * Giving up: says which messages the server never confirmed and, with
 * --unsent, writes them there, then the lines read but not yet sent, so
 * that nothing read from stdin is lost without a word. "Written" is
 * said only once the file is closed without an error.
 */
static void
report_unsent(struct session *s, struct job *j, int *rc)
{
	const struct outbox_msg *m;
	struct ranges lines = { 0 }, unread = { 0 };
	struct unsent *f = NULL;
	size_t i, count;
	int written;

	outbox_confirmed(&j->sent, session_confirmed_below(s));
	if (j->unsent)
		f = unsent_open(j->unsent);
	count = outbox_len(&j->sent);
	for (i = 0; i < count; i++) {
		m = outbox_at(&j->sent, i);
		if (j->in.fd >= 0)	/* -l: numbered by line */
			ranges_add(&lines, m->number);
		unsent_write(f, m->text, m->len);
	}
	gather_unread(j, f, &unread);
	written = unsent_written(j, f, rc);
	if (count)
		warnx("%zu message%s not confirmed by %s%s%s%s%s",
		    count, count == 1 ? "" : "s",
		    session_unconfirmed(s) > 0 || j->level == CONFIRM_SERVER ?
		    "the server" : j->level == CONFIRM_DOMAIN ?
		    "the recipients' domains" : "the recipients' clients",
		    lines.count ? " (lines " : "",
		    lines.count ? ranges_str(&lines) : "",
		    lines.count ? ")" : "", written ? "; written to --unsent" :
		    "");
	if (unread.count)
		warnx("%zu line%s read but not sent (line%s %s)%s",
		    unread.count, unread.count == 1 ? "" : "s",
		    unread.count == 1 ? "" : "s", ranges_str(&unread),
		    written ? ": written to --unsent" : "");
	ranges_free(&lines);
	ranges_free(&unread);
}

/*
 * The messages (not -l), never handed to the server: no login, a file
 * that could not be uploaded, or a signal first. Said, and with
 * --unsent written there as they were read (a file's, as its URL if
 * it is up), so that "xsend jid <file" sends the text again. (Called
 * without --unsent only once a login was tried: before, a config
 * error says enough.)
 */
static void
report_not_sent(struct job *j, int *rc)
{
	struct unsent *f = j->unsent ? unsent_open(j->unsent) : NULL;
	const struct attachment *a;
	const char *to;
	int i, written;

	if (j->text)
		unsent_write(f, j->text, strlen(j->text));
	for (i = 0; i < j->nfiles; i++)
		if ((a = &j->files[i])->url)
			unsent_write(f, a->url, strlen(a->url));
	written = unsent_written(j, f, rc);
	to = written ? ": written to --unsent" : "";
	if (j->text)
		warnx("%s: not sent%s", j->what, to);
	for (i = 0; i < j->nfiles; i++)
		if ((a = &j->files[i])->url)
			warnx("%s: uploaded, not sent%s", a->name, written ?
			    ": its URL written to --unsent" : "");
		else if (a->name)
			warnx("%s: not sent", a->name);
}

/*
 * --queue -l, after a failure: the rest of stdin too, to its end,
 * since the queue can take what no server could. A refused connection
 * takes microseconds: stopping at what was ready would lose what a
 * slower producer writes next (and kill it with SIGPIPE). But no
 * longer than -T without a byte (a tail -f never ends), nor past a
 * signal (the user stops it), nor past QUEUE_READ_MAX read, each
 * message counting its cost in memory too. A line begun and not ended
 * then is queued as it is, and said.
 */
static void
gather_rest(struct job *j, struct qentry *keep)
{
	const char *line;
	size_t len, held, cost = 0;
	int r;

	for (;;) {
		while ((r = lines_next(&j->in, &line, &len)) == 1) {
			keep_line(j, keep, line, len);
			cost += QUEUE_MSG_COST;
		}
		if ((j->stdin_ended = r == -1) || j->in.stopped)
			break;	/* its end, or a signal's (sent_lines) */
		if (cost > QUEUE_READ_MAX) {
			warnx("stdin: more than %d MiB to queue: the rest is "
			    "not read", QUEUE_READ_MAX >> 20);
			j->rejected++;
			break;
		}
		r = wait_readable(j->in.fd, now_ms() + j->timeout * 1000LL);
		if (r == 0)
			warnx("stdin: nothing more within %d s: what was "
			    "read is queued, the rest is not read",
			    j->timeout);
		else if (r == -1)
			warnx("interrupted: what was read is queued, the rest "
			    "is not read");
		held = j->in.in.len - j->in.start;
		if (r != 1 || lines_fill(&j->in) == -1)
			break;
		cost += j->in.in.len - held;	/* every byte, blank or not */
	}
	lines_stop(&j->in);
	while (lines_next(&j->in, &line, &len) == 1)
		keep_line(j, keep, line, len);
	if (lines_partial(&j->in, &line, &len)) {
		warnx("line %lu: read without its end", j->in.lineno);
		keep_line(j, keep, line, len);
	}
}

/*
 * The messages the server never confirmed, into keep: -l's (and the
 * lines read, and waiting, after them), else the messages from the
 * first not confirmed on; a file not yet up as the file, one up as
 * its URL. One the server confirmed but that awaits its recipients
 * (--confirm domain, client) is the server's to deliver: not kept.
 */
static void
gather_unconfirmed(struct session *s, struct job *j, struct qentry *keep)
{
	const struct outbox_msg *m;
	const struct qmsg *q;
	const struct attachment *a;
	uint64_t below = s ? session_confirmed_below(s) : 0;
	size_t i, first = j->start + j->nsent;

	if (s)
		outbox_confirmed(&j->sent, below);
	for (i = 0; i < outbox_len(&j->sent); i++) {
		if ((m = outbox_at(&j->sent, i))->last < below)
			continue;
		if (j->in.fd < 0) {
			first = m->number - j->base - 1;
			break;
		}
		qentry_add_text(keep, QMSG_TEXT, m->text, m->len);
	}
	if (j->in.fd >= 0) {
		gather_rest(j, keep);
		return;
	}
	for (i = first; i < j->msgs.nmsgs; i++) {
		q = &j->msgs.msgs[i];
		a = q->kind == QMSG_FILE ? &j->files[q->index] : NULL;
		if (a && a->url)
			qentry_add_text(keep, QMSG_URL, a->url,
			    strlen(a->url));
		else if (a)
			qentry_add_file(keep, a->name, a->type, a->size,
			    a->fd);
		else
			qentry_add_text(keep, q->kind, q->text, q->len);
	}
}

/*
 * The queue could not take them: each text goes on stderr (cron mails
 * it) and to --unsent, so that none is lost without a word.
 */
static void
report_not_queued(struct job *j, const struct qentry *keep, int *rc)
{
	struct unsent *f = j->unsent ? unsent_open(j->unsent) : NULL;
	const struct qmsg *m;
	struct buf shown = { 0 };
	size_t i;

	for (i = 0; i < keep->nmsgs; i++) {
		m = &keep->msgs[i];
		if (m->kind == QMSG_FILE) {
			warnx("%s: not sent, not queued",
			    text_shown(&shown, m->name));
			continue;
		}
		unsent_write(f, m->text, m->len);
		shown.len = 0;
		text_escape(&shown, m->text, m->len);
		warnx("not queued: %s", buf_str(&shown));
	}
	if (unsent_written(j, f, rc))
		warnx("%zu message%s written to --unsent", keep->nmsgs,
		    keep->nmsgs == 1 ? "" : "s");
	buf_free(&shown);
}

/*
 * --queue, after a failure that may pass: what the server never
 * confirmed becomes one entry of the account's queue, and *rc
 * EXIT_QUEUED. If the queue cannot take it, *rc is why (74, 73), and
 * the texts are said. Returns 0 when there was nothing to keep.
 */
static int
queue_unsent(struct session *s, struct job *j, const char *jid, int *rc)
{
	struct qentry keep = { 0 };
	struct buf from = { 0 };
	struct queue *q = NULL;
	int i, qrc;

	gather_unconfirmed(s, j, &keep);
	if (keep.nmsgs == 0) {
		qentry_free(&keep);
		return 0;
	}
	jid_normalize(&from, jid, 1);
	keep.from = xstrdup(from.p);
	keep.type = xstrdup(j->type);
	keep.subject = j->subject ? xstrdup(j->subject) : NULL;
	keep.to = xcalloc(j->nto + 1, sizeof(char *));
	for (i = 0; i < j->nto; i++)
		keep.to[keep.nto++] = xstrdup(j->to[i]);
	keep.rooms = xcalloc(j->nspecs + 1, sizeof(char *));
	for (i = 0; i < j->nspecs; i++)
		keep.rooms[keep.nrooms++] = xstrdup(j->specs[i]);
	if ((qrc = queue_open(&q, from.p, 1)) == EX_OK)
		qrc = queue_add(q, &keep);
	if (qrc == EX_OK) {
		warnx("%zu message%s queued (entry %s): xsend --flush sends "
		    "%s", keep.nmsgs, keep.nmsgs == 1 ? "" : "s", keep.id,
		    keep.nmsgs == 1 ? "it" : "them");
		*rc = EXIT_QUEUED;
	} else {
		*rc = qrc;
		report_not_queued(j, &keep, rc);
	}
	queue_close(q);
	qentry_free(&keep);
	buf_free(&from);
	return 1;
}

/*
 * -l: each line goes out as soon as it is read, while at most WINDOW
 * stanzas wait for the server's confirmation (each wait for it bounded
 * by -T, in the session). A signal stops the reading: the whole lines
 * already read are still sent, within -T of the signal; what is left
 * then is reported unsent.
 */
static int
send_lines(struct session *s, struct job *j, int timeout)
{
	struct lines *in = &j->in;
	const char *line;
	size_t len;
	int64_t stop_by = 0, left = -1, paused_at = 0;
	int r = 0, rc = EX_OK, paused = 0;

	for (;;) {
		while (room_to_send(s, j) &&
		    (r = lines_next(in, &line, &len)) == 1)
			send_line(s, j, in, line, len);
		if (r == -1)
			break;
		if (outbox_full(&j->sent) && !paused && j->verbose)
			warnx("%d messages wait for the server's confirmation: "
			    "reading paused", WINDOW);
		paused = outbox_full(&j->sent);
		if (confirm_failed(j->confirm))
			return EX_UNAVAILABLE;	/* a domain said it never will */
		if (!paused || session_unconfirmed(s) > 0)
			paused_at = 0;
		else if (paused_at == 0)
			paused_at = now_ms();
		else if (now_ms() - paused_at > timeout * 1000LL) {
			/* the server has it all; the rest waits on others */
			warnx("no confirmation from the recipients within %d s",
			    timeout);
			return EXIT_UNCONFIRMED;
		}
		if (signals_interrupted() && !stop_by) {
			lines_stop(in);
			stop_by = now_ms() + timeout * 1000LL;
			continue;	/* what was read may be all sent now */
		}
		if (stop_by && (left = stop_by - now_ms()) <= 0) {
			warnx("interrupted: the lines read were not all sent "
			    "within %d s", timeout);
			return EX_TEMPFAIL;
		}
		if (r == 0) {
			session_request_ack(s);	/* input idle: confirm */
			if (j->unprobed)
				checkpoint(j);
		}
		r = session_step(s, r == 0 && !in->eof ? STDIN_FILENO : -1,
		    (int)left);
		if (r > 1)
			return r;
		if (r == 1 && lines_fill(in) == -1) {
			warn("reading stdin");
			lines_stop(in);
			rc = EX_IOERR;
		}
	}
	return rc;
}

static int
worst(int rc, int next)
{
	return rc != EX_OK ? rc : next;
}

/* The text of the one message (not -l): -m, else all of stdin. */
static int
message_text(struct job *j, const char *m, struct buf *body,
    const char **text)
{
	int rc;

	if (m == NULL && (rc = read_body(body, j->nfiles > 0 ||
	    j->if_nonempty)) != EX_OK)
		return rc;
	if (m == NULL && body->len == 0)
		return EX_OK;	/* files alone: no text */
	*text = m ? m : body->p;
	j->what = m ? "-m" : "stdin";
	if (m && !text_ok("-m", m, strlen(m)))
		return EX_DATAERR;
	if (m && *m == '\0') {
		warnx("-m: empty message, nothing sent");
		return EX_DATAERR;
	}
	if (!size_ok(j, m ? "-m" : "stdin", *text, strlen(*text)))
		return EX_DATAERR;
	return EX_OK;
}

static int
join_rooms(struct session *s, struct job *j)
{
	int i, rc = EX_OK;

	for (i = j->nrooms; rc == EX_OK && i < j->nspecs; i++)
		if ((rc = muc_join(&j->rooms[j->nrooms], s, j->specs[i])) ==
		    EX_OK)
			j->nrooms++;
	return rc;
}

/*
 * --flush: how many of the entry's messages the server has confirmed
 * is written down as it does, so that a flush killed mid-way sends
 * again only those in flight.
 */
static void
note_progress(struct session *s, struct job *j)
{
	size_t done;

	if (j->q == NULL)
		return;
	outbox_confirmed(&j->sent, session_confirmed_below(s));
	done = j->start + j->nsent - outbox_len(&j->sent);
	if (done > j->recorded) {
		queue_progress(j->q, &j->msgs, done);
		j->recorded = done;
	}
}

/*
 * Not -l: sends those not sent yet, in order, while the window has
 * room. A file's message carries its URL as its text, and again for
 * XEP-0066, which is what clients show inline.
 */
static int
send_messages(struct session *s, struct job *j)
{
	const struct qmsg *m;
	const char *url;
	size_t k;
	int rc;

	while ((k = j->start + j->nsent) < j->msgs.nmsgs) {
		note_progress(s, j);	/* as soon as the server confirms */
		if (j->q && signals_interrupted()) {
			/* a flush stops: what is in flight confirmed, within
			 * -T, is not sent again; the rest stays queued */
			rc = session_sync(s);
			note_progress(s, j);
			warnx("interrupted: the rest stays queued");
			return rc == EX_OK ? EX_TEMPFAIL : rc;
		}
		if (!room_to_send(s, j)) {
			session_request_ack(s);
			if ((rc = session_step(s, -1, -1)) > 1)
				return rc;
			continue;
		}
		m = &j->msgs.msgs[k];
		url = m->kind == QMSG_FILE ? j->files[m->index].url :
		    m->kind == QMSG_URL ? m->text : NULL;
		if (url)
			send_text(s, j, j->base + k + 1, url, strlen(url), url);
		else
			send_text(s, j, j->base + k + 1, m->text, m->len, NULL);
	}
	return EX_OK;
}

/*
 * Puts each file not yet up on the account's upload service: all are
 * up before any message goes, so that none is sent for a file that
 * could not be.
 */
static int
upload_all(struct session *s, struct job *j, struct http *h)
{
	struct upload_service svc;
	struct attachment *a;
	int i, rc;

	for (i = 0; i < j->nfiles && j->files[i].url; i++)
		;
	if (i == j->nfiles)
		return EX_OK;
	if ((rc = upload_find(s, &svc)) != EX_OK)
		return rc;
	if (j->verbose && svc.max_size)
		warnx("uploading to %s (files of %" PRIu64 " bytes at most)",
		    svc.jid, svc.max_size);
	else if (j->verbose)
		warnx("uploading to %s", svc.jid);
	h->keep = s;
	for (; rc == EX_OK && i < j->nfiles; i++) {
		a = &j->files[i];
		rc = upload_send(s, &svc, h, a);
		if (rc == EX_OK && j->verbose)
			warnx("%s: %" PRIu64 " bytes up (%s)", a->name,
			    a->size, a->type);
	}
	upload_service_free(&svc);
	return rc;
}

/* Sends what there is to send and waits until the server has it all. */
static int
send_all(struct session *s, struct job *j, int timeout)
{
	int i, rc = EX_OK;

	if (j->in.fd >= 0)
		rc = send_lines(s, j, timeout);
	else
		rc = send_messages(s, j);
	if (rc == EX_OK && j->in.fd < 0 && j->nrooms == 0 && j->retry == 0 &&
	    !j->keep_open && !confirm_needs_stream(j->confirm))
		/* nothing more to send on it: confirm and close at once */
		return session_sync_close(s);
	rc = rc == EX_IOERR ? rc : rc != EX_OK ? rc : session_sync(s);
	for (i = 0; rc == EX_OK && i < j->nrooms; i++)
		rc = muc_sync(j->rooms[i]);
	if (rc == EX_OK)
		rc = confirm_wait(j->confirm, j->timeout);
	return rc;
}

/*
 * No connection, or a lost one: log in again after 0.5 s, 1 s, 2 s...
 * (30 s at most), --retry times for each outage. A resumed stream
 * carries on; a fresh one joins the rooms again and sends again what
 * was unconfirmed, then joins the rooms not joined yet (a failure
 * there, once the server answered, is an outage of its own).
 */
static int
recover(struct session *s, struct job *j, int rc)
{
	const struct retry r = { .attempts = j->retry, .first_ms = 500,
	    .max_ms = 30000, .resend = 1 };

	while (retry_worth(s, rc) && (rc = session_recover(s, &r)) == EX_OK)
		rc = join_rooms(s, j);
	/*
	 * A signal ended the attempts, not the server's failure: the end
	 * of any other signalled run (what was not sent said, and 75).
	 */
	if (j->retry != 0 && retry_worth(s, rc) && signals_interrupted()) {
		warnx("interrupted while reconnecting: %s",
		    session_failure(s));
		rc = EX_TEMPFAIL;
	}
	return rc;
}

/*
 * The window for the job's messages, and its recipients, each JID and
 * room NUL-ended: what the outbox's records and the bounces name.
 */
static void
job_targets(struct job *j)
{
	int i;

	outbox_init(&j->sent, WINDOW);
	for (i = 0; i < j->nto; i++)
		buf_add(&j->recipients, j->to[i], strlen(j->to[i]) + 1);
	for (i = 0; i < j->nspecs; i++) {
		buf_add(&j->recipients, j->specs[i], strcspn(j->specs[i], "/"));
		buf_addc(&j->recipients, '\0');
	}
}

/*
 * Whether an error with the id of our message n is its bounce: n was
 * sent, and the error comes from one of its recipients (or its room),
 * as a bounce does (RFC 6120 8.3.1). Its other recipients saw the id
 * too, and must not make us say it bounced where it did not.
 */
static int
bounce_ours(struct session *s, uint64_t n, const char *from, void *arg)
{
	const struct job *j = arg;
	const char *to, *end = j->recipients.p + j->recipients.len;

	(void)s;
	if (n <= j->base || n > j->last_number || from == NULL)
		return 0;
	for (to = j->recipients.p; to && to < end; to += strlen(to) + 1)
		if (jid_bare_equal(from, to))
			return 1;
	return 0;
}

/*
 * --queue through an agent whose own login is down (reconnecting): the
 * agent would hold what we send until it is back, and a queued copy
 * would then arrive twice. Queued at once instead: EX_TEMPFAIL, said.
 */
static int
agent_away(struct session *s)
{
	const char *status = agent_ask(s, 'Q');

	if (status == NULL || strstr(status, "\nstate online\n"))
		return EX_OK;
	warnx("the agent's session is down, reconnecting: nothing handed to "
	    "it");
	return EX_TEMPFAIL;
}

/* Logs in, joins the rooms, uploads, sends, confirms, leaves, closes. */
static int
deliver(struct job *j, struct common_opts *o)
{
	struct account acct;
	struct session *s;
	struct http h = { .insecure = o->insecure, .stall = o->timeout,
	    .verbose = o->verbose, .progress = !j->quiet && isatty(2) };
	int i, rc, kept;

	if ((rc = account_load(&acct, &o->acct)) != EX_OK) {
		if (j->in.fd < 0 && j->unsent)
			report_not_sent(j, &rc);
		return rc;
	}
	h.cafile = acct.cafile;
	h.capath = acct.capath;
	h.pin = acct.pin;
	if (j->queue < 0)
		j->queue = acct.queue && strcmp(acct.queue, "yes") == 0;
	o->resumable = j->retry != 0;
	rc = session_start(&s, &acct, o);
	if (j->retry == 0)
		account_forget_password(&acct);	/* no login will need it */
	if (rc == EX_OK && j->queue && session_agent(s))
		rc = agent_away(s);
	if (rc == EX_OK)
		rc = join_rooms(s, j);
	rc = recover(s, j, rc);
	if (rc == EX_OK)
		session_report_bounces(s, j->in.fd < 0 ? "message" : "line",
		    bounce_ours, j);
	if (s)
		j->confirm = confirm_new(s, &j->sent, j->level, j->to,
		    j->nto);
	while (rc == EX_OK) {
		if ((rc = upload_all(s, j, &h)) == EX_OK)
			rc = send_all(s, j, o->timeout);
		if (!retry_worth(s, rc))
			break;
		rc = recover(s, j, rc);
	}
	/* a signal cut a line short: not all that was read was sent */
	if (rc == EX_OK && lines_held(&j->in))
		rc = EX_TEMPFAIL;
	if (rc == EX_OK && (session_bounces(s) > 0 ||
	    confirm_failed(j->confirm)))
		rc = EX_UNAVAILABLE;
	if (rc == EX_OK && confirm_pending(j->confirm))
		rc = EXIT_UNCONFIRMED;
	if (rc == EX_OK && j->rejected > 0)
		rc = EX_DATAERR;
	if (j->confirm && j->nsent > 0)
		confirm_report(j->confirm, j->nsent, j->verbose);
	kept = j->queue && session_may_pass(s, rc) &&
	    queue_unsent(s, j, acct.jid, &rc);
	/* a line that could not be sent is lost: that outranks the rest */
	if (kept && rc == EXIT_QUEUED && j->rejected > 0)
		rc = EX_DATAERR;
	/* the queue takes what the server could not: stdin decides */
	if (!kept && j->stdin_ended && j->nsent == 0) {
		if (j->rejected == 0)
			warnx("stdin: no lines, nothing sent");
		rc = EX_DATAERR;	/* or a line that could not be, lost */
	}
	if (!kept && j->in.fd < 0 && j->nsent == 0) {
		/* what the server has unconfirmed is none of ours: requests */
		if (rc != EX_OK && (s || j->unsent))
			report_not_sent(j, &rc);
	} else if (!kept && s && (session_unconfirmed(s) > 0 ||
	    confirm_pending(j->confirm) || (j->in.fd >= 0 && rc != EX_OK)))
		report_unsent(s, j, &rc);
	for (i = 0; i < j->nrooms; i++)
		rc = worst(rc, muc_leave(j->rooms[i]));
	if (s)
		rc = worst(rc, session_close(s));
	/* a bounce counts however late, up to the server's own close */
	if ((rc == EX_OK || rc == EXIT_UNCONFIRMED || rc == EXIT_QUEUED) &&
	    s && session_bounces(s) > 0)
		rc = EX_UNAVAILABLE;
	session_free(s);
	confirm_free(j->confirm);
	account_free(&acct);
	return rc;
}

/* ---- --flush and --list-queue */

/* What a flush did, for its last word and its exit status. */
struct flush {
	struct queue *q;
	struct job *j;		/* the entry's job, reused for each */
	int64_t max_age;	/* queue_max_age: older entries fail; 0: none */
	struct confirm **confirms;	/* freed after the session */
	size_t nconfirms, cap;
	unsigned long delivered, left;	/* messages; left: of those the
					 * flush found, still queued */
	int failed, corrupt;	/* entries moved into failed/ */
};

/*
 * An entry that will never be delivered as it is: moved into failed/
 * as why says, and said. One that cannot be moved stays (marked: the
 * next flush tries again) and counts as failed all the same.
 */
static void
entry_fails(struct flush *f, const char *id, const char *reason,
    int corrupt)
{
	struct buf shown = { 0 };
	char *why = xstrdup(reason);	/* stderr_last's, which warnx moves */

	if (queue_fail(f->q, id, why) == EX_OK)
		warnx("entry %s: %s: moved into %s/failed", id,
		    text_shown(&shown, why), queue_path(f->q));
	else
		warnx("entry %s: %s", id, text_shown(&shown, why));
	f->corrupt += corrupt;
	f->failed += !corrupt;
	buf_free(&shown);
	free(why);
}

/*
 * An entry read (its messages in j->msgs) made the job: its recipients,
 * rooms and files. NULL, or why it cannot be one.
 */
static const char *
entry_job(struct flush *f, struct job *j, const char *jid)
{
	const struct qentry *e = &j->msgs;
	struct attachment *a;
	size_t i;
	int k;

	if (!jid_bare_equal(e->from, jid))
		return "queued by another account";
	if (e->nrooms > MAX_ROOMS)
		return "more rooms than xsend joins";
	if (e->nfiles > MAX_FILES)
		return "more files than xsend sends";
	j->type = e->type;
	j->subject = e->subject;
	j->to = e->to;
	j->nto = e->nto;
	for (k = 0; k < e->nrooms; k++)
		j->specs[k] = e->rooms[k];
	j->nspecs = e->nrooms;
	for (i = 0; i < e->nmsgs; i++) {
		if (e->msgs[i].kind != QMSG_FILE)
			continue;
		a = &j->files[j->nfiles++];
		a->name = xstrdup(e->msgs[i].name);
		a->type = e->msgs[i].type;
		a->size = e->msgs[i].size;
		if ((a->fd = queue_file_open(f->q, e, j->nfiles - 1)) == -1)
			return "a file not as it was queued";
	}
	j->q = f->q;
	j->start = j->recorded = e->sent;
	job_targets(j);
	return NULL;
}

/* The entry's job undone, for the next: the session's numbers go on. */
static void
entry_done(struct job *j)
{
	int i;

	j->base = j->last_number > j->base ? j->last_number : j->base;
	for (i = 0; i < j->nfiles; i++)
		attachment_free(&j->files[i]);
	memset(j->files, 0, sizeof(j->files));
	j->nfiles = j->nspecs = j->nrooms = 0;
	j->nsent = j->unprobed = 0;
	j->confirm = NULL;
	outbox_free(&j->sent);
	buf_free(&j->recipients);
	qentry_free(&j->msgs);
}

/*
 * One entry on the session: its rooms joined, its files up, its
 * messages sent in order and confirmed by the server (progress written
 * down as it goes), its rooms left. Delivered, it is removed; bounced,
 * moved into failed/. Returns EX_OK, or the session's failure, which
 * leaves it queued.
 */
static int
flush_entry(struct session *s, struct flush *f, struct http *h)
{
	struct job *j = f->j;
	unsigned long bounced = session_bounces(s);
	int i, rc, failed, removed = 0;

	rc = recover(s, j, join_rooms(s, j));
	j->confirm = confirm_new(s, &j->sent, CONFIRM_SERVER, j->to, j->nto);
	if (f->nconfirms == f->cap)
		f->confirms = xgrow(f->confirms, &f->cap, sizeof(*f->confirms));
	f->confirms[f->nconfirms++] = j->confirm;
	while (rc == EX_OK) {
		if ((rc = upload_all(s, j, h)) == EX_OK)
			rc = send_all(s, j, j->timeout);
		if (!retry_worth(s, rc))
			break;
		rc = recover(s, j, rc);
	}
	note_progress(s, j);
	for (i = 0; i < j->nrooms; i++)
		rc = worst(rc, muc_leave(j->rooms[i]));
	/*
	 * A bounce, or a refusal of the entry itself (a room's, an upload
	 * service's) rather than of the session: final, as for xsend.
	 */
	failed = session_bounces(s) > bounced || (rc != EX_OK &&
	    rc != EX_TEMPFAIL && !session_failed(s));
	if (failed)
		entry_fails(f, j->msgs.id, stderr_last(), 0);
	else if (rc == EX_OK && queue_remove(f->q, j->msgs.id) == EX_OK) {
		j->recorded = j->msgs.nmsgs;
		removed = 1;
	}
	f->delivered += j->recorded - j->start;
	f->left -= (failed || removed ? j->msgs.nmsgs : j->recorded) -
	    j->start;
	if (failed)
		return session_failed(s) ? rc : EX_OK;
	/*
	 * Held up by something of its own that may pass (an upload host
	 * away, a room that did not answer), the session fine: it waits
	 * for the next flush, and the entries after it go now.
	 */
	if (rc == EX_TEMPFAIL && !session_failed(s) &&
	    !signals_interrupted()) {
		warnx("entry %s: kept for the next flush", j->msgs.id);
		rc = EX_OK;
	}
	return rc;
}

/*
 * Before any login: each entry read; a corrupt one, or one older than
 * queue_max_age, moved into failed/. Returns the ids of those to send.
 */
static size_t
flush_check(struct flush *f, const char *jid, char **ids, size_t n)
{
	struct qentry e;
	struct buf why = { 0 }, age = { 0 };
	size_t i, keep = 0;
	int64_t old;
	char *id;
	int rc;

	for (i = 0; i < n; i++) {
		id = ids[i];
		ids[i] = NULL;
		why.len = age.len = 0;
		/* gone (69): another flush sent it */
		if ((rc = queue_read(f->q, id, &e, &why)) == EX_DATAERR)
			entry_fails(f, id, buf_str(&why), 1);
		else if (rc == EX_OK && !jid_bare_equal(e.from, jid))
			entry_fails(f, id, "queued by another account", 1);
		else if (rc == EX_OK && e.failing)
			entry_fails(f, id, "failed before (its reason file "
			    "says why)", 0);
		else if (rc == EX_OK && f->max_age > 0 &&
		    (old = time(NULL) - e.queued) > f->max_age) {
			buf_adds(&age, "queued ");
			queue_age_format(&age, old);
			buf_adds(&age, " ago, before queue_max_age");
			entry_fails(f, id, buf_str(&age), 0);
		} else if (rc == EX_OK) {
			f->left += e.nmsgs - e.sent;
			ids[keep++] = id;
			id = NULL;
		}
		qentry_free(&e);
		free(id);
	}
	buf_free(&why);
	buf_free(&age);
	return keep;
}

/* Logs in and sends the entries ids, oldest first, while it can. */
static int
flush_send(struct flush *f, struct common_opts *o, struct account *acct,
    char **ids, size_t n)
{
	struct session *s;
	struct buf why = { 0 };
	struct http h = { .insecure = o->insecure, .stall = o->timeout,
	    .verbose = o->verbose, .cafile = acct->cafile,
	    .capath = acct->capath, .pin = acct->pin,
	    .progress = !f->j->quiet && isatty(2) };
	const char *bad;
	size_t i;
	int rc;

	o->resumable = f->j->retry != 0;
	rc = session_start(&s, acct, o);
	if (f->j->retry == 0)
		account_forget_password(acct);
	/* the agent flushes once it is back: nothing to leave with it */
	if (rc == EX_OK && session_agent(s))
		rc = agent_away(s);
	rc = recover(s, f->j, rc);
	if (rc == EX_OK)
		session_report_bounces(s, "message", bounce_ours, f->j);
	for (i = 0; rc == EX_OK && i < n; i++) {
		if (signals_interrupted()) {
			warnx("interrupted: the rest stays queued");
			rc = EX_TEMPFAIL;
			break;
		}
		why.len = 0;
		if (queue_read(f->q, ids[i], &f->j->msgs, &why) != EX_OK)
			continue;	/* gone since: another flush sent it */
		if ((bad = entry_job(f, f->j, acct->jid)) != NULL) {
			entry_fails(f, ids[i], bad, 1);
			f->left -= f->j->msgs.nmsgs - f->j->msgs.sent;
		} else
			rc = flush_entry(s, f, &h);
		entry_done(f->j);
	}
	if (s)
		rc = worst(rc, session_close(s));
	session_free(s);
	buf_free(&why);
	return rc;
}

/*
 * --flush: the account's queue, oldest entry first, under the lock;
 * without a login when nothing is left to send. The exit status puts
 * what will never be delivered first: 69 (bounced, expired), 65
 * (corrupt), then 2 (some still queued).
 */
static int
flush(struct job *j, struct common_opts *o)
{
	struct flush f = { .j = j, .max_age = QUEUE_MAX_AGE };
	struct account acct;
	struct buf jid = { 0 };
	char **ids = NULL;
	size_t i, n = 0;
	int rc;

	stderr_remember();	/* a bounce's words go into failed/ */
	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	if (acct.queue_max_age)
		queue_age_parse(acct.queue_max_age, &f.max_age);
	jid_normalize(&jid, acct.jid, 1);
	if ((rc = queue_open(&f.q, jid.p, 0)) == EX_UNAVAILABLE)
		rc = EX_OK;	/* never made: nothing queued */
	else if (rc == EX_OK && (rc = queue_lock(f.q)) == EX_OK) {
		queue_tidy(f.q);
		queue_list(f.q, &ids, &n);
		if ((n = flush_check(&f, jid.p, ids, n)) > 0)
			rc = flush_send(&f, o, &acct, ids, n);
		queue_sync(f.q);
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	if (f.q && (o->verbose || f.left || f.failed || f.corrupt))
		warnx("%lu message%s delivered, %lu still queued",
		    f.delivered, f.delivered == 1 ? "" : "s", f.left);
	if (f.failed)
		rc = EX_UNAVAILABLE;
	else if (f.corrupt)
		rc = EX_DATAERR;
	else if (f.left && !signals_interrupted() && (rc == EX_OK ||
	    rc == EX_TEMPFAIL || rc == EX_UNAVAILABLE))
		rc = EXIT_QUEUED;	/* the server is away again */
	for (i = 0; i < f.nconfirms; i++)
		confirm_free(f.confirms[i]);
	free(f.confirms);
	queue_close(f.q);
	account_free(&acct);
	buf_free(&jid);
	return rc;
}

/* One waiting message, as --list-queue prints it. */
static void
list_message(struct buf *b, const struct qentry *e, size_t k,
    enum format fmt)
{
	const struct qmsg *m = &e->msgs[k];
	const char *nl;
	int i;

	if (fmt == FORMAT_TEXT) {
		queue_age_format(b, time(NULL) - e->queued);
		buf_addc(b, '\t');
		for (i = 0; i < e->nto + e->nrooms; i++) {
			if (i)
				buf_addc(b, ',');
			text_escape(b, i < e->nto ? e->to[i] :
			    e->rooms[i - e->nto], strlen(i < e->nto ?
			    e->to[i] : e->rooms[i - e->nto]));
		}
		buf_addc(b, '\t');
		if (m->kind == QMSG_FILE) {
			buf_adds(b, "file ");
			text_escape(b, m->name, strlen(m->name));
			buf_printf(b, " (%" PRIu64 " bytes)", m->size);
		} else {
			nl = memchr(m->text, '\n', m->len);
			text_escape(b, m->text, nl ? (size_t)(nl - m->text) :
			    m->len);
		}
		buf_addc(b, '\n');
		return;
	}
	buf_adds(b, "{\"entry\":");
	json_value(b, e->id);
	buf_printf(b, ",\"n\":%zu,\"queued\":%" PRId64 ",\"age\":%" PRId64,
	    k + 1, e->queued, (int64_t)time(NULL) - e->queued);
	json_field(b, "from", e->from);
	buf_adds(b, ",\"to\":[");
	for (i = 0; i < e->nto; i++) {
		buf_adds(b, i ? "," : "");
		json_value(b, e->to[i]);
	}
	buf_adds(b, "],\"rooms\":[");
	for (i = 0; i < e->nrooms; i++) {
		buf_adds(b, i ? "," : "");
		json_value(b, e->rooms[i]);
	}
	buf_addc(b, ']');
	json_field(b, "type", e->type);
	json_field(b, "subject", e->subject);
	if (m->kind == QMSG_FILE) {
		buf_adds(b, ",\"file\":{\"name\":");
		json_value(b, m->name);
		json_field(b, "type", m->type);
		buf_printf(b, ",\"size\":%" PRIu64 "}", m->size);
	} else {
		buf_adds(b, m->kind == QMSG_URL ? ",\"url\":" : ",\"text\":");
		json_escape(b, m->text, m->len);
	}
	buf_adds(b, "}\n");
}

/* --list-queue: what waits, a line a message, oldest first; no login. */
static int
list_queue(struct common_opts *o, enum format fmt)
{
	struct account acct;
	struct queue *q;
	struct qentry e;
	struct buf jid = { 0 }, out = { 0 }, why = { 0 };
	char **ids = NULL;
	size_t i, k, n = 0, failed;
	int rc;

	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	jid_normalize(&jid, acct.jid, 1);
	if ((rc = queue_open(&q, jid.p, 0)) == EX_OK) {
		queue_list(q, &ids, &n);
		for (i = 0; i < n && !stdout_failed(); i++) {
			why.len = 0;
			if (queue_read(q, ids[i], &e, &why) == EX_DATAERR)
				warnx("entry %s: corrupt: %s (--flush moves it "
				    "into failed/)", ids[i], buf_str(&why));
			else if (e.failing)
				warnx("entry %s: failed (its reason file says "
				    "why), not yet moved into failed/", ids[i]);
			for (k = e.sent; !e.failing && k < e.nmsgs; k++) {
				out.len = 0;
				list_message(&out, &e, k, fmt);
				stdout_write(out.p, out.len);
			}
			qentry_free(&e);
		}
		if ((failed = queue_failed_count(q)) > 0)
			warnx("%zu entr%s in %s/failed", failed, failed == 1 ?
			    "y" : "ies", queue_path(q));
		queue_ids_free(ids, n);
		queue_close(q);
	}
	rc = rc == EX_UNAVAILABLE ? EX_OK : rc;	/* none: nothing queued */
	account_free(&acct);
	buf_free(&jid);
	buf_free(&out);
	buf_free(&why);
	return rc;
}

/*
 * --flush or --list-queue (mode), which take none of a message's
 * options (sending ones) nor recipients: the queue's entries say them.
 */
static int
queue_mode(struct job *j, struct common_opts *o, int mode, enum format fmt,
    int nargs, int sending)
{
	if ((nargs > 0 || sending) && mode == OPT_FLUSH)
		errx(EX_USAGE, "--flush: the queue says what to send, and to "
		    "whom: no recipient, no message option");
	if (nargs > 0 || sending || (mode == OPT_LIST_QUEUE && j->retry))
		errx(EX_USAGE, "--list-queue only lists: no recipient, and "
		    "no option of a send");
	if (mode == OPT_LIST_QUEUE)
		return list_queue(o, fmt);
	j->verbose = o->verbose;
	j->timeout = o->timeout;
	j->keep_open = 1;
	if (o->keepalive < 0)
		o->keepalive = 0;
	return flush(j, o);
}

/*
 * --attach without -m: the text is stdin's, as without files, unless
 * stdin is a file attached, or a terminal (nobody types to a cron job;
 * a person attaching files has -m).
 */
static int
text_on_stdin(const struct job *j)
{
	int i;

	for (i = 0; i < j->nfiles; i++)
		if (strcmp(j->paths[i], "-") == 0)
			return 0;
	return !isatty(STDIN_FILENO);
}

/*
 * -E with -l: reads stdin before any login until it holds a line that
 * is not empty (see line_blank), or ends without one (*empty). A `grep
 * ERROR log | xsend -E -l` with nothing to say never logs in. The empty
 * lines are dropped as they are read (counted, so that line numbers stay
 * true); the first other one, begun, stays in j->in for the send. A run
 * of CRs longer than a line may be is that line: said by the send.
 */
static int
first_line(struct job *j, int *empty)
{
	struct lines *in = &j->in;
	size_t i = in->start;

	/* each byte once: a flood of empty lines costs linear time */
	for (;;) {
		for (; i < in->in.len; i++) {
			if (in->in.p[i] == '\n') {
				in->start = i + 1;
				in->lineno++;
			} else if (in->in.p[i] != '\r' ||
			    i - in->start >= in->max)
				return EX_OK;
		}
		if (in->eof) {
			*empty = 1;
			return EX_OK;
		}
		if (wait_readable(in->fd, 0) < 0)
			return interrupted_nothing_sent();
		i -= in->start;	/* lines_fill may move what is held */
		if (lines_fill(in) == -1) {
			warn("reading stdin");
			return EX_IOERR;
		}
		i += in->start;
	}
}

/*
 * --attach: every file opened (stdin's read) before any login, so that
 * one that cannot be is an error before anything is sent.
 */
static int
open_files(struct job *j)
{
	int i, rc = EX_OK;

	for (i = 0; rc == EX_OK && i < j->nfiles; i++)
		rc = attachment_open(&j->files[i], j->paths[i], j->names[i]);
	return rc;
}

/* -r: bad input, like a malformed recipient, is refused before login. */
static void
add_room(struct job *j, const char *spec)
{
	struct buf shown = { 0 };
	const char *why;

	if ((why = muc_spec_check(spec)) != NULL)
		errx(EX_DATAERR, "room %s: %s", text_shown(&shown, spec), why);
	if (j->nspecs == MAX_ROOMS)
		errx(EX_USAGE, "-r: at most %d rooms", MAX_ROOMS);
	j->specs[j->nspecs++] = spec;
}

/*
 * The recipients and what the options say together, checked before
 * anything is read or sent; the outbox's records name the recipients.
 */
static int
job_check(struct job *j, char **to, int nto, const char *m, int lines)
{
	struct buf shown = { 0 };
	const char *why;
	int i, stdin_taken = 0;

	j->to = to;
	j->nto = nto;
	if (j->nto == 0 && j->nspecs == 0) {
		warnx("no recipient: name a jid, or a room with -r");
		usage(EX_USAGE);
	}
	if (lines && m)
		errx(EX_USAGE, "-l reads stdin: it cannot go with -m");
	if (lines && j->nfiles)
		errx(EX_USAGE, "-l sends lines: --attach cannot go with it");
	for (i = 0; i < j->nfiles; i++)
		if (strcmp(j->paths[i], "-") == 0 && stdin_taken++)
			errx(EX_USAGE, "--attach -: stdin can be read once");
	if (strcmp(j->type, "groupchat") == 0 && j->nto > 0)
		errx(EX_USAGE, "-t groupchat: name rooms with -r, not as "
		    "recipients");
	for (i = 0; i < j->nto; i++)
		if ((why = jid_check(j->to[i])) != NULL)
			errx(EX_DATAERR, "recipient %s: %s",
			    text_shown(&shown, j->to[i]), why);
	if (j->subject && !text_ok("-s", j->subject, strlen(j->subject)))
		return EX_DATAERR;
	job_targets(j);
	return EX_OK;
}

/* Whether ch is an option of a send, which --flush and --list-queue refuse. */
static int
send_option(int ch)
{
	switch (ch) {
	case 'E': case 'l': case 'm': case 'r': case 's': case 't':
	case OPT_ATTACH: case OPT_ATTACH_NAME: case OPT_UNSENT:
	case OPT_QUEUE: case OPT_NO_QUEUE: case OPT_CONFIRM:
		return 1;
	default:
		return 0;
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "lines", no_argument, NULL, 'l' },
		{ "message", required_argument, NULL, 'm' },
		{ "room", required_argument, NULL, 'r' },
		{ "subject", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "retry", required_argument, NULL, OPT_RETRY },
		{ "unsent", required_argument, NULL, OPT_UNSENT },
		{ "confirm", required_argument, NULL, OPT_CONFIRM },
		{ "agent-persist", required_argument, NULL,
		    OPT_AGENT_PERSIST },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "attach-name", required_argument, NULL, OPT_ATTACH_NAME },
		{ "queue", no_argument, NULL, OPT_QUEUE },
		{ "no-queue", no_argument, NULL, OPT_NO_QUEUE },
		{ "flush", no_argument, NULL, OPT_FLUSH },
		{ "list-queue", no_argument, NULL, OPT_LIST_QUEUE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "if-nonempty", no_argument, NULL, 'E' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct job j = { .type = "chat", .in = { .fd = -1 }, .queue = -1 };
	struct buf body = { 0 };
	const char *m = NULL, *text = NULL;
	enum format fmt = FORMAT_TEXT;
	int ch, lines = 0, mode = 0, formatted = 0, empty = 0, sending = 0;
	int rc = EX_OK;

	stdfd_sanitise();
	signals_init();
	common_init(&o);
	while ((ch = common_getopt(argc, argv, "Ehlm:r:s:t:" COMMON_SHORTOPTS,
	    longopts)) != -1) {
		sending |= send_option(ch);
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case OPT_HELP:
			help_print(usage_lines, help, 0);
		case 'E':
			j.if_nonempty = 1;
			break;
		case 'l':
			lines = 1;
			break;
		case 'm':
			m = optarg;
			break;
		case OPT_ATTACH:
			if (j.nfiles == MAX_FILES)
				errx(EX_USAGE, "--attach: at most %d files",
				    MAX_FILES);
			j.files[j.nfiles].fd = -1;	/* not open yet */
			j.paths[j.nfiles++] = optarg;
			break;
		case OPT_ATTACH_NAME:
			if (j.nfiles == 0 || j.names[j.nfiles - 1])
				errx(EX_USAGE, "--attach-name names the file "
				    "of the --attach before it");
			j.names[j.nfiles - 1] = optarg;
			break;
		case 'r':
			add_room(&j, optarg);
			break;
		case 's':
			j.subject = optarg;
			break;
		case 't':
			if (strcmp(optarg, "chat") && strcmp(optarg, "normal") &&
			    strcmp(optarg, "headline") &&
			    strcmp(optarg, "groupchat"))
				bad_value(optarg, "expected chat, normal, "
				    "headline or groupchat");
			j.type = optarg;
			break;
		case OPT_RETRY:
			j.retry = retry_arg(optarg, option_typed());
			break;
		case OPT_UNSENT:
			/* its name is said in messages, as written */
			if (!showable_name(optarg, "--unsent",
			    "the file's name"))
				exit(EX_USAGE);
			j.unsent = optarg;
			break;
		case OPT_QUEUE:
		case OPT_NO_QUEUE:
			j.queue = ch == OPT_QUEUE;
			break;
		case OPT_FLUSH:
		case OPT_LIST_QUEUE:
			if (mode && mode != ch)
				errx(EX_USAGE, "--flush and --list-queue: one "
				    "at a time");
			mode = ch;
			break;
		case OPT_FORMAT:
			fmt = format_records_arg(optarg);
			formatted = 1;
			break;
		case OPT_CONFIRM:
			if (!confirm_level_arg(optarg, &j.level))
				bad_value(optarg, "expected server, domain or "
				    "client");
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.agent_persist && o.agent == AGENT_NEVER)
		errx(EX_USAGE, "--agent-persist starts an agent: it cannot go "
		    "with --no-agent");
	if (o.show_cert && mode == OPT_LIST_QUEUE)
		errx(EX_USAGE, "--show-cert and --list-queue: one at a time");
	if (o.show_cert)
		return stdout_done(session_show_cert(&o));
	if (formatted && mode != OPT_LIST_QUEUE)
		errx(EX_USAGE, "--format goes with --list-queue");
	j.quiet = o.quiet;
	if (mode)
		return stdout_done(queue_mode(&j, &o, mode, fmt, argc - optind,
		    sending));
	if ((rc = job_check(&j, argv + optind, argc - optind, m, lines)) !=
	    EX_OK)
		return rc;
	j.verbose = o.verbose;
	j.timeout = o.timeout;
	if (lines) {
		/* one more byte: a CR before the newline does not count */
		lines_init(&j.in, STDIN_FILENO, XU_TEXT_MAX + 1);
		/* a silent dead link shows when we next send, if ever */
		if (o.keepalive < 0)
			o.keepalive = 30;
		if (j.if_nonempty)
			rc = first_line(&j, &empty);
	} else if (m || j.nfiles == 0 || text_on_stdin(&j))
		rc = message_text(&j, m, &body, &text);
	if (rc == EX_OK && !lines && j.if_nonempty && text == NULL &&
	    j.nfiles == 0)
		empty = 1;
	j.text = text;
	rc = rc == EX_OK && !empty ? open_files(&j) : rc;
	/* cmd | xsend -E --attach -: an empty stdin is no file either */
	if (rc == EX_OK && j.if_nonempty && text == NULL && j.nfiles == 1 &&
	    strcmp(j.paths[0], "-") == 0 && j.files[0].size == 0)
		empty = 1;
	if (empty && j.verbose)
		warnx("-E: stdin is empty: nothing sent");
	if (text)
		qentry_add_text(&j.msgs, QMSG_TEXT, text, strlen(text));
	for (ch = 0; rc == EX_OK && ch < j.nfiles; ch++)
		qentry_add_file(&j.msgs, j.files[ch].name, j.files[ch].type,
		    j.files[ch].size, j.files[ch].fd);
	if (o.keepalive < 0)
		o.keepalive = 0;
	if (rc == EX_OK && !empty)
		rc = deliver(&j, &o);
	/* as without -l: no message at all is an error, unless -E */
	if (rc == EX_OK && lines && !empty && j.nsent == 0) {
		warnx("stdin: no lines, nothing sent");
		rc = EX_DATAERR;
	}
	for (ch = 0; ch < j.nfiles; ch++)
		attachment_free(&j.files[ch]);
	lines_free(&j.in);
	qentry_free(&j.msgs);
	outbox_free(&j.sent);
	buf_free(&j.recipients);
	buf_free(&body);
	return stdout_done(rc);
}
