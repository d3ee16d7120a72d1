/*
 * bare: the floors xmpputils is measured against, written the plain way
 * a libstrophe 0.12 program is (examples/basic.c): no tuning at all.
 *
 *   bare send TO BODY      log in, send one chat message, disconnect
 *   bare flood TO N TAG    log in, write N pre-serialized messages (bodies
 *                          "TAG 1".."TAG N") in one go, wait for a ping's
 *                          answer, disconnect: how fast the server takes
 *                          them
 *   bare tls               only load OpenSSL and make one TLS context and
 *                          connection object, as every TLS client must:
 *                          the floor of peak RSS
 *   bare sink N TAG IDLE   log in, send presence, print "ready", count the
 *                          messages whose body starts with TAG until N, or
 *                          IDLE ms without one, then print
 *                          "COUNT FIRST_NS LAST_NS" (CLOCK_REALTIME)
 *   bare rtt TO N TAG      a bot's user: log in (no presence, so nothing
 *                          offline comes), send "TAG 1" to TO, wait for
 *                          a message whose body ends with it (the answer),
 *                          then "TAG 2"... N times, each given 10 s; print
 *                          "ANSWERED MEDIAN_MS MIN_MS MAX_MS TWICE" (TWICE:
 *                          answers that came more than once)
 *
 * The account, server and CA come from XMPP_JID, XMPP_PASSWORD,
 * BARE_HOST, BARE_PORT and BARE_CAFILE. TLS is required and verified.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>

#include <strophe.h>

static const char *mode, *to, *body, *tag;
static long n, idle_ms, count;
static long long first_ns, last_ns;
static int failed = 1;
static double *rtts;	/* rtt: each answer's time, ms */
static long asked;	/* rtt: the question out, 1..N */
static long twice;	/* rtt: answers that came again */
static long long asked_ns;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
on_ping_reply(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	(void)st;
	(void)arg;
	failed = 0;
	xmpp_disconnect(conn);
	return 0;
}

static void
flood(xmpp_conn_t *conn)
{
	size_t cap = (size_t)n * (strlen(to) + strlen(tag) + 96) + 256, len = 0;
	char *buf = malloc(cap);
	long i;

	if (buf == NULL)
		err(1, "malloc");
	for (i = 1; i <= n; i++)
		len += snprintf(buf + len, cap - len, "<message to='%s' "
		    "type='chat' id='f%ld'><body>%s %ld</body></message>",
		    to, i, tag, i);
	len += snprintf(buf + len, cap - len, "<iq type='get' id='barrier'>"
	    "<ping xmlns='urn:xmpp:ping'/></iq>");
	xmpp_id_handler_add(conn, on_ping_reply, "barrier", NULL);
	xmpp_send_raw(conn, buf, len);
	free(buf);
}

/* pings: N pre-serialized XEP-0199 pings in one write, answers counted */
static int
on_pong(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	const char *id = xmpp_stanza_get_id(st);

	(void)arg;
	if (id == NULL || id[0] != 'p')
		return 1;
	last_ns = now_ns();
	if (count == 0)
		first_ns = last_ns;
	if (++count == n) {
		failed = 0;
		xmpp_disconnect(conn);
	}
	return 1;
}

static void
pings(xmpp_conn_t *conn)
{
	size_t cap = (size_t)n * (strlen(to) + 96) + 256, len = 0;
	char *buf = malloc(cap);
	long i;

	if (buf == NULL)
		err(1, "malloc");
	for (i = 1; i <= n; i++)
		len += snprintf(buf + len, cap - len, "<iq type='get' to='%s' "
		    "id='p%ld'><ping xmlns='urn:xmpp:ping'/></iq>", to, i);
	xmpp_handler_add(conn, on_pong, NULL, "iq", "result", NULL);
	xmpp_send_raw(conn, buf, len);
	free(buf);
}

