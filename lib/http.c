/*
 * http.c: HTTP transfers, over libcurl, trusted as the XMPP stream is.
 *
 * The same CAs as the login (the account's cafile or capath alone, else
 * the system's), its pin where it has one, and --insecure as the only
 * way to accept any certificate or a plain http: URL. A transfer fails
 * when it makes no progress for a stall's seconds (-T), never for
 * taking long. The proxy is the environment's, as curl(1) has it
 * (https_proxy, HTTPS_PROXY, no_proxy, NO_PROXY); HTTP/2 where the
 * server offers it.
 *
 * While a transfer runs, the session it serves (if any) is kept alive:
 * one loop polls curl's sockets and the stream's, so the server's
 * pings and acks are answered and a 50 MB upload does not starve the
 * login it belongs to. SIGINT and SIGTERM end a transfer as they end a
 * session's wait.
 */
#include <sys/select.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* its macros would call libcurl's symbols by name: lc's are called */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>

#include "xmpputils.h"

/* The largest response body kept for an error's reason. */
#define REASON_MAX 512

/* Above this, a transfer on a terminal gets a progress bar. */
#define BAR_MIN (1024 * 1024)

/* curl's sockets polled at once, past which they wait a turn. */
#define FDS_MAX 32

struct transfer {
	const struct http *h;
	const char *what;	/* names the transfer in messages */
	int upload;		/* a PUT; else a GET */
	int fd;			/* read from (PUT) or written to (GET) */
	uint64_t size;		/* a PUT's length */
	uint64_t done;		/* bytes read for a PUT, written by a GET */
	uint64_t max;		/* a GET's limit; 0: none */
	int read_errno;		/* a PUT's file failed */
	int short_read;		/* a PUT's file ended early */
	int too_big;		/* a GET went past max */
	int write_errno;	/* a GET's file failed */
	int interrupted;	/* SIGINT or SIGTERM */
	int stalled;		/* no byte moved for the stall's seconds */
	uint64_t moved;		/* bytes both ways, at moved_at */
	int64_t moved_at;	/* when a byte last moved */
	int max_timed_out;	/* longer than max_time */
	struct buf reason;	/* a PUT's response body, its start */
	int64_t bar_at;		/* the progress bar's last draw; 0: none */
	int64_t began;
};

/*
 * libcurl, loaded on the first transfer rather than linked: it brings
 * some 30 shared objects (HTTP/2, SSH, LDAP, Kerberos, RTMP, GnuTLS...)
 * that every tool would load at each start, a message or not: 4.5 MB
 * of RSS and 9 M instructions on xsend's 20 ms path, for nothing when
 * there is no file. Its SONAME is what Debian's libcurl4 (OpenSSL's)
 * provides, the library the headers are libcurl4-openssl-dev's.
 */
#define LIBCURL "libcurl.so.4"

static struct {
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_cleanup) *multi_cleanup;
	__typeof__(curl_multi_fdset) *multi_fdset;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_perform) *multi_perform;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_timeout) *multi_timeout;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} lc;

static void
http_cleanup(void)
{
	lc.global_cleanup();
}

