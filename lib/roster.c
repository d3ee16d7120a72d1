/*
 * roster.c: the contact list (RFC 6121 section 2), as data: parsed from
 * the server's <query/>, read from and written as lines, compared. No
 * session here, so that all of it is unit-tested offline; cmd/xroster.c
 * does the talking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "xmpputils.h"

static const char *sub_names[] = { "none", "to", "from", "both" };
static const char *op_names[] = { "add", "update", "subscribe", "approve",
    "remove" };

const char *
roster_sub_name(enum roster_sub sub)
{
	return sub_names[sub];
}

int
roster_sub_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(sub_names) / sizeof(sub_names[0]); i++)
		if (strcmp(s, sub_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
roster_op_name(enum roster_op op)
{
	return op_names[op];
}

/* ---- items */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Groups are a set: sorted, each once, so that two items compare. */
static void
groups_normalize(struct roster_item *it)
{
	size_t i, n = 0;

	if (it->ngroups == 0)
		return;
	qsort(it->groups, it->ngroups, sizeof(*it->groups), cmp_str);
	for (i = 0; i < it->ngroups; i++) {
		if (n > 0 && strcmp(it->groups[n - 1], it->groups[i]) == 0)
			free(it->groups[i]);
		else
			it->groups[n++] = it->groups[i];
	}
	it->ngroups = n;
}

/* Takes ownership of g. */
static void
group_add(struct roster_item *it, char *g)
{
	it->groups = xreallocarray(it->groups, it->ngroups + 1,
	    sizeof(*it->groups));
	it->groups[it->ngroups++] = g;
}

/* The bare, prepared form of jid, for the caller to free. */
static char *
bare_jid(const char *jid)
{
	struct buf b = { 0 };

	jid_normalize(&b, jid, 1);
	buf_str(&b);
	return b.p;
}

static void
resource_free(struct roster_resource *r)
{
	free(r->resource);
	free(r->show);
	free(r->status);
}

void
roster_item_free(struct roster_item *it)
{
	size_t i;

	free(it->jid);
	free(it->name);
	for (i = 0; i < it->ngroups; i++)
		free(it->groups[i]);
	free(it->groups);
	for (i = 0; i < it->nres; i++)
		resource_free(&it->res[i]);
	free(it->res);
	memset(it, 0, sizeof(*it));
}

/* A new, empty slot at the end of r. */
static struct roster_item *
slot(struct roster *r)
{
	if (r->len == r->cap)
		r->items = xgrow(r->items, &r->cap, sizeof(*r->items));
	memset(&r->items[r->len], 0, sizeof(*r->items));
	return &r->items[r->len++];
}

struct roster_item *
roster_add(struct roster *r, const struct roster_item *from)
{
	struct roster_item *it = slot(r);
	size_t i;

	it->jid = xstrdup(from->jid);
	it->name = from->name ? xstrdup(from->name) : NULL;
	it->sub = from->sub;
	it->ask = from->ask;
	it->approved = from->approved;
	for (i = 0; i < from->ngroups; i++)
		group_add(it, xstrdup(from->groups[i]));
	return it;
}

void
roster_free(struct roster *r)
{
	size_t i;

	for (i = 0; i < r->len; i++)
		roster_item_free(&r->items[i]);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct roster_item *)a)->jid,
	    ((const struct roster_item *)b)->jid);
}

void
roster_sort(struct roster *r)
{
	if (r->len > 0)
		qsort(r->items, r->len, sizeof(*r->items), cmp_item);
}

struct roster_item *
roster_find(const struct roster *r, const char *jid)
{
	struct roster_item key = { 0 }, *it;

	if (r->len == 0 || jid == NULL)
		return NULL;
	key.jid = bare_jid(jid);
	it = bsearch(&key, r->items, r->len, sizeof(*r->items), cmp_item);
	free(key.jid);
	return it;
}

/* ---- from the server */