static int
on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	xmpp_stanza_t *b = xmpp_stanza_get_child_by_name(st, "body");
	char *text;
	int ours;

	(void)arg;
	if (b == NULL || (text = xmpp_stanza_get_text(b)) == NULL)
		return 1;
	ours = strncmp(text, tag, strlen(tag)) == 0;
	xmpp_free(xmpp_conn_get_context(conn), text);
	if (!ours)
		return 1;	/* left over from an earlier run */
	last_ns = now_ns();
	if (count++ == 0)
		first_ns = last_ns;
	if (count == n) {
		failed = 0;
		xmpp_disconnect(conn);
	}
	return 1;
}

static int
on_idle(xmpp_conn_t *conn, void *arg)
{
	(void)arg;
	if (count > 0 && (now_ns() - last_ns) / 1000000 >= idle_ms) {
		failed = 0;
		xmpp_disconnect(conn);
		return 0;
	}
	return 1;
}

/* rtt: the next question, or the end */
static void
ask(xmpp_conn_t *conn)
{
	xmpp_ctx_t *ctx = xmpp_conn_get_context(conn);
	xmpp_stanza_t *msg;
	char text[256];

	if (asked == n) {
		failed = count != n;
		xmpp_disconnect(conn);
		return;
	}
	snprintf(text, sizeof(text), "%s %ld", tag, ++asked);
	msg = xmpp_message_new(ctx, "chat", to, NULL);
	xmpp_message_set_body(msg, text);
	asked_ns = now_ns();
	xmpp_send(conn, msg);
	xmpp_stanza_release(msg);
}

static int
on_answer(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	xmpp_stanza_t *b = xmpp_stanza_get_child_by_name(st, "body");
	char *text, *at, *end;
	size_t tl = strlen(tag);
	long k = 0;

	(void)arg;
	if (b == NULL || (text = xmpp_stanza_get_text(b)) == NULL)
		return 1;
	/* "... TAG K": the answer to question K */
	for (at = text; (at = strstr(at, tag)) != NULL; at++)
		if (at[tl] == ' ') {
			k = strtol(at + tl + 1, &end, 10);
			if (*end != '\0')
				k = 0;
		}
	xmpp_free(xmpp_conn_get_context(conn), text);
	if (k >= 1 && k <= count)
		twice++;	/* answered already */
	if (k != asked || count == asked)
		return 1;	/* late, or another's */
	rtts[count++] = (now_ns() - asked_ns) / 1e6;
	ask(conn);
	return 1;
}

static int
on_rtt_tick(xmpp_conn_t *conn, void *arg)
{
	(void)arg;
	if (asked > 0 && now_ns() - asked_ns > 10000000000LL)
		ask(conn);	/* no answer: that one is lost */
	return 1;
}

static int
cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
rtt_report(void)
{
	qsort(rtts, count, sizeof(*rtts), cmp_ms);
	if (count == 0)
		printf("0 0 0 0 %ld\n", twice);
	else
		printf("%ld %.1f %.1f %.1f %ld\n", count, count % 2 ?
		    rtts[count / 2] : (rtts[count / 2 - 1] +
		    rtts[count / 2]) / 2, rtts[0], rtts[count - 1], twice);
}

static void
on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
    xmpp_stream_error_t *se, void *arg)
{
	xmpp_ctx_t *ctx = arg;
	xmpp_stanza_t *msg;

	if (ev != XMPP_CONN_CONNECT) {
		if (strcmp(mode, "rtt") == 0 && asked < n)
			warnx("rtt: the connection ended after %ld questions "
			    "(error %d%s%s)", asked, error, se && se->text ?
			    ": " : "", se && se->text ? se->text : "");
		xmpp_stop(ctx);
		return;
	}
	if (strcmp(mode, "send") == 0) {
		msg = xmpp_message_new(ctx, "chat", to, "bare1");
		xmpp_message_set_body(msg, body);
		xmpp_send(conn, msg);
		xmpp_stanza_release(msg);
		failed = 0;
		xmpp_disconnect(conn);
	} else if (strcmp(mode, "flood") == 0) {
		flood(conn);
	} else if (strcmp(mode, "pings") == 0) {
		pings(conn);
	} else if (strcmp(mode, "rtt") == 0) {
		xmpp_handler_add(conn, on_answer, NULL, "message", NULL, NULL);
		xmpp_timed_handler_add(conn, on_rtt_tick, 100, NULL);
		ask(conn);
	} else {
		xmpp_handler_add(conn, on_message, NULL, "message", NULL, NULL);
		xmpp_timed_handler_add(conn, on_idle, 50, NULL);
		xmpp_send_raw_string(conn, "<presence/>");
		printf("ready\n");
		fflush(stdout);
	}
}

