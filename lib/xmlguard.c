/*
 * xmlguard.c: the from, to, type and id of a stanza are the ones the
 * server wrote, or the stanza is dropped.
 *
 * libstrophe 0.12 parses with expat in namespace mode, then throws each
 * attribute's namespace away (parser_expat.c, _set_attributes:
 * "namespaced attributes aren't used in xmpp"), and of two attributes
 * that end up with one name the last wins. So a sender who writes
 * xmlns:n1='urn:x' n1:from='admin@example.org/x' on a message gets it
 * delivered with that from: the server stamps the real from, passes the
 * prefixed one on untouched, and libstrophe lets it overwrite the real
 * one. Every check that trusts from (a --from filter, the carbon and
 * roster-push sender checks, a room's reflections) would fall with it.
 *
 * libstrophe offers no hook that sees an element before the names are
 * flattened, and its parser is private. But it reaches expat through the
 * dynamic linker, and a definition in the executable comes first in
 * the lookup: this file defines XML_SetElementHandler, so when
 * libstrophe installs its element handlers, ours go in their place and
 * call libstrophe's in turn. They see each element as expat does, with
 * its attributes' namespaces, mark a stanza whose attributes flattening
 * would make ambiguous (xmlguard_check), and pass everything on
 * unchanged: no second parse, one look at each attribute name, and
 * libstrophe stays the transport. XML_SetUserData and XML_ParserFree
 * are defined too, to follow a parser's user data and forget a parser
 * that is gone.
 *
 * It checks itself. The verdict is read by the stanza handler while
 * libstrophe delivers the stanza (xmlguard_verdict); a stanza that
 * arrives with none was never seen here, which means the guard is not
 * in the path (a libstrophe built on another parser, linked statically,
 * or a different way of installing handlers): the session then fails
 * instead of trusting it (session.c). So does a stream whose root
 * element reaches us without the namespace separator we expect.
 * tests/unit/test_xmlguard.c drives libstrophe's own parser with forged
 * stanzas, so an upgrade that changes any of this fails `make check`.
 */
#include <dlfcn.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "xmpputils.h"
#include "xmlguard.h"

/* libstrophe's separator of namespace and name (parser_expat.c) */
#define SEP '\x1f'
#define WATCH_MAX 64

/* One parser libstrophe made, and the stanza it is inside. */
struct watch {
	XML_Parser parser;
	void *ud;		/* what expat hands libstrophe's handlers */
	XML_StartElementHandler start;	/* libstrophe's */
	XML_EndElementHandler end;
	int depth;		/* 0 outside the stream, 1 in it, 2 in a stanza */
	int blind;		/* the root element came without a namespace */
	int ambiguous;		/* the current stanza's attributes are */
	char why[96];
	struct buf from;	/* the current stanza's own from, or empty */
	int has_from;
};

static struct watch *watches[WATCH_MAX];
static struct watch *last;		/* the one looked up last */
static struct watch *delivering;	/* whose stanza is being delivered */
static unsigned long parsers;

static void *
real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (fn == NULL)
		errx(EX_SOFTWARE, "cannot find expat's %s: %s", name, dlerror());
	return fn;
}

static const char *
local_name(const char *name)
{
	const char *sep = strchr(name, SEP);

	return sep ? sep + 1 : name;
}

/* The names whose meaning flattening could change, on a stanza. */
static int
stanza_attribute(const char *local)
{
	return strcmp(local, "from") == 0 || strcmp(local, "to") == 0 ||
	    strcmp(local, "type") == 0 || strcmp(local, "id") == 0;
}

/* Whether any attribute has a qualified name: else none can collide. */
static int
qualified(const char **attrs)
{
	int i;

	for (i = 0; attrs[i]; i += 2)
		if (strchr(attrs[i], SEP))
			return 1;
	return 0;
}

const char *
xmlguard_check(const char **attrs, int stanza)
{
	static char why[96];
	const char *a, *b;
	int i, j;

	if (!qualified(attrs))
		return NULL;
	for (i = 0; attrs[i]; i += 2) {
		a = local_name(attrs[i]);
		if (a != attrs[i] && (strcmp(a, "xmlns") == 0 ||
		    (stanza && stanza_attribute(a)))) {
			snprintf(why, sizeof(why), "a '%.40s' attribute in a "
			    "namespace of its own", a);
			return why;
		}
		for (j = i + 2; attrs[j]; j += 2) {
			b = local_name(attrs[j]);
			if (strcmp(a, b) == 0) {
				snprintf(why, sizeof(why), "two '%.40s' "
				    "attributes, told apart only by a "
				    "namespace", a);
				return why;
			}
		}
	}
	return NULL;
}

static struct watch *
by_ud(void *ud)
{
	int i;

	if (last && last->ud == ud)
		return last;
	for (i = 0; i < WATCH_MAX; i++)
		if (watches[i] && watches[i]->ud == ud)
			return last = watches[i];
	return NULL;
}

