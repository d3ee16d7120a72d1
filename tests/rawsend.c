/*
 * rawsend: a client that sends stanzas exactly as written, for the tests
 * that play a hostile sender (tests/t-spoof.sh). A test double, not a
 * tool: it checks nothing it sends.
 *
 *   rawsend CONFIG ACCOUNT [RESOURCE] <stanzas
 *
 * Logs in as ACCOUNT of CONFIG, sends each line of stdin as it is (one
 * stanza a line), waits until the server has taken them all, closes.
 * Exits as the tools do.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"

int
main(int argc, char *argv[])
{
	struct common_opts o;
	struct account acct;
	struct session *s;
	struct buf b = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc;

	if (argc < 3 || argc > 4)
		errx(EX_USAGE, "usage: rawsend config account [resource]");
	common_init(&o);
	o.agent = AGENT_NEVER;	/* a test double logs in itself */
	o.acct.file = argv[1];
	o.acct.name = argv[2];
	o.acct.resource = argc == 4 ? argv[3] : "rawsend";
	o.keepalive = 0;
	if ((rc = account_load(&acct, &o.acct)) != EX_OK)
		return rc;
	if ((rc = session_start(&s, &acct, &o)) == EX_OK) {
		while ((n = getline(&line, &cap, stdin)) > 0) {
			b.len = 0;
			buf_add(&b, line, line[n - 1] == '\n' ? n - 1 : n);
			session_send_buf(s, &b);
		}
		rc = session_sync(s);
	}
	if (s && rc == EX_OK)
		rc = session_close(s);
	session_free(s);
	account_free(&acct);
	buf_free(&b);
	free(line);
	return rc;
}
