/*
 * test_xmlguard: the check of stanza attributes (lib/xmlguard.c), first
 * as a rule, then in place: libstrophe's own parser, fed over loopback
 * by a server written here, must hand every stanza over with the
 * guard's verdict. If an upgrade of libstrophe or expat takes the guard
 * out of the parser's path, this fails, loudly.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "xmlguard.h"
#include "unit.h"

#define NS1 "urn:n:1\x1f"
#define NSXML "http://www.w3.org/XML/1998/namespace\x1f"

static void
test_rule(void)
{
	static const struct {
		const char *attrs[9];	/* as expat hands them over */
		int stanza;
		int ambiguous;
		const char *name;
	} cases[] = {
		{ { "from", "a@x", "to", "b@x", "type", "chat", NULL }, 1, 0,
		    "plain attributes" },
		{ { "from", "a@x", NS1 "from", "c@x", NULL }, 1, 1,
		    "a prefixed from beside the real one" },
		{ { NS1 "from", "c@x", "from", "a@x", NULL }, 1, 1,
		    "a prefixed from before the real one" },
		{ { "from", "a@x", NS1 "type", "groupchat", NULL }, 1, 1,
		    "a prefixed type where there is none" },
		{ { "from", "a@x", NS1 "id", "x", NULL }, 1, 1,
		    "a prefixed id" },
		{ { "from", "a@x", NS1 "to", "x", NULL }, 1, 1,
		    "a prefixed to" },
		{ { "a", "1", NS1 "a", "2", NULL }, 0, 1,
		    "two 'a' on a child" },
		{ { NS1 "a", "1", "urn:n:2\x1f" "a", "2", NULL }, 0, 1,
		    "two prefixed 'a' in different namespaces" },
		{ { NS1 "type", "x", NULL }, 0, 0,
		    "a prefixed type on a child that is no stanza" },
		{ { NS1 "extra", "1", "a", "2", NULL }, 1, 0,
		    "a prefixed attribute of its own name" },
		{ { NSXML "lang", "en", "from", "a@x", NULL }, 1, 0,
		    "xml:lang" },
		{ { NSXML "lang", "en", "lang", "de", NULL }, 0, 1,
		    "xml:lang beside a plain lang" },
		{ { NS1 "xmlns", "jabber:evil", NULL }, 0, 1,
		    "a prefixed xmlns" },
		{ { NULL }, 1, 0, "no attributes" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok((xmlguard_check((const char **)cases[i].attrs,
		    cases[i].stanza) != NULL) ==
		    cases[i].ambiguous, "xmlguard_check: %s: %s",
		    cases[i].name, cases[i].ambiguous ? "ambiguous" : "clean");
}

/* ---- libstrophe's parser, with the guard in front */

struct seen {
	int connected;
	int n;
	struct {
		char id[16];
		enum xmlguard_verdict v;
		char from[64];
	} st[32];
};

static int
on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct seen *seen = arg;
	const char *why, *from, *id = xmpp_stanza_get_id(st);

	(void)conn;
	if (seen->n == 32)
		return 1;
	seen->st[seen->n].v = xmlguard_verdict(&why, &from);
	snprintf(seen->st[seen->n].id, sizeof(seen->st[0].id), "%s",
	    id ? id : "");
	snprintf(seen->st[seen->n].from, sizeof(seen->st[0].from), "%s",
	    from ? from : "");
	seen->n++;
	return 1;
}

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
    xmpp_stream_error_t *se, void *arg)
{
	struct seen *seen = arg;

	(void)error;
	(void)se;
	if (ev == XMPP_CONN_RAW_CONNECT) {
		seen->connected = 1;
		xmpp_conn_open_stream_default(conn);
	}
}

#define HEADER "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
	"xmlns:stream='http://etherx.jabber.org/streams' id='t' " \
	"from='x' version='1.0'>"

