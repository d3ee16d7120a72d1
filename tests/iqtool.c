/*
 * iqtool: lib/iq.c through a real server, for tests/t-iq.sh. A test
 * double, not a tool.
 *
 *   iqtool CONFIG ACCOUNT RESOURCE call TYPE TO CHILD
 *	one request (TO or CHILD "-": none); prints the answer's type and
 *	XML; exits 0 once answered
 *   iqtool CONFIG ACCOUNT RESOURCE serve NAME NS COUNT
 *	answers COUNT requests for NAME in NS (with <NAME xmlns=NS><n>I
 *	</n></NAME>), printing who asked; says "serving" on stderr first
 *   iqtool CONFIG ACCOUNT RESOURCE refuse CONDITION TEXT COUNT
 *	answers COUNT pings with an error: the stanza error CONDITION
 *	(type cancel) and TEXT, whatever it holds (a server's words, for
 *	what quotes them); says "serving" on stderr first
 *   iqtool CONFIG ACCOUNT RESOURCE flood COUNT TO
 *	COUNT pings, 64 in flight at most, through callbacks; prints how
 *	many came back as results and as errors
 *   iqtool CONFIG ACCOUNT RESOURCE pair ACCOUNT2 COUNT
 *	two sessions in one process, polled together as a daemon would
 *	(session_poll_prepare/done, one ppoll): the first asks the second
 *	COUNT times, the second answers; prints how many were answered
 */
#include <err.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

struct serve {
	const char *name, *ns;
	long want, done;
	const char *condition, *text;	/* refuse: the error */
};

static void
answer(struct session *s, xmpp_stanza_t *iq, void *arg)
{
	struct serve *sv = arg;
	struct buf b = { 0 };

	buf_printf(&b, "<%s xmlns='%s'><n>%ld</n></%s>", sv->name, sv->ns,
	    ++sv->done, sv->name);
	iq_result(s, iq, b.p);
	buf_free(&b);
	if (sv->want <= 100) {	/* pair's many: not a line each */
		printf("%s\n", xmpp_stanza_get_from(iq));
		fflush(stdout);
	}
}

/* refuse: an error answer with a text of the test's choosing. */
static void
refuse(struct session *s, xmpp_stanza_t *iq, void *arg)
{
	struct serve *sv = arg;
	const char *id = xmpp_stanza_get_id(iq);
	const char *from = xmpp_stanza_get_from(iq);
	struct buf b = { 0 };

	buf_adds(&b, "<iq type='error' id='");
	xml_escape(&b, id ? id : "", id ? strlen(id) : 0);
	buf_adds(&b, "' to='");
	xml_escape(&b, from ? from : "", from ? strlen(from) : 0);
	buf_printf(&b, "'><error type='cancel'><%s xmlns='urn:ietf:params:"
	    "xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-stanzas'>", sv->condition);
	xml_escape(&b, sv->text, strlen(sv->text));
	buf_adds(&b, "</text></error></iq>");
	session_send_buf(s, &b);
	buf_free(&b);
	sv->done++;
}

static int
served(struct session *s, void *arg)
{
	struct serve *sv = arg;

	(void)s;
	return sv->done >= sv->want;
}

struct flood {
	long results, errors, lost;
};

static void
pong(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct flood *f = arg;
	const char *type = reply ? xmpp_stanza_get_type(reply) : NULL;

	(void)s;
	if (reply == NULL)
		f->lost++;
	else if (type && strcmp(type, "result") == 0)
		f->results++;
	else if (f->errors++ == 0) {
		struct buf b = { 0 };

		stanza_xml(&b, reply);
		warnx("first error: %s", buf_str(&b));
		buf_free(&b);
	}
}

static int
flood(struct session *s, long count, const char *to)
{
	struct flood f = { 0 };
	long sent = 0;
	int rc = EX_OK;

	while (rc == EX_OK && (sent < count || iq_pending(s) > 0)) {
		while (sent < count && iq_pending(s) < 64) {
			iq_send(s, "get", to, "<ping xmlns='urn:xmpp:ping'/>",
			    pong, &f);
			sent++;
		}
		rc = session_step(s, -1, 1000);
		rc = rc > 1 ? rc : EX_OK;
	}
	printf("%ld results, %ld errors, %ld lost\n", f.results, f.errors,
	    f.lost);
	return rc;
}

/*
 * One ppoll over both sessions' streams, as a daemon polls its stream,
 * its listening socket and its clients.
 */
