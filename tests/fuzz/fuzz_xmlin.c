/*
 * fuzz_xmlin: xraw's input splitter, fed arbitrary bytes in chunks whose
 * sizes come from the input. Never a crash; never more elements than
 * the input can hold (each takes at least "<a/>"); never one over the
 * limit by more than one event's escaping; and every element handed
 * over is well-formed XML, checked with a parser of its own.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmlin *xi;
	struct xmlin_item it;
	size_t chunk, at, len, elements = 0;

	if (size < 1)
		return 0;
	chunk = data[0] % 32 + 1;	/* the first byte: how it arrives */
	data++;
	size--;
	xi = xmlin_new(MAX);
	for (at = 0; at <= size; at += chunk) {
		len = size - at < chunk ? size - at : chunk;
		if (at < size)
			xmlin_feed(xi, (const char *)data + at, len);
		else
			xmlin_end(xi);
		while (xmlin_next(xi, &it)) {
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
		if (at == size)
			break;
	}
	if (elements > size / 4 + 1)
		abort();
	xmlin_free(xi);
	return 0;
}
