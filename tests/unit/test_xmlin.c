/*
 * test_xmlin: the splitter of xraw's input: elements written again with
 * their namespaces, refusals, errors with their line and column, and
 * the resynchronisation after one, whatever the chunks' sizes.
 */
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "unit.h"

/*
 * Feeds in chunks of size n (0: all at once), taking the items after
 * each feed as xraw does; items as lines, with fields their attributes
 * and position too.
 */
static int fields;

static char *
split(const char *in, size_t n, size_t max)
{
	struct xmlin *xi = xmlin_new(max);
	struct xmlin_item it;
	struct buf out = { 0 };
	size_t len = strlen(in), i, k;

	for (i = 0; i < len || i == 0; i += k) {
		k = n && len - i > n ? n : len - i;
		xmlin_feed(xi, in + i, k);
		if (i + k == len)
			xmlin_end(xi);
		while (xmlin_next(xi, &it)) {
			if (it.kind == XMLIN_ELEMENT && fields)
				buf_printf(&out, "E %.*s|  %s %s %s %s %s %zu "
				    "%lu:%lu|", (int)it.len, it.xml, it.name,
				    it.ns, it.type ? it.type : "-",
				    it.id ? it.id : "-", it.to ? it.to : "-",
				    it.id_at, it.line, it.col);
			else if (it.kind == XMLIN_ELEMENT)
				buf_printf(&out, "E %.*s|", (int)it.len,
				    it.xml);
			else if (it.kind == XMLIN_REFUSED)
				buf_printf(&out, "R %lu:%lu %s|", it.line,
				    it.col, it.name);
			else
				buf_printf(&out, "X %lu:%lu %s [%s]|", it.line,
				    it.col, it.error, it.xml);
		}
		if (len == 0)
			break;
	}
	xmlin_free(xi);
	buf_str(&out);
	return out.p ? out.p : xstrdup("");
}

static void
check(const char *in, const char *want, const char *name)
{
	size_t sizes[] = { 0, 1, 2, 3, 7, 64 };
	char *got, label[160];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		got = split(in, sizes[i], 1000);
		snprintf(label, sizeof(label), "%s (chunks of %zu)", name,
		    sizes[i]);
		is_str(got, want, label);
		free(got);
	}
}

/* Fed in two pieces, at `at`, the items taken between. */
static char *
split2(const char *in, size_t len, size_t at, size_t max)
{
	struct xmlin *xi = xmlin_new(max);
	struct xmlin_item it;
	struct buf out = { 0 };
	size_t piece[2] = { at, len - at }, i;

	for (i = 0; i < 2; i++) {
		xmlin_feed(xi, in + (i ? at : 0), piece[i]);
		if (i == 1)
			xmlin_end(xi);
		while (xmlin_next(xi, &it))
			buf_printf(&out, "%d %s %s %s %s %.*s|", it.kind,
			    it.name ? it.name : "-", it.type ? it.type : "-",
			    it.id ? it.id : "-", it.to ? it.to : "-",
			    (int)it.len, it.xml ? it.xml : "");
	}
	xmlin_free(xi);
	buf_str(&out);
	return out.p;
}

/*
 * What xraw sends does not depend on how the input was split: every
 * cut into two pieces, and every chunk size, gives what one write
 * gives, attributes included.
 */
static void
any_split(const char *in, const char *name)
{
	size_t len = strlen(in), at, n, bad = 0;
	char *whole, *got;

	whole = split2(in, len, len, 1000);
	for (at = 0; at <= len; at++) {
		got = split2(in, len, at, 1000);
		if (strcmp(got, whole) != 0 && bad++ == 0)
			printf("#   cut at %zu:\n#   expected: %s\n#        got: "
			    "%s\n", at, whole, got);
		free(got);
	}
	ok(bad == 0, "%s: the same items cut at any of %zu bytes (%zu "
	    "differ)", name, len + 1, bad);
	free(whole);

	fields = 1;
	whole = split(in, 0, 1000);
	for (n = 1, bad = 0; n <= 17; n++) {
		got = split(in, n, 1000);
		if (strcmp(got, whole) != 0 && bad++ == 0)
			printf("#   chunks of %zu:\n#   expected: %s\n#        "
			    "got: %s\n", n, whole, got);
		free(got);
	}
	ok(bad == 0, "%s: the same items and fields in chunks of 1 to 17 "
	    "bytes", name);
	fields = 0;
	free(whole);
}

