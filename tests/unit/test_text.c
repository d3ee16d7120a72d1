/* test_text: what XML can carry, JIDs, and the three escapes. */
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "unit.h"

#define S(x) x, sizeof(x) - 1

static void
test_text_check(void)
{
	static const struct {
		const char *s;
		size_t len;
		const char *why;	/* prefix of the reason; NULL: fine */
		size_t off;
	} cases[] = {
		{ S("plain ascii"), NULL, 0 },
		{ S("tab\tnl\ncr\r"), NULL, 0 },
		{ S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), NULL, 0 },
		{ S("a\x01z"), "control character U+0001", 1 },
		{ S("nul\0byte"), "control character U+0000", 3 },
		{ S("\x1b[2J"), "control character U+001B", 0 },
		/* XML 1.0 allows DEL and C1, but a terminal acts on them */
		{ S("del\x7f no"), "control character U+007F refused", 3 },
		{ S("csi \xc2\x9b"), "control character U+009B refused", 4 },
		{ S("nel \xc2\x85"), "control character U+0085 refused", 4 },
		{ S("nbsp \xc2\xa0 ok"), NULL, 0 },
		{ S("rlo \xe2\x80\xae is text"), NULL, 0 },
		{ S("bad \xff byte"), "invalid UTF-8", 4 },
		{ S("overlong \xc0\xaf"), "invalid UTF-8", 9 },
		{ S("overlong3 \xe0\x80\xaf"), "invalid UTF-8", 10 },
		{ S("surrogate \xed\xa0\x80"), "invalid UTF-8", 10 },
		{ S("too big \xf4\x90\x80\x80"), "invalid UTF-8", 8 },
		{ S("cut \xe2\x82"), "invalid UTF-8", 4 },
		{ S("lone continuation \x80"), "invalid UTF-8", 18 },
		{ S("noncharacter \xef\xbf\xbe"), "character U+FFFE", 13 },
		{ S("noncharacter \xef\xbf\xbf"), "character U+FFFF", 13 },
		{ S("last \xf4\x8f\xbf\xbf"), NULL, 0 },
		{ S(""), NULL, 0 },
	};
	size_t i, off;
	const char *why;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		off = 12345;
		why = text_check(cases[i].s, cases[i].len, &off);
		if (cases[i].why == NULL)
			ok(why == NULL, "text_check accepts case %zu (%s)", i,
			    why ? why : "ok");
		else
			ok(why && strncmp(why, cases[i].why,
			    strlen(cases[i].why)) == 0 && off == cases[i].off,
			    "text_check case %zu: %s at %zu (got %s at %zu)",
			    i, cases[i].why, cases[i].off, why ? why : "ok",
			    off);
	}
}

static void
test_jid_check(void)
{
	static const struct {
		const char *jid;
		int good;
	} cases[] = {
		{ "alice@example.org", 1 },
		{ "alice@example.org/phone", 1 },
		{ "example.org", 1 },
		{ "example.org/res", 1 },
		{ "room@conference.example.org/nick with space", 1 },
		{ "j\xc3\xbcrgen@example.org", 1 },
		{ "a@b/c@d/e", 1 },	/* '@' and '/' are fine in a resource */
		{ "", 0 },
		{ "@example.org", 0 },
		{ "alice@", 0 },
		{ "alice@example.org/", 0 },
		{ "al ice@example.org", 0 },
		{ "al\"ice@example.org", 0 },
		{ "a:b@example.org", 0 },
		{ "a<b@example.org", 0 },
		{ "alice@exam ple.org", 0 },
		{ "alice@example..org", 0 },
		{ ".example.org", 0 },
		{ "alice@example.org/\x01", 0 },
		{ "alice@\xff.org", 0 },
		{ "a@b@c", 0 },
		/* found by fuzz_jid: XML cannot carry U+FFFE and U+FFFF */
		{ "\xf0\x9f\xb1\x8b\xee\xb1\x8b\xef\xbf\xbf", 0 },
		{ "alice@example.org/\xef\xbf\xbe", 0 },
		/* what a server's stringprep refuses (hostile review) */
		{ "x\xc2\xa0y@example.org", 0 },		/* U+00A0 */
		{ "x\xe2\x80\xa8y@example.org", 0 },	/* U+2028 */
		{ "alice@exa\xe2\x80\xa9mple.org", 0 },	/* U+2029 */
		{ "alice@example.org/a\xe2\x80\xa8" "b", 0 },
		{ "\xe2\x84\x80@example.org", 0 },	/* U+2100: "a/c" */
		{ "\xc3\x96laf@example.org/Caf\xc3\xa9", 1 },
	};
	char big[1100];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok((jid_check(cases[i].jid) == NULL) == cases[i].good,
		    "jid_check %s '%s'", cases[i].good ? "accepts" : "refuses",
		    cases[i].jid);
	memset(big, 'a', 1024);
	strcpy(big + 1024, "@example.org");
	ok(jid_check(big) != NULL, "jid_check refuses a 1024-byte local part");
	memset(big, 'a', 1023);
	strcpy(big + 1023, "@example.org");
	ok(jid_check(big) == NULL, "jid_check accepts a 1023-byte local part");
}

