/*
 * jid.c: JIDs compared as servers compare them, in one place for every
 * tool: ALICE@Example.ORG is alice@example.org, and a --from, a room
 * or a sender check written one way matches what the server writes
 * the other.
 *
 * A server prepares every JID it handles with the stringprep profiles
 * of RFC 6122 (Prosody does, through ICU): Nodeprep for the local part
 * (case folding and NFKC), Nameprep for the domain (the same, for host
 * names), Resourceprep for the resource (NFKC, no case folding). So
 * does jid_normalize, through GNU libidn's implementation of the same
 * profiles, and two JIDs are the same when their prepared forms are.
 * RFC 7622 (PRECIS) replaced those profiles and differs from them in
 * rare cases (fullwidth and compatibility forms, some new code points);
 * what servers apply today is RFC 6122's. Not done: a domain's A-label
 * (xn--...) and U-label forms are not taken for one another, and a part
 * a profile refuses (a prohibited character) is compared as it is.
 *
 * Most JIDs are ASCII, where the profiles only fold the case of the
 * local part and domain; that is done here without the library.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stringprep.h>

#include "xmpputils.h"

struct parts {
	const char *local, *domain, *resource;	/* NULL: none */
	size_t llen, dlen, rlen;
};

/* As jid_check reads a JID: local@domain/resource, '@' before any '/'. */
static void
split(const char *jid, struct parts *p)
{
	const char *slash = strchr(jid, '/'), *at = strchr(jid, '@');

	if (at && slash && at > slash)
		at = NULL;
	p->local = at ? jid : NULL;
	p->llen = at ? (size_t)(at - jid) : 0;
	p->domain = at ? at + 1 : jid;
	p->dlen = slash ? (size_t)(slash - p->domain) : strlen(p->domain);
	if (p->dlen > 0 && p->domain[p->dlen - 1] == '.')
		p->dlen--;	/* example.org. is example.org */
	p->resource = slash ? slash + 1 : NULL;
	p->rlen = slash ? strlen(slash + 1) : 0;
}

static int
ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* Appends one part prepared with profile (fold: its ASCII case folds). */
static void
prep(struct buf *b, const char *s, size_t len, const char *profile,
    int fold)
{
	char *in, *out = NULL;
	size_t i;

	if (ascii(s, len)) {
		for (i = 0; i < len; i++)
			buf_addc(b, fold && s[i] >= 'A' && s[i] <= 'Z' ?
			    s[i] - 'A' + 'a' : s[i]);
		return;
	}
	in = xstrndup(s, len);
	if (stringprep_profile(in, &out, profile, 0) == STRINGPREP_OK)
		buf_adds(b, out);
	else
		buf_add(b, s, len);	/* refused: compared as it is */
	free(out);
	free(in);
}

/*
 * Whether one part passes its profile, and is still a part afterwards
 * (U+2100 is "a/c" once prepared: no longer one local part). ASCII
 * passes: jid_check has refused what the profiles would.
 */
static const char *
part_refused(const char *s, size_t len, const char *profile,
    const char *what, const char *stops)
{
	static char why[160];
	char *in, *out = NULL;
	int rc;

	if (ascii(s, len))
		return NULL;
	why[0] = '\0';
	in = xstrndup(s, len);
	rc = stringprep_profile(in, &out, profile, 0);
	if (rc != STRINGPREP_OK)
		snprintf(why, sizeof(why), "%s refused by %s (RFC 6122): %s",
		    what, profile, stringprep_strerror(rc));
	else if (*out == '\0' || strlen(out) > 1023 || strpbrk(out, stops))
		snprintf(why, sizeof(why), "%s not one once prepared by %s "
		    "(RFC 6122)", what, profile);
	free(in);
	free(out);
	return why[0] ? why : NULL;
}

const char *
jid_prep_check(const char *jid)
{
	const char *why = NULL;
	struct parts p;

	split(jid, &p);
	if (p.local)
		why = part_refused(p.local, p.llen, "Nodeprep", "local part",
		    "@/");
	if (why == NULL)
		why = part_refused(p.domain, p.dlen, "Nameprep", "domain",
		    "@/");
	if (why == NULL && p.resource)
		why = part_refused(p.resource, p.rlen, "Resourceprep",
		    "resource", "");
	return why;
}

void
jid_normalize(struct buf *b, const char *jid, int bare)
{
	struct parts p;

	split(jid, &p);
	if (p.local) {
		prep(b, p.local, p.llen, "Nodeprep", 1);
		buf_addc(b, '@');
	}
	prep(b, p.domain, p.dlen, "Nameprep", 1);
	if (p.resource && !bare) {
		buf_addc(b, '/');
		prep(b, p.resource, p.rlen, "Resourceprep", 0);
	}
	buf_str(b);
}

/* Compares a and b, each as a whole JID or (bare) without resource. */
static int
same(const char *a, const char *b, int bare)
{
	struct buf na = { 0 }, nb = { 0 };
	struct parts pa, pb;
	int eq;

	split(a, &pa);
	split(b, &pb);
	if (!pa.local != !pb.local ||
	    (!bare && !pa.resource != !pb.resource))
		return 0;
	/* the usual case: ASCII, where only the case of two parts folds */
	if (ascii(a, strlen(a)) && ascii(b, strlen(b)))
		return pa.llen == pb.llen && pa.dlen == pb.dlen &&
		    strncasecmp(pa.local ? pa.local : "", pb.local ?
		    pb.local : "", pa.llen) == 0 &&
		    strncasecmp(pa.domain, pb.domain, pa.dlen) == 0 &&
		    (bare || (pa.rlen == pb.rlen && (pa.rlen == 0 ||
		    memcmp(pa.resource, pb.resource, pa.rlen) == 0)));
	jid_normalize(&na, a, bare);
	jid_normalize(&nb, b, bare);
	eq = strcmp(na.p, nb.p) == 0;
	buf_free(&na);
	buf_free(&nb);
	return eq;
}

int
jid_equal(const char *a, const char *b)
{
	return a && b && same(a, b, 0);
}

int
jid_bare_equal(const char *a, const char *b)
{
	return a && b && same(a, b, 1);
}

int
jid_matches(const char *want, const char *jid)
{
	if (want == NULL || jid == NULL)
		return 0;
	return strchr(want, '/') ? jid_equal(want, jid) :
	    jid_bare_equal(want, jid);
}

int
jid_is_bare(const char *jid)
{
	struct parts p;

	split(jid, &p);
	return p.resource == NULL;
}
