/* fuzz_jid: the JID check never fails to decide, and accepts only text
 * that XML can carry; a JID it accepts is equal to itself, bare or
 * whole, and normalizing it (libidn's stringprep) never fails. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *jid = xstrndup((const char *)data, size);
	struct buf b = { 0 };
	size_t off;

	if (jid_check(jid) == NULL &&
	    (text_check(jid, strlen(jid), &off) != NULL ||
	    strchr(jid, '@') == jid || *jid == '\0'))
		abort();	/* a JID we would put on the wire, broken */
	if (jid_check(jid) == NULL) {
		if (!jid_equal(jid, jid) || !jid_bare_equal(jid, jid) ||
		    !jid_matches(jid, jid))
			abort();	/* a JID that is not itself */
		jid_normalize(&b, jid, 0);
		if (b.p == NULL)
			abort();
	}
	buf_free(&b);
	free(jid);
	return 0;
}