static void
test_xml_escape(void)
{
	struct buf b = { 0 };

	xml_escape(&b, S("a<b>&\"c'\td\ne\r"));
	is_str(buf_str(&b), "a&lt;b&gt;&amp;&quot;c&apos;&#9;d&#10;e&#13;",
	    "xml_escape escapes markup and keeps whitespace exact");
	b.len = 0;
	xml_escape(&b, S("del\x7f csi\xc2\x9b rlo\xe2\x80\xae lrm\xe2\x80\x8e "
	    "alm\xd8\x9c fsi\xe2\x81\xa8 \xc2\xa0\xc3\xa9\xe2\x82\xac\xd8\xa8"));
	is_str(buf_str(&b), "del&#x7F; csi&#x9B; rlo&#x202E; lrm&#x200E; "
	    "alm&#x61C; fsi&#x2068; \xc2\xa0\xc3\xa9\xe2\x82\xac\xd8\xa8",
	    "xml_escape writes DEL, C1 and bidi controls as references, "
	    "and other text as it is");
	/* a line-oriented reader would cut a stanza in two there */
	b.len = 0;
	xml_escape(&b, S("ls\xe2\x80\xa8ps\xe2\x80\xa9 \xe2\x80\xa7"));
	is_str(buf_str(&b), "ls&#x2028;ps&#x2029; \xe2\x80\xa7",
	    "xml_escape writes U+2028 and U+2029 as references, U+2027 raw");
	b.len = 0;
	xml_defang(&b, S("<b a='\xe2\x80\xa8'>x\xe2\x80\xa9</b>"));
	is_str(buf_str(&b), "<b a='&#x2028;'>x&#x2029;</b>",
	    "xml_defang keeps markup, writes U+2028 and U+2029 as references");
	buf_free(&b);
}

static void
test_json_escape(void)
{
	struct buf b = { 0 };

	json_escape(&b, S("q\"b\\s\n\t\r\x01\x7f\xc2\x85 \xc3\xa9"));
	is_str(buf_str(&b), "\"q\\\"b\\\\s\\n\\t\\r\\u0001\\u007f\\u0085 "
	    "\xc3\xa9\"", "json_escape escapes quotes and control characters");
	b.len = 0;
	json_escape(&b, S("rlo\xe2\x80\xae"));
	is_str(buf_str(&b), "\"rlo\\u202e\"",
	    "json_escape writes a bidi control as \\u202e");
	b.len = 0;
	json_escape(&b, S("ls\xe2\x80\xa8ps\xe2\x80\xa9"));
	is_str(buf_str(&b), "\"ls\\u2028ps\\u2029\"",
	    "json_escape writes U+2028 and U+2029 as \\u2028, \\u2029");
	b.len = 0;
	json_escape(&b, S("bad\xff"));
	is_str(buf_str(&b), "\"bad\\ufffd\"",
	    "json_escape replaces bytes that are not UTF-8");
	buf_free(&b);
}

