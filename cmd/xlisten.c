/*
 * xlisten: print each message as it arrives, one line each.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

enum { OPT_ALL = OPT_TOOL, OPT_DOWNLOAD, OPT_FORMAT, OPT_FROM,
	OPT_MAX_SIZE, OPT_MAX_TIME, OPT_PRIORITY, OPT_RECONNECT, OPT_RETRY, OPT_SHOW,
	OPT_STATUS, OPT_NO_RECEIPTS };

#define MAX_ROOMS 16
/* --max-size's default: 100 MB */
#define MAX_SIZE_DEFAULT (100ULL * 1024 * 1024)
/*
 * --max-time's: the messages behind a download wait for it, so a
 * sender that drips one byte a second cannot hold them for hours
 */
#define MAX_TIME_DEFAULT 300

/* the message types -t can ask for */
static const char *types[] = { "chat", "normal", "headline", "groupchat",
    "error" };

struct listener {
	enum format format;
	int all;		/* presence and iq too */
	const char *from;	/* bare or full JID to print only */
	unsigned typemask;	/* 0: every type */
	long long want;		/* -n: stop after this many; 0: never */
	long long printed;
	int closed;		/* stdout went away */
	int write_error;	/* or failed: the exit says so */
	struct buf line;
	int priority;
	const char *show;	/* --show: away, chat, dnd, xa; NULL: none */
	const char *status;	/* --status: checked by text_check */
	int retry;		/* --retry: logins allowed an outage */
	int receipts;		/* answer XEP-0184 requests (not
				 * --no-receipts) */
	unsigned long answered;	/* receipts sent */
	const char *specs[MAX_ROOMS];	/* -r ROOM[/NICK] */
	int nspecs;
	struct room *rooms[MAX_ROOMS];	/* those joined */
	int nrooms;
	int verbose;
	const char *download;	/* --download DIR; NULL: none */
	struct attach_dir dir;	/* it, opened */
	uint64_t max_size;	/* --max-size, of each download */
	int max_time;		/* --max-time, of each download */
	struct http http;	/* how a download is fetched */
};

static void
usage_lines(FILE *f)
{
	fprintf(f, "usage: %s [-c count] [-r room[/nick]] [-t type] "
	    "[-w seconds] [--all]\n\t[--format text|json|xml] [--from jid] "
	    "[--retry n|inf] [--no-receipts]\n\t[--priority n] "
	    "[--show away|chat|dnd|xa] [--status text]\n\t[--download dir "
	    "[--max-size bytes] [--max-time seconds]]\n\t"
	    COMMON_USAGE "\n", getprogname());
}

static void __attribute__((noreturn))
usage(int rc)
{
	usage_lines(rc == EX_OK ? stdout : stderr);
	exit(rc == EX_OK ? stdout_done(rc) : rc);
}

/* --help: every option of xlisten's own, one line each. */
static const char help[] =
"Prints each message that arrives, as a line of text, JSON or XML.\n"
"\n"
"What to listen to:\n"
"  -r, --room ROOM[/NICK]   join ROOM (as NICK), print it too; repeatable\n"
"  -t, --type TYPE          only chat, normal, headline, groupchat or error\n"
"      --from JID           only messages from JID (a bare JID: any resource)\n"
"      --all                every stanza, not only messages (json or xml)\n"
"      --download DIR       save the files messages share into DIR\n"
"      --max-size BYTES     the largest file to save (with --download)\n"
"      --max-time SECONDS   the longest a download may take (--download)\n"
"\n"
"How long:\n"
"  -c, --count N            exit after N messages\n"
"  -w, --wait SECONDS       exit after SECONDS (else until a signal)\n"
"      --retry N|inf        log in again N times if the connection is lost\n"
"\n"
"Output:\n"
"      --format FORMAT      text (the default), json (a line each) or xml\n"
"      --no-receipts        never answer a sender's receipt request\n"
"\n"
"Presence (what others see of us):\n"
"      --priority N         the presence's priority, -128 to 127 (0)\n"
"      --show SHOW          away, chat, dnd or xa\n"
"      --status TEXT        the presence's status text\n";
static unsigned
type_bit(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return 1u << i;
	return 0;
}

static int
wanted(struct listener *l, xmpp_stanza_t *st)
{
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);

	/* alice@example.org: any of her resources; a full JID: only it */
	if (l->from && !jid_matches(l->from, xmpp_stanza_get_from(st)))
		return 0;
	if (strcmp(name, "message") != 0)
		return l->all;
	if (l->typemask && !(l->typemask & type_bit(type ? type : "normal")))
		return 0;
	return l->all || xmpp_stanza_get_child_by_name(st, "body") != NULL;
}