/* One <item/>: 1 if it was added to r. */
static int
parse_item(struct roster *r, xmpp_stanza_t *el)
{
	xmpp_ctx_t *ctx = xmpp_stanza_get_context(el);
	const char *jid = xmpp_stanza_get_attribute(el, "jid");
	const char *name = xmpp_stanza_get_attribute(el, "name");
	const char *sub = xmpp_stanza_get_attribute(el, "subscription");
	const char *ask = xmpp_stanza_get_attribute(el, "ask");
	const char *approved = xmpp_stanza_get_attribute(el, "approved");
	struct roster_item *it;
	xmpp_stanza_t *g;
	char *text;
	int s = roster_sub_parse(sub ? sub : "none");

	/* a roster item is a contact: a bare JID (a server's bug else) */
	if (jid == NULL || jid_check(jid) || !jid_is_bare(jid) || s < 0)
		return 0;
	it = slot(r);
	it->jid = bare_jid(jid);
	if (jid_check(it->jid) != NULL || !jid_is_bare(it->jid)) {
		/* as roster_read_json */
		roster_item_free(it);
		r->len--;
		return 0;
	}
	it->name = name && *name ? xstrdup(name) : NULL;
	it->sub = s;
	it->ask = ask && strcmp(ask, "subscribe") == 0;
	it->approved = approved && (strcmp(approved, "true") == 0 ||
	    strcmp(approved, "1") == 0);
	for (g = xmpp_stanza_get_children(el); g; g = xmpp_stanza_get_next(g)) {
		if (!xmpp_stanza_is_tag(g) ||
		    strcmp(xmpp_stanza_get_name(g), "group") != 0)
			continue;
		if ((text = xmpp_stanza_get_text(g)) == NULL)
			continue;
		if (*text)
			group_add(it, xstrdup(text));
		xmpp_free(ctx, text);
	}
	groups_normalize(it);
	return 1;
}

size_t
roster_parse(struct roster *r, xmpp_stanza_t *query)
{
	xmpp_stanza_t *el;
	const char *sub;
	size_t n = 0;

	for (el = query ? xmpp_stanza_get_children(query) : NULL; el;
	    el = xmpp_stanza_get_next(el)) {
		if (!xmpp_stanza_is_tag(el) ||
		    strcmp(xmpp_stanza_get_name(el), "item") != 0)
			continue;
		sub = xmpp_stanza_get_attribute(el, "subscription");
		if (sub && strcmp(sub, "remove") == 0)
			continue;
		n += parse_item(r, el);
	}
	return n;
}

/* ---- what a subscription change is to achieve */

static int
sub_has_to(enum roster_sub s)
{
	return s == ROSTER_TO || s == ROSTER_BOTH;
}

static int
sub_has_from(enum roster_sub s)
{
	return s == ROSTER_FROM || s == ROSTER_BOTH;
}

int
roster_reached(const struct roster_item *it, enum roster_want want)
{
	switch (want) {
	case WANT_SUBSCRIBE:
		return it && (sub_has_to(it->sub) || it->ask);
	case WANT_UNSUBSCRIBE:
		return it == NULL || (!sub_has_to(it->sub) && !it->ask);
	case WANT_APPROVE:
		return it && (sub_has_from(it->sub) || it->approved);
	case WANT_DENY:
		return it == NULL || !sub_has_from(it->sub);
	}
	return 0;
}

int
roster_wants_to(const struct roster_item *it)
{
	return sub_has_to(it->sub) || it->ask;
}

int
roster_wants_from(const struct roster_item *it)
{
	return sub_has_from(it->sub) || it->approved;
}

/* ---- to the server */

void
roster_item_xml(struct buf *b, const struct roster_item *it, int remove)
{
	size_t i;

	buf_adds(b, "<item jid='");
	xml_escape(b, it->jid, strlen(it->jid));
	buf_addc(b, '\'');
	if (remove) {
		buf_adds(b, " subscription='remove'/>");
		return;
	}
	if (it->name) {
		buf_adds(b, " name='");
		xml_escape(b, it->name, strlen(it->name));
		buf_addc(b, '\'');
	}
	buf_addc(b, '>');
	for (i = 0; i < it->ngroups; i++) {
		buf_adds(b, "<group>");
		xml_escape(b, it->groups[i], strlen(it->groups[i]));
		buf_adds(b, "</group>");
	}
	buf_adds(b, "</item>");
}

/* ---- output */

static void
field(struct buf *b, const char *s)
{
	if (s)
		text_escape(b, s, strlen(s));
}

/* Groups comma-joined; a comma within one is \x2C, as text_unescape
 * reads it back. */
