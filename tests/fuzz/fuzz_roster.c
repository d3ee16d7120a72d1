/*
 * fuzz_roster: import's line reader. Whatever it accepts, the JSON line
 * export would write of it reads back as the same item, and the text
 * line is one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

static int
same(const struct roster_item *a, const struct roster_item *b)
{
	size_t i;

	if (strcmp(a->jid, b->jid) != 0 || a->sub != b->sub ||
	    a->ask != b->ask || a->approved != b->approved ||
	    (a->name == NULL) != (b->name == NULL) ||
	    (a->name && strcmp(a->name, b->name) != 0) ||
	    a->ngroups != b->ngroups)
		return 0;
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], b->groups[i]) != 0)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster_item it, back;
	struct buf b = { 0 };

	if (roster_read_json((const char *)data, size, &it) != NULL)
		return 0;
	roster_format_json(&b, &it, 0);
	if (roster_read_json(b.p, b.len - 1, &back) != NULL || !same(&it, &back))
		abort();
	b.len = 0;
	roster_format_text(&b, &it, 0);
	if (memchr(b.p, '\n', b.len) != b.p + b.len - 1)
		abort();
	roster_item_free(&back);
	roster_item_free(&it);
	buf_free(&b);
	return 0;
}
