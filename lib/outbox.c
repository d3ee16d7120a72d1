/*
 * outbox.c: the messages a tool has sent and the server has not yet
 * confirmed, one record each, oldest first, for the report a tool makes
 * when it gives up (and for --unsent). Delivery confirms stanzas in the
 * order they went out, so the caller says how far it has got
 * (session_confirmed_below) and the records wholly below go. The window
 * bounds what it holds, in stanzas: a tool stops reading more to send
 * while it is full.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

void
outbox_init(struct outbox *ob, uint64_t window)
{
	memset(ob, 0, sizeof(*ob));
	ob->window = window;
}

static struct outbox_msg *
at(const struct outbox *ob, size_t i)
{
	return &ob->msgs[(ob->head + i) % ob->cap];
}

static void
grow(struct outbox *ob)
{
	struct outbox_msg *m;
	size_t i, cap = ob->cap ? 2 * ob->cap : 64;

	m = xreallocarray(NULL, cap, sizeof(*m));
	for (i = 0; i < ob->len; i++)
		m[i] = *at(ob, i);
	free(ob->msgs);
	ob->msgs = m;
	ob->cap = cap;
	ob->head = 0;
}

void
outbox_add(struct outbox *ob, uint64_t first, uint64_t last,
    unsigned long number, const char *text, size_t len, const char *to,
    size_t tolen)
{
	struct outbox_msg *m;

	if (ob->len == ob->cap)
		grow(ob);
	m = at(ob, ob->len++);
	m->first = first;
	m->last = last;
	m->number = number;
	m->text = xstrndup(text, len);
	m->len = len;
	m->to = xreallocarray(NULL, tolen ? tolen : 1, 1);
	memcpy(m->to, to, tolen);
	m->tolen = tolen;
	m->nto = 0;
	for (size_t i = 0; i < tolen; i++)
		m->nto += to[i] == '\0';
	m->awaiting = NULL;
	m->nawaiting = 0;
	ob->stanzas += last - first + 1;
}

void
outbox_await(struct outbox *ob, size_t i)
{
	struct outbox_msg *m = at(ob, ob->len - 1);

	if (i >= m->nto)
		return;
	if (m->awaiting == NULL)
		m->awaiting = xcalloc(m->nto, 1);
	if (!m->awaiting[i]) {
		m->awaiting[i] = 1;
		m->nawaiting++;
	}
}

/* The recipient after p, in a message's NUL-ended list. */
static const char *
next_recipient(const char *p)
{
	return p + strlen(p) + 1;
}

int
outbox_recipient_confirmed(struct outbox *ob, unsigned long number,
    const char *jid)
{
	struct outbox_msg *m;
	const char *p;
	size_t i, k;

	for (i = 0; i < ob->len; i++) {
		m = at(ob, i);
		if (m->number != number || m->awaiting == NULL)
			continue;
		for (k = 0, p = m->to; k < m->nto; k++, p = next_recipient(p))
			if (m->awaiting[k] && jid_bare_equal(p, jid)) {
				m->awaiting[k] = 0;
				m->nawaiting--;
				return 1;
			}
	}
	return 0;
}

size_t
outbox_recipient_vouched(struct outbox *ob, size_t i, unsigned long upto)
{
	struct outbox_msg *m;
	size_t k, n = 0;

	for (k = 0; k < ob->len; k++) {
		m = at(ob, k);
		if (m->number <= upto && m->awaiting && i < m->nto &&
		    m->awaiting[i]) {
			m->awaiting[i] = 0;
			m->nawaiting--;
			n++;
		}
	}
	return n;
}

static void
drop_oldest(struct outbox *ob)
{
	struct outbox_msg *m = at(ob, 0);

	ob->stanzas -= m->last - m->first + 1;
	free(m->text);
	free(m->to);
	free(m->awaiting);
	ob->head = (ob->head + 1) % ob->cap;
	ob->len--;
}

void
outbox_confirmed(struct outbox *ob, uint64_t below)
{
	while (ob->len > 0 && at(ob, 0)->last < below &&
	    at(ob, 0)->nawaiting == 0)
		drop_oldest(ob);
}

int
outbox_full(const struct outbox *ob)
{
	return ob->window && ob->stanzas >= ob->window;
}

size_t
outbox_len(const struct outbox *ob)
{
	return ob->len;
}

const struct outbox_msg *
outbox_at(const struct outbox *ob, size_t i)
{
	return i < ob->len ? at(ob, i) : NULL;
}

void
outbox_free(struct outbox *ob)
{
	while (ob->len > 0)
		drop_oldest(ob);
	free(ob->msgs);
	memset(ob, 0, sizeof(*ob));
}

/* ---- line numbers as ranges */

static void
ranges_flush(struct ranges *r)
{
	if (r->first == 0)
		return;
	buf_printf(&r->text, "%s%lu", r->text.len ? "," : "", r->first);
	if (r->last > r->first)
		buf_printf(&r->text, "-%lu", r->last);
	r->first = 0;
}

void
ranges_add(struct ranges *r, unsigned long n)
{
	r->count++;
	if (r->first && n == r->last + 1) {
		r->last = n;
		return;
	}
	ranges_flush(r);
	r->first = r->last = n;
}

const char *
ranges_str(struct ranges *r)
{
	ranges_flush(r);
	return buf_str(&r->text);
}

void
ranges_free(struct ranges *r)
{
	buf_free(&r->text);
}

/* ---- --unsent */

struct unsent {
	FILE *f;
	char *path;
};

/*
 * A file made 0600 whatever it was before: it holds message text. Not
 * a FIFO, nor a device (/dev/stdout): their mode is not ours to change.
 * O_NONBLOCK: a FIFO no one reads is an error (ENXIO), not a hang.
 */
struct unsent *
unsent_open(const char *path)
{
	struct unsent *u;
	struct stat st;
	FILE *f = NULL;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0600);
	if (fd == -1 || fstat(fd, &st) == -1 ||
	    (S_ISREG(st.st_mode) && fchmod(fd, 0600) == -1) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		warn("--unsent %s", path);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	u = xcalloc(1, sizeof(*u));
	u->f = f;
	u->path = xstrdup(path);
	return u;
}

void
unsent_write(struct unsent *u, const char *text, size_t len)
{
	if (u == NULL)
		return;
	fwrite(text, 1, len, u->f);
	putc('\n', u->f);
}

int
unsent_close(struct unsent *u)
{
	int rc = 0;

	if (u == NULL)
		return 0;
	if (fclose(u->f) == EOF) {
		warn("--unsent %s", u->path);
		rc = -1;
	}
	free(u->path);
	free(u);
	return rc;
}