static void
groups_text(struct buf *b, const struct roster_item *it)
{
	struct buf g = { 0 };
	size_t i, k;

	for (i = 0; i < it->ngroups; i++) {
		g.len = 0;
		text_escape(&g, it->groups[i], strlen(it->groups[i]));
		if (i > 0)
			buf_addc(b, ',');
		for (k = 0; k < g.len; k++)
			if (g.p[k] == ',')
				buf_adds(b, "\\x2C");
			else
				buf_addc(b, g.p[k]);
	}
	buf_free(&g);
}

/* JID, NAME, SUBSCRIPTION (+ask, +approved), GROUPS: no newline. */
static void
item_text(struct buf *b, const struct roster_item *it)
{
	field(b, it->jid);
	buf_addc(b, '\t');
	field(b, it->name);
	buf_printf(b, "\t%s%s%s\t", roster_sub_name(it->sub),
	    it->ask ? "+ask" : "", it->approved ? "+approved" : "");
	groups_text(b, it);
}

/*
 * No resource, and no presence to say so: a contact whose presence we
 * are not subscribed to (none, from) is not offline, only unknown.
 */
static int
presence_unknown(const struct roster_item *it)
{
	return it->nres == 0 && !it->heard && !sub_has_to(it->sub);
}

void
roster_format_text(struct buf *b, const struct roster_item *it,
    int with_presence)
{
	const struct roster_resource *r;
	size_t i;

	if (!with_presence) {
		item_text(b, it);
		buf_addc(b, '\n');
		return;
	}
	if (it->nres == 0) {
		item_text(b, it);
		buf_printf(b, "\t\t%s\t\t\n", presence_unknown(it) ?
		    "unknown" : "offline");
		return;
	}
	for (i = 0; i < it->nres; i++) {
		r = &it->res[i];
		item_text(b, it);
		buf_addc(b, '\t');
		field(b, r->resource);
		buf_addc(b, '\t');
		field(b, r->show);
		buf_addc(b, '\t');
		field(b, r->status);
		buf_printf(b, "\t%d\n", r->priority);
	}
}

void
roster_format_json(struct buf *b, const struct roster_item *it,
    int with_presence)
{
	const struct roster_resource *r;
	size_t i;

	buf_adds(b, "{\"jid\":");
	json_escape(b, it->jid, strlen(it->jid));
	json_field(b, "name", it->name);
	json_field(b, "subscription", roster_sub_name(it->sub));
	json_field(b, "ask", it->ask ? "subscribe" : NULL);
	buf_printf(b, ",\"approved\":%s,\"groups\":[",
	    it->approved ? "true" : "false");
	for (i = 0; i < it->ngroups; i++) {
		if (i > 0)
			buf_addc(b, ',');
		json_escape(b, it->groups[i], strlen(it->groups[i]));
	}
	buf_addc(b, ']');
	if (with_presence && presence_unknown(it))
		buf_adds(b, ",\"resources\":null");
	else if (with_presence) {
		buf_adds(b, ",\"resources\":[");
		for (i = 0; i < it->nres; i++) {
			r = &it->res[i];
			buf_adds(b, i > 0 ? ",{\"resource\":" : "{\"resource\":");
			json_value(b, r->resource);
			json_field(b, "show", r->show);
			json_field(b, "status", r->status);
			buf_printf(b, ",\"priority\":%d}", r->priority);
		}
		buf_addc(b, ']');
	}
	buf_adds(b, "}\n");
}

/* ---- presence */

static struct roster_resource *
resource_find(struct roster_item *it, const char *resource)
{
	size_t i;

	for (i = 0; i < it->nres; i++)
		if (strcmp(it->res[i].resource, resource) == 0)
			return &it->res[i];
	return NULL;
}

static void
resource_drop(struct roster_item *it, struct roster_resource *r)
{
	size_t i = r - it->res;

	resource_free(r);
	memmove(r, r + 1, (it->nres - i - 1) * sizeof(*r));
	it->nres--;
}

/* The text of child name, or NULL: the caller frees it. */
static char *
child_text(xmpp_stanza_t *st, const char *name)
{
	xmpp_stanza_t *c = xmpp_stanza_get_child_by_name(st, name);
	char *t, *copy;

	if (c == NULL || (t = xmpp_stanza_get_text(c)) == NULL)
		return NULL;
	copy = xstrdup(t);
	xmpp_free(xmpp_stanza_get_context(st), t);
	return copy;
}

