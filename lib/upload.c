/*
 * upload.c: files sent as XEP-0363 (HTTP File Upload) has them: the
 * account's server names an upload service, which hands out a slot for
 * each file (a URL to PUT it to, with the headers that authorise it,
 * and the URL it can then be got from); the message that shares it
 * carries that URL as its body and in an XEP-0066 <x xmlns='jabber:x:
 * oob'/>, which is what clients show inline.
 *
 * A file is opened, and stdin copied aside, before any login: a file
 * that cannot be read fails the tool before anything is sent, and the
 * size the slot asks for is the size sent (a file that shrinks in
 * between fails the PUT; one that grows is sent as it was).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "xmpputils.h"
#include "stanza.h"

#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_DATA "jabber:x:data"

/* The longest name a service is told (a file system's NAME_MAX). */
#define NAME_MAX_LEN 255

/* The longest URL taken from a slot: it goes into a message's body. */
#define URL_MAX 4096

/*
 * The most of a pipe kept aside to learn its size: more than any upload
 * service takes, and not enough to fill a tmpfs /tmp with /dev/zero.
 */
#define SPOOL_MAX (1024ULL * 1024 * 1024)

/* Of a server's disco#items, how many are asked whether they upload. */
#define ITEMS_MAX 32

/* ---- the file */

/*
 * What clients show inline, by the name's extension. Never a type a
 * browser would run on the upload host's origin (HTML, SVG): those go
 * as bytes.
 */
const char *
attachment_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "txt", "text/plain; charset=utf-8" },
		{ "log", "text/plain; charset=utf-8" },
		{ "csv", "text/csv; charset=utf-8" },
		{ "md", "text/markdown; charset=utf-8" },
		{ "json", "application/json" },
		{ "xml", "application/xml" },
		{ "pdf", "application/pdf" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "mp3", "audio/mpeg" },
		{ "ogg", "audio/ogg" },
		{ "opus", "audio/ogg" },
		{ "m4a", "audio/mp4" },
		{ "mp4", "video/mp4" },
		{ "webm", "video/webm" },
		{ "gz", "application/gzip" },
		{ "tgz", "application/gzip" },
		{ "zst", "application/zstd" },
		{ "xz", "application/x-xz" },
		{ "zip", "application/zip" },
		{ "tar", "application/x-tar" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot && dot != name)
		for (i = 0; i < sizeof(types) / sizeof(*types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

const char *
attachment_name_check(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "empty";
	if (len > NAME_MAX_LEN)
		return "longer than 255 bytes";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "not a file's name";
	if (strchr(name, '/'))
		return "has a '/'";
	if (!text_plain(name, len))
		return "not UTF-8 text without control or bidirectional "
		    "characters";
	return NULL;
}

/*
 * A copy of what fd gives, in a file of our own that no name reaches:
 * its size is then known, as a slot request needs.
 */
static int
spool(struct attachment *a, int in, const char *what)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], chunk[65536];
	ssize_t n;
	int fd;

	if (dir == NULL || *dir != '/')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 && (errno == EOPNOTSUPP || errno == EISDIR ||
	    errno == EINVAL)) {
		snprintf(path, sizeof(path), "%s/xsend.XXXXXX", dir);
		if ((fd = mkostemp(path, O_CLOEXEC)) != -1)
			unlink(path);
	}
	if (fd == -1) {
		warn("%s: a temporary file in %s", what, dir);
		return EX_CANTCREAT;
	}
	while ((n = read_by(in, chunk, sizeof(chunk), 0)) != 0) {
		if (n < 0 && errno == EINTR)
			return close(fd), interrupted_nothing_sent();
		if (n < 0 && errno == EAGAIN)
			continue;	/* a FIFO's writer not there yet */
		if (n < 0) {
			warn("%s", what);
			return close(fd), EX_NOINPUT;
		}
		if (a->size + n > SPOOL_MAX) {
			warnx("%s: more than %llu bytes: not kept aside to be "
			    "sent (attach a file instead)", what, SPOOL_MAX);
			return close(fd), EX_DATAERR;
		}
		if (write_all(fd, chunk, n) == -1) {
			warn("%s: copying it into %s", what, dir);
			return close(fd), EX_IOERR;
		}
		a->size += n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		warn("%s: lseek", what);
		return close(fd), EX_IOERR;
	}
	a->fd = fd;
	return EX_OK;
}