int
main(int argc, char *argv[])
{
	const char *jid = getenv("XMPP_JID"), *pw = getenv("XMPP_PASSWORD");
	const char *host = getenv("BARE_HOST"), *port = getenv("BARE_PORT");
	const char *cafile = getenv("BARE_CAFILE");
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;

	if (argc == 3 && strcmp(argv[1], "stamp") == 0) {
		/* another client's output: count lines holding argv[2], and
		 * when the first and the last came, as sink does */
		char *line = NULL;
		size_t cap = 0;

		while (getline(&line, &cap, stdin) > 0)
			if (strstr(line, argv[2])) {
				last_ns = now_ns();
				if (count++ == 0)
					first_ns = last_ns;
			}
		printf("%ld %lld %lld\n", count, first_ns, last_ns);
		free(line);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "tls") == 0) {
		SSL_CTX *c = SSL_CTX_new(TLS_client_method());
		SSL *ssl = SSL_new(c);

		SSL_free(ssl);
		SSL_CTX_free(c);
		return 0;
	}
	if (argc < 4 || !jid || !pw || !host || !port)
		errx(64, "usage: bare send TO BODY | flood TO N TAG | "
		    "pings DOMAIN N | rtt TO N TAG | "
		    "sink N TAG IDLE_MS (with XMPP_JID, XMPP_PASSWORD, "
		    "BARE_HOST, BARE_PORT)");
	mode = argv[1];
	if (strcmp(mode, "send") == 0) {
		to = argv[2];
		body = argv[3];
	} else if (strcmp(mode, "flood") == 0 && argc == 5) {
		to = argv[2];
		n = atol(argv[3]);
		tag = argv[4];
	} else if (strcmp(mode, "pings") == 0 && argc == 4) {
		to = argv[2];
		n = atol(argv[3]);
	} else if (strcmp(mode, "rtt") == 0 && argc == 5) {
		to = argv[2];
		n = atol(argv[3]);
		tag = argv[4];
		if (n < 1 || (rtts = calloc(n, sizeof(*rtts))) == NULL)
			errx(64, "rtt: N must be a count");
		/* a connection cut under us is reported, not silent */
		signal(SIGPIPE, SIG_IGN);
	} else if (strcmp(mode, "sink") == 0 && argc == 5) {
		n = atol(argv[2]);
		tag = argv[3];
		idle_ms = atol(argv[4]);
	} else
		errx(64, "unknown mode %s, or wrong arguments", mode);

	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	conn = xmpp_conn_new(ctx);
	xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS);
	xmpp_conn_set_jid(conn, jid);
	xmpp_conn_set_pass(conn, pw);
	if (cafile)
		xmpp_conn_set_cafile(conn, cafile);
	if (xmpp_connect_client(conn, host, atoi(port), on_conn, ctx) != 0)
		errx(69, "cannot connect");
	xmpp_run(ctx);
	if (strcmp(mode, "sink") == 0 || strcmp(mode, "pings") == 0)
		printf("%ld %lld %lld\n", count, first_ns, last_ns);
	else if (strcmp(mode, "rtt") == 0)
		rtt_report();
	xmpp_conn_release(conn);
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	return failed;
}
