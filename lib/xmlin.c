/*
 * xmlin.c: a sequence of top-level XML elements read from a byte stream,
 * each handed over, re-serialized, the moment its end tag arrives.
 *
 * Expat wants one root: each parser is fed an opening tag of our own
 * first (declaring jabber:client as the default namespace), so that
 * what the user writes are its children. Expat resolves the namespaces
 * (prefixed or default); the element is written again with default
 * namespace declarations only, where its namespace changes, and a
 * prefix of our own for a namespaced attribute: the same XML by the
 * Namespaces in XML rules, well-formed whatever the input's prefixes.
 * Comments and processing instructions are dropped (RFC 6120 11.1
 * forbids them in stanzas); no DTD can be declared, so no entity but
 * the predefined ones expands.
 *
 * After an error (not well-formed, bad UTF-8, an element over the size
 * limit, a closing tag with nothing open) expat cannot go on: the rest
 * up to the next line that starts with '<' is skipped, and a new parser
 * starts there. Nothing of an element in error is handed over.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "xmpputils.h"

#define SEP '\x01'		/* between namespace and name, from expat */
#define NS_CLIENT "jabber:client"
#define NS_XML "http://www.w3.org/XML/1998/namespace"
#define NS_STREAMS "http://etherx.jabber.org/streams"
#define ROOT "<xmlin xmlns='" NS_CLIENT "' xmlns:stream='" NS_STREAMS "'>"
#define ROOTLEN (sizeof(ROOT) - 1)

/* An item ready, its strings as offsets into xi->text (-1: none). */
struct ready {
	enum xmlin_kind kind;
	long xml, name, ns, type, id, to, error;
	size_t len, id_at;
	unsigned long line, col;
};

struct xmlin {
	XML_Parser p;
	size_t max;		/* the largest element handed over */
	int depth;		/* 1: inside ROOT; 2: in a top-level element */
	int skipping;		/* after an error: until a line starts '<' */
	int after_newline;	/* the last byte skipped ended a line */
	int held;		/* a '<' after a newline ended the last feed */
	int lt_first;		/* resynced on it: it goes first */
	int stopped;		/* the parser was stopped for an error */
	int dropping;		/* the top-level element is refused */
	int open_tag;		/* "<name attrs" written, '>' not yet */

	/* where the parser's input began, for line:column */
	unsigned long line_base, col_base;

	/* the top-level element being read: its strings in curtext, which
	 * outlives the items taken between two feeds */
	XML_Index elem_start;
	struct ready cur;
	struct buf curtext;
	struct buf out;		/* it, written again */
	struct buf nss;		/* namespaces of the open elements, NUL-ended */
	size_t *frames;		/* offsets in nss, one an open element */
	size_t nframes, capframes;

	struct buf seen;	/* input since the last element ended */
	XML_Index seen_base;	/* the parser's index of seen.p[0] */
	XML_Index chunk_base;	/* and of the next byte to be fed */
	XML_Index boundary;	/* and of the end of the last element */

	struct ready *items;	/* ready, oldest first */
	size_t head, nitems, capitems;
	struct buf text;	/* their strings */

	/*
	 * Text between top-level elements that reached the end of what
	 * expat was given: its error is the last item, withheld until the
	 * run of text is seen to end (see top_text).
	 */
	int text_pending;
	XML_Index text_end;	/* where the run read so far ends */
	XML_Index input_end;	/* the end of what expat was given */
	XML_Index resume_at;	/* -1, or where to skip from after an error */
	unsigned long resume_line;
};

/* ---- what is handed over */

/* Appends s and a NUL to b; returns where it starts. */
static long
stash(struct buf *b, const char *s, size_t len)
{
	long off = (long)b->len;

	buf_add(b, s, len);
	buf_addc(b, '\0');
	return off;
}

static long
keep(struct xmlin *xi, const char *s, size_t len)
{
	return stash(&xi->text, s, len);
}

/* A string of the element being read; moved into text once it ends. */
static long
keep_cur(struct xmlin *xi, const char *s, size_t len)
{
	return stash(&xi->curtext, s, len);
}

static long
cur_to_text(struct xmlin *xi, long off)
{
	return off < 0 ? -1 : keep(xi, xi->curtext.p + off,
	    strlen(xi->curtext.p + off));
}