int
attachment_open(struct attachment *a, const char *path, const char *name)
{
	struct buf shown = { 0 };
	const char *base, *why;
	struct stat st;
	int fd, rc = EX_OK, named = 1;

	*a = (struct attachment){ .fd = -1 };
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (name == NULL)
		named = 0, name = strcmp(path, "-") == 0 ? "stdin" : base;
	if ((why = attachment_name_check(name)) != NULL) {
		warnx("attachment name %s: %s%s", text_shown(&shown, name),
		    why, named ? "" : " (name it with --attach-name)");
		buf_free(&shown);
		return EX_DATAERR;
	}
	buf_free(&shown);
	a->name = xstrdup(name);
	a->type = attachment_type(name);
	if (strcmp(path, "-") == 0)
		return spool(a, STDIN_FILENO, "stdin");
	text_shown(&shown, path);	/* said as typed, escaped */
	/*
	 * Not blocking: a FIFO with no writer would hold the open, and
	 * signals with it; spool's reads wait for one as a signal allows.
	 */
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)) ==
	    -1 || fstat(fd, &st) == -1) {
		warn("%s", buf_str(&shown));
		if (fd != -1)
			close(fd);
		rc = EX_NOINPUT;
	} else if (S_ISDIR(st.st_mode)) {
		warnx("%s: a directory, not a file", buf_str(&shown));
		close(fd);
		rc = EX_NOINPUT;
	} else if (S_ISREG(st.st_mode)) {
		a->fd = fd;
		a->size = st.st_size;
	} else {
		/* a pipe, a FIFO, a device: as stdin, its size known once read */
		rc = spool(a, fd, buf_str(&shown));
		close(fd);
	}
	buf_free(&shown);
	return rc;
}

void
attachment_free(struct attachment *a)
{
	if (a->fd != -1)
		close(a->fd);
	free(a->name);
	free(a->url);
	*a = (struct attachment){ .fd = -1 };
}

/* ---- the service */

struct answers {
	int n, got;
	xmpp_stanza_t *reply[ITEMS_MAX + 1];
	char *id[ITEMS_MAX + 1];
	char done[ITEMS_MAX + 1];
};

struct answer {
	struct answers *all;
	int i;
};

static void
answered(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct answer *a = arg;

	(void)s;
	a->all->got++;
	a->all->reply[a->i] = reply ? xmpp_stanza_clone(reply) : NULL;
	a->all->done[a->i] = 1;
}

/* Every answer in, or a signal: the user need not wait for -T. */
static int
all_answered(struct session *s, void *arg)
{
	(void)s;
	return ((struct answers *)arg)->got == ((struct answers *)arg)->n ||
	    signals_interrupted();
}

/* Asks each of to[] for child at once, and waits for every answer. */
static int
ask_all(struct session *s, char *const to[], int n, const char *child,
    const char *what, struct answers *all, struct answer *slot)
{
	int i, rc;

	*all = (struct answers){ .n = n };
	for (i = 0; i < n; i++) {
		slot[i] = (struct answer){ .all = all, .i = i };
		all->id[i] = xstrdup(iq_send(s, "get", to[i], child, answered,
		    &slot[i]));
	}
	rc = session_until(s, all_answered, all, what);
	if (rc == EX_OK && all->got < n) {
		warnx("interrupted while waiting for %s", what);
		rc = EX_TEMPFAIL;
	}
	for (i = 0; i < n; i++) {
		if (!all->done[i])	/* slot[] is going: no answer for it */
			iq_cancel(s, all->id[i]);
		free(all->id[i]);
	}
	return rc;
}

static void
answers_free(struct answers *all)
{
	int i;

	for (i = 0; i < all->n; i++)
		if (all->reply[i])
			xmpp_stanza_release(all->reply[i]);
}