/* Loads libcurl once: NULL, or why it could not be (static). */
static const char *
http_init(void)
{
	static int done;
	static char why[512];
	void *h;

	if (done++)
		return *why ? why : NULL;
	if ((h = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, sizeof(why), "%s: files need libcurl (Debian's "
		    "libcurl4)", dlerror());
		return why;
	}
#define SYM(f) \
	if ((*(void **)&lc.f = dlsym(h, "curl_" #f)) == NULL) \
		goto missing
	SYM(easy_cleanup); SYM(easy_getinfo); SYM(easy_init);
	SYM(easy_setopt); SYM(easy_strerror); SYM(global_cleanup);
	SYM(global_init); SYM(multi_add_handle); SYM(multi_cleanup);
	SYM(multi_fdset); SYM(multi_info_read); SYM(multi_init);
	SYM(multi_perform); SYM(multi_remove_handle); SYM(multi_timeout);
	SYM(slist_append); SYM(slist_free_all);
#undef SYM
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(EX_SOFTWARE, "libcurl: could not initialise");
	atexit(http_cleanup);
	return NULL;
missing:
	snprintf(why, sizeof(why), "%s: %s", LIBCURL, dlerror());
	return why;
}

const char *
http_url_check(const char *url, int insecure)
{
	if (strncasecmp(url, "https://", 8) == 0)
		return url[8] ? NULL : "no host";
	if (strncasecmp(url, "http://", 7) == 0)
		return insecure ? NULL : "plain http, not https (only with "
		    "--insecure)";
	return "not an https URL";
}

/* ---- what the user sees */

static void
human(char *out, size_t len, double bytes)
{
	const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;

	while (bytes >= 1000 && i < 4) {
		bytes /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.1f %s" : "%.0f %s", bytes, unit[i]);
}

/* One line on stderr, drawn again in place: bytes, rate, time left. */
static void
bar_draw(struct transfer *t, uint64_t now, uint64_t total, int last)
{
	char done[16], all[16], rate[16], eta[16] = "";
	double secs = (now_ms() - t->began) / 1000.0;
	double bps = secs > 0 ? now / secs : 0;
	uint64_t left;

	human(done, sizeof(done), now);
	human(all, sizeof(all), total);
	human(rate, sizeof(rate), bps);
	if (!last && bps > 0 && total > now) {
		left = (total - now) / bps;
		snprintf(eta, sizeof(eta), " ETA %u:%02u", (unsigned)(left /
		    60), (unsigned)(left % 60));
	}
	fprintf(stderr, "\r%s: %s / %s %3u%% %s/s%s\033[K%s", t->what, done,
	    all, total ? (unsigned)(now * 100 / total) : 100, rate, eta,
	    last ? "\n" : "");
	fflush(stderr);
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct transfer *t = arg;
	uint64_t total = t->upload ? (uint64_t)ultotal : (uint64_t)dltotal;
	uint64_t now = t->upload ? (uint64_t)ulnow : (uint64_t)dlnow;

	if (t->interrupted)
		return 1;	/* abort */
	/*
	 * The stall clock is ours: curl's low-speed check averages the
	 * rate over seconds past, and would fail a dead link seconds late.
	 */
	if ((uint64_t)(dlnow + ulnow) != t->moved) {
		t->moved = dlnow + ulnow;
		t->moved_at = now_ms();
	} else if (now_ms() - t->moved_at >= t->h->stall * 1000LL) {
		t->stalled = 1;
		return 1;
	}
	if (t->h->max_time && now_ms() - t->began >= t->h->max_time *
	    1000LL) {
		t->max_timed_out = 1;
		return 1;
	}
	if (!t->h->progress || total <= BAR_MIN)
		return 0;
	if (t->bar_at == 0 || now_ms() - t->bar_at >= 200) {
		t->bar_at = now_ms();
		bar_draw(t, now, total, 0);
	}
	return 0;
}

/*
 * -vv: the request's and the response's headers, less what authorises:
 * an upload slot's Authorization and Cookie are as good as a password
 * for the slot, and a Set-Cookie for whatever it is for.
 */
static int
on_debug(CURL *c, curl_infotype type, char *data, size_t len, void *arg)
{
	static const char *secret[] = { "authorization:", "cookie:",
	    "proxy-authorization:", "set-cookie:" };
	struct transfer *t = arg;
	struct buf b = { 0 };
	const char *p = data, *end = data + len, *nl, *q, *sp;
	size_t i, n;

	(void)c;
	if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN)
		return 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end - 1;
		n = nl - p + 1;
		while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		b.len = 0;
		for (i = 0; i < sizeof(secret) / sizeof(*secret); i++)
			if (n >= strlen(secret[i]) &&
			    strncasecmp(p, secret[i], strlen(secret[i])) == 0)
				break;
		if (i < sizeof(secret) / sizeof(*secret)) {
			buf_add(&b, p, strlen(secret[i]));
			buf_adds(&b, " [redacted]");
		} else if (type == CURLINFO_HEADER_OUT &&
		    (q = memchr(p, '?', n)) != NULL &&
		    (sp = memrchr(p, ' ', n)) != NULL && sp > q) {
			/* the request line: its query may hold a signature */
			text_escape(&b, p, q - p);
			buf_adds(&b, "?[redacted]");
			text_escape(&b, sp, p + n - sp);
		} else
			text_escape(&b, p, n);
		fprintf(stderr, "%s: %s %s %s\n", getprogname(), t->what,
		    type == CURLINFO_HEADER_OUT ? ">" : "<", buf_str(&b));
	}
	buf_free(&b);
	return 0;
}

/* ---- the bytes */

/* A PUT's body: exactly size bytes of the file, or the transfer fails. */
static size_t
on_read(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t want = size * n;
	ssize_t got;

	if (want > t->size - t->done)
		want = t->size - t->done;
	if (want == 0)
		return 0;
	do
		got = read(t->fd, p, want);
	while (got == -1 && errno == EINTR);
	if (got < 0) {
		t->read_errno = errno;
		return CURL_READFUNC_ABORT;
	}
	if (got == 0) {
		t->short_read = 1;
		return CURL_READFUNC_ABORT;
	}
	t->done += got;
	return got;
}

/* A PUT's response: its start, for the reason an error gives. */
static size_t
on_reason(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->reason.len < REASON_MAX)
		buf_add(&t->reason, p, len < REASON_MAX - t->reason.len ?
		    len : REASON_MAX - t->reason.len);
	return len;
}

/* A GET's body, into the file, up to max. */
static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->max && t->done + len > t->max) {
		t->too_big = 1;
		return 0;
	}
	if (write_all(t->fd, p, len) == -1) {
		t->write_errno = errno;
		return 0;
	}
	t->done += len;
	return len;
}

