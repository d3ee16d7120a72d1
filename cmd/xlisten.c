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

enum { OPT_ALL = OPT_TOOL, OPT_FORMAT, OPT_FROM, OPT_PRIORITY };

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
	struct buf line;
};

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc == EX_OK ? stdout : stderr, "usage: %s [--all] [--format text|json|xml] "
	    "[--from jid] [-n count]\n\t[--priority n] [-r room[/nick]] "
	    "[-t type] [-w seconds]\n\t" COMMON_USAGE "\n", getprogname());
	exit(rc);
}

static unsigned
type_bit(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return 1u << i;
	return 0;
}

/* --from alice@example.org matches any resource; a full JID only itself. */
static int
from_matches(const char *want, const char *from)
{
	size_t n = strlen(want);

	if (from == NULL)
		return 0;
	if (strchr(want, '/'))
		return strcmp(want, from) == 0;
	return strncmp(want, from, n) == 0 && (from[n] == '\0' ||
	    from[n] == '/');
}

static int
wanted(struct listener *l, xmpp_stanza_t *st)
{
	const char *name = xmpp_stanza_get_name(st);
	const char *type = xmpp_stanza_get_type(st);

	if (l->from && !from_matches(l->from, xmpp_stanza_get_from(st)))
		return 0;
	if (strcmp(name, "message") != 0)
		return l->all;
	if (l->typemask && !(l->typemask & type_bit(type ? type : "normal")))
		return 0;
	return l->all || xmpp_stanza_get_child_by_name(st, "body") != NULL;
}

/*
 * Prints st if it is wanted. Once -n is reached or stdout is gone, it
 * takes no more: what arrives then stays with the server for next time.
 */
static int
print(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct listener *l = arg;

	(void)s;
	if (l->closed || (l->want && l->printed >= l->want))
		return 0;
	if (!wanted(l, st))
		return 1;
	l->line.len = 0;
	stanza_format(&l->line, st, l->format);
	if (fwrite(l->line.p, 1, l->line.len, stdout) != l->line.len ||
	    fflush(stdout) == EOF) {
		if (errno != EPIPE)
			warn("stdout");
		l->closed = 1;
		return 0;
	}
	l->printed++;
	return 1;
}

static int
send_presence(struct session *s, int priority)
{
	struct buf b = { 0 };

	buf_printf(&b, "<presence><priority>%d</priority></presence>",
	    priority);
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

/* Prints until -n is reached, -w runs out, a signal, or stdout closes. */
static int
listen_loop(struct session *s, struct listener *l, long long wait_s)
{
	int64_t deadline = wait_s ? now_ms() + wait_s * 1000 : 0, left = -1;
	int r, out = stdout_watch();

	for (;;) {
		if (l->closed || session_interrupted() ||
		    (l->want && l->printed >= l->want))
			return EX_OK;
		if (deadline && (left = deadline - now_ms()) <= 0)
			return l->printed >= (l->want ? l->want : 1) ? EX_OK : 1;
		if ((r = session_step(s, out, (int)left)) > 1)
			return r;
		if (r == 1)	/* stdout's reader is gone */
			l->closed = 1;
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "count", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "room", required_argument, NULL, 'r' },
		{ "type", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct account acct;
	struct session *s;
	struct listener l = { .format = FORMAT_TEXT };
	struct room *rooms[16];
	const char *roomspecs[16], *why;
	long long wait_s = 0;
	int ch, nrooms = 0, joined = 0, priority = 0, i, rc;
	unsigned bit;

	common_init(&o);
	while ((ch = getopt_long(argc, argv, "hn:r:t:w:" COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case OPT_ALL:
			l.all = 1;
			break;
		case 'n':
			l.want = number_arg(optarg, 1, 1LL << 53, "-n");
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				l.format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				l.format = FORMAT_JSON;
			else if (strcmp(optarg, "xml") == 0)
				l.format = FORMAT_XML;
			else
				errx(EX_USAGE, "--format %s: expected text, "
				    "json or xml", optarg);
			break;
		case OPT_FROM:
			if ((why = jid_check(optarg)) != NULL)
				errx(EX_USAGE, "--from %s: %s", optarg, why);
			l.from = optarg;
			break;
		case OPT_PRIORITY:
			priority = number_arg(optarg, -128, 127, "--priority");
			break;
		case 'r':
			if (nrooms == 16)
				errx(EX_USAGE, "-r: at most 16 rooms");
			roomspecs[nrooms++] = optarg;
			break;
		case 't':
			if ((bit = type_bit(optarg)) == 0)
				errx(EX_USAGE, "-t %s: expected chat, normal, "
				    "headline, groupchat or error", optarg);
			l.typemask |= bit;
			break;
		case 'w':
			wait_s = number_arg(optarg, 1, 1LL << 31, "-w");
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert)
		return session_show_cert(&o);
	if (optind != argc)
		usage(EX_USAGE);
	if (l.all && l.format == FORMAT_TEXT)
		errx(EX_USAGE, "--all needs --format json or xml");

	if ((rc = account_load(&acct, &o.acct)) != EX_OK)
		return rc;
	if ((rc = session_open(&s, &acct, &o)) == EX_OK) {
		session_on_stanza(s, print, &l);
		rc = send_presence(s, priority);
	}
	for (i = 0; rc == EX_OK && i < nrooms; i++)
		if ((rc = muc_join(&rooms[joined], s, roomspecs[i])) == EX_OK)
			joined++;
	if (rc == EX_OK) {
		if (o.verbose)
			fprintf(stderr, "%s: listening as %s\n", getprogname(),
			    session_jid(s));
		rc = listen_loop(s, &l, wait_s);
	}
	for (i = 0; i < joined; i++) {
		int left = muc_leave(rooms[i]);

		rc = rc != EX_OK ? rc : left;
	}
	if (s) {
		i = session_close(s);
		rc = rc != EX_OK ? rc : i;
	}
	session_free(s);
	account_free(&acct);
	buf_free(&l.line);
	return rc;
}
