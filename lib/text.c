/*
 * text.c: what XML 1.0 can carry, what a JID looks like, and the escapes
 * the tools print with. Pure functions: the unit and fuzz tests call them
 * directly.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "xmpputils.h"

/*
 * Decodes one UTF-8 sequence strictly (no overlong forms, no surrogates,
 * nothing past U+10FFFF). Returns its length, or 0 if it is malformed.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* XML 1.0's Char production. */
static int
xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd ||
	    (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

/* C0, DEL and C1: what a terminal may act on. */
static int
control_char(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/*
 * The bidirectional controls (Unicode's Bidi_Control): shown raw, they
 * reorder the text around them, so that what a terminal shows is not
 * what was sent (CVE-2021-42574's "Trojan Source").
 */
static int
bidi_control(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: Unicode's own
 * line breaks. Python's splitlines(), JavaScript and many log shippers
 * end a line at them, so one raw would cut a record of ours in two.
 */
static int
line_separator(uint32_t c)
{
	return c == 0x2028 || c == 0x2029;
}

/* What is escaped wherever text from the network is shown. */
static inline int
display_unsafe(uint32_t c)
{
	if (c >= 0x20 && c < 0x7f)
		return 0;	/* the common case, at once */
	return control_char(c) || bidi_control(c) || line_separator(c);
}

const char *
text_check(const char *s, size_t len, size_t *off)
{
	static char why[64];
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		if ((n = utf8_decode(u + i, len - i, &c)) == 0) {
			*off = i;
			return "invalid UTF-8";
		}
		if (!xml_char(c)) {
			*off = i;
			snprintf(why, sizeof(why), "%s U+%04X cannot be sent "
			    "in XML", control_char(c) ? "control character" :
			    "character", (unsigned)c);
			return why;
		}
		/* DEL and C1: XML could carry them, a terminal acts on them */
		if (c >= 0x7f && c <= 0x9f) {
			*off = i;
			snprintf(why, sizeof(why), "control character U+%04X "
			    "refused", (unsigned)c);
			return why;
		}
		i += n;
	}
	return NULL;
}

int
text_plain(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		if ((n = utf8_decode(u + i, len - i, &c)) == 0 || !xml_char(c) ||
		    display_unsafe(c))
			return 0;
		i += n;
	}
	return 1;
}

/* RFC 7622: characters the localpart may not hold. */
static int
local_forbidden(uint32_t c)
{
	return c <= 0x20 || strchr("\"&'/:<>@", (int)c) != NULL || c == 0x7f;
}

static const char *
jid_part(const char *s, size_t len, const char *what, int local)
{
	static char why[64];
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n;
	uint32_t c;

	if (len == 0) {
		snprintf(why, sizeof(why), "empty %s", what);
		return why;
	}
	if (len > 1023) {
		snprintf(why, sizeof(why), "%s longer than 1023 bytes", what);
		return why;
	}
	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(u + i, len - i, &c)) == 0) {
			snprintf(why, sizeof(why), "invalid UTF-8 in %s", what);
			return why;
		}
		if (control_char(c) || !xml_char(c) ||
		    (c == ' ' && local >= 0) ||
		    (local > 0 && local_forbidden(c)) ||
		    (local == 0 && (c == '@' || c == '/'))) {
			if (c > 0x20 && c < 0x7f)
				snprintf(why, sizeof(why), "'%c' not allowed "
				    "in %s", (int)c, what);
			else
				snprintf(why, sizeof(why), "U+%04X not "
				    "allowed in %s", (unsigned)c, what);
			return why;
		}
	}
	return NULL;
}

const char *
jid_check(const char *jid)
{
	const char *at, *slash, *domain, *why;
	size_t dlen;

	slash = strchr(jid, '/');
	at = strchr(jid, '@');
	if (at && slash && at > slash)
		at = NULL;	/* an '@' in the resource */
	domain = at ? at + 1 : jid;
	dlen = slash ? (size_t)(slash - domain) : strlen(domain);
	if (at && (why = jid_part(jid, at - jid, "local part", 1)))
		return why;
	if ((why = jid_part(domain, dlen, "domain", 0)))
		return why;
	if (domain[0] == '.' || memmem(domain, dlen, "..", 2) ||
	    (dlen > 1 && domain[dlen - 1] == '.'))
		return "empty label in domain";
	if (slash && (why = jid_part(slash + 1, strlen(slash + 1),
	    "resource", -1)))
		return why;
	/* what a server would refuse, as jid.c prepares it */
	return jid_prep_check(jid);
}

