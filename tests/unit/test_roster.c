/* test_roster: the roster parsed, printed, read back and compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "unit.h"

static xmpp_ctx_t *ctx;

static xmpp_stanza_t *
xml(const char *s)
{
	return xmpp_stanza_new_from_string(ctx, s);
}

static void
parse(struct roster *r, const char *query)
{
	xmpp_stanza_t *q = xml(query);

	roster_parse(r, q);
	roster_sort(r);
	xmpp_stanza_release(q);
}

static void
test_parse(void)
{
	struct roster r = { 0 };
	struct roster_item *it;
	struct buf b = { 0 };

	parse(&r, "<query xmlns='jabber:iq:roster'>"
	    "<item jid='Zed@Example.org' subscription='both' name='Z'>"
	    "<group>b</group><group>a</group><group>b</group></item>"
	    "<item jid='amy@example.org' ask='subscribe'/>"
	    "<item jid='gone@example.org' subscription='remove'/>"
	    "<item jid='full@example.org/res'/>"
	    "<item jid='bad@@example.org'/>"
	    "<item jid='ok@example.org' subscription='weird'/>"
	    "</query>");
	ok(r.len == 2, "two good items; removed, full, malformed, unknown "
	    "subscription skipped (%zu)", r.len);
	is_str(r.items[0].jid, "amy@example.org", "sorted by JID");
	is_str(r.items[1].jid, "zed@example.org", "JIDs prepared (lower case)");
	it = roster_find(&r, "ZED@example.org/phone");
	ok(it == &r.items[1], "roster_find: any case, any resource");
	ok(it->ngroups == 2 && strcmp(it->groups[0], "a") == 0,
	    "groups sorted, each once");
	ok(r.items[0].ask && r.items[0].sub == ROSTER_NONE,
	    "no subscription is none; ask noted");
	roster_format_text(&b, &r.items[1], 0);
	is_str(buf_str(&b), "zed@example.org\tZ\tboth\ta,b\n", "text line");
	b.len = 0;
	roster_format_text(&b, &r.items[0], 0);
	is_str(buf_str(&b), "amy@example.org\t\tnone+ask\t\n",
	    "no name, no groups: empty fields; ask as +ask");
	buf_free(&b);
	roster_free(&r);
}

static void
test_escapes(void)
{
	struct roster_item it = { .jid = "a@x", .name = "tab\there\\",
	    .sub = ROSTER_TO };
	char *groups[] = { "x,y", "new\nline" };
	struct roster_item back;
	struct buf b = { 0 };
	const char *why;
	char *f;
	long n;

	it.groups = groups;
	it.ngroups = 2;
	roster_format_text(&b, &it, 0);
	is_str(buf_str(&b), "a@x\ttab\\there\\\\\tto\tx\\x2Cy,new\\nline\n",
	    "text: tab, backslash, newline escaped; a comma in a group \\x2C");
	f = strrchr(b.p, '\t') + 1;
	f[strcspn(f, ",")] = '\0';
	n = text_unescape(f, strlen(f));
	ok(n == 3 && memcmp(f, "x,y", 3) == 0,
	    "split at commas, text_unescape gives the group back");
	b.len = 0;
	roster_format_json(&b, &it, 0);
	is_str(buf_str(&b), "{\"jid\":\"a@x\",\"name\":\"tab\\there\\\\\","
	    "\"subscription\":\"to\",\"ask\":null,\"approved\":false,"
	    "\"groups\":[\"x,y\",\"new\\nline\"]}\n", "JSON line");
	b.p[b.len - 1] = '\0';
	why = roster_read_json(b.p, b.len - 1, &back);
	ok(why && strcmp(why, "name: control character U+0009, which would "
	    "come back as a space") == 0, "read back: a tab in a name is "
	    "refused (%s)", why ? why : "accepted");
	it.name = "back\\slash \xe2\x80\xa8";
	b.len = 0;
	roster_format_json(&b, &it, 0);
	b.p[b.len - 1] = '\0';
	why = roster_read_json(b.p, b.len - 1, &back);
	ok(why == NULL && strcmp(back.name, it.name) == 0 &&
	    back.sub == ROSTER_TO && back.ngroups == 2 &&
	    strcmp(back.groups[1], "x,y") == 0,
	    "read back: the same item (%s)", why ? why : "ok");
	roster_item_free(&back);
	buf_free(&b);
}

static void
test_read_bad(void)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "nope", "not JSON" },
		{ "[1]", "not a JSON object" },
		{ "{}", "no \"jid\" string" },
		{ "{\"jid\":\"a@@b\"}", "not allowed" },
		{ "{\"jid\":\"a@b/r\"}", "no resource" },
		{ "{\"jid\":\"a@b\",\"jid\":\"c@d\"}", "duplicate" },
		{ "{\"jid\":\"a@b\",\"subscription\":\"all\"}", "subscription" },
		{ "{\"jid\":\"a@b\",\"ask\":\"yes\"}", "ask" },
		{ "{\"jid\":\"a@b\",\"groups\":\"g\"}", "not an array" },
		{ "{\"jid\":\"a@b\",\"groups\":[\"\"]}", "empty group" },
		{ "{\"jid\":\"a@b\",\"name\":\"\\u0007\"}", "control" },
		{ "{\"jid\":\"a@b\",\"name\":\"a\\u0000b\"}", "NUL" },
		/* XML would make them spaces: never the same name again */
		{ "{\"jid\":\"a@b\",\"name\":\"a\\nb\"}",
		    "name: control character U+000A, which would come back as "
		    "a space" },
		{ "{\"jid\":\"a@b\",\"name\":\"a\\tb\"}", "name: control" },
		{ "{\"jid\":\"a@b\",\"name\":\"a\\rb\"}", "name: control" },
		{ "{\"jid\":\"a@b\",\"groups\":[\"a\\rb\"]}",
		    "groups: control character U+000D, which would come back "
		    "as a newline" },
		{ "{\"jid\":\"a@b\",\"name\":\"\xff\"}", "not JSON" },
		{ "{\"jid\":\"a@b\"} x", "not JSON" },
		/* found by fuzz_roster: NFKC makes U+203E a space */
		{ "{\"jid\":\"a@b\u203e\"}", "prepared" },
	};
	const char *least = "{\"jid\":\"A@B\",\"resources\":[]}";
	struct roster_item it;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = roster_read_json(bad[i].line, strlen(bad[i].line), &it);
		ok(why && strstr(why, bad[i].why) != NULL,
		    "refused: %s (%s)", bad[i].line, why ? why : "accepted");
	}
	why = roster_read_json(least, strlen(least), &it);
	ok(why == NULL && strcmp(it.jid, "a@b") == 0 && it.name == NULL &&
	    it.sub == ROSTER_NONE, "the least: a jid; unknown keys ignored");
	roster_item_free(&it);
}

