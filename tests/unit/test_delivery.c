/*
 * test_delivery: the bookkeeping of what was sent and what the server
 * confirmed, without a server: XEP-0198 counts (modulo 2^32), pings,
 * fresh and resumed streams, and the reconnect schedule.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"
#include "unit.h"

static struct common_opts opts;

/* A session as login.c leaves one: online, with or without XEP-0198. */
static void
online(struct session *s, int sm)
{
	memset(s, 0, sizeof(*s));
	s->opts = &opts;
	s->state = ONLINE;
	s->sm = sm;
	s->timeout_ms = 10000;
	s->domain = "example.org";
	snprintf(s->prefix, sizeof(s->prefix), "xu0");
	snprintf(s->secret, sizeof(s->secret), "5ec");
	snprintf(s->host, sizeof(s->host), "example.org");
}

static void
send_n(struct session *s, int n)
{
	while (n-- > 0)
		delivery_send(s, "<message/>", 10, 0);
}

static void
test_counts(void)
{
	struct session s;

	online(&s, 1);
	send_n(&s, 10);
	ok(session_unconfirmed(&s) == 10 && session_confirmed_below(&s) == 1,
	    "10 sent, none confirmed: below 1");
	delivery_acked(&s, 4);
	ok(session_unconfirmed(&s) == 6 && session_confirmed_below(&s) == 5,
	    "<a h='4'/>: the first four confirmed");
	delivery_acked(&s, 4);
	ok(session_unconfirmed(&s) == 6 && !s.failed,
	    "the same h again: no progress, no failure");
	delivery_acked(&s, 10);
	ok(session_unconfirmed(&s) == 0 && session_confirmed_below(&s) == 11,
	    "<a h='10'/>: all confirmed, below 11");
	delivery_acked(&s, 11);
	ok(s.failed == EX_UNAVAILABLE, "an h past what was sent fails the "
	    "session (69)");
	delivery_free(&s);
}

static void
test_wrap(void)
{
	struct session s;
	uint32_t h;

	online(&s, 1);
	s.last_h = UINT32_MAX - 5;	/* the count so far, near its wrap */
	send_n(&s, 20);
	h = s.last_h + 6;		/* wraps to 0 */
	delivery_acked(&s, h);
	ok(h == 0 && session_unconfirmed(&s) == 14,
	    "h wraps to 0 after 2^32 - 1: six more confirmed");
	delivery_acked(&s, 14);
	ok(session_unconfirmed(&s) == 0 && !s.failed,
	    "h = 14 past the wrap: all 20 confirmed");
	delivery_free(&s);
}

static void
test_ping(void)
{
	struct session s;
	uint64_t n;

	online(&s, 0);
	send_n(&s, 3);
	delivery_probe(&s);
	ok(session_unconfirmed(&s) == 4, "without XEP-0198 the barrier is a "
	    "ping, a stanza of its own");
	ok(strstr(s.out.p, "id='5ecp4'") != NULL && inbound_our_id(&s,
	    "5ecp4", 'p', &n) && n == 4, "its id names its sequence number, "
	    "after the session's secret");
	ok(!inbound_our_id(&s, "5ecpx", 'p', &n) &&
	    !inbound_our_id(&s, "5edp4", 'p', &n) &&
	    !inbound_our_id(&s, "xu0p4", 'p', &n),
	    "and nothing else is ours: not the messages' prefix either");
	ok(s.awaiting != 0, "the wait for its answer is on the clock");
	delivery_pinged(&s, 4);
	ok(session_unconfirmed(&s) == 0 && s.awaiting == 0,
	    "its answer confirms it and all before it, and stops the clock");
	delivery_free(&s);
}

static void
test_fresh(void)
{
	struct session s;

	online(&s, 1);
	send_n(&s, 5);
	delivery_send(&s, "<iq type='get'/>", 16, 1);
	delivery_acked(&s, 2);
	delivery_new_stream(&s, 0, 0);
	ok(session_unconfirmed(&s) == 3 && session_confirmed_below(&s) == 3,
	    "a fresh stream: 3 set aside, the request left to iq.c");
	s.sm = 1;
	send_n(&s, 1);		/* a room's join, say: before the resend */
	delivery_resend(&s, 0);
	ok(session_unconfirmed(&s) == 4 && session_confirmed_below(&s) == 3,
	    "sent again after the join: 3, 4, 5 pending, so below 3");
	delivery_acked(&s, 2);
	ok(session_confirmed_below(&s) == 4, "the join and 3 confirmed: below "
	    "4, in the new stream's count");
	delivery_acked(&s, 4);
	ok(session_unconfirmed(&s) == 0 && session_confirmed_below(&s) == 8,
	    "all confirmed");
	delivery_free(&s);

	online(&s, 1);
	send_n(&s, 4);
	delivery_new_stream(&s, 0, 0);
	delivery_resend(&s, 1);
	ok(session_unconfirmed(&s) == 0, "discarded, nothing is pending");
	delivery_free(&s);
}

