/* stanza.h: stanza helpers private to lib/. */
#ifndef STANZA_H
#define STANZA_H

#include "xmpputils.h"

/*
 * Appends "condition (text)" for an error element whose defined
 * conditions are in namespace ns: a stanza's <error/>, a <stream:error/>,
 * a SASL <failure/>. Returns the condition, "undefined-condition" if it
 * names none; it points into err.
 */
const char *stanza_condition(xmpp_stanza_t *err, const char *ns, struct buf *);


/* The text of child name of st, or NULL; points into st. */
const char *stanza_child_text(xmpp_stanza_t *st, const char *name, const char *ns);

#endif
