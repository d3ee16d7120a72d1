/*
 * fuzz_xmlin: xraw's input splitter, fed arbitrary bytes in chunks whose
 * sizes come from the input. Never a crash; never more elements than
 * the input can hold (each takes at least "<a/>"); never one over the
 * limit by more than one event's escaping; every element handed over
 * is well-formed XML, checked with a parser of its own; and the items
 * (what they hold, where they start) are the same as when the input
 * comes in one write: how xraw's input arrives changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "xmpputils.h"

#define MAX 512		/* a small limit, so it is reached */

/* Whether xml is one well-formed element (in jabber:client). */
static int
well_formed(const char *xml, size_t len)
{
	static const char open[] = "<r xmlns='jabber:client'>";
	XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
	int ok = p && XML_Parse(p, open, sizeof(open) - 1, 0) &&
	    XML_Parse(p, xml, len, 0) && XML_Parse(p, "</r>", 4, 1);

	if (p)
		XML_ParserFree(p);
	return ok;
}

static void
add(struct buf *b, const char *s)
{
	buf_adds(b, s ? s : "(none)");
	buf_addc(b, '\0');
}

/* Appends an item as bytes to compare. */
static void
record(struct buf *b, const struct xmlin_item *it)
{
	buf_printf(b, "%d %lu:%lu %zu %zu", it->kind, it->line, it->col,
	    it->len, it->id_at);
	buf_add(b, it->xml ? it->xml : "", it->xml ? it->len : 0);
	add(b, it->name);
	add(b, it->ns);
	add(b, it->type);
	add(b, it->id);
	add(b, it->to);
	add(b, it->error);
}

/* Feeds data in chunks of chunk bytes (0: one write); checks each item
 * and records it in *b; returns the number of elements. */
static size_t
run(const uint8_t *data, size_t size, size_t chunk, struct buf *b)
{
	struct xmlin *xi = xmlin_new(MAX);
	struct xmlin_item it;
	size_t at, len, elements = 0;

	if (chunk == 0)
		chunk = size ? size : 1;
	for (at = 0; at < size + chunk; at += chunk) {
		len = size - at < chunk ? size - at : chunk;
		if (at < size)
			xmlin_feed(xi, (const char *)data + at, len);
		else
			xmlin_end(xi);	/* once, after the last chunk */
		while (xmlin_next(xi, &it)) {
			record(b, &it);
			if (it.kind != XMLIN_ELEMENT) {
				if (it.error == NULL)
					abort();
				continue;
			}
			elements++;
			if (it.len > 6 * (MAX + 65536) || it.id_at > it.len ||
			    !well_formed(it.xml, it.len))
				abort();
		}
		if (at >= size)
			break;
	}
	xmlin_free(xi);
	return elements;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf pieces = { 0 }, whole = { 0 };
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = data[0] % 32 + 1;	/* the first byte: how it arrives */
	data++;
	size--;
	if (run(data, size, chunk, &pieces) > size / 4 + 1)
		abort();
	/* (a token over the 64 kB bound is cut where a chunk ends) */
	run(data, size, 0, &whole);
	if (size < 65536 && (pieces.len != whole.len || (whole.len > 0 &&
	    memcmp(pieces.p, whole.p, whole.len) != 0)))
		abort();
	buf_free(&pieces);
	buf_free(&whole);
	return 0;
}
