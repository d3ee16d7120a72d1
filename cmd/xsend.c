/*
 * xsend: send a message, and exit 0 only once the server has taken it.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

/* Unconfirmed stanzas allowed in flight: bounds memory on a long -l. */
#define WINDOW 256

#define MAX_ROOMS 16

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
};

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc == EX_OK ? stdout : stderr, "usage: %s [-l] [-m text] [-r room[/nick]] [-s subject] "
	    "[-t type]\n\t" COMMON_USAGE "\n\tjid ...\n", getprogname());
	exit(rc);
}

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
static int
size_ok(struct job *j, const char *what, const char *text, size_t len)
{
	struct buf b = { 0 };
	size_t size;

	message_xml(&b, "", j->type, "", j->subject, text, len);
	size = b.len + 3071 + 64;
	buf_free(&b);
	if (size <= XU_STANZA_MAX)
		return 1;
	warnx("%s: %zu bytes once escaped for XML, more than %d", what,
	    size, XU_STANZA_MAX);
	return 0;
}

/* All of stdin, less one trailing newline: the body of one message. */
static int
read_body(struct buf *body)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			warn("reading stdin");
			return EX_IOERR;
		}
		buf_add(body, chunk, n);
		if (body->len > XU_TEXT_MAX) {
			warnx("stdin: message longer than %d bytes",
			    XU_TEXT_MAX);
			return EX_DATAERR;
		}
	}
	if (body->len > 0 && body->p[body->len - 1] == '\n')
		body->len--;
	buf_str(body);
	if (body->len == 0) {
		warnx("stdin: empty message, nothing sent");
		return EX_DATAERR;
	}
	return text_ok("stdin", body->p, body->len) ? EX_OK : EX_DATAERR;
}

/* Sends one message, numbered n, to every recipient and room. */
static void
send_text(struct session *s, struct job *j, uint64_t n, const char *text,
    size_t len)
{
	struct buf b = { 0 };
	char *id = session_id(s, n);
	int i;

	for (i = 0; i < j->nto; i++) {
		b.len = 0;
		message_xml(&b, j->to[i], j->type, id, j->subject, text, len);
		session_send_buf(s, &b);
	}
	for (i = 0; i < j->nrooms; i++)
		muc_send(j->rooms[i], n, j->subject, text, len);
	buf_free(&b);
	free(id);
}

static void
send_line(struct session *s, struct job *j, struct lines *in,
    const char *line, size_t len)
{
	char what[64];

	snprintf(what, sizeof(what), "line %lu", in->lineno);
	if (line && len > 0 && line[len - 1] == '\r')
		len--;		/* a CRLF line end is still just a line end */
	if (line == NULL) {
		warnx("%s: longer than %d bytes, not sent", what, XU_TEXT_MAX);
		j->rejected++;
	} else if (len == 0)
		return;		/* an empty line is no message */
	else if (!text_ok(what, line, len)) {
		warnx("%s: not sent", what);
		j->rejected++;
	} else
		send_text(s, j, in->lineno, line, len);
}

/*
 * -l: each line goes out as soon as it is read, while at most WINDOW
 * stanzas wait for the server's confirmation. A signal stops the reading;
 * what was already read is still sent.
 */
static int
send_lines(struct session *s, struct job *j)
{
	struct lines in;
	const char *line;
	size_t len;
	int r = 0, rc = EX_OK;

	lines_init(&in, STDIN_FILENO, XU_TEXT_MAX);
	for (;;) {
		while (session_unconfirmed(s) < WINDOW &&
		    (r = lines_next(&in, &line, &len)) == 1)
			send_line(s, j, &in, line, len);
		if (r == -1)
			break;
		if (session_interrupted())
			in.eof = 1;
		else if (r == 0)
			session_request_ack(s);	/* input idle: confirm */
		r = session_step(s, r == 0 && !in.eof ? STDIN_FILENO : -1, -1);
		if (r > 1) {
			rc = r;
			break;
		}
		if (r == 1 && lines_fill(&in) == -1) {
			warn("reading stdin");
			in.eof = 1;
			rc = EX_IOERR;
		}
	}
	lines_free(&in);
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

	if (m == NULL && (rc = read_body(body)) != EX_OK)
		return rc;
	*text = m ? m : body->p;
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

/* Logs in, joins the rooms, sends, confirms, leaves, closes. */
static int
deliver(struct job *j, const struct common_opts *o, const char *text)
{
	struct account acct;
	struct session *s;
	int i, rc;

	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	rc = session_open(&s, &acct, o);
	for (i = 0; rc == EX_OK && i < j->nspecs; i++)
		if ((rc = muc_join(&j->rooms[j->nrooms], s, j->specs[i])) ==
		    EX_OK)
			j->nrooms++;
	if (rc == EX_OK) {
		session_report_bounces(s, text ? "message" : "line");
		if (text)
			send_text(s, j, 1, text, strlen(text));
		else
			rc = send_lines(s, j);
		rc = worst(rc, session_sync(s));
		for (i = 0; rc == EX_OK && i < j->nrooms; i++)
			rc = muc_sync(j->rooms[i]);
		if (rc == EX_OK && session_bounces(s) > 0)
			rc = EX_UNAVAILABLE;
		if (rc == EX_OK && j->rejected > 0)
			rc = EX_DATAERR;
	}
	for (i = 0; i < j->nrooms; i++)
		rc = worst(rc, muc_leave(j->rooms[i]));
	if (s)
		rc = worst(rc, session_close(s));
	session_free(s);
	account_free(&acct);
	return rc;
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
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct job j = { .type = "chat" };
	struct buf body = { 0 };
	const char *m = NULL, *text = NULL, *why;
	int ch, lines = 0, i, rc = EX_OK;

	common_init(&o);
	while ((ch = getopt_long(argc, argv, "hlm:r:s:t:" COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case 'l':
			lines = 1;
			break;
		case 'm':
			m = optarg;
			break;
		case 'r':
			if (j.nspecs == MAX_ROOMS)
				errx(EX_USAGE, "-r: at most %d rooms", MAX_ROOMS);
			j.specs[j.nspecs++] = optarg;
			break;
		case 's':
			j.subject = optarg;
			break;
		case 't':
			if (strcmp(optarg, "chat") && strcmp(optarg, "normal") &&
			    strcmp(optarg, "headline") &&
			    strcmp(optarg, "groupchat"))
				errx(EX_USAGE, "-t %s: expected chat, normal, "
				    "headline or groupchat", optarg);
			j.type = optarg;
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert)
		return session_show_cert(&o);
	j.to = argv + optind;
	j.nto = argc - optind;
	if (j.nto == 0 && j.nspecs == 0)
		usage(EX_USAGE);
	if (lines && m)
		errx(EX_USAGE, "-l reads stdin: it cannot go with -m");
	if (strcmp(j.type, "groupchat") == 0 && j.nto > 0)
		errx(EX_USAGE, "-t groupchat: name rooms with -r, not as "
		    "recipients");
	for (i = 0; i < j.nto; i++)
		if ((why = jid_check(j.to[i])) != NULL)
			errx(EX_DATAERR, "recipient %s: %s", j.to[i], why);
	if (j.subject && !text_ok("-s", j.subject, strlen(j.subject)))
		return EX_DATAERR;

	if (!lines)
		rc = message_text(&j, m, &body, &text);
	if (rc == EX_OK)
		rc = deliver(&j, &o, text);
	buf_free(&body);
	return rc;
}