static int
is_result(xmpp_stanza_t *reply)
{
	const char *type = reply ? xmpp_stanza_get_type(reply) : NULL;

	return type && strcmp(type, "result") == 0;
}

/* The value of field var in the form of form_type under query. */
static const char *
form_field(xmpp_stanza_t *query, const char *form_type, const char *var)
{
	xmpp_stanza_t *x, *f, *v, *t;
	const char *type = NULL, *value = NULL, *name;

	for (x = xmpp_stanza_get_children(query); x;
	    x = xmpp_stanza_get_next(x)) {
		if (!xmpp_stanza_is_tag(x) || strcmp(xmpp_stanza_get_name(x),
		    "x") || xmpp_stanza_get_ns(x) == NULL ||
		    strcmp(xmpp_stanza_get_ns(x), NS_DATA))
			continue;
		type = value = NULL;
		for (f = xmpp_stanza_get_children(x); f;
		    f = xmpp_stanza_get_next(f)) {
			if (!xmpp_stanza_is_tag(f) || (name =
			    xmpp_stanza_get_attribute(f, "var")) == NULL)
				continue;
			v = xmpp_stanza_get_child_by_name(f, "value");
			t = v ? xmpp_stanza_get_children(v) : NULL;
			if (t == NULL || !xmpp_stanza_is_text(t))
				continue;
			if (strcmp(name, "FORM_TYPE") == 0)
				type = xmpp_stanza_get_text_ptr(t);
			else if (strcmp(name, var) == 0)
				value = xmpp_stanza_get_text_ptr(t);
		}
		if (type && strcmp(type, form_type) == 0)
			return value;
	}
	return NULL;
}

/* Whether a disco#info answer says it uploads; its limit, if any. */
static int
uploads(xmpp_stanza_t *reply, uint64_t *max)
{
	xmpp_stanza_t *q, *f;
	const char *var, *size, *errstr;
	int yes = 0;

	*max = 0;
	if (!is_result(reply) || (q = xmpp_stanza_get_child_by_name_and_ns(
	    reply, "query", NS_DISCO_INFO)) == NULL)
		return 0;
	for (f = xmpp_stanza_get_children(q); f; f = xmpp_stanza_get_next(f))
		if (xmpp_stanza_is_tag(f) &&
		    strcmp(xmpp_stanza_get_name(f), "feature") == 0 &&
		    (var = xmpp_stanza_get_attribute(f, "var")) != NULL &&
		    strcmp(var, NS_UPLOAD) == 0)
			yes = 1;
	if (yes && (size = form_field(q, NS_UPLOAD, "max-file-size")) !=
	    NULL) {
		*max = strtonum(size, 1, LLONG_MAX, &errstr);
		if (errstr)
			*max = 0;	/* not a limit we can read: none */
	}
	return yes;
}

/* The JIDs of the domain's items (and the domain itself, first). */
static int
candidates(xmpp_stanza_t *items, const char *domain, char *to[])
{
	xmpp_stanza_t *q, *it;
	const char *jid;
	int n = 0;

	to[n++] = (char *)domain;
	if (!is_result(items) || (q = xmpp_stanza_get_child_by_name_and_ns(
	    items, "query", NS_DISCO_ITEMS)) == NULL)
		return n;
	for (it = xmpp_stanza_get_children(q); it && n <= ITEMS_MAX;
	    it = xmpp_stanza_get_next(it))
		if (xmpp_stanza_is_tag(it) &&
		    strcmp(xmpp_stanza_get_name(it), "item") == 0 &&
		    xmpp_stanza_get_attribute(it, "node") == NULL &&
		    (jid = xmpp_stanza_get_attribute(it, "jid")) != NULL &&
		    jid_check(jid) == NULL && strcmp(jid, domain) != 0 &&
		    text_plain(jid, strlen(jid)))	/* shown as it is */
			to[n++] = (char *)jid;
	return n;
}

