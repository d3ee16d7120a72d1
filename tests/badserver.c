/*
 * badserver: an XMPP server that misbehaves, for one client, as told.
 * A test double for what a real server never does (tests/t-hostile.sh).
 *
 *   badserver MODE CERT KEY
 *
 * Prints its port on stdout, serves one client over STARTTLS with CERT
 * and KEY, then, by MODE:
 *
 *   tlshang     answers <starttls/> with <proceed/> and never completes
 *               the TLS handshake
 *   saslhang    never answers <auth/>
 *   malformed   after login, sends XML that is not well-formed
 *   streamerror with the bind result, in its write, a <stream:error/>
 *               (system-shutdown)
 *   evilerror   as streamerror, a <stream:error/> whose text holds what a
 *               terminal acts on: C1's CSI (U+009B), DEL, U+202E
 *   huge        after login, a 50 MB stanza, for as long as it is read
 *   drip        after login, a stanza one byte a second, forever
 *   dripafter   after login, answers the client's first <iq/>, then drips
 *   shutdownafter
 *               after login, answers the client's first three <iq/>s, the
 *               third in one write with streamerror's <stream:error/>: a
 *               server that shuts down in the middle of a check
 *
 * Any SASL PLAIN or SCRAM <auth/> is accepted: what is tested is the
 * client's side of a server gone bad, not its credentials. When the
 * client hangs up, prints "sent N bytes" and exits. A 60 s alarm ends
 * it if the client never does.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#define HEADER "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " \
	"xmlns:stream='http://etherx.jabber.org/streams' id='bad' " \
	"from='xmpputils.test' version='1.0'>"

static int fd = -1;
static SSL *ssl;
static char in[1 << 16];
static size_t inlen;
static unsigned long long sent;

static int
put(const void *p, size_t n)
{
	int r = ssl ? SSL_write(ssl, p, (int)n) : (int)write(fd, p, n);

	if (r <= 0)
		return 0;
	sent += (unsigned)r;
	return 1;
}

static int
puts_(const char *s)
{
	return put(s, strlen(s));
}

/* Reads until the input holds want; 0 if the client hung up first. */
static int
await(const char *want)
{
	int n;

	while (strstr(in, want) == NULL) {
		if (inlen + 1 >= sizeof(in))
			inlen = 0;	/* keep the tail small: it is a test */
		n = ssl ? SSL_read(ssl, in + inlen, sizeof(in) - 1 - inlen) :
		    (int)read(fd, in + inlen, sizeof(in) - 1 - inlen);
		if (n <= 0)
			return 0;
		inlen += (size_t)n;
		in[inlen] = '\0';
	}
	/* consumed: the next await looks at what comes after */
	memmove(in, strstr(in, want) + strlen(want),
	    strlen(strstr(in, want) + strlen(want)) + 1);
	inlen = strlen(in);
	return 1;
}

static void
finish(void)
{
	char buf[4096];

	/* until the client hangs up */
	while ((ssl ? SSL_read(ssl, buf, sizeof(buf)) :
	    (int)read(fd, buf, sizeof(buf))) > 0)
		;
	printf("sent %llu bytes\n", sent);
	exit(0);
}

static int
listener(int *port)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);
	int l;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1)
		err(71, "listen");
	*port = ntohs(sin.sin_port);
	return l;
}

/* The opening of each stream, and its features. */
static void
stream(const char *features)
{
	if (!await("<stream:stream") || !await(">"))
		finish();
	puts_(HEADER "<stream:features>");
	puts_(features);
	puts_("</stream:features>");
}

#define EVIL "<stream:error><policy-violation xmlns='urn:ietf:params:" \
	"xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:" \
	"ns:xmpp-streams'>csi \xc2\x9b" "2J del \x7f rlo " \
	"\xe2\x80\xae" "evil</text></stream:error></stream:stream>"

#define SHUTDOWN "<stream:error><system-shutdown xmlns='urn:ietf:params:" \
	"xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:" \
	"ns:xmpp-streams'>going down for a test</text>" \
	"</stream:error></stream:stream>"

/* Reads the client's next <iq/>: its id into id; 0 if it hung up first. */
static int
next_iq(char *id, size_t len)
{
	char *end;

	if (!await("<iq") || !await("id='") ||
	    (end = strchr(in, '\'')) == NULL || (size_t)(end - in) >= len)
		return 0;
	memcpy(id, in, (size_t)(end - in));
	id[end - in] = '\0';
	return 1;
}