static struct ready *
ready_new(struct xmlin *xi, enum xmlin_kind kind)
{
	struct ready *r;

	if (xi->nitems == xi->capitems)
		xi->items = xgrow(xi->items, &xi->capitems,
		    sizeof(*xi->items));
	r = &xi->items[xi->nitems++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->xml = r->name = r->ns = r->type = r->id = r->to = r->error = -1;
	return r;
}

static const char *
str(struct xmlin *xi, long off)
{
	return off < 0 ? NULL : xi->text.p + off;
}

size_t
xmlin_pending(const struct xmlin *xi)
{
	return xi->nitems - xi->text_pending - xi->head;
}

int
xmlin_next(struct xmlin *xi, struct xmlin_item *it)
{
	struct ready *r;

	if (xmlin_pending(xi) == 0)
		return 0;
	r = &xi->items[xi->head++];
	it->kind = r->kind;
	it->xml = str(xi, r->xml);
	it->len = r->len;
	it->name = str(xi, r->name);
	it->ns = str(xi, r->ns);
	it->type = str(xi, r->type);
	it->id = str(xi, r->id);
	it->to = str(xi, r->to);
	it->id_at = r->id_at;
	it->error = str(xi, r->error);
	it->line = r->line;
	it->col = r->col;
	return 1;
}

/* Where the parser is now, as the user counts: line, column (1-based). */
static void
position(struct xmlin *xi, unsigned long *line, unsigned long *col)
{
	unsigned long l = XML_GetCurrentLineNumber(xi->p);
	unsigned long c = XML_GetCurrentColumnNumber(xi->p);

	*line = xi->line_base + l - 1;
	*col = (l == 1 ? xi->col_base + c - ROOTLEN : c) + 1;
}

/*
 * An error where the parser is (and `ahead` bytes on), with the input
 * that led there (up to 40 bytes of its line since the last element
 * ended, escaped to be printed: the same however the input came in).
 */
static void
error_item(struct xmlin *xi, const char *why, int whole, size_t ahead)
{
	struct ready *r = ready_new(xi, XMLIN_ERROR);
	XML_Index idx = XML_GetCurrentByteIndex(xi->p) + ahead;
	struct buf frag = { 0 };
	size_t end = 0, start, low = 0;

	if (idx >= xi->seen_base)
		end = idx - xi->seen_base;
	if (xi->boundary > xi->seen_base)
		low = xi->boundary - xi->seen_base;
	/* the blanks after it too, as seen_trim may have dropped them */
	while (low < end && low < xi->seen.len &&
	    memchr(" \t\r\n", xi->seen.p[low], 4) != NULL)
		low++;
	/* to the byte where it went wrong, or the end of its tag (read
	 * whole by then, however the input came in) */
	if (end < xi->seen.len && whole && XML_GetCurrentByteCount(xi->p) > 0)
		end += XML_GetCurrentByteCount(xi->p);
	else if (end < xi->seen.len && XML_GetErrorCode(xi->p) ==
	    XML_ERROR_TAG_MISMATCH)
		while (end < xi->seen.len && xi->seen.p[end++] != '>')
			;
	else if (end < xi->seen.len)
		end++;
	if (end > xi->seen.len)
		end = xi->seen.len;
	for (start = end; start > low && end - start < 40 &&
	    xi->seen.p[start - 1] != '\n'; start--)
		;
	text_escape(&frag, xi->seen.p + start, end - start);
	r->xml = keep(xi, frag.p ? frag.p : "", frag.len);
	r->len = frag.len;
	r->error = keep(xi, why, strlen(why));
	position(xi, &r->line, &r->col);
	r->col += ahead;	/* on the same line: only blanks were skipped */
	buf_free(&frag);
}

/* The parser stops, and what follows is skipped. */
static void
stop(struct xmlin *xi)
{
	xi->stopped = 1;
	XML_StopParser(xi->p, XML_FALSE);
}

static void
error_at(struct xmlin *xi, const char *why, int whole, size_t ahead)
{
	error_item(xi, why, whole, ahead);
	stop(xi);
}

static void text_settle(struct xmlin *);

static void
error_here(struct xmlin *xi, const char *why, int whole)
{
	error_at(xi, why, whole, 0);
}

/* ---- writing the element again */

static void
close_tag(struct xmlin *xi)
{
	if (xi->open_tag) {
		buf_addc(&xi->out, '>');
		xi->open_tag = 0;
	}
}

/* Splits expat's "ns SEP local" (no SEP: no namespace). */
static const char *
split_name(const char *full, size_t *nslen)
{
	const char *sep = strchr(full, SEP);

	*nslen = sep ? (size_t)(sep - full) : 0;
	return sep ? sep + 1 : full;
}

static void
write_attrs(struct xmlin *xi, const char **attrs)
{
	const char *local;
	size_t nslen, i;
	int prefixes = 0;

	for (i = 0; attrs[i]; i += 2) {
		local = split_name(attrs[i], &nslen);
		buf_addc(&xi->out, ' ');
		if (nslen == sizeof(NS_XML) - 1 &&
		    memcmp(attrs[i], NS_XML, nslen) == 0)
			buf_adds(&xi->out, "xml:");
		else if (nslen > 0) {
			/* a prefix of our own, declared on this element */
			buf_printf(&xi->out, "xmlns:a%d='", prefixes);
			xml_escape(&xi->out, attrs[i], nslen);
			buf_printf(&xi->out, "' a%d:", prefixes++);
		}
		buf_adds(&xi->out, local);
		buf_adds(&xi->out, "='");
		xml_escape(&xi->out, attrs[i + 1], strlen(attrs[i + 1]));
		buf_addc(&xi->out, '\'');
	}
}

/* A plain (not namespaced) attribute's value, or NULL. */
static const char *
attr(const char **attrs, const char *name)
{
	size_t i;

	for (i = 0; attrs[i]; i += 2)
		if (strcmp(attrs[i], name) == 0)
			return attrs[i + 1];
	return NULL;
}

/*
 * What would end, restart or take over the stream, or confuse the
 * session's own bookkeeping, by what it does: a namespace, or with
 * `any` every namespace that starts so (every version of a protocol).
 */
static const struct {
	const char *ns;
	int any;
	const char *why;
} takeover[] = {
	{ "urn:ietf:params:xml:ns:xmpp-tls", 0,
	    "STARTTLS is the login's: refused" },
	{ "urn:ietf:params:xml:ns:xmpp-sasl", 0,
	    "SASL is the login's: refused" },
	{ "urn:xmpp:sasl:", 1, "SASL2 is the login's: refused" },
	{ "urn:xmpp:fast:", 1, "FAST is the login's: refused" },
	{ "urn:xmpp:bind:", 1, "Bind2 is the login's: refused" },
	{ "urn:ietf:params:xml:ns:xmpp-bind", 0,
	    "binding is the login's: refused" },
	{ "urn:ietf:params:xml:ns:xmpp-session", 0,
	    "the session is the login's: refused" },
	{ "urn:xmpp:sm:", 1, "stream management is the session's (only "
	    "<r xmlns='urn:xmpp:sm:3'/> may be sent): refused" },
	{ "http://jabber.org/protocol/compress", 0,
	    "compression would restart the stream: refused" },
	{ "http://jabber.org/features/compress", 0,
	    "compression would restart the stream: refused" },
	{ "urn:ietf:params:xml:ns:xmpp-framing", 0,
	    "WebSocket framing would restart the stream: refused" },
	{ "jabber:server:dialback", 0,
	    "dialback is between servers: refused" },
	{ "jabber:component:accept", 0,
	    "a component's handshake is not a client's: refused" },
};

/* Why an element in ns would take over the stream, or NULL. */
static const char *
takeover_why(const char *ns, size_t nslen)
{
	size_t i, n;

	for (i = 0; i < sizeof(takeover) / sizeof(takeover[0]); i++) {
		n = strlen(takeover[i].ns);
		if ((takeover[i].any ? nslen >= n : nslen == n) &&
		    memcmp(ns, takeover[i].ns, n) == 0)
			return takeover[i].why;
	}
	return NULL;
}

/* Why a top-level element may not go on a stream, or NULL. */
static const char *
refusal(const char *ns, size_t nslen, const char *local)
{
	const char *why;
	int stanza;

#define IS(s) (nslen == sizeof(s) - 1 && memcmp(ns, s, nslen) == 0)
	if (IS(NS_STREAMS))
		return strcmp(local, "stream") == 0 ? "a stream header would "
		    "restart the stream: refused" : "a stream-level element: "
		    "refused";
	/* xml: may prefix attributes only; no element can be written in it */
	if (IS(NS_XML))
		return "an element in the reserved xml namespace: refused";
	if (IS("urn:xmpp:sm:3") && strcmp(local, "r") == 0)
		return NULL;	/* a request for an ack: answered, no more */
	if ((why = takeover_why(ns, nslen)) != NULL)
		return why;
	stanza = strcmp(local, "message") == 0 ||
	    strcmp(local, "presence") == 0 || strcmp(local, "iq") == 0;
	if (stanza && !IS(NS_CLIENT))
		return "a stanza must be in jabber:client: refused";
	/* a server ends the stream for one; and after an error, a child
	 * at a line's start (a <body/>) must not go out on its own */
	if (!stanza && IS(NS_CLIENT))
		return "not a stanza (message, presence or iq): refused";
	return NULL;
#undef IS
}

/* The start of a top-level element: 1 to write it, 0 if refused. */
static int
top_start(struct xmlin *xi, const char *name, const char **attrs)
{
	const char *local, *why, *v;
	struct ready *r;
	size_t nslen;

	local = split_name(name, &nslen);
	xi->elem_start = XML_GetCurrentByteIndex(xi->p);
	xi->out.len = 0;
	xi->dropping = 0;
	if ((why = refusal(name, nslen, local)) != NULL) {
		if (strcmp(local, "stream") == 0) {
			/* it would never end: all after it is inside it */
			error_here(xi, why, 1);
			return 0;
		}
		r = ready_new(xi, XMLIN_REFUSED);
		position(xi, &r->line, &r->col);
		r->error = keep(xi, why, strlen(why));
		r->name = keep(xi, local, strlen(local));
		r->ns = keep(xi, name, nslen);
		xi->dropping = 1;
		return 0;
	}
	memset(&xi->cur, 0, sizeof(xi->cur));
	xi->curtext.len = 0;
	xi->cur.kind = XMLIN_ELEMENT;
	position(xi, &xi->cur.line, &xi->cur.col);
	xi->cur.name = keep_cur(xi, local, strlen(local));
	xi->cur.ns = keep_cur(xi, name, nslen);
	xi->cur.type = (v = attr(attrs, "type")) ?
	    keep_cur(xi, v, strlen(v)) : -1;
	xi->cur.id = (v = attr(attrs, "id")) ? keep_cur(xi, v, strlen(v)) : -1;
	xi->cur.to = (v = attr(attrs, "to")) ? keep_cur(xi, v, strlen(v)) : -1;
	xi->cur.xml = xi->cur.error = -1;
	buf_addc(&xi->out, '<');
	buf_adds(&xi->out, local);
	xi->cur.id_at = xi->out.len;
	/* a stanza needs no xmlns: the stream's default is jabber:client */
	if (nslen != sizeof(NS_CLIENT) - 1 || memcmp(name, NS_CLIENT, nslen)) {
		buf_adds(&xi->out, " xmlns='");
		xml_escape(&xi->out, name, nslen);
		buf_addc(&xi->out, '\'');
	}
	return 1;
}

static void
push_ns(struct xmlin *xi, const char *ns, size_t nslen)
{
	if (xi->nframes == xi->capframes)
		xi->frames = xgrow(xi->frames, &xi->capframes,
		    sizeof(*xi->frames));
	xi->frames[xi->nframes++] = xi->nss.len;
	buf_add(&xi->nss, ns, nslen);
	buf_addc(&xi->nss, '\0');
}

/* The namespace the element being written is in. */
static const char *
open_ns(struct xmlin *xi)
{
	return xi->nss.p + xi->frames[xi->nframes - 1];
}

/*
 * An error said where something began (an element, a token), with its
 * first bytes from there: where expat happened to notice (which
 * depends on how the input was split) does not show. The caller sets
 * its line and column.
 */
static struct ready *
error_from(struct xmlin *xi, XML_Index from, const char *why)
{
	struct ready *r = ready_new(xi, XMLIN_ERROR);
	struct buf frag = { 0 };
	size_t start = 0, end;

	if (from > xi->seen_base)
		start = from - xi->seen_base;
	if (start > xi->seen.len)
		start = xi->seen.len;
	for (end = start; end < xi->seen.len && end - start < 40 &&
	    xi->seen.p[end] != '\n'; end++)
		;
	text_escape(&frag, xi->seen.p + start, end - start);
	r->xml = keep(xi, frag.p ? frag.p : "", frag.len);
	r->len = frag.len;
	r->error = keep(xi, why, strlen(why));
	buf_free(&frag);
	return r;
}

/* An error of the whole top-level element: said where it starts. */
static void
error_elem_item(struct xmlin *xi, const char *why)
{
	struct ready *r = error_from(xi, xi->elem_start, why);

	r->line = xi->cur.line;
	r->col = xi->cur.col;
}

/* Whether the element has grown past the limit (then: its error, made). */
static int
over_limit(struct xmlin *xi)
{
	char why[80];

	if ((size_t)(XML_GetCurrentByteIndex(xi->p) - xi->elem_start) <=
	    xi->max && xi->out.len <= xi->max)
		return 0;
	snprintf(why, sizeof(why), "an element of more than %zu bytes",
	    xi->max);
	error_elem_item(xi, why);
	return 1;
}

/* Whether the element has grown past the limit (then: an error). */
static int
too_big(struct xmlin *xi)
{
	if (!over_limit(xi))
		return 0;
	stop(xi);
	return 1;
}

/*
 * An iq's payload may ask for what the login does (bind a resource,
 * open the old session, enable stream management): the whole iq is
 * refused, as the element would be on its own.
 */
static int
payload_refused(struct xmlin *xi, const char *ns, size_t nslen)
{
	const char *why;
	struct ready *r;

	if (strcmp(xi->curtext.p + xi->cur.name, "iq") != 0 ||
	    (why = takeover_why(ns, nslen)) == NULL)
		return 0;
	r = ready_new(xi, XMLIN_REFUSED);
	r->line = xi->cur.line;
	r->col = xi->cur.col;
	r->error = keep(xi, why, strlen(why));
	r->name = keep(xi, "iq", 2);
	r->ns = keep(xi, NS_CLIENT, sizeof(NS_CLIENT) - 1);
	/* nothing of it was handed over: forget what was written */
	xi->dropping = 1;
	xi->out.len = 0;
	xi->open_tag = 0;
	xi->nframes = 0;
	xi->nss.len = 0;
	return 1;
}

static void XMLCALL
on_start(void *arg, const char *name, const char **attrs)
{
	struct xmlin *xi = arg;
	const char *local;
	size_t nslen;

	if (xi->stopped)
		return;
	if (xi->text_pending) {		/* the text before it is over */
		text_settle(xi);
		return;
	}
	if (++xi->depth == 1)
		return;		/* our root */
	if (xi->depth == 2 && !top_start(xi, name, attrs))
		return;
	if (xi->dropping || too_big(xi))
		return;
	local = split_name(name, &nslen);
	if (xi->depth > 2 && nslen == sizeof(NS_XML) - 1 &&
	    memcmp(name, NS_XML, nslen) == 0) {
		/* XML forbids declaring it the default namespace */
		error_here(xi, "an element in the reserved xml namespace", 1);
		return;
	}
	if (xi->depth == 3 && payload_refused(xi, name, nslen))
		return;
	if (xi->depth > 2) {
		close_tag(xi);
		buf_addc(&xi->out, '<');
		buf_adds(&xi->out, local);
		if (strlen(open_ns(xi)) != nslen ||
		    memcmp(open_ns(xi), name, nslen) != 0) {
			buf_adds(&xi->out, " xmlns='");
			xml_escape(&xi->out, name, nslen);
			buf_addc(&xi->out, '\'');
		}
	}
	push_ns(xi, name, nslen);
	write_attrs(xi, attrs);
	xi->open_tag = 1;
}

static void XMLCALL
on_end(void *arg, const char *name)
{
	struct xmlin *xi = arg;
	struct ready *r;
	const char *local;
	size_t nslen;

	if (xi->stopped)
		return;
	if (xi->text_pending) {
		text_settle(xi);
		return;
	}
	if (xi->depth == 1) {
		error_here(xi, "a closing tag with no element open", 1);
		return;
	}
	if (xi->depth-- == 2)
		xi->boundary = XML_GetCurrentByteIndex(xi->p) +
		    XML_GetCurrentByteCount(xi->p);
	if (xi->dropping) {
		if (xi->depth == 1)
			xi->dropping = 0;
		return;
	}
	local = split_name(name, &nslen);
	if (xi->open_tag) {
		buf_adds(&xi->out, "/>");
		xi->open_tag = 0;
	} else {
		buf_adds(&xi->out, "</");
		buf_adds(&xi->out, local);
		buf_addc(&xi->out, '>');
	}
	xi->nss.len = xi->frames[--xi->nframes];
	if (xi->depth > 1 || too_big(xi))
		return;
	r = ready_new(xi, XMLIN_ELEMENT);
	*r = xi->cur;
	r->name = cur_to_text(xi, xi->cur.name);
	r->ns = cur_to_text(xi, xi->cur.ns);
	r->type = cur_to_text(xi, xi->cur.type);
	r->id = cur_to_text(xi, xi->cur.id);
	r->to = cur_to_text(xi, xi->cur.to);
	r->xml = keep(xi, xi->out.p, xi->out.len);
	r->len = xi->out.len;
}

static const char *expat_error(struct xmlin *);

/*
 * Whether the run of text that ends at xi->text_end may go on in the
 * next feed: it reached the end of expat's input, but for what expat
 * holds back there (a ']' or two, which "]]>" would make an error, or
 * a character not yet whole).
 */
static int
run_may_go_on(const struct xmlin *xi)
{
	XML_Index held = xi->input_end - xi->text_end;
	const unsigned char *p;
	XML_Index i, brackets = 0, high = 0;

	if (held < 0 || held > 3 || xi->text_end < xi->seen_base)
		return held == 0;
	p = (const unsigned char *)xi->seen.p + (xi->text_end -
	    xi->seen_base);
	for (i = 0; i < held; i++) {
		brackets += p[i] == ']';
		high += p[i] >= 0x80;
	}
	return (brackets == held && held <= 2) || high == held;
}

/*
 * Whether the next feed shows the waiting run of text over: in one
 * write, expat would have handed it over, and its error, on seeing the
 * byte after it (and would never see what follows: a '<' may begin a
 * token that swallows the rest).
 */
static int
run_ended(const struct xmlin *xi)
{
	XML_Index at = xi->text_end - xi->seen_base;

	return at >= 0 && (size_t)at < xi->seen.len &&
	    memchr("<&\r\n", xi->seen.p[at], 4) != NULL;
}

/* The run of text is over: its error stands, and the parser stops. */
static void
text_settle(struct xmlin *xi)
{
	xi->text_pending = 0;
	stop(xi);
}

/* expat hands a line end over apart: a run of text of its own */
static int
line_end(const char *s)
{
	return s[0] == '\n' || s[0] == '\r';
}

/* A run of text whose error waits goes on, or is seen to end. */
static void
run_continues(struct xmlin *xi, const char *s, int len)
{
	XML_Index at = XML_GetCurrentByteIndex(xi->p);

	if (at == xi->text_end && !line_end(s)) {
		xi->text_end = at + len;
		if (run_may_go_on(xi))
			return;
	}
	text_settle(xi);
}

/*
 * An error just made by a run of text (text outside an element, or an
 * element grown too big). Given a run in one write, expat hands over
 * nothing of it if it holds "]]>" (its own error, further on); given it
 * in pieces, each piece as it comes. So that the error is the same
 * however the input came, one whose text reached the end of the input
 * waits for the rest of the run (text_pending); skipping starts where
 * the text did.
 */
static void
text_error_made(struct xmlin *xi, const char *s, int len)
{
	XML_Index at = XML_GetCurrentByteIndex(xi->p);
	unsigned long col;

	xi->resume_at = at;
	position(xi, &xi->resume_line, &col);
	xi->text_end = at + len;
	if (!line_end(s) && run_may_go_on(xi))
		xi->text_pending = 1;
	else
		stop(xi);
}

/* Text between top-level elements: an error at its first byte not blank. */
static void
top_text(struct xmlin *xi, const char *s, int len)
{
	int i;

	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t' ||
	    s[i] == '\n' || s[i] == '\r'); i++)
		;
	/* expat may hand over blanks and the text apart, or not */
	if (i == len)
		return;
	error_item(xi, "text outside an element", 0, i);
	text_error_made(xi, s, len);
}