/* ---- one transfer */

static CURL *
easy_new(struct transfer *t, const char *url, char *errbuf)
{
	const struct http *h = t->h;
	CURL *c;

	if ((c = lc.easy_init()) == NULL)
		errx(EX_OSERR, "libcurl: out of memory");
	lc.easy_setopt(c, CURLOPT_URL, url);
	lc.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	lc.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(c, CURLOPT_USERAGENT, "xmpputils/" XU_VERSION);
	lc.easy_setopt(c, CURLOPT_PROTOCOLS_STR, h->insecure ?
	    "http,https" : "https");
	lc.easy_setopt(c, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	/*
	 * -T bounds a stall, not the transfer: a big file may take long
	 * (on_progress keeps that clock); the connect is a stall too
	 */
	lc.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)h->stall);
	if (h->insecure) {
		lc.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		lc.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->pin) {
		/* the key stands for the CA, as in the login */
		lc.easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin);
		lc.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		lc.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (h->cafile || h->capath) {
		/* these alone: not also the system's, as curl would */
		lc.easy_setopt(c, CURLOPT_CAINFO, h->cafile);
		lc.easy_setopt(c, CURLOPT_CAPATH, h->capath);
	}
	lc.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	lc.easy_setopt(c, CURLOPT_XFERINFODATA, t);
	lc.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (h->verbose >= 2) {
		lc.easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
		lc.easy_setopt(c, CURLOPT_DEBUGDATA, t);
		lc.easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	return c;
}

/*
 * curl's sockets and the session's stream, in one ppoll that SIGINT
 * and SIGTERM end (one that came while curl worked is let in there, at
 * once); at most wait_ms.
 */
static void
wait_both(CURLM *m, struct session *s, long wait_ms)
{
	struct pollfd pfd[1 + FDS_MAX];
	fd_set r, w, x;
	struct timespec ts;
	sigset_t unblocked;
	int maxfd = -1, fd, n = 1, t = -1;

	pfd[0].fd = -1;
	pfd[0].events = pfd[0].revents = 0;
	if (s)		/* a failed one: fd -1, and left alone */
		session_poll_prepare(s, &pfd[0], &t);
	if (t >= 0 && t < wait_ms)
		wait_ms = t;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	lc.multi_fdset(m, &r, &w, &x, &maxfd);
	for (fd = 0; fd <= maxfd && n < 1 + FDS_MAX; fd++) {
		if (!FD_ISSET(fd, &r) && !FD_ISSET(fd, &w) &&
		    !FD_ISSET(fd, &x))
			continue;
		pfd[n].fd = fd;
		pfd[n].events = (FD_ISSET(fd, &r) ? POLLIN : 0) |
		    (FD_ISSET(fd, &w) ? POLLOUT : 0);
		pfd[n++].revents = 0;
	}
	if (maxfd == -1 && wait_ms > 50)
		wait_ms = 50;	/* curl waits on something it does not show */
	ts.tv_sec = wait_ms / 1000;
	ts.tv_nsec = (wait_ms % 1000) * 1000000L;
	signals_wait_mask(&unblocked);
	if (ppoll(pfd, n, &ts, &unblocked) == -1)
		pfd[0].revents = 0;
	if (s && pfd[0].fd >= 0)
		session_poll_done(s, &pfd[0]);
}