/* What a roster keeps as it is: a name is an attribute, a group text. */
static void
test_name_check(void)
{
	static const struct {
		const char *s;
		int name_ok, group_ok;
		size_t off;		/* of the name's problem */
	} cases[] = {
		{ "Bob", 1, 1, 0 },
		{ "Bob\tB", 0, 1, 3 },
		{ "\nBob", 0, 1, 0 },
		{ "Bob\r", 0, 0, 3 },
		{ "Bob\a", 0, 0, 3 },
		{ "Bob \xe2\x80\xa8 B", 1, 1, 0 },	/* kept, escaped out */
		{ "\xff", 0, 0, 0 },
	};
	const char *why;
	size_t i, off;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		off = 12345;
		why = roster_name_check(cases[i].s, &off);
		ok((why == NULL) == cases[i].name_ok &&
		    (why == NULL || off == cases[i].off),
		    "roster_name_check case %zu: %s (%s at %zu)", i,
		    cases[i].name_ok ? "a name" : "refused",
		    why ? why : "ok", off);
		why = roster_group_check(cases[i].s, &off);
		ok((why == NULL) == cases[i].group_ok,
		    "roster_group_check case %zu: %s (%s)", i,
		    cases[i].group_ok ? "a group" : "refused",
		    why ? why : "ok");
	}
}

static void
test_reached(void)
{
	struct roster_item none = { .sub = ROSTER_NONE },
	    ask = { .sub = ROSTER_NONE, .ask = 1 }, to = { .sub = ROSTER_TO },
	    from = { .sub = ROSTER_FROM }, both = { .sub = ROSTER_BOTH },
	    pre = { .sub = ROSTER_NONE, .approved = 1 };

	ok(!roster_reached(&none, WANT_SUBSCRIBE) &&
	    roster_reached(&ask, WANT_SUBSCRIBE) &&
	    roster_reached(&to, WANT_SUBSCRIBE) &&
	    !roster_reached(NULL, WANT_SUBSCRIBE),
	    "subscribe: to, both or ask; not none or absent");
	ok(roster_reached(&none, WANT_UNSUBSCRIBE) &&
	    roster_reached(&from, WANT_UNSUBSCRIBE) &&
	    !roster_reached(&ask, WANT_UNSUBSCRIBE) &&
	    !roster_reached(&both, WANT_UNSUBSCRIBE) &&
	    roster_reached(NULL, WANT_UNSUBSCRIBE),
	    "unsubscribe: none or from, without ask");
	ok(roster_reached(&from, WANT_APPROVE) &&
	    roster_reached(&pre, WANT_APPROVE) &&
	    !roster_reached(&to, WANT_APPROVE),
	    "approve: from, both or approved");
	ok(roster_reached(&to, WANT_DENY) && !roster_reached(&both, WANT_DENY)
	    && roster_reached(NULL, WANT_DENY), "deny: none or to");
}