/*
 * Expat found an error while text waited: its own error if it is the
 * "]]>" that ends that very run (as in one write, where it handed over
 * none of it), else the text's, which came first.
 */
static void
text_or_expat(struct xmlin *xi)
{
	XML_Index err = XML_GetCurrentByteIndex(xi->p), i;
	const char *p;

	xi->text_pending = 0;
	xi->stopped = 1;
	if (XML_GetErrorCode(xi->p) != XML_ERROR_INVALID_TOKEN ||
	    xi->text_end < xi->seen_base || err - 2 < xi->text_end ||
	    err - xi->seen_base >= (XML_Index)xi->seen.len)
		return;
	p = xi->seen.p + (err - xi->seen_base);
	if (p[-2] != ']' || p[-1] != ']' || p[0] != '>')
		return;
	for (i = xi->text_end; i < err - 2; i++)
		if (memchr("<&\r\n", xi->seen.p[i - xi->seen_base], 4))
			return;
	xi->nitems--;		/* the withheld text error */
	xi->resume_at = -1;
	error_here(xi, expat_error(xi), 0);
}

static void XMLCALL
on_text(void *arg, const char *s, int len)
{
	struct xmlin *xi = arg;

	if (xi->stopped || xi->dropping)
		return;
	if (xi->text_pending)
		run_continues(xi, s, len);
	else if (xi->depth < 2)
		top_text(xi, s, len);
	else {
		close_tag(xi);
		xml_escape(&xi->out, s, len);
		if (over_limit(xi))
			text_error_made(xi, s, len);
	}
}

