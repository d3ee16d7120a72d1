/*
 * stanza.c: reading stanzas, and printing what arrives as text, JSON or
 * XML, one line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <err.h>
#include <string.h>

#include "xmpputils.h"
#include "stanza.h"

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_DELAY "urn:xmpp:delay"

const char *
stanza_child_text(xmpp_stanza_t *st, const char *name, const char *ns)
{
	xmpp_stanza_t *c, *t;

	c = ns ? xmpp_stanza_get_child_by_name_and_ns(st, name, ns) :
	    xmpp_stanza_get_child_by_name(st, name);
	if (c == NULL)
		return NULL;
	/* libstrophe splits text at entities: concatenate only if needed */
	t = xmpp_stanza_get_children(c);
	if (t == NULL)
		return "";
	if (xmpp_stanza_is_text(t) && xmpp_stanza_get_next(t) == NULL)
		return xmpp_stanza_get_text_ptr(t);
	return NULL;
}

/* The whole text of child name, or NULL if there is no such child. */
static char *
child_text_dup(xmpp_stanza_t *st, const char *name, const char *ns)
{
	xmpp_stanza_t *c;

	c = ns ? xmpp_stanza_get_child_by_name_and_ns(st, name, ns) :
	    xmpp_stanza_get_child_by_name(st, name);
	if (c == NULL)
		return NULL;
	return xmpp_stanza_get_text(c);
}

const char *
stanza_condition(xmpp_stanza_t *err, const char *ns, struct buf *b)
{
	xmpp_stanza_t *c;
	const char *own, *cond = "undefined-condition";
	char *text = NULL;
	int named = 0;

	for (c = err ? xmpp_stanza_get_children(err) : NULL; c;
	    c = xmpp_stanza_get_next(c)) {
		own = xmpp_stanza_get_ns(c);
		if (!xmpp_stanza_is_tag(c) || own == NULL || strcmp(own, ns))
			continue;
		if (strcmp(xmpp_stanza_get_name(c), "text") == 0) {
			if (text == NULL)
				text = xmpp_stanza_get_text(c);
		} else if (!named++)
			cond = xmpp_stanza_get_name(c);
	}
	/* both are the server's words, bound for a terminal */
	text_escape(b, cond, strlen(cond));
	if (text && *text) {
		buf_adds(b, " (");
		text_escape(b, text, strlen(text));
		buf_addc(b, ')');
	}
	buf_str(b);
	if (text)
		xmpp_free(xmpp_stanza_get_context(err), text);
	return cond;
}

void
stanza_error_desc(xmpp_stanza_t *st, struct buf *b)
{
	stanza_condition(xmpp_stanza_get_child_by_name(st, "error"), NS_STANZAS, b);
}

/* Whether st is text of nothing but whitespace. */
static int
blank(xmpp_stanza_t *st)
{
	const char *t = xmpp_stanza_get_text_ptr(st);

	return t && t[strspn(t, " \t\r\n")] == '\0';
}

static int
has_elements(xmpp_stanza_t *st)
{
	xmpp_stanza_t *c;

	for (c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c))
			return 1;
	return 0;
}

/*
 * Writes st and its children; parent_ns is the namespace in scope, so a
 * child in the same one does not repeat it (libstrophe stores it on
 * every element). depth < 0: on one line; else indented that deep, a
 * child element a line, whitespace between them dropped.
 */