static char *
show_of(xmpp_stanza_t *st)
{
	static const char *shows[] = { "away", "chat", "dnd", "xa" };
	char *show = child_text(st, "show");
	size_t i;

	for (i = 0; show && i < sizeof(shows) / sizeof(shows[0]); i++)
		if (strcmp(show, shows[i]) == 0)
			return show;
	free(show);
	return xstrdup("online");	/* none, or one RFC 6121 lacks */
}

static int
priority_of(xmpp_stanza_t *st)
{
	char *p = child_text(st, "priority");
	const char *errstr;
	long long n = 0;

	if (p) {
		n = strtonum(p, -128, 127, &errstr);
		if (errstr)
			n = 0;	/* as RFC 6121 4.7.2.3: out of range is 0 */
	}
	free(p);
	return (int)n;
}

int
roster_presence(struct roster *r, xmpp_stanza_t *st)
{
	const char *from = xmpp_stanza_get_from(st);
	const char *type = xmpp_stanza_get_type(st);
	const char *slash;
	struct roster_item *it;
	struct roster_resource *res;
	char *resource;

	if (from == NULL || jid_check(from) ||
	    (it = roster_find(r, from)) == NULL)
		return 0;
	if (type && strcmp(type, "unavailable") != 0 &&
	    strcmp(type, "error") != 0)
		return 0;	/* a subscription, a probe: not presence */
	it->heard = 1;
	slash = strchr(from, '/');
	resource = xstrdup(slash ? slash + 1 : "");
	res = resource_find(it, resource);
	if (type) {		/* gone, or never to be heard from */
		if (res)
			resource_drop(it, res);
		free(resource);
		return 1;
	}
	if (res)
		resource_free(res);
	else {
		it->res = xreallocarray(it->res, it->nres + 1,
		    sizeof(*it->res));
		res = &it->res[it->nres++];
	}
	res->resource = resource;
	res->show = show_of(st);
	res->status = child_text(st, "status");
	res->priority = priority_of(st);
	return 1;
}

/* ---- names and groups */

/*
 * What XML can carry and a terminal can show, without the characters
 * of refused: those the server would hand back as something else.
 */
static const char *
kept_as_is(const char *s, size_t *off, const char *refused,
    const char *becomes)
{
	static char why[80];
	const char *bad;
	size_t len = strlen(s), i;

	if ((bad = text_check(s, len, off)) != NULL)
		return bad;
	if ((i = strcspn(s, refused)) == len)
		return NULL;
	*off = i;
	snprintf(why, sizeof(why), "control character U+%04X, which would "
	    "come back as %s", (unsigned char)s[i], becomes);
	return why;
}

/* A name is an attribute: Prosody writes it back raw, and XML's
 * attribute normalization (XML 1.0 3.3.3) makes these spaces. */
const char *
roster_name_check(const char *s, size_t *off)
{
	return kept_as_is(s, off, "\t\n\r", "a space");
}

/* A group is element text, kept but for XML's end-of-line handling
 * (XML 1.0 2.11): a carriage return comes back a newline. */
const char *
roster_group_check(const char *s, size_t *off)
{
	return kept_as_is(s, off, "\r", "a newline");
}

/* ---- reading export's lines */

/* "what: why", in a static buffer. */
static const char *
refuse(const char *what, const char *why)
{
	static char buf[120];

	snprintf(buf, sizeof(buf), "%s: %s", what, why);
	return buf;
}

static const char *
read_groups(json_t *groups, struct roster_item *it)
{
	const char *why;
	json_t *g;
	size_t i, off;

	if (groups == NULL || json_is_null(groups))
		return NULL;
	if (!json_is_array(groups))
		return "groups: not an array";
	json_array_foreach(groups, i, g) {
		if (!json_is_string(g))
			return "groups: a group that is not a string";
		if (json_string_length(g) == 0)
			return "groups: an empty group name";
		if (strlen(json_string_value(g)) != json_string_length(g))
			return "groups: a NUL in a group name";
		if ((why = roster_group_check(json_string_value(g), &off)))
			return refuse("groups", why);
		group_add(it, xstrdup(json_string_value(g)));
	}
	groups_normalize(it);
	return NULL;
}