/*
 * The end of a CDATA section ends the run of text in it: in one write,
 * expat would have handed that text over, and its error, before the
 * "]]>" after it that may be one of its own.
 */
static void XMLCALL
on_cdata_end(void *arg)
{
	struct xmlin *xi = arg;

	if (xi->text_pending && !xi->stopped)
		text_settle(xi);
}

/* ---- parsers */

static void
parser_new(struct xmlin *xi)
{
	if (xi->p)
		XML_ParserFree(xi->p);
	xi->p = XML_ParserCreateNS("UTF-8", SEP);
	if (xi->p == NULL)
		errx(EX_OSERR, "out of memory");
	XML_SetUserData(xi->p, xi);
	XML_SetElementHandler(xi->p, on_start, on_end);
	XML_SetCharacterDataHandler(xi->p, on_text);
	XML_SetCdataSectionHandler(xi->p, NULL, on_cdata_end);
	XML_SetParamEntityParsing(xi->p, XML_PARAM_ENTITY_PARSING_NEVER);
	xi->depth = 0;
	xi->stopped = xi->dropping = xi->open_tag = 0;
	xi->text_pending = 0;
	xi->resume_at = -1;
	xi->nframes = 0;
	xi->nss.len = 0;
	xi->chunk_base = xi->boundary = xi->seen_base = ROOTLEN;
	xi->seen.len = 0;
	XML_Parse(xi->p, ROOT, ROOTLEN, XML_FALSE);
}

