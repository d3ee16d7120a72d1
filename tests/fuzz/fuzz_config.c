/* fuzz_config: the config parser, on any text, for every section name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account acct;
	/* exactly the bytes, NULs and all: the parser takes a length */
	char *text = xmalloc(size ? size : 1);

	memcpy(text, data, size);
	memset(&acct, 0, sizeof(acct));
	config_parse(&acct, text, size, "fuzz", NULL);
	account_free(&acct);
	memset(&acct, 0, sizeof(acct));
	config_parse(&acct, text, size, "fuzz", "ops");
	account_free(&acct);
	free(text);
	return 0;
}