int
main(void)
{
	char *big, *got, gts[300], gt[400];

	check("<message to='a@b'><body>hi</body></message>\n",
	    "E <message to='a@b'><body>hi</body></message>|",
	    "a stanza: jabber:client needs no xmlns");
	check("<iq type='get'/> <presence/>\n\n<message/>",
	    "E <iq type='get'/>|E <presence/>|E <message/>|",
	    "three in a row, whitespace between");
	check("<iq type='get' id='1'><query xmlns='http://jabber.org/"
	    "protocol/disco#info'/></iq>",
	    "E <iq type='get' id='1'><query xmlns='http://jabber.org/"
	    "protocol/disco#info'/></iq>|", "a child's namespace kept");
	check("<x:iq xmlns:x='jabber:client' type='get'><d:query xmlns:d="
	    "'urn:d'><d:item/></d:query></x:iq>",
	    "E <iq type='get'><query xmlns='urn:d'><item/></query></iq>|",
	    "prefixes become default namespaces");
	check("<message xml:lang='en' xmlns:e='urn:e' e:k='v'>a&amp;b&lt;"
	    "</message>",
	    "E <message xml:lang='en' xmlns:a0='urn:e' a0:k='v'>a&amp;b"
	    "&lt;</message>|", "namespaced attributes, escapes");
	check("<r xmlns='urn:xmpp:sm:3'/>",
	    "E <r xmlns='urn:xmpp:sm:3'/>|", "an <r/> is allowed");
	check("<message><!-- no --><body>x</body></message>",
	    "E <message><body>x</body></message>|", "comments dropped");
	check("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><presence/>",
	    "R 1:1 starttls|E <presence/>|", "STARTTLS refused, the next goes");
	check("<presence/>\n<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
	    "AGJvYgBwdw==</auth>\n<presence/>",
	    "E <presence/>|R 2:1 auth|E <presence/>|", "SASL refused");
	check("<message xmlns='jabber:server'/>", "R 1:1 message|",
	    "a stanza outside jabber:client refused");
	check("<enable xmlns='urn:xmpp:sm:3'/>", "R 1:1 enable|",
	    "stream management but <r/> refused");
	/* refused by what they do, every version (issue 18) */
	check("<a xmlns='urn:xmpp:sm:2' h='100'/>\n<enable xmlns='urn:xmpp:"
	    "sm:2'/>\n<resume xmlns='urn:xmpp:sm:3' previd='x' h='1'/>\n"
	    "<r xmlns='urn:xmpp:sm:2'/>\n<a xmlns='urn:xmpp:sm:3' h='1'/>\n"
	    "<r xmlns='urn:xmpp:sm:3'/>",
	    "R 1:1 a|R 2:1 enable|R 3:1 resume|R 4:1 r|R 5:1 a|"
	    "E <r xmlns='urn:xmpp:sm:3'/>|",
	    "stream management of any version refused, but sm:3's <r/>");
	check("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'/>\n"
	    "<bind xmlns='urn:xmpp:bind:0'/>\n<request xmlns='urn:xmpp:fast:0'"
	    "/>\n<compress xmlns='http://jabber.org/protocol/compress'><method>"
	    "zlib</method></compress>\n<open xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-framing'/>\n<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
	    "\n<db:result xmlns:db='jabber:server:dialback'/>\n<handshake "
	    "xmlns='jabber:component:accept'/>\n<active xmlns='urn:xmpp:csi:0'"
	    "/>",
	    "R 1:1 authenticate|R 2:1 bind|R 3:1 request|R 4:1 compress|"
	    "R 5:1 open|R 6:1 bind|R 7:1 result|R 8:1 handshake|"
	    "E <active xmlns='urn:xmpp:csi:0'/>|",
	    "SASL2, Bind2, FAST, compression, framing, binding, dialback and a "
	    "component's handshake refused; a client state indication goes");
	check("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-bind'><resource>evil</resource></bind></iq>\n<iq type='set'>"
	    "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>\n"
	    "<iq type='set'><enable xmlns='urn:xmpp:sm:3'/></iq>\n<iq "
	    "type='get'><query xmlns='jabber:iq:version'/></iq>\n<message>"
	    "<enable xmlns='urn:xmpp:sm:3'/></message>",
	    "R 1:1 iq|R 2:1 iq|R 3:1 iq|E <iq type='get'><query xmlns='jabber:"
	    "iq:version'/></iq>|E <message><enable xmlns='urn:xmpp:sm:3'/>"
	    "</message>|",
	    "an iq that binds, opens a session or enables stream management "
	    "is refused whole (hostile review); other payloads go");
	check("<xml:lang/><presence/>", "R 1:1 lang|E <presence/>|",
	    "an element in the xml namespace refused (fuzz_xmlin found it)");
	check("<message><xml:x/></message>\n<presence/>",
	    "X 1:10 an element in the reserved xml namespace "
	    "[<message><xml:x/>]|E <presence/>|",
	    "nested, an error: nothing of it sent, the next line goes");
	check("<presence/>\n</stream:stream>\n<presence/>\n",
	    "E <presence/>|X 2:3 a closing tag with no element open "
	    "[</stream:stream>]|E <presence/>|",
	    "</stream:stream> refused, the next line goes");
	check("<stream:stream to='x'>\n<presence/>\n",
	    "X 1:1 a stream header would restart the stream: refused "
	    "[<stream:stream to='x'>]|E <presence/>|",
	    "a stream header refused");
	check("<message><body>a</bdy></message>\n<presence/>\n",
	    "X 1:19 mismatched tag [<message><body>a</bdy>]|E <presence/>|",
	    "a mismatched tag: its line and column, then resync");
	check("<message>\n  <body>\xff</body>\n</message>\n<iq type='get'/>\n",
	    "X 2:9 not well-formed (invalid token: bad UTF-8, or a character "
	    "XML does not allow) [  <body>\\xFF]|E <iq type='get'/>|",
	    "bad UTF-8 on line 2");
	check("<message a='1' a='2'/>\n<presence/>",
	    "X 1:16 duplicate attribute [<message a='1' a]|E <presence/>|",
	    "a duplicate attribute");
	check("hello\n<presence/>",
	    "X 1:1 text outside an element [h]|E <presence/>|",
	    "text outside an element");
	check("<message><body>cut", "X 1:19 the input ended inside an element []|",
	    "the input ends inside an element");
	check("<message>\n<presence/></message>\n<iq/>",
	    "E <message>&#10;<presence/></message>|E <iq/>|",
	    "an element at a line start inside another is no resync point");

	check("<message><x a='1' a='2'/>\n<body>x</body>\n</message>\n"
	    "<presence/>",
	    "X 1:19 duplicate attribute [<message><x a='1' a]|R 2:1 body|"
	    "X 3:3 a closing tag with no element open [</message>]|"
	    "E <presence/>|",
	    "after an error, a child at a line's start is not sent alone");
	check("<body>x</body>", "R 1:1 body|",
	    "a jabber:client element that is no stanza is refused");

	any_split("<iq type='get' to='example.org'>\n<ping xmlns='urn:xmpp:"
	    "ping'/>\n</iq>\n<message to='a@b' id='m1'><body>x</body>"
	    "</message>\n", "an iq typed in three lines (issue 18)");
	any_split("<presence/>\n<message><body>a</bdy></message>\n<iq "
	    "type='set' id='s1' to='x'><query xmlns='jabber:iq:roster'/></iq>"
	    "\n<r xmlns='urn:xmpp:sm:3'/>hello\n<presence type='unavailable'"
	    "/>", "an error, a resync, a refusal between elements");

	/*
	 * Text between elements, however it comes: in one write expat hands
	 * over none of a run that holds "]]>" (its error comes first), in
	 * pieces each piece as it comes (found by fuzz_xmlin)
	 */
	check("haage]]]]>>\n<presence/>",
	    "X 1:10 not well-formed (invalid token: bad UTF-8, or a character "
	    "XML does not allow) [haage]]]]>]|E <presence/>|",
	    "text with ]]> between elements: expat's error, in any chunks");
	check("  ab]]x\n<presence/>",
	    "X 1:3 text outside an element [a]|E <presence/>|",
	    "text with ]] and no > is text outside an element");
	any_split("haage]]]]>>\n<presence/>\n", "text holding ]]>");
	any_split("<presence/>hello]]>\n<iq/>\n", "after an element, text holding ]]>");
	any_split("<presence/> ab&amp;c]]>\n<iq/>\n", "text, a reference, then ]]>");
	any_split("ab]]x\n<iq/>\n", "text with ]] and no >");
	any_split("x\xc3\xa9\xc3\xa9]]>\n<iq/>\n", "text of two-byte characters, then ]]>");
	any_split("hello<!-- c -->]]>\n<presence/>\n", "text, a comment, then ]]>");
	any_split("hello\n]]>\n<presence/>\n", "text, a line end, then ]]>");
	any_split("<iq/>tail", "text at the end of the input");
	any_split("tail <presence/>\n<iq/>", "text, then an element on its line");
	any_split("\nm<?ssage\n><iq A='g'/>\n<iq/>\n",
	    "text, then a token that never ends (found by fuzz_xmlin)");
	any_split("ab&amp;<iq/>\n<iq/>\n", "text, then a reference");
	/* the input ends inside a token begun between elements: an error,
	 * never silence (what follows the token's start is never sent) */
	check("<!-- draft\n<message><body>x</body></message>\n",
	    "X 1:1 the input ended inside a tag, a comment or a reference "
	    "[<!-- draft]|", "the input ends inside a comment");
	check("<presence/>\n<?pi <message/>\n",
	    "E <presence/>|X 2:1 the input ended inside a tag, a comment or "
	    "a reference [<?pi <message/>]|",
	    "the input ends inside a processing instruction");
	check("<presence/>\n<message",
	    "E <presence/>|X 2:1 the input ended inside a tag, a comment or "
	    "a reference [<message]|", "the input ends inside a start tag");
	check("<presence/>\n&", "E <presence/>|X 2:1 the input ended inside "
	    "a tag, a comment or a reference [&]|",
	    "the input ends inside a reference");
	check("<presence/> <!-- done -->\n", "E <presence/>|",
	    "a comment that ends is no error");
	any_split("<![CDATA[z]]>]]>\n<message/>\n",
	    "a CDATA section outside an element, then ]]>");
	any_split("<message><body><![CDATA[z]]>]]></body></message>\n<iq/>\n",
	    "a CDATA section in an element, then ]]>");
	any_split("<presence/>\n<!-- draft\n<message/>\n",
	    "the input ends inside a comment");
	any_split("<presence/>\n<mess", "the input ends inside a tag");
	any_split("<presence/>\n&", "the input ends inside a reference");
	/* in an element, text that would make it too big, then ]]> */
	memset(gts, '>', 300);
	snprintf(gt, sizeof(gt), "<message><body>%.300s]]>\n<iq/>\n", gts);
	any_split(gt, "in an element, text over the limit, then ]]>");
	snprintf(gt, sizeof(gt), "<message><body>%.300s</body></message>\n"
	    "<iq/>\n", gts);
	any_split(gt, "in an element, text over the limit");

	/* an element over the limit, and in the same write what follows */
	big = xmalloc(300100);
	memcpy(big, "<message><body>", 15);
	memset(big + 15, 'x', 280000);
	strcpy(big + 280015, "</body></message>\n<iq type='get' id='p1'>"
	    "<ping xmlns='urn:xmpp:ping'/></iq>\n<message id='m2'/>\n");
	got = split(big, 0, XU_STANZA_MAX);
	ok(strncmp(got, "X 1:", 4) == 0 && strstr(got, "|E <iq type='get' "
	    "id='p1'><ping xmlns='urn:xmpp:ping'/></iq>|E <message id='m2'/>|"),
	    "an element too big, then in the same write a ping and a message: "
	    "both go (issue 18) (%.200s)", got);
	free(got);
	got = split(big, 16384, XU_STANZA_MAX);
	ok(strncmp(got, "X 1:", 4) == 0 && strstr(got, "|E <iq type='get' "
	    "id='p1'><ping xmlns='urn:xmpp:ping'/></iq>|E <message id='m2'/>|"),
	    "the same read as xraw reads it, 16 kB at a time (%.200s)", got);
	free(got);
	free(big);

	/* a megabyte of small elements in one write: none is too big */
	{
		struct buf many = { 0 }, want = { 0 };
		int i;

		for (i = 0; i < 20000; i++) {
			buf_printf(&many, "<message id='%d'><body>%040d</body>"
			    "</message>\n", i, i);
			buf_printf(&want, "E <message id='%d'><body>%040d"
			    "</body></message>|", i, i);
		}
		buf_str(&many);
		got = split(many.p, 0, 1000);
		ok(strcmp(got, buf_str(&want)) == 0, "%zu bytes of small "
		    "elements in one write: every one goes", many.len);
		free(got);
		buf_free(&many);
		buf_free(&want);
	}

	big = xmalloc(300012);
	memset(big, '\n', 300000);
	strcpy(big + 300000, "<presence/>");
	got = split(big, 4096, 1000);
	is_str(got, "E <presence/>|", "300 kB of newlines between elements: no "
	    "element too big");
	free(got);
	free(big);

	big = xmalloc(3000);
	memset(big, 'x', 2999);
	big[2999] = '\0';
	memcpy(big, "<message><body>", 15);
	got = split(big, 0, 1000);
	ok(strncmp(got, "X 1:", 4) == 0 && strstr(got, "more than 1000 bytes"),
	    "an element over the limit is an error (%s)", got);
	free(got);
	free(big);
	return done_testing();
}