/* Whether from is one of the rooms joined: a room's JID or an occupant's. */
static int
from_room(struct listener *l, const char *from)
{
	int i;

	for (i = 0; i < l->nrooms; i++)
		if (jid_bare_equal(muc_jid(l->rooms[i]), from))
			return 1;
	return 0;
}

/*
 * XEP-0184: a message that asks for a receipt gets one once its line is
 * written, so that a sender confirming at its client's level knows the
 * pipeline has it. Never for groupchat or an error, never in a room
 * (the spec's rules), never without an id to name.
 */
static void
answer_receipt(struct session *s, struct listener *l, xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st);
	const char *from = xmpp_stanza_get_from(st);
	struct buf b = { 0 };

	/* the types a receipt goes for, and what the answer says: the
	 * sender's word, so only one of these */
	if (type && strcmp(type, "chat") && strcmp(type, "normal") &&
	    strcmp(type, "headline"))
		return;
	if (!l->receipts || strcmp(xmpp_stanza_get_name(st), "message") ||
	    !message_receipt_requested(st) || id == NULL || from == NULL ||
	    from_room(l, from))
		return;
	buf_adds(&b, "<message to='");
	xml_escape(&b, from, strlen(from));
	if (type)
		buf_printf(&b, "' type='%s", type);
	buf_adds(&b, "'><received xmlns='" NS_RECEIPTS "' id='");
	xml_escape(&b, id, strlen(id));
	buf_adds(&b, "'/></message>");
	session_send_buf(s, &b);
	buf_free(&b);
	l->answered++;
}

/*
 * --download: each URL the message carries, saved into the directory,
 * its path or why not kept for the JSON. The session is not served
 * meanwhile (keep is NULL): this runs inside its stanza handler, which
 * a served session would call again. A server may then take a long
 * download for a dead client; with --retry, the stream is resumed.
 */
static void
download_all(struct listener *l, struct oob_list *oob)
{
	struct buf path = { 0 }, why = { 0 }, shown = { 0 };
	struct oob *o;
	int i;

	for (i = 0; i < oob->n; i++) {
		o = &oob->item[i];
		if (signals_interrupted()) {
			o->error = xstrdup("interrupted");
			continue;
		}
		if (attach_save(&l->dir, &l->http, o->url, l->max_size, &path,
		    &why) != EX_OK) {
			o->error = xstrdup(buf_str(&why));
			continue;
		}
		o->path = xstrdup(buf_str(&path));
		if (l->verbose) {
			shown.len = 0;
			text_escape(&shown, o->url, strlen(o->url));
			buf_adds(&shown, ": saved as ");
			text_escape(&shown, o->path, strlen(o->path));
			warnx("download %s", buf_str(&shown));
		}
	}
	buf_free(&path);
	buf_free(&why);
	buf_free(&shown);
}

/*
 * Prints st if it is wanted. Once -n is reached or stdout is gone, it
 * takes no more: what arrives then stays with the server for next time.
 */
static int
print(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct listener *l = arg;
	struct oob_list oob;

	if (l->closed || (l->want && l->printed >= l->want))
		return 0;
	if (!wanted(l, st))
		return 1;
	l->line.len = 0;
	if (l->download && strcmp(xmpp_stanza_get_name(st), "message") == 0) {
		oob_collect(&oob, st);
		download_all(l, &oob);
		stanza_format_oob(&l->line, st, l->format, &oob);
		oob_list_free(&oob);
	} else
		stanza_format(&l->line, st, l->format);
	/* straight to the descriptor: a line at a time, flushed at once */
	if (write_all(STDOUT_FILENO, l->line.p, l->line.len) == -1) {
		/* a reader that left is the end; anything else a failure */
		if (errno != EPIPE) {
			warn("stdout");
			l->write_error = 1;
		}
		l->closed = 1;
		return 0;
	}
	l->printed++;
	answer_receipt(s, l, st);
	return 1;
}

/* Our presence, which a fresh stream must say again. */
static int
send_presence(struct session *s, void *arg)
{
	struct listener *l = arg;
	struct buf b = { 0 };

	buf_adds(&b, "<presence>");
	if (l->show)
		buf_printf(&b, "<show>%s</show>", l->show);
	if (l->status) {
		buf_adds(&b, "<status>");
		xml_escape(&b, l->status, strlen(l->status));
		buf_adds(&b, "</status>");
	}
	buf_printf(&b, "<priority>%d</priority></presence>", l->priority);
	session_send_buf(s, &b);
	buf_free(&b);
	return session_sync(s);
}

/*
 * A pipe's reader may go away while nothing is being written, as when
 * head(1) has its line: poll reports that on the write end, so watch
 * stdout when it is a pipe. (Anything else would poll readable.)
 */