static void
element_xml(struct buf *b, xmpp_stanza_t *st, const char *parent_ns,
    int depth)
{
	const char **attrs, *name, *t, *ns = xmpp_stanza_get_ns(st);
	xmpp_stanza_t *c;
	int n, i, block;

	if (xmpp_stanza_is_text(st)) {
		t = xmpp_stanza_get_text_ptr(st);
		xml_escape(b, t, strlen(t));
		return;
	}
	name = xmpp_stanza_get_name(st);
	buf_printf(b, "<%s", name);
	n = xmpp_stanza_get_attribute_count(st) * 2;
	attrs = xcalloc(n, sizeof(*attrs));
	n = xmpp_stanza_get_attributes(st, attrs, n);
	for (i = 0; i + 1 < n; i += 2) {
		if (strcmp(attrs[i], "xmlns") == 0 && parent_ns &&
		    strcmp(attrs[i + 1], parent_ns) == 0)
			continue;
		/* the parser hands xml:lang over without its prefix */
		buf_printf(b, " %s%s='", strcmp(attrs[i], "lang") == 0 ?
		    "xml:" : "", attrs[i]);
		xml_escape(b, attrs[i + 1], strlen(attrs[i + 1]));
		buf_addc(b, '\'');
	}
	free(attrs);
	if ((c = xmpp_stanza_get_children(st)) == NULL) {
		buf_adds(b, "/>");
		return;
	}
	buf_addc(b, '>');
	block = depth >= 0 && has_elements(st);
	for (; c; c = xmpp_stanza_get_next(c)) {
		if (block && xmpp_stanza_is_text(c) && blank(c))
			continue;
		if (block)
			buf_printf(b, "\n%*s", (depth + 1) * 2, "");
		element_xml(b, c, ns ? ns : parent_ns, block ? depth + 1 : -1);
	}
	if (block)
		buf_printf(b, "\n%*s", depth * 2, "");
	buf_printf(b, "</%s>", name);
}

void
stanza_xml(struct buf *b, xmpp_stanza_t *st)
{
	element_xml(b, st, NULL, -1);
}

void
stanza_xml_pretty(struct buf *b, xmpp_stanza_t *st)
{
	element_xml(b, st, NULL, 0);
}

/* The text of st's child name as the JSON field name. */
static void
json_child(struct buf *b, xmpp_stanza_t *st, const char *name)
{
	char *text = child_text_dup(st, name, NULL);

	json_field(b, name, text);
	free(text);
}

static const char *
delay_stamp(xmpp_stanza_t *st)
{
	xmpp_stanza_t *d;

	d = xmpp_stanza_get_child_by_name_and_ns(st, "delay", NS_DELAY);
	return d ? xmpp_stanza_get_attribute(d, "stamp") : NULL;
}

static const char *
stanza_type(xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);

	if (type)
		return type;
	/* RFC 6121: a message without a type is "normal"; a presence
	 * without one means "available" */
	return strcmp(xmpp_stanza_get_name(st), "message") == 0 ? "normal" :
	    strcmp(xmpp_stanza_get_name(st), "presence") == 0 ? "available" :
	    NULL;
}

/* A copy of s without the whitespace around it. */
static char *
trimmed_dup(const char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	for (n = strlen(s); n > 0 && strchr(" \t\r\n", s[n - 1]); n--)
		;
	return xstrndup(s, n);
}

void
oob_collect(struct oob_list *l, xmpp_stanza_t *st)
{
	xmpp_stanza_t *c;
	const char *ns;
	char *url, *desc;

	memset(l, 0, sizeof(*l));
	for (c = xmpp_stanza_get_children(st); c && l->n < OOB_MAX;
	    c = xmpp_stanza_get_next(c)) {
		ns = xmpp_stanza_get_ns(c);
		if (!xmpp_stanza_is_tag(c) || strcmp(xmpp_stanza_get_name(c),
		    "x") || ns == NULL || strcmp(ns, NS_OOB))
			continue;
		if ((url = child_text_dup(c, "url", NULL)) == NULL)
			continue;
		l->item[l->n].url = trimmed_dup(url);
		free(url);
		if (*l->item[l->n].url == '\0') {
			free(l->item[l->n].url);
			l->item[l->n].url = NULL;
			continue;
		}
		if ((desc = child_text_dup(c, "desc", NULL)) != NULL) {
			l->item[l->n].desc = trimmed_dup(desc);
			free(desc);
		}
		l->n++;
	}
}

void
oob_list_free(struct oob_list *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->item[i].url);
		free(l->item[i].desc);
		free(l->item[i].path);
		free(l->item[i].error);
	}
	l->n = 0;
}

/* ,"oob":[...] when there is one at least: a record without stays as
 * it was. */
