/* fuzz_config: the config parser, on any text, for every section name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account acct;
	char *text = xstrndup((const char *)data, size);

	memset(&acct, 0, sizeof(acct));
	config_parse(&acct, text, "fuzz", NULL);
	account_free(&acct);
	memset(&acct, 0, sizeof(acct));
	config_parse(&acct, text, "fuzz", "ops");
	account_free(&acct);
	free(text);
	return 0;
}