static int
stdout_watch(void)
{
	struct stat st;

	return fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode) ?
	    STDOUT_FILENO : -1;
}

/* -v: listening as the JID the server bound (escaped: its to choose). */
static void
listening(struct session *s, const char *how)
{
	struct buf b = { 0 };

	warnx("listening as %s%s", text_shown(&b, session_jid(s)), how);
	buf_free(&b);
}

/*
 * Presence and the rooms, and a word (with -v) that we are listening.
 * After a fresh login the session says both again (session_on_fresh).
 */
static int
start_listening(struct session *s, struct listener *l)
{
	int i, rc = send_presence(s, l);

	session_on_fresh(s, send_presence, l);
	for (i = 0; rc == EX_OK && i < l->nspecs; i++)
		if ((rc = muc_join(&l->rooms[i], s, l->specs[i])) == EX_OK)
			l->nrooms++;
	if (rc == EX_OK && l->verbose)
		listening(s, "");
	return rc;
}

/*
 * --retry: log in again after 1 s, 2 s, 4 s... (a minute at most), as
 * many times an outage as it says, or until a signal. A resumed stream
 * carries on, the server sending again what we had not acknowledged; on
 * a fresh one what was unconfirmed is dropped (presence, mostly),
 * presence and rooms go again, and the server hands over what came
 * meanwhile from its offline store. Stopped by a signal, the listener
 * ends as it would have: EX_OK, the session still failed.
 */
static int
recover(struct session *s, struct listener *l, int rc)
{
	const struct retry r = { .attempts = l->retry, .first_ms = 1000,
	    .max_ms = 60000, .resend = 0 };

	if (!retry_worth(s, rc))
		return rc;
	rc = session_recover(s, &r);
	return rc != EX_OK && signals_interrupted() ? EX_OK : rc;
}

