/*
 * fuzz_text: the text checks and encoders. What text_check accepts,
 * xml_escape must turn into text with no markup left; json_escape into
 * one quoted string with no raw control character; text_escape into one
 * line that text_unescape turns back into the same bytes. None of them
 * may leave a U+2028 or U+2029, where other readers end a line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

static int
breaks_line(const struct buf *b)
{
	return b->len && (memmem(b->p, b->len, "\xe2\x80\xa8", 3) ||
	    memmem(b->p, b->len, "\xe2\x80\xa9", 3));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf b = { 0 };
	size_t i, off;
	long n;

	text_check(s, size, &off);

	xml_escape(&b, s, size);
	if (memchr(b.p ? b.p : "", '<', b.len) ||
	    memchr(b.p ? b.p : "", '>', b.len) || breaks_line(&b))
		abort();
	b.len = 0;

	json_escape(&b, s, size);
	if (b.len < 2 || b.p[0] != '"' || b.p[b.len - 1] != '"')
		abort();
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.p[i] < 0x20)
			abort();
	if (breaks_line(&b))
		abort();
	b.len = 0;

	text_escape(&b, s, size);
	if (memchr(b.p ? b.p : "", '\n', b.len) ||
	    memchr(b.p ? b.p : "", '\t', b.len) || breaks_line(&b))
		abort();
	n = text_unescape(b.p ? b.p : (char *)"", b.len);
	if (n != (long)size || (size && memcmp(b.p, s, size) != 0))
		abort();	/* not the bytes we started with */
	buf_free(&b);
	return 0;
}