static int
is_stanza(const char *nsname)
{
	const char *name = local_name(nsname);

	return strcmp(name, "message") == 0 ||
	    strcmp(name, "presence") == 0 || strcmp(name, "iq") == 0;
}

static void
stanza_starts(struct watch *w, const char **attrs)
{
	int i;

	w->ambiguous = 0;
	w->has_from = 0;
	for (i = 0; attrs[i]; i += 2)
		if (strcmp(attrs[i], "from") == 0) {
			w->from.len = 0;
			buf_adds(&w->from, attrs[i + 1]);
			buf_str(&w->from);
			w->has_from = 1;
		}
}

static void XMLCALL
guard_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct watch *w = by_ud(ud);
	const char *why;

	if (w == NULL)
		errx(EX_SOFTWARE, "xmlguard: an element for a parser it "
		    "does not know");
	if (w->depth == 0)
		w->blind = strchr(name, SEP) == NULL;
	else {
		if (w->depth == 1)
			stanza_starts(w, attrs);
		/* (qualified first: it is rare, and is_stanza costs more) */
		if (!w->ambiguous && qualified(attrs) && (why = xmlguard_check(
		    attrs, w->depth == 1 || is_stanza(name))) != NULL) {
			w->ambiguous = 1;
			snprintf(w->why, sizeof(w->why), "%s", why);
		}
	}
	w->depth++;
	w->start(ud, name, attrs);
}

static void XMLCALL
guard_end(void *ud, const XML_Char *name)
{
	struct watch *w = by_ud(ud);

	if (w == NULL)
		errx(EX_SOFTWARE, "xmlguard: an element for a parser it "
		    "does not know");
	if (--w->depth != 1) {
		w->end(ud, name);
		return;
	}
	/* libstrophe hands the stanza to its handlers in this call */
	delivering = w;
	w->end(ud, name);
	delivering = NULL;
}

void XMLCALL
XML_SetElementHandler(XML_Parser p, XML_StartElementHandler start,
    XML_EndElementHandler end)
{
	static void (*set)(XML_Parser, XML_StartElementHandler,
	    XML_EndElementHandler);
	struct watch *w = NULL;
	int i, free_slot = -1;

	if (set == NULL)
		set = real("XML_SetElementHandler");
	for (i = 0; i < WATCH_MAX && w == NULL; i++) {
		if (watches[i] && watches[i]->parser == p)
			w = watches[i];
		else if (watches[i] == NULL && free_slot < 0)
			free_slot = i;
	}
	if (w == NULL && free_slot >= 0 && start && end) {
		w = watches[free_slot] = xcalloc(1, sizeof(*w));
		w->parser = p;
	}
	if (w == NULL || start == NULL || end == NULL) {
		/* unguarded: its stanzas reach the handler with no verdict */
		set(p, start, end);
		return;
	}
	/* set (again) after XML_ParserReset: a new stream begins */
	w->ud = XML_GetUserData(p);
	w->start = start;
	w->end = end;
	w->depth = 0;
	w->blind = w->ambiguous = 0;
	parsers++;
	set(p, guard_start, guard_end);
}

/* Follows libstrophe's user data, whatever order it sets things in. */
void XMLCALL
XML_SetUserData(XML_Parser p, void *ud)
{
	static void (*set)(XML_Parser, void *);
	int i;

	if (set == NULL)
		set = real("XML_SetUserData");
	for (i = 0; i < WATCH_MAX; i++)
		if (watches[i] && watches[i]->parser == p)
			watches[i]->ud = ud;
	set(p, ud);
}

void XMLCALL
XML_ParserFree(XML_Parser p)
{
	static void (*parser_free)(XML_Parser);
	int i;

	if (parser_free == NULL)
		parser_free = real("XML_ParserFree");
	for (i = 0; i < WATCH_MAX; i++)
		if (watches[i] && watches[i]->parser == p) {
			if (last == watches[i])
				last = NULL;
			buf_free(&watches[i]->from);
			free(watches[i]);
			watches[i] = NULL;
		}
	parser_free(p);
}

enum xmlguard_verdict
xmlguard_verdict(const char **why, const char **from)
{
	struct watch *w = delivering;

	*why = NULL;
	*from = NULL;
	if (w == NULL)
		return XMLGUARD_UNSEEN;
	if (w->has_from)
		*from = w->from.p;
	if (w->blind) {
		*why = "the parser does not report attribute namespaces as "
		    "expected";
		return XMLGUARD_BLIND;
	}
	if (w->ambiguous) {
		*why = w->why;
		return XMLGUARD_AMBIGUOUS;
	}
	return XMLGUARD_CLEAN;
}

unsigned long
xmlguard_parsers(void)
{
	return parsers;
}