static void
json_oob(struct buf *b, const struct oob_list *l)
{
	const struct oob *o;
	int i;

	if (l->n == 0)
		return;
	buf_adds(b, ",\"oob\":[");
	for (i = 0; i < l->n; i++) {
		o = &l->item[i];
		buf_adds(b, i ? ",{\"url\":" : "{\"url\":");
		json_value(b, o->url);
		json_field(b, "desc", o->desc);
		if (o->path)
			json_field(b, "path", o->path);
		if (o->error)
			json_field(b, "error", o->error);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

static void
format_json(struct buf *b, xmpp_stanza_t *st, const struct oob_list *oob)
{
	const char *name = xmpp_stanza_get_name(st);
	struct oob_list own;
	struct buf x = { 0 };

	buf_adds(b, "{\"stanza\":");
	json_escape(b, name, strlen(name));
	json_field(b, "from", xmpp_stanza_get_from(st));
	json_field(b, "to", xmpp_stanza_get_to(st));
	json_field(b, "type", stanza_type(st));
	json_field(b, "id", xmpp_stanza_get_id(st));
	if (strcmp(name, "message") == 0) {
		json_child(b, st, "thread");
		json_child(b, st, "subject");
		json_child(b, st, "body");
		json_field(b, "delay", delay_stamp(st));
		buf_printf(b, ",\"receipt_requested\":%s",
		    message_receipt_requested(st) ? "true" : "false");
		if (oob == NULL) {
			oob_collect(&own, st);
			json_oob(b, &own);
			oob_list_free(&own);
		} else
			json_oob(b, oob);
	} else if (strcmp(name, "presence") == 0) {
		json_child(b, st, "show");
		json_child(b, st, "status");
		json_field(b, "delay", delay_stamp(st));
	}
	if (strcmp(name, "message") != 0) {
		stanza_xml(&x, st);
		buf_adds(b, ",\"xml\":");
		json_escape(b, x.p, x.len);
		buf_free(&x);
	}
	buf_adds(b, "}\n");
}

static void
format_text(struct buf *b, xmpp_stanza_t *st)
{
	const char *from = xmpp_stanza_get_from(st);
	char *body = child_text_dup(st, "body", NULL);

	if (from)
		text_escape(b, from, strlen(from));
	buf_addc(b, '\t');
	if (body)
		text_escape(b, body, strlen(body));
	buf_addc(b, '\n');
	free(body);
}

int
format_parse(const char *s, enum format *f)
{
	if (strcmp(s, "text") == 0)
		*f = FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*f = FORMAT_JSON;
	else if (strcmp(s, "xml") == 0)
		*f = FORMAT_XML;
	else
		return 0;
	return 1;
}

enum format
format_records_arg(const char *s)
{
	enum format f;

	if (!format_parse(s, &f) || f == FORMAT_XML)
		bad_value(s, "expected text or json");
	return f;
}

void
stanza_format(struct buf *b, xmpp_stanza_t *st, enum format f)
{
	stanza_format_oob(b, st, f, NULL);
}

void
stanza_format_oob(struct buf *b, xmpp_stanza_t *st, enum format f,
    const struct oob_list *oob)
{
	switch (f) {
	case FORMAT_TEXT:
		format_text(b, st);
		break;
	case FORMAT_JSON:
		format_json(b, st, oob);
		break;
	case FORMAT_XML:
		stanza_xml(b, st);
		buf_addc(b, '\n');
		break;
	}
}

void
message_xml(struct buf *b, const char *to, const char *type, const char *id,
    const char *subject, const char *body, size_t len, const char *oob,
    int receipt)
{
	buf_adds(b, "<message to='");
	xml_escape(b, to, strlen(to));
	buf_printf(b, "' type='%s' id='%s'>", type, id);
	if (subject) {
		buf_adds(b, "<subject>");
		xml_escape(b, subject, strlen(subject));
		buf_adds(b, "</subject>");
	}
	if (body) {
		buf_adds(b, "<body>");
		xml_escape(b, body, len);
		buf_adds(b, "</body>");
	}
	if (oob) {
		buf_adds(b, "<x xmlns='" NS_OOB "'><url>");
		xml_escape(b, oob, strlen(oob));
		buf_adds(b, "</url></x>");
	}
	if (receipt)
		buf_adds(b, "<request xmlns='" NS_RECEIPTS "'/>");
	buf_adds(b, "</message>");
}

const char *
message_receipt_for(xmpp_stanza_t *st)
{
	xmpp_stanza_t *r = xmpp_stanza_get_child_by_name_and_ns(st,
	    "received", NS_RECEIPTS);

	return r ? xmpp_stanza_get_attribute(r, "id") : NULL;
}

int
message_receipt_requested(xmpp_stanza_t *st)
{
	return xmpp_stanza_get_child_by_name_and_ns(st, "request",
	    NS_RECEIPTS) != NULL;
}