/* markup: s is XML already; its markup stays, only characters go. */
static void
escape(struct buf *b, const char *s, size_t len, int markup)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, run = 0, n;
	const char *rep;
	char ref[16];
	uint32_t c;

	for (i = 0; i < len; i++) {
		n = 1;
		switch (u[i]) {
		case '&': case '<': case '>': case '"': case '\'':
			if (markup)
				continue;
			rep = u[i] == '&' ? "&amp;" : u[i] == '<' ? "&lt;" :
			    u[i] == '>' ? "&gt;" : u[i] == '"' ? "&quot;" :
			    "&apos;";
			break;
		/* as references, so they survive attribute normalization
		 * and a stanza stays on one line */
		case '\t': rep = "&#9;"; break;
		case '\n': rep = "&#10;"; break;
		case '\r': rep = "&#13;"; break;
		/* the first bytes of DEL, C1, the bidi controls and the
		 * line separators: those go as references too, never raw
		 * onto a terminal nor into a line-oriented reader */
		case 0x7f: case 0xc2: case 0xd8: case 0xe2:
			if ((n = utf8_decode(u + i, len - i, &c)) == 0 ||
			    !display_unsafe(c))
				continue;
			snprintf(ref, sizeof(ref), "&#x%X;", (unsigned)c);
			rep = ref;
			break;
		default: continue;
		}
		buf_add(b, s + run, i - run);
		buf_adds(b, rep);
		run = i + n;
		i += n - 1;
	}
	buf_add(b, s + run, len - run);
}

void
xml_escape(struct buf *b, const char *s, size_t len)
{
	escape(b, s, len, 0);
}

void
xml_defang(struct buf *b, const char *s, size_t len)
{
	escape(b, s, len, 1);
}

void
json_value(struct buf *b, const char *value)
{
	if (value)
		json_escape(b, value, strlen(value));
	else
		buf_adds(b, "null");
}

void
json_field(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, ",\"%s\":", key);
	json_value(b, value);
}

void
json_escape(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	buf_addc(b, '"');
	while (i < len) {
		if ((n = utf8_decode(u + i, len - i, &c)) == 0) {
			buf_adds(b, "\\ufffd");	/* not UTF-8: replaced */
			i++;
			continue;
		}
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c == '\n')
			buf_adds(b, "\\n");
		else if (c == '\t')
			buf_adds(b, "\\t");
		else if (c == '\r')
			buf_adds(b, "\\r");
		else if (display_unsafe(c))
			buf_printf(b, "\\u%04x", (unsigned)c);
		else
			buf_add(b, s + i, n);
		i += n;
	}
	buf_addc(b, '"');
}

void
text_escape(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
		n = utf8_decode(u + i, len - i, &c);
		if (n == 1 && c == '\\')
			buf_adds(b, "\\\\");
		else if (n == 1 && c == '\n')
			buf_adds(b, "\\n");
		else if (n == 1 && c == '\t')
			buf_adds(b, "\\t");
		else if (n == 1 && c == '\r')
			buf_adds(b, "\\r");
		else if (n == 0 || display_unsafe(c)) {
			if (n == 0)
				n = 1;
			for (k = 0; k < n; k++)
				buf_printf(b, "\\x%02X", u[i + k]);
		} else
			buf_add(b, s + i, n);
		i += n;
	}
}

int
text_showable(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, len = strlen(s);
	uint32_t c;

	while (i < len) {
		if ((n = utf8_decode(u + i, len - i, &c)) == 0 ||
		    display_unsafe(c))
			return 0;
		i += n;
	}
	return 1;
}

const char *
text_shown(struct buf *b, const char *s)
{
	b->len = 0;
	if (s == NULL)
		buf_addc(b, '?');
	else
		text_escape(b, s, strlen(s));
	return buf_str(b);
}

int
showable_name(const char *name, const char *what, const char *kind)
{
	struct buf shown = { 0 };

	if (text_showable(name))
		return 1;
	warnx("%s: %s: a control character, or not UTF-8, in %s", what,
	    text_shown(&shown, name), kind);
	buf_free(&shown);
	return 0;
}

int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
text_unescape(char *s, size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		if (++i == len)
			return -1;
		switch (s[i]) {
		case '\\': s[o++] = '\\'; break;
		case 'n': s[o++] = '\n'; break;
		case 't': s[o++] = '\t'; break;
		case 'r': s[o++] = '\r'; break;
		case 'x':
			if (len - i < 3)	/* 'x' and two digits */
				return -1;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			s[o++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		default:
			return -1;
		}
	}
	return (long)o;
}
