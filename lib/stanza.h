/* stanza.h: stanza helpers private to lib/. */
#ifndef STANZA_H
#define STANZA_H

#include "xmpputils.h"

/*
 * Appends "condition (text)" for an error stanza: the RFC 6120 condition
 * of its <error/> child and the error's <text/> if it has one.
 */
void stanza_error_desc(xmpp_stanza_t *, struct buf *);

/* The text of child name of st, or NULL; points into st. */
const char *child_text(xmpp_stanza_t *st, const char *name, const char *ns);

#endif
