/*
 * xmlguard.h: the check that a stanza's attributes are the ones the
 * server wrote; private to lib/ (and its unit test). See xmlguard.c.
 */
#ifndef XMLGUARD_H
#define XMLGUARD_H

enum xmlguard_verdict {
	XMLGUARD_UNSEEN,	/* the guard never saw this stanza: not in
				 * the parser's path at all */
	XMLGUARD_CLEAN,		/* its attributes mean what they say */
	XMLGUARD_AMBIGUOUS,	/* namespaces alone tell some apart: drop it */
	XMLGUARD_BLIND		/* seen, but it could not be checked */
};

/*
 * The verdict on the stanza libstrophe is delivering now: valid only
 * inside a stanza handler, during the call that delivers it. *why says
 * what was wrong (or why the guard is blind); *from is the from
 * attribute the server wrote, or NULL. Both point into the guard's
 * state and are valid as long as the verdict.
 */
enum xmlguard_verdict xmlguard_verdict(const char **why, const char **from);

/* How many parsers the guard has been put in front of, ever. */
unsigned long xmlguard_parsers(void);

/*
 * The rule itself, for one element's attributes as expat gives them in
 * namespace mode ("NS\x1fname" for a qualified name, NULL-terminated
 * name/value pairs). stanza: the element is a stanza (message, presence,
 * iq), whose from, to, type and id others act on. Returns NULL, or why
 * the attributes are ambiguous (a static string).
 */
const char *xmlguard_check(const char **attrs, int stanza);

#endif