/* The fields of one object; the caller frees it on failure too. */
static const char *
read_fields(json_t *o, struct roster_item *it)
{
	json_t *jid = json_object_get(o, "jid");
	json_t *name = json_object_get(o, "name");
	json_t *sub = json_object_get(o, "subscription");
	json_t *ask = json_object_get(o, "ask");
	json_t *approved = json_object_get(o, "approved");
	const char *why;
	size_t off;
	int s;

	if (!json_is_string(jid))
		return "no \"jid\" string";
	if ((why = jid_check(json_string_value(jid))) != NULL)
		return why;
	if (!jid_is_bare(json_string_value(jid)))
		return "a roster item's JID has no resource";
	it->jid = bare_jid(json_string_value(jid));
	/*
	 * stringprep may make a JID of one that was none (U+203E is a
	 * space and a combining mark in NFKC), or give a bare one a
	 * resource (U+2100 is "a/c"): the server would refuse it, or take
	 * another contact for it
	 */
	if (jid_check(it->jid) != NULL || !jid_is_bare(it->jid))
		return "the JID, prepared, is not a well-formed bare JID";
	if (name && !json_is_null(name)) {
		if (!json_is_string(name))
			return "name: not a string";
		if (strlen(json_string_value(name)) != json_string_length(name))
			return "name: a NUL in it";
		if ((why = roster_name_check(json_string_value(name), &off)))
			return refuse("name", why);
		if (json_string_length(name) > 0)
			it->name = xstrdup(json_string_value(name));
	}
	if (sub && !json_is_null(sub)) {
		if ((s = roster_sub_parse(json_string_value(sub))) < 0)
			return "subscription: not none, to, from or both";
		it->sub = s;
	}
	if (ask && !json_is_null(ask)) {
		if (!json_is_string(ask) ||
		    strcmp(json_string_value(ask), "subscribe") != 0)
			return "ask: not \"subscribe\" or null";
		it->ask = 1;
	}
	if (approved && !json_is_null(approved)) {
		if (!json_is_boolean(approved))
			return "approved: not true or false";
		it->approved = json_is_true(approved);
	}
	return read_groups(json_object_get(o, "groups"), it);
}

const char *
roster_read_json(const char *line, size_t len, struct roster_item *it)
{
	static char why[200];
	json_error_t e;
	const char *bad;
	json_t *o;

	memset(it, 0, sizeof(*it));
	/* jansson checks the JSON and its UTF-8; duplicate keys are
	 * ambiguous, so refused */
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e)) == NULL) {
		snprintf(why, sizeof(why), "not JSON: %s", e.text);
		return why;
	}
	if (!json_is_object(o))
		bad = "not a JSON object";
	else
		bad = read_fields(o, it);
	json_decref(o);
	if (bad)
		roster_item_free(it);
	return bad;
}

/* ---- import: what to change */

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a && b && strcmp(a, b) == 0);
}

static int
same_groups(const struct roster_item *a, const struct roster_item *b)
{
	size_t i;

	if (a->ngroups != b->ngroups)
		return 0;
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], b->groups[i]) != 0)
			return 0;
	return 1;
}

static void
change(struct roster_change **c, size_t *n, size_t *cap, enum roster_op op,
    const struct roster_item *it)
{
	if (*n == *cap)
		*c = xgrow(*c, cap, sizeof(**c));
	(*c)[(*n)++] = (struct roster_change){ op, it };
}

size_t
roster_diff(const struct roster *have, const struct roster *want,
    int prune, int can_preapprove, struct roster_change **changes)
{
	const struct roster_item *w, *h;
	size_t i, n = 0, cap = 0;

	*changes = NULL;
	for (i = 0; i < want->len; i++) {
		w = &want->items[i];
		h = roster_find(have, w->jid);
		if (h == NULL)
			change(changes, &n, &cap, OP_ADD, w);
		else if (!same_str(h->name, w->name) || !same_groups(h, w))
			change(changes, &n, &cap, OP_UPDATE, w);
		if (roster_wants_to(w) && !roster_reached(h, WANT_SUBSCRIBE))
			change(changes, &n, &cap, OP_SUBSCRIBE, w);
		if (can_preapprove && roster_wants_from(w) &&
		    !roster_reached(h, WANT_APPROVE))
			change(changes, &n, &cap, OP_APPROVE, w);
	}
	for (i = 0; prune && i < have->len; i++)
		if (roster_find(want, have->items[i].jid) == NULL)
			change(changes, &n, &cap, OP_REMOVE, &have->items[i]);
	return n;
}