/* Runs the transfer to its end; curl's result. */
static CURLcode
run(struct transfer *t, CURL *c)
{
	CURLM *m = lc.multi_init();
	CURLMsg *msg;
	CURLcode rc = CURLE_OK;
	long wait_ms;
	int running = 1, left;

	if (m == NULL)
		errx(EX_OSERR, "libcurl: out of memory");
	lc.multi_add_handle(m, c);
	while (running) {
		if (lc.multi_perform(m, &running) != CURLM_OK)
			break;
		if (!running)
			break;
		lc.multi_timeout(m, &wait_ms);
		if (wait_ms < 0 || wait_ms > 200)
			wait_ms = 200;
		wait_both(m, t->h->keep, wait_ms);
		if (signals_interrupted())
			t->interrupted = 1;
	}
	while ((msg = lc.multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			rc = msg->data.result;
	lc.multi_remove_handle(m, c);
	lc.multi_cleanup(m);
	return rc;
}

/* The first line of a response's body, fit for stderr ("" if none). */
static const char *
reason(struct transfer *t, struct buf *shown)
{
	size_t n = strcspn(buf_str(&t->reason), "\r\n");

	shown->len = 0;
	if (n == 0)
		return "";
	buf_adds(shown, ": ");
	text_escape(shown, t->reason.p, n);
	return buf_str(shown);
}

/* Says why a transfer failed, and keeps it where the caller asked. */
static void
failed(const struct http *h, const char *what, const char *why)
{
	warnx("%s: %s", what, why);
	if (h->why) {
		h->why->len = 0;
		buf_adds(h->why, why);
	}
}

/*
 * Whether a failure to connect may be the proxy's: one is set (curl
 * tells neither which it tried nor whether no_proxy spared the host).
 */
static int
proxied(CURLcode rc)
{
	static const char *vars[] = { "https_proxy", "HTTPS_PROXY",
	    "http_proxy", "all_proxy", "ALL_PROXY" };
	size_t i;

	if (rc == CURLE_COULDNT_RESOLVE_PROXY)
		return 1;
	if (rc != CURLE_COULDNT_CONNECT && rc != CURLE_RECV_ERROR &&
	    rc != CURLE_SEND_ERROR)
		return 0;
	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			return 1;
	return 0;
}

/* An HTTP status that says the server (or one before it) is away for
 * now, or asks us to come back later. */
static int
away(long status)
{
	return status == 429 || status == 502 || status == 503 ||
	    status == 504;
}

/*
 * What became of the transfer, said if it failed: EX_OK; 75 for a
 * stall, a signal, a host not reached, a connection cut, or a server
 * (or proxy) that says it is away (429, 502, 503, 504); 74 for our own
 * file; 69 for the server's refusal.
 */
static int
outcome(struct transfer *t, CURL *c, CURLcode rc, const char *errbuf,
    long want_lo, long want_hi)
{
	struct buf shown = { 0 }, why = { 0 };
	long status = 0, connect = 0;
	int ret = EX_UNAVAILABLE;

	lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	lc.easy_getinfo(c, CURLINFO_HTTP_CONNECTCODE, &connect);
	if (t->bar_at)
		bar_draw(t, t->done, t->upload ? t->size : t->done, 1);
	if (t->interrupted) {
		buf_adds(&why, "interrupted");
		ret = EX_TEMPFAIL;
	} else if (t->read_errno) {
		buf_adds(&why, strerror(t->read_errno));
		ret = EX_IOERR;
	} else if (t->short_read) {
		buf_printf(&why, "the file shrank while it was sent (%llu of "
		    "%llu bytes)", (unsigned long long)t->done,
		    (unsigned long long)t->size);
		ret = EX_IOERR;
	} else if (t->write_errno) {
		buf_adds(&why, strerror(t->write_errno));
		ret = EX_IOERR;
	} else if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		buf_printf(&why, "larger than %llu bytes",
		    (unsigned long long)t->max);
		ret = EX_DATAERR;
	} else if (t->stalled || rc == CURLE_OPERATION_TIMEDOUT) {
		buf_printf(&why, "no progress for %d s", t->h->stall);
		ret = EX_TEMPFAIL;
	} else if (t->max_timed_out) {
		buf_printf(&why, "not done within %d s", t->h->max_time);
		ret = EX_TEMPFAIL;
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL && !t->upload)
		buf_adds(&why, "redirected to a URL that is not https "
		    "(refused without --insecure)");
	else if (rc == CURLE_URL_MALFORMAT)
		buf_adds(&why, "a malformed URL");
	else if (rc != CURLE_OK) {
		/* curl's words may quote the server (a redirect's URL) */
		text_escape(&why, *errbuf ? errbuf : lc.easy_strerror(rc),
		    strlen(*errbuf ? errbuf : lc.easy_strerror(rc)));
		if (proxied(rc))
			buf_adds(&why, " (through the proxy the environment "
			    "names)");
		/*
		 * A host not reached, a connection cut, a proxy that could
		 * not reach it: all may pass (--queue keeps the file).
		 */
		if (rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_COULDNT_RESOLVE_PROXY ||
		    rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR ||
		    rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
		    rc == CURLE_PARTIAL_FILE || away(connect))
			ret = EX_TEMPFAIL;
	} else if (status >= 300 && status < 400)
		buf_printf(&why, "HTTP %ld: redirected, and an upload is not "
		    "sent elsewhere", status);
	else if (status < want_lo || status > want_hi) {
		buf_printf(&why, "HTTP %ld%s", status, reason(t, &shown));
		if (away(status))
			ret = EX_TEMPFAIL;
	} else
		ret = EX_OK;
	if (ret != EX_OK)
		failed(t->h, t->what, buf_str(&why));
	buf_free(&shown);
	buf_free(&why);
	return ret;
}

int
http_put(const struct http *h, const char *what, const char *url, int fd,
    uint64_t size, const char *type, char *const headers[], int nheaders)
{
	struct transfer t = { .h = h, .what = what, .upload = 1, .fd = fd,
	    .size = size, .began = now_ms(), .moved_at = now_ms() };
	struct curl_slist *hl = NULL;
	struct buf line = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *why;
	CURL *c;
	CURLcode rc;
	int i, ret;

	if ((why = http_url_check(url, h->insecure)) != NULL ||
	    (why = http_init()) != NULL) {
		failed(h, what, why);
		return EX_UNAVAILABLE;
	}
	c = easy_new(&t, url, errbuf);
	lc.easy_setopt(c, CURLOPT_UPLOAD, 1L);
	lc.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	lc.easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	lc.easy_setopt(c, CURLOPT_READDATA, &t);
	lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reason);
	lc.easy_setopt(c, CURLOPT_WRITEDATA, &t);
	lc.easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
	/* never to another place, which the slot did not name */
	lc.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	buf_printf(&line, "Content-Type: %s", type);
	hl = lc.slist_append(hl, buf_str(&line));
	/* a server that wants 100-continue gets the body at once */
	hl = lc.slist_append(hl, "Expect:");
	for (i = 0; i < nheaders; i++)
		hl = lc.slist_append(hl, headers[i]);
	lc.easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	rc = run(&t, c);
	ret = outcome(&t, c, rc, errbuf, 200, 299);
	lc.slist_free_all(hl);
	lc.easy_cleanup(c);
	buf_free(&line);
	buf_free(&t.reason);
	return ret;
}

int
http_get(const struct http *h, const char *what, const char *url, int fd,
    uint64_t max, uint64_t *got)
{
	struct transfer t = { .h = h, .what = what, .fd = fd, .max = max,
	    .began = now_ms(), .moved_at = now_ms() };
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *why;
	CURL *c;
	CURLcode rc;
	int ret;

	*got = 0;
	if ((why = http_url_check(url, h->insecure)) != NULL ||
	    (why = http_init()) != NULL) {
		failed(h, what, why);
		return EX_UNAVAILABLE;
	}
	c = easy_new(&t, url, errbuf);
	lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	lc.easy_setopt(c, CURLOPT_WRITEDATA, &t);
	lc.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	lc.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	lc.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	lc.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, h->insecure ?
	    "http,https" : "https");
	if (max)
		lc.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)max);
	rc = run(&t, c);
	ret = outcome(&t, c, rc, errbuf, 200, 200);
	*got = t.done;
	lc.easy_cleanup(c);
	buf_free(&t.reason);
	return ret;
}
