/* fuzz_jid: the JID check never fails to decide, and accepts only text
 * that XML can carry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *jid = xstrndup((const char *)data, size);
	size_t off;

	if (jid_check(jid) == NULL &&
	    (text_check(jid, strlen(jid), &off) != NULL ||
	    strchr(jid, '@') == jid || *jid == '\0'))
		abort();	/* a JID we would put on the wire, broken */
	free(jid);
	return 0;
}