int
upload_find(struct session *s, struct upload_service *svc)
{
	struct answers items, infos;
	struct answer slot[ITEMS_MAX + 1];
	char *domain = (char *)session_domain(s), *to[ITEMS_MAX + 1];
	struct buf shown = { 0 };
	int i, n, rc;

	*svc = (struct upload_service){ 0 };
	rc = ask_all(s, &domain, 1, "<query xmlns='" NS_DISCO_ITEMS "'/>",
	    "the server's services", &items, slot);
	n = rc == EX_OK ? candidates(items.reply[0], domain, to) : 0;
	if (rc == EX_OK)
		rc = ask_all(s, to, n, "<query xmlns='" NS_DISCO_INFO "'/>",
		    "the server's services", &infos, slot);
	for (i = 0; rc == EX_OK && i < n; i++)
		if (uploads(infos.reply[i], &svc->max_size)) {
			svc->jid = xstrdup(to[i]);
			break;
		}
	if (rc == EX_OK && svc->jid == NULL) {
		warnx("%s offers no HTTP File Upload service (XEP-0363): "
		    "no file can be sent through it",
		    text_shown(&shown, domain));
		rc = EX_UNAVAILABLE;
	}
	if (n > 0)
		answers_free(&infos);
	answers_free(&items);
	buf_free(&shown);
	return rc;
}

void
upload_service_free(struct upload_service *svc)
{
	free(svc->jid);
	*svc = (struct upload_service){ 0 };
}

/* ---- the slot */

/* A header the service may set: XEP-0363 allows three, on one line. */
static int
header_add(struct upload_slot *slot, xmpp_stanza_t *h)
{
	static const char *allowed[] = { "Authorization", "Cookie",
	    "Expires" };
	const char *name = xmpp_stanza_get_attribute(h, "name");
	struct buf b = { 0 };
	char *value;
	size_t i;

	for (i = 0; name && i < 3; i++)
		if (strcasecmp(name, allowed[i]) == 0)
			break;
	if (name == NULL || i == 3 || slot->nheaders == 3)
		return 1;	/* others are ignored, as the XEP says */
	value = xmpp_stanza_get_text(h);
	buf_printf(&b, "%s: ", allowed[i]);
	for (i = 0; value && value[i]; i++)
		if (value[i] != '\r' && value[i] != '\n')
			buf_addc(&b, value[i]);
	if (value)
		xmpp_free(xmpp_stanza_get_context(h), value);
	slot->headers[slot->nheaders++] = xstrdup(buf_str(&b));
	buf_free(&b);
	return 1;
}

const char *
upload_slot_parse(xmpp_stanza_t *st, int insecure, struct upload_slot *slot)
{
	xmpp_stanza_t *put, *get, *h;
	const char *why;

	*slot = (struct upload_slot){ 0 };
	if (st == NULL || strcmp(xmpp_stanza_get_name(st), "slot") ||
	    xmpp_stanza_get_ns(st) == NULL ||
	    strcmp(xmpp_stanza_get_ns(st), NS_UPLOAD))
		return "no slot in the answer";
	put = xmpp_stanza_get_child_by_name(st, "put");
	get = xmpp_stanza_get_child_by_name(st, "get");
	if (put == NULL || get == NULL ||
	    xmpp_stanza_get_attribute(put, "url") == NULL ||
	    xmpp_stanza_get_attribute(get, "url") == NULL)
		return "a slot without its put and get URLs";
	slot->put = xstrdup(xmpp_stanza_get_attribute(put, "url"));
	slot->get = xstrdup(xmpp_stanza_get_attribute(get, "url"));
	if (strlen(slot->put) > URL_MAX || strlen(slot->get) > URL_MAX) {
		upload_slot_free(slot);
		return "a slot with a URL longer than 4096 bytes";
	}
	if ((why = http_url_check(slot->put, insecure)) != NULL ||
	    (why = http_url_check(slot->get, insecure)) != NULL ||
	    !text_plain(slot->get, strlen(slot->get)) ||
	    strchr(slot->get, ' ') != NULL) {
		upload_slot_free(slot);
		return why && strncmp(why, "plain http", 10) == 0 ?
		    "a slot with a plain http URL (refused without "
		    "--insecure)" : "a slot with a URL that is not one";
	}
	for (h = xmpp_stanza_get_children(put); h; h = xmpp_stanza_get_next(h))
		if (xmpp_stanza_is_tag(h) &&
		    strcmp(xmpp_stanza_get_name(h), "header") == 0)
			header_add(slot, h);
	return NULL;
}