struct xmlin *
xmlin_new(size_t max)
{
	struct xmlin *xi = xcalloc(1, sizeof(*xi));

	xi->max = max;
	xi->line_base = 1;
	parser_new(xi);
	return xi;
}

/* expat's words, and ours for its commonest */
static const char *
expat_error(struct xmlin *xi)
{
	enum XML_Error e = XML_GetErrorCode(xi->p);

	if (e == XML_ERROR_TAG_MISMATCH && xi->depth <= 1)
		return "a closing tag with no element open";
	if (e == XML_ERROR_INVALID_TOKEN)
		return "not well-formed (invalid token: bad UTF-8, or a "
		    "character XML does not allow)";
	return XML_ErrorString(e);
}

static int
name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (unsigned char)c >= 0x80;
}

/*
 * Skips bytes up to a line that starts with '<' and a name, counting
 * lines; returns how many were skipped (len: all of them). A '<' that
 * ends a feed waits for the next byte to tell.
 */
static size_t
skip(struct xmlin *xi, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (xi->held) {
			xi->held = 0;
			if (name_start(p[i])) {
				xi->skipping = 0;
				xi->lt_first = 1;
				return i;
			}
			xi->after_newline = 0;
		}
		if (xi->after_newline && p[i] == '<') {
			if (i + 1 == len) {
				xi->held = 1;
				return len;
			}
			if (name_start(p[i + 1])) {
				xi->skipping = 0;
				return i;
			}
		}
		xi->after_newline = p[i] == '\n';
		if (p[i] == '\n')
			xi->line_base++;
	}
	return len;
}