/* Prints until -n is reached, -w runs out, a signal, or stdout closes. */
static int
listen_loop(struct session *s, struct listener *l, long long wait_s)
{
	int64_t deadline = wait_s ? now_ms() + wait_s * 1000 : 0, left = -1;
	int r, out = stdout_watch();

	for (;;) {
		if (l->closed || signals_interrupted() ||
		    (l->want && l->printed >= l->want))
			return EX_OK;
		if (deadline && (left = deadline - now_ms()) <= 0)
			return l->printed >= (l->want ? l->want : 1) ? EX_OK : 1;
		r = session_step(s, out, (int)left);
		if (r > 1) {
			if ((r = recover(s, l, r)) != EX_OK)
				return r;
			if (l->verbose && !session_failed(s))
				listening(s, session_resumed(s) ?
				    " (resumed)" : "");
		} else if (r == 1)	/* stdout's reader is gone */
			l->closed = 1;
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "count", required_argument, NULL, 'c' },
		{ "download", required_argument, NULL, OPT_DOWNLOAD },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "max-time", required_argument, NULL, OPT_MAX_TIME },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "reconnect", no_argument, NULL, OPT_RECONNECT },
		{ "retry", required_argument, NULL, OPT_RETRY },
		{ "no-receipts", no_argument, NULL, OPT_NO_RECEIPTS },
		{ "room", required_argument, NULL, 'r' },
		{ "show", required_argument, NULL, OPT_SHOW },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "type", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct account acct;
	struct session *s;
	struct listener l = { .format = FORMAT_TEXT, .receipts = 1,
	    .max_size = MAX_SIZE_DEFAULT, .max_time = MAX_TIME_DEFAULT,
	    .dir = { .fd = -1 } };
	struct buf shown = { 0 };	/* a bad argument, escaped */
	const char *why;
	size_t off;
	long long wait_s = 0;
	int ch, i, rc, max_size_given = 0;
	unsigned bit;

	stdfd_sanitise();
	signals_init();
	common_init(&o);
	o.agent = AGENT_NEVER;	/* only with --agent: see xlisten(1) */
	while ((ch = common_getopt(argc, argv, "c:hn:r:t:w:" COMMON_SHORTOPTS,
	    longopts)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case OPT_HELP:
			help_print(usage_lines, help, 0);
		case OPT_ALL:
			l.all = 1;
			break;
		case OPT_DOWNLOAD:
			l.download = optarg;
			break;
		case 'n':
			deprecated("-n", "-c");
			/* FALLTHROUGH */
		case 'c':
			l.want = number_arg(optarg, 1, 1LL << 53,
			    option_typed());
			break;
		case OPT_FORMAT:
			if (!format_parse(optarg, &l.format))
				bad_value(optarg, "expected text, json or xml");
			break;
		case OPT_FROM:
			if ((why = jid_check(optarg)) != NULL)
				errx(EX_USAGE, "--from %s: %s", text_shown(
				    &shown, optarg), why);
			l.from = optarg;
			break;
		case OPT_MAX_SIZE:
			if ((why = attach_size_parse(optarg, &l.max_size)))
				errx(EX_USAGE, "--max-size %s: %s", text_shown(
				    &shown, optarg), why);
			max_size_given = 1;
			break;
		case OPT_MAX_TIME:
			l.max_time = number_arg(optarg, 1, 86400,
			    option_typed());
			max_size_given = 1;
			break;
		case OPT_PRIORITY:
			l.priority = number_arg(optarg, -128, 127,
			    option_typed());
			break;
		case OPT_RECONNECT:	/* what --retry inf was first */
			deprecated("--reconnect", "--retry inf");
			l.retry = RETRY_FOREVER;
			break;
		case OPT_RETRY:
			l.retry = retry_arg(optarg, option_typed());
			break;
		case OPT_NO_RECEIPTS:
			l.receipts = 0;
			break;
		case OPT_SHOW:
			if (strcmp(optarg, "away") && strcmp(optarg, "chat") &&
			    strcmp(optarg, "dnd") && strcmp(optarg, "xa"))
				bad_value(optarg, "expected away, chat, dnd or "
				    "xa");
			l.show = optarg;
			break;
		case OPT_STATUS:
			if ((why = text_check(optarg, strlen(optarg), &off)))
				errx(EX_DATAERR, "--status: %s at byte %zu",
				    why, off);
			l.status = optarg;
			break;
		case 'r':
			/* bad input, like a malformed recipient: before login */
			if ((why = muc_spec_check(optarg)) != NULL)
				errx(EX_DATAERR, "room %s: %s", text_shown(
				    &shown, optarg), why);
			if (l.nspecs == MAX_ROOMS)
				errx(EX_USAGE, "-r: at most %d rooms",
				    MAX_ROOMS);
			l.specs[l.nspecs++] = optarg;
			break;
		case 't':
			if ((bit = type_bit(optarg)) == 0)
				bad_value(optarg, "expected chat, normal, "
				    "headline, groupchat or error");
			l.typemask |= bit;
			break;
		case 'w':
			wait_s = number_arg(optarg, 1, 1LL << 31,
			    option_typed());
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert)
		return stdout_done(session_show_cert(&o));
	if (optind != argc) {
		extra_argument(argv[optind]);
		usage(EX_USAGE);
	}
	if (l.all && l.format == FORMAT_TEXT)
		errx(EX_USAGE, "--all needs --format json or xml");
	if (max_size_given && l.download == NULL)
		errx(EX_USAGE, "--max-size and --max-time need --download");

	/* with --retry, a dead link must not go unnoticed for long */
	if (o.keepalive < 0)
		o.keepalive = l.retry ? 30 : 0;
	o.resumable = l.retry != 0;
	l.verbose = o.verbose;

	/* closed before we began: as if its reader had gone, take nothing */
	if (stdfd_was_closed(STDOUT_FILENO))
		return EX_OK;

	/* a directory we cannot use is found before any login */
	if (l.download && (rc = attach_dir_open(&l.dir, l.download)) != EX_OK)
		return rc;
	if ((rc = account_load(&acct, &o.acct)) != EX_OK) {
		attach_dir_close(&l.dir);
		return rc;
	}
	/* downloads are trusted as the login is; -T bounds a stall */
	l.http = (struct http){ .cafile = acct.cafile, .capath = acct.capath,
	    .pin = acct.pin, .insecure = o.insecure, .stall = o.timeout,
	    .max_time = l.max_time, .verbose = o.verbose };
	rc = session_start(&s, &acct, &o);
	if (l.retry == 0)
		account_forget_password(&acct);	/* no login will need it */
	if (s)
		session_on_stanza(s, print, &l);
	/* a server down as we start is an outage too */
	if ((rc = recover(s, &l, rc)) == EX_OK && !session_failed(s))
		rc = start_listening(s, &l);
	if (rc == EX_OK && !session_failed(s))
		rc = listen_loop(s, &l, wait_s);
	for (i = 0; i < l.nrooms; i++) {
		int left = muc_leave(l.rooms[i]);

		rc = rc != EX_OK ? rc : left;
	}
	/* (a signal while the connection was down: nothing left to close) */
	if (s && !(rc == EX_OK && session_failed(s))) {
		i = session_close(s);
		rc = rc != EX_OK ? rc : i;
	}
	session_free(s);
	account_free(&acct);
	attach_dir_close(&l.dir);
	buf_free(&l.line);
	if (l.write_error && rc == EX_OK)
		rc = EX_IOERR;
	return stdout_done(rc);
}
