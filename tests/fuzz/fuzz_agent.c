/*
 * fuzz_agent: what xagent makes of a client's bytes (see xagent(1),
 * PROTOCOL), fed to an agent_reader in chunks whose sizes come from the
 * input, as a socket delivers them. Frames are taken as the agent takes
 * them: the first must greet (agent_hello_parse), then S is checked as
 * the agent checks a stanza before it sends it (agent_stanza_parse), J
 * as a room, and the answers a client reads (A, E, F) with agent_code.
 * Never a crash. Every frame taken is within the limit, NUL-ended, with
 * no NUL inside, and written again with agent_frame gives back exactly
 * the bytes it was read from; a reader with no whole frame wants more;
 * a greeting taken names a JID; a stanza taken is one well-formed
 * element, checked with a parser of its own; and what comes out is the
 * same whether the input arrives in pieces or in one write.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "xmpputils.h"

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

/* One frame, as the agent would handle it; what it made of it in *b. */
static int
handle(struct agent_msg *m, int greeted, struct buf *b)
{
	struct xmlin *x;
	struct xmlin_item it;
	const char *why, *jid, *text;
	unsigned version;
	int rc;

	buf_printf(b, "%c %zu:", m->type, m->len);
	if (!greeted) {
		if (m->type != 'H')
			return 0;
		if ((why = agent_hello_parse(m->p, &version, &jid)) != NULL) {
			buf_adds(b, why);
			return 0;
		}
		if (version < 1 || version > 1000 || strchr(jid, '@') == NULL ||
		    jid_check(jid) != NULL)
			abort();
		buf_printf(b, "%u %s", version, jid);
		return 1;
	}
	switch (m->type) {
	case 'S':
		x = xmlin_new(AGENT_FRAME_MAX);
		if ((why = agent_stanza_parse(x, m->p, m->len, &it)) == NULL) {
			if (it.kind != XMLIN_ELEMENT || it.len == 0 ||
			    it.xml[0] != '<' || !well_formed(it.xml, it.len) ||
			    memchr(it.xml, '\0', it.len))
				abort();
			buf_add(b, it.xml, it.len);
		} else
			buf_adds(b, why);
		xmlin_free(x);
		return 1;
	case 'J':
		buf_adds(b, muc_spec_check(m->p) == NULL &&
		    strchr(m->p, '/') ? "a room" : "no room");
		return 1;
	case 'A':
	case 'E':
	case 'F':
		rc = agent_code(m->p, &text);
		if (rc < 0 || rc > 125 || text < m->p || text > m->p + m->len)
			abort();
		buf_printf(b, "%d %s", rc, text);
		return 1;
	case 'R':
	case 'Q':
	case 'X':
		return 1;
	}
	return 0;	/* an unknown request: cut off */
}

/* Feeds data in chunks of chunk bytes (0: one write); records in *b. */
static void
run(const uint8_t *data, size_t size, size_t chunk, struct buf *b)
{
	struct agent_reader r = { 0 };
	struct agent_msg m;
	struct buf again = { 0 };
	size_t at, len, taken = 0;
	int greeted = 0, n = 0, cut = 0;

	if (chunk == 0)
		chunk = size ? size : 1;
	for (at = 0; at < size && !cut; at += chunk) {
		len = size - at < chunk ? size - at : chunk;
		agent_reader_add(&r, data + at, len);
		m.why = NULL;
		while (!cut && (n = agent_frame_next(&r, &m)) == 1) {
			if (m.len + 1 > AGENT_FRAME_MAX ||
			    m.p[m.len] != '\0' || memchr(m.p, '\0', m.len))
				abort();
			/* written again, it is what was read */
			again.len = 0;
			agent_frame(&again, m.type, m.p, m.len);
			if (taken + again.len > size ||
			    memcmp(again.p, data + taken, again.len) != 0)
				abort();
			taken += again.len;
			cut = !handle(&m, greeted, b);
			greeted = 1;
			agent_frame_done(&r, &m);
		}
		if (n == -1 && m.why == NULL)
			abort();
		if (n == 0 && agent_reader_want(&r) == 0)
			abort();	/* a whole frame, not taken */
		cut |= n == -1;
	}
	buf_printf(b, "end %d %d %zu", n, cut, taken);
	buf_free(&again);
	agent_reader_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf pieces = { 0 }, whole = { 0 };
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = data[0] % 64 + 1;	/* the first byte: how it arrives */
	data++;
	size--;
	run(data, size, chunk, &pieces);
	run(data, size, 0, &whole);
	if (pieces.len != whole.len || (whole.len > 0 &&
	    memcmp(pieces.p, whole.p, whole.len) != 0))
		abort();
	buf_free(&pieces);
	buf_free(&whole);
	return 0;
}