/* Forgets the input of elements already whole. */
static void
seen_trim(struct xmlin *xi)
{
	size_t n;

	n = xi->boundary > xi->seen_base ? xi->boundary - xi->seen_base : 0;
	if (n > xi->seen.len)
		n = xi->seen.len;
	/* and between elements, the whitespace already parsed */
	while (xi->depth == 1 && n < xi->seen.len &&
	    memchr(" \t\r\n", xi->seen.p[n], 4) != NULL) {
		n++;
		xi->boundary++;
	}
	memmove(xi->seen.p, xi->seen.p + n, xi->seen.len - n);
	xi->seen.len -= n;
	xi->seen_base += n;
}

/* Stops the parser for an error found outside expat's events. */
static void
error_now(struct xmlin *xi, const char *why)
{
	struct ready *r = ready_new(xi, XMLIN_ERROR);

	position(xi, &r->line, &r->col);
	r->error = keep(xi, why, strlen(why));
	r->xml = keep(xi, "", 0);
	xi->stopped = 1;
}

static void parse(struct xmlin *, const char *, size_t);

/*
 * An error in a token that began in an earlier feed (a tag split across
 * reads): the skip to the next line must start where it went wrong, as
 * it would have had the input come in one write, so the input kept
 * since then (the current feed's piece included) is gone over again.
 */