static void
test_diff(void)
{
	struct roster have = { 0 }, want = { 0 };
	struct roster_change *c;
	struct buf b = { 0 };
	size_t n, i;

	parse(&have, "<query xmlns='jabber:iq:roster'>"
	    "<item jid='same@x' subscription='to' name='S'/>"
	    "<item jid='renamed@x' name='old'/>"
	    "<item jid='extra@x'/>"
	    "<item jid='asked@x' ask='subscribe'/>"
	    "</query>");
	parse(&want, "<query xmlns='jabber:iq:roster'>"
	    "<item jid='same@x' subscription='both' name='S'/>"
	    "<item jid='renamed@x' name='new'/>"
	    "<item jid='new@x' subscription='to'><group>g</group></item>"
	    "<item jid='asked@x' subscription='to'/>"
	    "</query>");
	n = roster_diff(&have, &want, 1, 1, &c);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s %s,", roster_op_name(c[i].op), c[i].item->jid);
	is_str(buf_str(&b), "add new@x,subscribe new@x,update renamed@x,"
	    "approve same@x,remove extra@x,", "add, update, subscribe, "
	    "approve and prune; a pending request is not asked again");
	free(c);
	b.len = 0;
	n = roster_diff(&have, &want, 0, 0, &c);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s %s,", roster_op_name(c[i].op), c[i].item->jid);
	is_str(buf_str(&b), "add new@x,subscribe new@x,update renamed@x,",
	    "no prune, no pre-approval: neither removed nor approved");
	free(c);
	n = roster_diff(&want, &want, 1, 1, &c);
	ok(n == 0, "a roster against itself: nothing to do (%zu)", n);
	free(c);
	buf_free(&b);
	roster_free(&have);
	roster_free(&want);
}

static void
test_presence(void)
{
	struct roster r = { 0 };
	xmpp_stanza_t *p;
	struct buf b = { 0 };

	parse(&r, "<query xmlns='jabber:iq:roster'>"
	    "<item jid='a@x' subscription='both'/></query>");
	p = xml("<presence from='a@x/phone'><show>dnd</show>"
	    "<status>in\ta meeting</status><priority>5</priority></presence>");
	ok(roster_presence(&r, p) == 1 && r.items[0].heard, "a contact heard");
	xmpp_stanza_release(p);
	p = xml("<presence from='a@x/desk'><priority>999</priority></presence>");
	roster_presence(&r, p);
	xmpp_stanza_release(p);
	roster_format_text(&b, &r.items[0], 1);
	is_str(buf_str(&b), "a@x\t\tboth\t\tphone\tdnd\tin\\ta meeting\t5\n"
	    "a@x\t\tboth\t\tdesk\tonline\t\t0\n",
	    "a line a resource; no show is online, a bad priority 0");
	p = xml("<presence from='a@x/phone' type='unavailable'/>");
	roster_presence(&r, p);
	xmpp_stanza_release(p);
	p = xml("<presence from='a@x/desk' type='unavailable'/>");
	roster_presence(&r, p);
	xmpp_stanza_release(p);
	b.len = 0;
	roster_format_json(&b, &r.items[0], 1);
	is_str(buf_str(&b), "{\"jid\":\"a@x\",\"name\":null,\"subscription\":"
	    "\"both\",\"ask\":null,\"approved\":false,\"groups\":[],"
	    "\"resources\":[]}\n", "all gone: no resources");
	b.len = 0;
	roster_format_text(&b, &r.items[0], 1);
	is_str(buf_str(&b), "a@x\t\tboth\t\t\toffline\t\t\n", "text: offline");
	roster_free(&r);
	/* none and from: their presence is not ours to see */
	parse(&r, "<query xmlns='jabber:iq:roster'>"
	    "<item jid='a@x' subscription='from'/>"
	    "<item jid='b@x' subscription='none' ask='subscribe'/>"
	    "<item jid='c@x' subscription='none'/></query>");
	b.len = 0;
	roster_format_text(&b, &r.items[0], 1);
	roster_format_text(&b, &r.items[1], 1);
	is_str(buf_str(&b), "a@x\t\tfrom\t\t\tunknown\t\t\n"
	    "b@x\t\tnone+ask\t\t\tunknown\t\t\n",
	    "text: from, none, not heard: unknown, not offline");
	b.len = 0;
	roster_format_json(&b, &r.items[0], 1);
	ok(strstr(buf_str(&b), ",\"resources\":null}\n") != NULL,
	    "JSON: unknown is null resources");
	p = xml("<presence from='c@x/r' type='unavailable'/>");
	roster_presence(&r, p);
	xmpp_stanza_release(p);
	b.len = 0;
	roster_format_text(&b, &r.items[2], 1);
	is_str(buf_str(&b), "c@x\t\tnone\t\t\toffline\t\t\n",
	    "none, but it said it went: offline");
	p = xml("<presence from='stranger@x/r'/>");
	ok(roster_presence(&r, p) == 0, "a stranger's presence: not taken");
	xmpp_stanza_release(p);
	p = xml("<presence from='a@x' type='subscribe'/>");
	ok(roster_presence(&r, p) == 0, "a subscription request is no presence");
	xmpp_stanza_release(p);
	buf_free(&b);
	roster_free(&r);
}

int
main(void)
{
	ctx = xmpp_ctx_new(NULL, NULL);
	test_parse();
	test_escapes();
	test_read_bad();
	test_name_check();
	test_reached();
	test_diff();
	test_presence();
	xmpp_ctx_free(ctx);
	return done_testing();
}