static int
poll_both(struct session *a, struct session *b)
{
	struct pollfd pfd[2];
	struct timespec ts = { 1, 0 };
	sigset_t mask;
	int ta = -1, tb = -1, rc;

	if ((rc = session_poll_prepare(a, &pfd[0], &ta)) != EX_OK ||
	    (rc = session_poll_prepare(b, &pfd[1], &tb)) != EX_OK)
		return rc;
	signals_wait_mask(&mask);
	if (ppoll(pfd, 2, &ts, &mask) < 0)
		pfd[0].revents = pfd[1].revents = 0;
	if ((rc = session_poll_done(a, &pfd[0])) != EX_OK)
		return rc;
	return session_poll_done(b, &pfd[1]);
}

static int
pair(struct session *a, const struct common_opts *oa, const char *name,
    long count)
{
	struct common_opts ob = *oa, *o = &ob;	/* a's are a's until freed */
	struct account acct;
	struct session *b;
	struct serve sv = { "query", "urn:xmpp:test:pair", count, 0, NULL, NULL };
	struct flood f = { 0 };
	struct buf to = { 0 };
	long sent = 0;
	int rc;

	o->acct.name = name;
	o->acct.resource = "pair";
	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	if ((rc = session_start(&b, &acct, o)) == EX_OK) {
		iq_on_request(b, sv.name, sv.ns, answer, &sv);
		buf_adds(&to, session_jid(b));
		while (rc == EX_OK && f.results + f.errors + f.lost < count) {
			while (sent < count && iq_pending(a) < 16) {
				iq_send(a, "get", buf_str(&to), "<query xmlns='"
				    "urn:xmpp:test:pair'/>", pong, &f);
				sent++;
			}
			rc = poll_both(a, b);
		}
		if (rc == EX_OK)
			rc = session_close(b);
	}
	printf("%ld results, %ld errors, %ld lost\n", f.results, f.errors,
	    f.lost);
	session_free(b);
	account_free(&acct);
	buf_free(&to);
	return rc;
}

static int
call(struct session *s, const char *type, const char *to, const char *child)
{
	xmpp_stanza_t *reply;
	struct buf b = { 0 };
	int rc;

	rc = iq_call(s, type, strcmp(to, "-") ? to : NULL,
	    strcmp(child, "-") ? child : NULL, &reply);
	if (rc != EX_OK)
		return rc;
	stanza_xml(&b, reply);
	printf("%s\t%s\n", xmpp_stanza_get_type(reply), buf_str(&b));
	xmpp_stanza_release(reply);
	buf_free(&b);
	return EX_OK;
}

int
main(int argc, char *argv[])
{
	struct common_opts o;
	struct account acct;
	struct session *s;
	struct serve sv = { 0 };
	struct buf b = { 0 };
	int rc;

	if (argc < 6)
		errx(EX_USAGE, "usage: iqtool config account resource "
		    "call|serve|refuse|flood|pair ...");
	signals_init();
	common_init(&o);
	o.agent = AGENT_NEVER;	/* a test double logs in itself */
	o.acct.file = argv[1];
	o.acct.name = argv[2];
	o.acct.resource = argv[3];
	o.keepalive = 0;
	o.verbose = getenv("IQTOOL_VERBOSE") ? 2 : 0;
	if ((rc = account_load(&acct, &o.acct)) != EX_OK)
		return rc;
	if ((rc = session_start(&s, &acct, &o)) != EX_OK)
		;
	else if (strcmp(argv[4], "call") == 0 && argc == 8)
		rc = call(s, argv[5], argv[6], argv[7]);
	else if (strcmp(argv[4], "pair") == 0 && argc == 7)
		rc = pair(s, &o, argv[5], atol(argv[6]));
	else if (strcmp(argv[4], "flood") == 0 && argc == 7)
		rc = flood(s, atol(argv[5]), argv[6]);
	else if ((strcmp(argv[4], "serve") == 0 ||
	    strcmp(argv[4], "refuse") == 0) && argc == 8) {
		if (strcmp(argv[4], "serve") == 0) {
			sv = (struct serve){ argv[5], argv[6], atol(argv[7]),
			    0, NULL, NULL };
			iq_on_request(s, sv.name, sv.ns, answer, &sv);
		} else {
			sv = (struct serve){ "ping", "urn:xmpp:ping",
			    atol(argv[7]), 0, argv[5], argv[6] };
			iq_on_request(s, sv.name, sv.ns, refuse, &sv);
		}
		buf_adds(&b, "<presence/>");
		session_send_buf(s, &b);
		if ((rc = session_sync(s)) == EX_OK) {
			warnx("serving");
			/* as long as the test takes: no -T on this wait */
			while (rc == EX_OK && !served(s, &sv))
				if ((rc = session_step(s, -1, -1)) == 1)
					rc = EX_OK;
		}
		if (rc == EX_OK)
			rc = session_sync(s);
	} else
		rc = EX_USAGE;
	if (s && rc == EX_OK)
		rc = session_close(s);
	session_free(s);
	account_free(&acct);
	buf_free(&b);
	return rc;
}