static void
replay(struct xmlin *xi, XML_Index at, unsigned long line)
{
	size_t from = at > xi->seen_base ? at - xi->seen_base : 0;
	struct buf again = { 0 };

	if (from < xi->seen.len)
		buf_add(&again, xi->seen.p + from, xi->seen.len - from);
	xi->line_base = line;
	xi->after_newline = 0;
	xi->skipping = 1;
	if (again.len)
		parse(xi, again.p, again.len);
	buf_free(&again);
}

/*
 * Parses p; an error stops the parser, and the rest is skipped. Expat
 * is given at most PIECE bytes at a time, so that the bound on an
 * element is checked as often however the input was split: one write
 * of many small elements is no element too big.
 */
#define PIECE 16384

static void
parse(struct xmlin *xi, const char *p, size_t len)
{
	unsigned long line, col;
	XML_Index at;
	size_t off, n;
	char why[80];

	while (len > 0) {
		if (xi->skipping) {
			n = skip(xi, p, len);
			p += n;
			len -= n;
			if (xi->skipping)
				return;
			/* a fresh parser, from this line */
			xi->col_base = 0;
			parser_new(xi);
			if (xi->lt_first && XML_Parse(xi->p, "<", 1,
			    XML_FALSE)) {
				buf_addc(&xi->seen, '<');
				xi->chunk_base++;
			}
			xi->lt_first = 0;
		}
		n = len < PIECE ? len : PIECE;
		/* expat keeps a token whole however long: bound it here */
		if ((size_t)(xi->chunk_base + n - xi->boundary) >
		    xi->max + 65536 && !xi->text_pending) {
			snprintf(why, sizeof(why), "an element of more than "
			    "%zu bytes", xi->max);
			error_now(xi, why);
			off = 0;	/* what follows it may be good */
			position(xi, &line, &col);
		} else {
			buf_add(&xi->seen, p, n);
			xi->input_end = xi->chunk_base + n;
			if (xi->text_pending && (run_ended(xi) ||
			    (size_t)(xi->chunk_base + n - xi->boundary) >
			    xi->max + 65536))
				xi->text_pending = 0, xi->stopped = 1;
			else if (XML_Parse(xi->p, p, n, XML_FALSE) ==
			    XML_STATUS_OK) {
				xi->chunk_base += n;
				seen_trim(xi);
				p += n;
				len -= n;
				continue;
			} else if (xi->text_pending)
				text_or_expat(xi);
			else if (!xi->stopped)
				error_here(xi, expat_error(xi), 0);
			/* from the text outside an element, if it was that */
			at = xi->resume_at >= 0 ? xi->resume_at :
			    XML_GetCurrentByteIndex(xi->p);
			line = xi->resume_line;
			if (xi->resume_at < 0)
				position(xi, &line, &col);
			xi->resume_at = -1;
			if (at < xi->chunk_base) {
				/* it went wrong in an earlier feed */
				replay(xi, at, line);
				p += n;
				len -= n;
				continue;
			}
			off = at - xi->chunk_base;
			if (off > n)
				off = 0;
		}
		/* from where it went wrong to a line that starts anew */
		xi->line_base = line;
		xi->after_newline = 0;
		xi->skipping = 1;
		p += off;
		len -= off;
	}
}