/* The stanzas the server sends, with the verdict each must get. */
static const struct {
	const char *xml;
	const char *id;
	int ambiguous;
} stanzas[] = {
	{ "<message from='alice@x/r' to='bob@x' type='chat' id='clean'>"
	    "<body>hi</body></message>", "clean", 0 },
	{ "<message from='alice@x/r' to='bob@x' type='chat' id='forged' "
	    "xmlns:n1='urn:n:1' n1:from='carol@x/evil' n1:type='groupchat'>"
	    "<body>I am carol</body></message>", "forged", 1 },
	{ "<message from='alice@x/r' id='typed' xmlns:n1='urn:n:1' "
	    "n1:type='groupchat'><body>x</body></message>", "typed", 1 },
	{ "<message from='alice@x/r' id='child'><x xmlns='urn:y' "
	    "xmlns:n1='urn:n:1' a='1' n1:a='2'/></message>", "child", 1 },
	{ "<message from='bob@x' id='carbon'><sent xmlns='urn:xmpp:carbons:2'>"
	    "<forwarded xmlns='urn:xmpp:forward:0'><message "
	    "xmlns='jabber:client' from='bob@x/a' xmlns:n1='urn:n:1' "
	    "n1:from='carol@x'/></forwarded></sent></message>", "carbon", 1 },
	{ "<message from='alice@x/r' id='lang' xml:lang='en'><body>x</body>"
	    "</message>", "lang", 0 },
	{ "<message from='alice@x/r' id='extra'><x xmlns='urn:y' "
	    "xmlns:n1='urn:n:1' n1:extra='1'/></message>", "extra", 0 },
	{ "<cl:message xmlns:cl='jabber:client' from='alice@x/r' "
	    "id='prefixed'/>", "prefixed", 0 },
	{ "<presence from='alice@x/r' id='after'/>", "after", 0 },
};
#define NSTANZAS (int)(sizeof(stanzas) / sizeof(stanzas[0]))

static int
listen_loopback(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
run_until(xmpp_ctx_t *ctx, int *flag, int value)
{
	int i;

	for (i = 0; i < 500 && *flag < value; i++)
		xmpp_run_once(ctx, 10);
}

static void
put(int fd, const char *s)
{
	size_t off = 0;
	ssize_t n;

	while (off < strlen(s) && (n = write(fd, s + off, strlen(s) - off)) > 0)
		off += n;
}

static void
check_stream(struct seen *seen, int first, const char *when)
{
	int i;

	ok(seen->n - first == NSTANZAS, "%s: libstrophe delivered all %d "
	    "stanzas (%d)", when, NSTANZAS, seen->n - first);
	for (i = 0; i < NSTANZAS && first + i < seen->n; i++) {
		ok(strcmp(seen->st[first + i].id, stanzas[i].id) == 0 &&
		    seen->st[first + i].v == (stanzas[i].ambiguous ?
		    XMLGUARD_AMBIGUOUS : XMLGUARD_CLEAN),
		    "%s: stanza '%s' handed over as %s (verdict %d)", when,
		    stanzas[i].id, stanzas[i].ambiguous ? "ambiguous" : "clean",
		    seen->st[first + i].v);
	}
}

static void
test_in_libstrophe(void)
{
	struct seen seen = { 0 };
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;
	unsigned long before;
	const char *why, *from;
	int lfd, sfd, port, i;

	ok(xmlguard_verdict(&why, &from) == XMLGUARD_UNSEEN,
	    "outside a delivery there is no verdict");
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	before = xmlguard_parsers();
	conn = xmpp_conn_new(ctx);
	xmpp_conn_set_jid(conn, "bob@x");
	ok(xmlguard_parsers() == before + 1,
	    "xmpp_conn_new's parser is in the guard's sight");
	if ((lfd = listen_loopback(&port)) == -1) {
		ok(0, "listen on loopback");
		return;
	}
	xmpp_handler_add(conn, on_stanza, NULL, NULL, NULL, &seen);
	ok(xmpp_connect_raw(conn, "127.0.0.1", port, on_conn, &seen) ==
	    XMPP_EOK, "libstrophe connects to the test server");
	/* the library connects in its loop: turn it until we have it */
	for (i = 0, sfd = -1; i < 500 && (sfd == -1 || !seen.connected); i++) {
		xmpp_run_once(ctx, 10);
		if (sfd == -1)
			sfd = accept(lfd, NULL, NULL);
	}
	ok(sfd != -1 && seen.connected, "and the connection is up");
	put(sfd, HEADER);
	for (i = 0; i < NSTANZAS; i++)
		put(sfd, stanzas[i].xml);
	run_until(ctx, &seen.n, NSTANZAS);
	check_stream(&seen, 0, "first stream");
	is_str(seen.st[1].from, "alice@x/r",
	    "the guard kept the from the server wrote");

	/* a new stream (as after STARTTLS or SASL): the parser is reset */
	before = xmlguard_parsers();
	xmpp_conn_open_stream_default(conn);
	xmpp_run_once(ctx, 10);
	ok(xmlguard_parsers() == before + 1,
	    "a reset parser is watched again");
	put(sfd, HEADER);
	for (i = 0; i < NSTANZAS; i++)
		put(sfd, stanzas[i].xml);
	run_until(ctx, &seen.n, 2 * NSTANZAS);
	check_stream(&seen, NSTANZAS, "after a reset");

	close(sfd);
	close(lfd);
	xmpp_conn_release(conn);
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
}

int
main(void)
{
	test_rule();
	test_in_libstrophe();
	return done_testing();
}