void
upload_slot_free(struct upload_slot *slot)
{
	int i;

	free(slot->put);
	free(slot->get);
	for (i = 0; i < slot->nheaders; i++)
		free(slot->headers[i]);
	*slot = (struct upload_slot){ 0 };
}

/* "too large, at most N bytes": the XEP's <file-too-large/>, if said. */
static void
too_large(xmpp_stanza_t *reply, struct buf *b)
{
	xmpp_stanza_t *e, *f;
	const char *max;

	e = xmpp_stanza_get_child_by_name(reply, "error");
	f = e ? xmpp_stanza_get_child_by_name_and_ns(e, "file-too-large",
	    NS_UPLOAD) : NULL;
	if (f == NULL)
		return;
	max = stanza_child_text(f, "max-file-size", NULL);
	buf_adds(b, ": the file is too large");
	if (max && max[strspn(max, "0123456789")] == '\0' && *max)
		buf_printf(b, " (at most %s bytes)", max);
}

static int
ask_slot(struct session *s, const struct upload_service *svc,
    const struct http *h, struct attachment *a, struct upload_slot *slot)
{
	struct buf req = { 0 }, why = { 0 }, what = { 0 };
	struct answers all;
	struct answer one;
	xmpp_stanza_t *reply;
	char *to = svc->jid;
	const char *bad;
	int rc;

	buf_adds(&req, "<request xmlns='" NS_UPLOAD "' filename='");
	xml_escape(&req, a->name, strlen(a->name));
	buf_printf(&req, "' size='%" PRIu64 "' content-type='", a->size);
	xml_escape(&req, a->type, strlen(a->type));
	buf_adds(&req, "'/>");
	buf_printf(&what, "a slot for %s", a->name);
	rc = ask_all(s, &to, 1, buf_str(&req), buf_str(&what), &all, &one);
	buf_free(&req);
	buf_free(&what);
	if (rc == EX_OK && (reply = all.reply[0]) == NULL) {
		warnx("%s: the request for a slot was lost with the "
		    "connection", a->name);
		rc = EX_TEMPFAIL;
	}
	if (rc != EX_OK) {
		answers_free(&all);
		return rc;
	}
	if (!is_result(reply)) {
		stanza_error_desc(reply, &why);
		too_large(reply, &why);
		warnx("%s: %s refused a slot: %s", a->name, svc->jid,
		    buf_str(&why));
		rc = EX_UNAVAILABLE;
	} else if ((bad = upload_slot_parse(xmpp_stanza_get_child_by_name(
	    reply, "slot"), h->insecure, slot)) != NULL) {
		warnx("%s: %s answered with %s", a->name, svc->jid, bad);
		rc = EX_UNAVAILABLE;
	}
	answers_free(&all);
	buf_free(&why);
	return rc;
}

int
upload_send(struct session *s, const struct upload_service *svc,
    const struct http *h, struct attachment *a)
{
	struct upload_slot slot;
	int rc;

	if (svc->max_size && a->size > svc->max_size) {
		warnx("%s: %" PRIu64 " bytes, and %s takes at most %" PRIu64,
		    a->name, a->size, svc->jid, svc->max_size);
		return EX_UNAVAILABLE;
	}
	if ((rc = ask_slot(s, svc, h, a, &slot)) != EX_OK)
		return rc;
	if (strncasecmp(slot.put, "http:", 5) == 0)
		warnx("WARNING: --insecure: %s goes up in clear text (http), "
		    "with what authorises it", a->name);
	if (lseek(a->fd, 0, SEEK_SET) == -1) {
		warn("%s", a->name);
		rc = EX_IOERR;
	} else
		rc = http_put(h, a->name, slot.put, a->fd, a->size, a->type,
		    slot.headers, slot.nheaders);
	if (rc == EX_OK)
		a->url = xstrdup(slot.get);
	upload_slot_free(&slot);
	return rc;
}