void
xmlin_feed(struct xmlin *xi, const char *p, size_t len)
{
	if (xi->head == xi->nitems) {
		xi->head = xi->nitems = 0;	/* all taken: start over */
		xi->text.len = 0;
	}
	parse(xi, p, len);
}

/*
 * Between elements, expat may still hold a token it has not seen the
 * end of: a comment, a processing instruction, a tag, a reference, each
 * begun and never ended. Told the input is over, it says so (and only
 * "no element found" of the root it was never given the end of);
 * that is an error where the token began, with its first bytes.
 */
static void
token_unfinished(struct xmlin *xi)
{
	struct ready *r;

	if (XML_Parse(xi->p, "", 0, XML_TRUE) != XML_STATUS_ERROR ||
	    XML_GetErrorCode(xi->p) == XML_ERROR_NO_ELEMENTS)
		return;
	r = error_from(xi, XML_GetCurrentByteIndex(xi->p), "the input ended "
	    "inside a tag, a comment or a reference");
	position(xi, &r->line, &r->col);
}

void
xmlin_end(struct xmlin *xi)
{
	struct ready *r;

	if (xi->text_pending)	/* the run of text ends with the input */
		xi->text_pending = 0, xi->stopped = 1;
	if (xi->skipping || xi->stopped)
		return;
	if (xi->depth < 2) {
		token_unfinished(xi);
		return;
	}
	r = ready_new(xi, XMLIN_ERROR);
	position(xi, &r->line, &r->col);
	r->error = keep(xi, "the input ended inside an element",
	    sizeof("the input ended inside an element") - 1);
	r->xml = keep(xi, "", 0);
}

void
xmlin_free(struct xmlin *xi)
{
	if (xi == NULL)
		return;
	if (xi->p)
		XML_ParserFree(xi->p);
	buf_free(&xi->out);
	buf_free(&xi->seen);
	buf_free(&xi->nss);
	buf_free(&xi->text);
	buf_free(&xi->curtext);
	free(xi->frames);
	free(xi->items);
	free(xi);
}
