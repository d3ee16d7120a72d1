/*
 * test_xmlin: the splitter of xraw's input: elements written again with
 * their namespaces, refusals, errors with their line and column, and
 * the resynchronisation after one, whatever the chunks' sizes.
 */
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "unit.h"

/* Feeds in chunks of size n (0: all at once); items as lines. */
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
			if (it.kind == XMLIN_ELEMENT)
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

int
main(void)
{
	char *big, *got;

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