static void
test_resumed(void)
{
	struct session s;

	online(&s, 1);
	s.last_h = 100;
	send_n(&s, 6);
	s.out.len = 0;
	delivery_new_stream(&s, 1, 103);
	ok(session_unconfirmed(&s) == 3, "resumed: the server had 3 of 6");
	ok(strstr(buf_str(&s.out), "<r xmlns") != NULL &&
	    s.resume_check && s.awaiting, "the other 3 go again, with <r/>, "
	    "on the resumed stream's clock");
	delivery_acked(&s, 106);
	ok(session_unconfirmed(&s) == 0, "counted on from the old stream");
	delivery_free(&s);
}

/* ---- iq.c's requests, across a fresh stream */

static int answers, losses;
static char last_type[16];

static void
answered(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	(void)s;
	(void)arg;
	if (reply == NULL) {
		losses++;
		return;
	}
	answers++;
	snprintf(last_type, sizeof(last_type), "%s",
	    xmpp_stanza_get_type(reply));
}

static xmpp_stanza_t *
reply_to(xmpp_ctx_t *ctx, const char *id, const char *from,
    const char *type)
{
	char xml[256];

	snprintf(xml, sizeof(xml), "<iq type='%s' id='%s'%s%s%s/>", type, id,
	    from ? " from='" : "", from ? from : "", from ? "'" : "");
	return xmpp_stanza_new_from_string(ctx, xml);
}

static void
test_iq(void)
{
	xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
	struct session s;
	xmpp_stanza_t *st;
	char *get, *set, *own;
	size_t before;

	online(&s, 1);
	s.bound = "me@example.org/r";
	get = xstrdup(iq_send(&s, "get", "room@muc.example.org", "<query "
	    "xmlns='jabber:iq:version'/>", answered, NULL));
	set = xstrdup(iq_send(&s, "set", NULL, "<query xmlns='jabber:iq:"
	    "roster'/>", answered, NULL));
	own = xstrdup(iq_send(&s, "get", NULL, NULL, answered, NULL));
	ok(iq_pending(&s) == 3 && strstr(buf_str(&s.out), get) &&
	    strcmp(get, set) != 0, "three requests out, each its own id");
	/* a contact that saw one must not guess the next */
	ok(strncmp(get, "xu0", 3) != 0 && strncmp(get, "5ec", 3) != 0 &&
	    strlen(get) > 16 && strncmp(get, set, 16) != 0 &&
	    strncmp(set, own, 16) != 0,
	    "ids random, unlike each other and the messages' and pings'");

	st = reply_to(ctx, get, "mallory@evil.example", "result");
	ok(!iq_answered(&s, st) && answers == 0,
	    "an answer from someone not asked is not taken");
	xmpp_stanza_release(st);
	st = reply_to(ctx, own, "example.org", "result");
	ok(iq_answered(&s, st) && answers == 1,
	    "a request to the account: its server may answer");
	xmpp_stanza_release(st);

	s.out.len = 0;
	delivery_new_stream(&s, 0, 0);
	s.state = ONLINE;
	before = session_unconfirmed(&s);
	iq_new_stream(&s);
	ok(losses == 1 && iq_pending(&s) == 1, "a fresh stream: the set is "
	    "reported lost, the get kept");
	ok(before == 0 && session_unconfirmed(&s) == 1 &&
	    strstr(buf_str(&s.out), get) != NULL,
	    "and the get sent again, once, with its id");
	st = reply_to(ctx, get, "room@muc.example.org", "error");
	ok(iq_answered(&s, st) && answers == 2 &&
	    strcmp(last_type, "error") == 0 && iq_pending(&s) == 0,
	    "its error answers it");
	ok(!iq_answered(&s, st), "and answers nothing twice");
	xmpp_stanza_release(st);
	free(get);
	free(set);
	free(own);
	iq_free(&s);
	delivery_free(&s);
	xmpp_ctx_free(ctx);
}

static void
test_retry(void)
{
	struct retry r = { .first_ms = 500, .max_ms = 30000 };
	int64_t want[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	size_t i;
	int good = 1;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		good &= retry_delay(&r, i + 1) == want[i];
	ok(good, "backoff: 0.5 s, doubling, 30 s at most");
	ok(retry_delay(&r, 1000) == 30000, "and no overflow far on");
	r.first_ms = 1000;
	r.max_ms = 60000;
	ok(retry_delay(&r, 1) == 1000 && retry_delay(&r, 7) == 60000,
	    "a listener's: 1 s to a minute");
	ok(retry_arg("inf", "--retry") == RETRY_FOREVER &&
	    retry_arg("0", "--retry") == 0 &&
	    retry_arg("1000", "--retry") == 1000,
	    "--retry takes inf, or 0 to 1000");
}

int
main(void)
{
	test_counts();
	test_wrap();
	test_ping();
	test_fresh();
	test_resumed();
	test_iq();
	test_retry();
	return done_testing();
}