static void
test_text_escape(void)
{
	static const struct {
		const char *s;
		size_t len;
		const char *want;
	} cases[] = {
		{ S("plain"), "plain" },
		{ S("two\nlines"), "two\\nlines" },
		{ S("a\tb"), "a\\tb" },
		{ S("back\\slash"), "back\\\\slash" },
		{ S("cr\r"), "cr\\r" },
		{ S("esc\x1b[31m"), "esc\\x1B[31m" },
		{ S("del\x7f"), "del\\x7F" },
		{ S("c1\xc2\x9b"), "c1\\xC2\\x9B" },
		{ S("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9" },
		{ S("bad\xff"), "bad\\xFF" },
		{ S("lit \\n"), "lit \\\\n" },
		{ S("rlo\xe2\x80\xae" "evil"), "rlo\\xE2\\x80\\xAE" "evil" },
		{ S("lri\xe2\x81\xa6"), "lri\\xE2\\x81\\xA6" },
		/* Unicode's line and paragraph separators: a line still */
		{ S("ls\xe2\x80\xa8" "x"), "ls\\xE2\\x80\\xA8" "x" },
		{ S("ps\xe2\x80\xa9"), "ps\\xE2\\x80\\xA9" },
		{ S("hyphenation point \xe2\x80\xa7"),
		    "hyphenation point \xe2\x80\xa7" },
	};
	struct buf b = { 0 };
	char *copy;
	long n;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b.len = 0;
		text_escape(&b, cases[i].s, cases[i].len);
		is_str(buf_str(&b), cases[i].want, cases[i].want);
		ok(memchr(b.p, '\n', b.len) == NULL &&
		    memchr(b.p, '\t', b.len) == NULL &&
		    memmem(b.p, b.len, "\xe2\x80\xa8", 3) == NULL &&
		    memmem(b.p, b.len, "\xe2\x80\xa9", 3) == NULL,
		    "escaped text has no newline, tab or line separator");
		copy = xstrndup(b.p, b.len);
		n = text_unescape(copy, b.len);
		ok(n == (long)cases[i].len &&
		    memcmp(copy, cases[i].s, n) == 0,
		    "text_unescape reverses case %zu", i);
		free(copy);
	}
	copy = xstrdup("bad \\q escape");
	ok(text_unescape(copy, strlen(copy)) == -1,
	    "text_unescape refuses an unknown escape");
	free(copy);
	copy = xstrdup("cut \\x4");
	ok(text_unescape(copy, strlen(copy)) == -1,
	    "text_unescape refuses a cut \\x escape");
	free(copy);
	buf_free(&b);
}

static void
test_jid_compare(void)
{
	static const struct {
		const char *a, *b;
		int equal, bare_equal;
	} cases[] = {
		{ "alice@example.org", "alice@example.org", 1, 1 },
		{ "ALICE@Example.ORG", "alice@example.org", 1, 1 },
		{ "alice@example.org.", "alice@example.org", 1, 1 },
		{ "alice@example.org/Phone", "alice@example.org/phone", 0, 1 },
		{ "Alice@example.org/Phone", "alice@EXAMPLE.org/Phone", 1, 1 },
		{ "alice@example.org", "alice@example.org/phone", 0, 1 },
		{ "alice@example.org", "bob@example.org", 0, 0 },
		{ "alice@example.org", "example.org", 0, 0 },
		{ "example.org", "EXAMPLE.ORG", 1, 1 },
		{ "alicex@example.org", "alice@example.org", 0, 0 },
		/* Nodeprep folds beyond ASCII, and maps ß to ss */
		{ "\xc3\x85lice@example.org", "\xc3\xa5lice@example.org", 1, 1 },
		{ "STRA\xc3\x9f" "E@example.org", "strasse@example.org", 1, 1 },
		/* NFKC: a ligature, and a precomposed letter */
		{ "\xef\xac\x81@example.org", "fi@example.org", 1, 1 },
		{ "e\xcc\x81@example.org", "\xc3\xa9@example.org", 1, 1 },
		/* Nameprep on the domain */
		{ "a@\xc3\x96sterreich.example", "a@\xc3\xb6sterreich.example",
		    1, 1 },
		/* Resourceprep folds no case */
		{ "a@b/\xc3\x85", "a@b/\xc3\xa5", 0, 1 },
		{ "room@conf/N\xc3\xad" "ck", "Room@Conf/N\xc3\xad" "ck", 1, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok(jid_equal(cases[i].a, cases[i].b) == cases[i].equal &&
		    jid_equal(cases[i].b, cases[i].a) == cases[i].equal,
		    "jid_equal(%s, %s) is %d", cases[i].a, cases[i].b,
		    cases[i].equal);
		ok(jid_bare_equal(cases[i].a, cases[i].b) ==
		    cases[i].bare_equal, "jid_bare_equal(%s, %s) is %d",
		    cases[i].a, cases[i].b, cases[i].bare_equal);
	}
	ok(jid_matches("ALICE@example.org", "alice@example.org/x"),
	    "--from ALICE@example.org matches alice@example.org/x");
	ok(!jid_matches("alice@example.org/y", "alice@example.org/x"),
	    "a full --from matches only its own resource");
	ok(jid_matches("alice@Example.org/x", "alice@example.org/x"),
	    "a full --from folds the domain's case");
	ok(!jid_matches("alice@example.org", NULL), "nothing matches no from");
}

int
main(void)
{
	test_text_check();
	test_jid_compare();
	test_jid_check();
	test_xml_escape();
	test_json_escape();
	test_text_escape();
	return done_testing();
}