/* Answers three <iq/>s, then shuts down in the same write as the last. */
static void
shutdown_after(void)
{
	char id[101], reply[512];
	int i;

	for (i = 1; i <= 3; i++) {
		if (!next_iq(id, sizeof(id)))
			return;
		snprintf(reply, sizeof(reply), "<iq type='result' id='%s'/>%s",
		    id, i == 3 ? SHUTDOWN : "");
		puts_(reply);
	}
}

static void
misbehave(const char *mode)
{
	static const char msg[] = "<message from='bob@xmpputils.test' "
	    "to='alice@xmpputils.test/bad' type='chat'><body>";
	char chunk[65536];
	size_t i;

	if (strcmp(mode, "malformed") == 0)
		puts_("<message from='bob@xmpputils.test'><body>a</bod></message>");
	else if (strcmp(mode, "shutdownafter") == 0)
		shutdown_after();
	else if (strcmp(mode, "huge") == 0) {
		memset(chunk, 'a', sizeof(chunk));
		if (puts_(msg))
			for (i = 0; i < 50 * 1024 * 1024 / sizeof(chunk); i++)
				if (!put(chunk, sizeof(chunk)))
					break;
		puts_("</body></message>");
	} else if (strncmp(mode, "drip", 4) == 0) {
		for (i = 0; put(&msg[i % (sizeof(msg) - 1)], 1); i++)
			sleep(1);
	}
	finish();
}

int
main(int argc, char *argv[])
{
	struct timeval patience = { 2, 0 };
	SSL_CTX *ctx;
	const char *mode;
	char *id, *end, reply[1024];
	int l, port;

	if (argc != 4)
		errx(64, "usage: badserver mode cert key");
	mode = argv[1];
	if (strcmp(mode, "tlshang") && strcmp(mode, "saslhang") &&
	    strcmp(mode, "malformed") && strcmp(mode, "streamerror") &&
	    strcmp(mode, "evilerror") &&
	    strcmp(mode, "huge") && strcmp(mode, "drip") &&
	    strcmp(mode, "dripafter") && strcmp(mode, "shutdownafter"))
		errx(64, "unknown mode: %s", mode);
	signal(SIGPIPE, SIG_IGN);	/* a client gone is a failed write */
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1)
		errx(71, "cannot load %s and %s", argv[2], argv[3]);
	l = listener(&port);
	printf("%d\n", port);
	fflush(stdout);
	alarm(60);
	if ((fd = accept(l, NULL, NULL)) == -1)
		err(71, "accept");
	/* a client that left without reading must not hold a write here */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof(patience));
	stream("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
	    "</starttls>");
	if (!await("<starttls"))
		finish();
	puts_("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
	if (strcmp(mode, "tlshang") == 0)
		finish();	/* reads the ClientHello, and says nothing */
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	inlen = 0;
	in[0] = '\0';
	if (SSL_accept(ssl) != 1)
		errx(71, "TLS handshake failed");
	stream("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
	    "<mechanism>PLAIN</mechanism></mechanisms>");
	if (!await("<auth") || !await("</auth>"))
		finish();
	if (strcmp(mode, "saslhang") == 0)
		finish();
	puts_("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
	stream("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>");
	if (!await("<iq") || !await("id='"))
		finish();
	id = in;
	if ((end = strchr(id, '\'')) == NULL || end - id > 100)
		errx(65, "a bind request without an id");
	snprintf(reply, sizeof(reply), "<iq type='result' id='%.*s'><bind "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@"
	    "xmpputils.test/bad</jid></bind></iq>%s", (int)(end - id), id,
	    /* in the bind result's write: the client reads them as one,
	     * so the login fails, however the reads fall */
	    strcmp(mode, "streamerror") == 0 ? SHUTDOWN :
	    strcmp(mode, "evilerror") == 0 ? EVIL : "");
	if (!await("</iq>"))
		finish();
	puts_(reply);
	if (strcmp(mode, "dripafter") == 0) {
		/* the client's ping (its barrier): answered, so it is online */
		if (!await("<iq") || !await("id='") ||
		    (end = strchr(in, '\'')) == NULL || end - in > 100)
			finish();
		snprintf(reply, sizeof(reply), "<iq type='result' id='%.*s'/>",
		    (int)(end - in), in);
		puts_(reply);
	}
	misbehave(mode);
	return 0;
}
