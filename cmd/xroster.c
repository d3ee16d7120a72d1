/*
 * xroster: the contact list, from the shell: list it (with who is
 * online), change it, move it to another account. A change is done
 * only once the server says so: the answer and the roster push for a
 * roster set, the roster read again after a barrier for a subscription.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

#define NS_PREAPPROVAL "urn:xmpp:features:pre-approval"
#define MAX_GROUPS 64

/* Exit code of xroster's own, beside sysexits(3)'s (see xroster(1)). */
#define EXIT_REFUSED 1

enum { OPT_DRY_RUN = OPT_TOOL, OPT_FORMAT, OPT_NAME, OPT_PRESENCE,
	OPT_PRUNE, OPT_SUBSCRIBE };

struct xroster {
	struct session *s;
	struct roster roster;	/* as the server last said, sorted */
	char **pushed;		/* JIDs the server pushed since reset */
	size_t npushed;
	int json;		/* --format json */
	int presence;		/* --presence */
	int wait_s;		/* -w */
	int pinged;		/* --presence: the barrier was answered */
	const char *name;	/* -n; name_set: given, "" too */
	int name_set;
	char *groups[MAX_GROUPS];	/* -g */
	size_t ngroups;
	int subscribe;		/* add --subscribe */
	int prune, dry_run;	/* import */
	struct roster want;	/* import: stdin, read before logging in */
	int verbose;
	struct buf line;
};

/* A subcommand: its name, what it does with the JIDs (or none). */
struct command {
	const char *name;
	int (*run)(struct xroster *, char **jids, int n);
	int jids;		/* 1: takes JIDs, at least one */
};

static void
usage_lines(FILE *f)
{
	const char *p = getprogname();

	fprintf(f,
	    "usage: %s [list] [--format text|json] [--presence [-w seconds]]\n"
	    "       %s add [--name name] [-g group]... [--subscribe] jid...\n"
	    "       %s remove|subscribe|unsubscribe|approve|deny jid...\n"
	    "       %s export\n"
	    "       %s import [--dry-run] [--prune]\n"
	    "every command also takes:\n\t" COMMON_USAGE "\n", p, p, p, p, p);
}

static void __attribute__((noreturn))
usage(int rc)
{
	usage_lines(rc == EX_OK ? stdout : stderr);
	exit(rc == EX_OK ? stdout_done(rc) : rc);
}

/* --help: every subcommand and option of xroster's own. */
static const char help[] =
"Lists and changes the roster; a change counts once the server confirms it.\n"
"\n"
"Commands:\n"
"  list                     print the roster (the default)\n"
"  add JID...               add contacts (or change their name and groups)\n"
"  remove JID...            remove contacts, and their subscriptions\n"
"  subscribe JID...         ask to see their presence\n"
"  unsubscribe JID...       stop seeing it\n"
"  approve JID...           let them see ours (or pre-approve)\n"
"  deny JID...              refuse, or revoke, their seeing ours\n"
"  export                   print the roster as JSON lines, for import\n"
"  import                   add or change the contacts of stdin's JSON lines\n"
"\n"
"list:\n"
"      --format FORMAT      text (the default) or json (a line each)\n"
"      --presence           with who is online, and how\n"
"  -w, --wait SECONDS       --presence: wait this long for it (2)\n"
"\n"
"add:\n"
"      --name NAME          the contacts' name in the roster\n"
"  -g, --group GROUP        a group to put them in; repeatable\n"
"      --subscribe          and ask to see their presence\n"
"\n"
"import:\n"
"      --dry-run            say what would change; change nothing\n"
"      --prune              remove the contacts stdin does not have\n";
/* ---- the server's roster, and its pushes */

static void
pushed_reset(struct xroster *x)
{
	size_t i;

	for (i = 0; i < x->npushed; i++)
		free(x->pushed[i]);
	free(x->pushed);
	x->pushed = NULL;
	x->npushed = 0;
}

static int
pushed_has(struct xroster *x, const char *jid)
{
	size_t i;

	for (i = 0; i < x->npushed; i++)
		if (jid_bare_equal(x->pushed[i], jid))
			return 1;
	return 0;
}

/*
 * A roster push (RFC 6121 2.1.6): answered, and its JIDs noted. Only
 * our own account may push (lib/ also lets our server through, which
 * RFC 6121 does not): anyone else's is refused and ignored.
 */
static void
on_push(struct session *s, xmpp_stanza_t *iq, void *arg)
{
	struct xroster *x = arg;
	const char *from = xmpp_stanza_get_from(iq);
	const char *type = xmpp_stanza_get_type(iq);
	xmpp_stanza_t *q, *it;
	const char *jid;

	if ((from && !(jid_is_bare(from) &&
	    jid_bare_equal(from, session_jid(s)))) ||
	    strcmp(type, "set") != 0) {
		iq_error(s, iq, "cancel", "service-unavailable");
		return;
	}
	q = xmpp_stanza_get_child_by_name_and_ns(iq, "query", NS_ROSTER);
	for (it = q ? xmpp_stanza_get_children(q) : NULL; it;
	    it = xmpp_stanza_get_next(it)) {
		if (!xmpp_stanza_is_tag(it) ||
		    (jid = xmpp_stanza_get_attribute(it, "jid")) == NULL)
			continue;
		x->pushed = xreallocarray(x->pushed, x->npushed + 1,
		    sizeof(*x->pushed));
		x->pushed[x->npushed++] = xstrdup(jid);
	}
	iq_result(s, iq, NULL);
}

/* Says why a request was refused; returns EXIT_REFUSED. */
static int
refused(const char *what, const char *jid, xmpp_stanza_t *reply)
{
	struct buf why = { 0 }, who = { 0 };

	stanza_error_desc(reply, &why);
	if (jid)
		warnx("%s %s: refused: %s", what, text_shown(&who, jid), why.p);
	else
		warnx("%s: refused: %s", what, why.p);
	buf_free(&why);
	buf_free(&who);
	return EXIT_REFUSED;
}

static int
is_error(xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_type(st);

	return type && strcmp(type, "error") == 0;
}

/*
 * Reads the roster into x->roster. Asking for it also makes this
 * resource one the server pushes changes to (RFC 6121 2.1.6).
 */
static int
roster_get(struct xroster *x)
{
	xmpp_stanza_t *reply;
	int rc;

	rc = iq_call(x->s, "get", NULL, "<query xmlns='" NS_ROSTER "'/>",
	    &reply);
	if (rc != EX_OK)
		return rc;
	if (is_error(reply)) {
		refused("reading the roster", NULL, reply);
		xmpp_stanza_release(reply);
		return EX_UNAVAILABLE;
	}
	roster_free(&x->roster);
	roster_parse(&x->roster, xmpp_stanza_get_child_by_name_and_ns(reply,
	    "query", NS_ROSTER));
	roster_sort(&x->roster);
	xmpp_stanza_release(reply);
	return EX_OK;
}

struct push_wait {
	struct xroster *x;
	const char *jid;
};

static int
push_came(struct session *s, void *arg)
{
	struct push_wait *w = arg;

	(void)s;
	return pushed_has(w->x, w->jid);
}

/*
 * A roster set of it (or its removal): done when the server has
 * answered with a result and pushed the item, in either order.
 */
static int
roster_set(struct xroster *x, const struct roster_item *it, int remove)
{
	struct push_wait w = { x, it->jid };
	struct buf q = { 0 }, what = { 0 };
	xmpp_stanza_t *reply;
	int rc;

	pushed_reset(x);
	buf_adds(&q, "<query xmlns='" NS_ROSTER "'>");
	roster_item_xml(&q, it, remove);
	buf_adds(&q, "</query>");
	rc = iq_call(x->s, "set", NULL, buf_str(&q), &reply);
	buf_free(&q);
	if (rc != EX_OK)
		return rc;
	if (is_error(reply))
		rc = refused(remove ? "remove" : "add", it->jid, reply);
	xmpp_stanza_release(reply);
	if (rc != EX_OK)
		return rc;
	buf_adds(&what, "the roster push for ");
	text_escape(&what, it->jid, strlen(it->jid));
	rc = session_until(x->s, push_came, &w, buf_str(&what));
	buf_free(&what);
	return rc;
}

/*
 * A ping to our own server, answered once it has handled everything
 * sent before it (and, for a local contact, sent what that caused:
 * probes answered, roster pushes). cb: called with the answer, or NULL.
 */
static void
barrier_send(struct session *s, iq_callback *cb, void *arg)
{
	iq_send(s, "get", session_domain(s), "<ping xmlns='urn:xmpp:ping'/>",
	    cb, arg);
}

static int
barrier(struct session *s)
{
	xmpp_stanza_t *reply;
	int rc;

	rc = iq_call(s, "get", session_domain(s), "<ping xmlns='urn:xmpp:ping'/>",
	    &reply);
	if (rc == EX_OK)
		xmpp_stanza_release(reply);	/* an error is an answer too */
	return rc;
}

/* ---- output */

static void
print_item(struct xroster *x, const struct roster_item *it)
{
	x->line.len = 0;
	if (x->json)
		roster_format_json(&x->line, it, x->presence);
	else
		roster_format_text(&x->line, it, x->presence);
	fwrite(x->line.p, 1, x->line.len, stdout);
}

static void
print_change(struct xroster *x, enum roster_op op, const char *jid)
{
	x->line.len = 0;
	buf_printf(&x->line, "%s\t", roster_op_name(op));
	text_escape(&x->line, jid, strlen(jid));
	buf_addc(&x->line, '\n');
	fwrite(x->line.p, 1, x->line.len, stdout);
	fflush(stdout);
}

/* ---- list --presence */

static int
on_presence(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct xroster *x = arg;

	if (strcmp(xmpp_stanza_get_name(st), "presence") != 0)
		return 1;
	/* our own other resources are no contact */
	if (jid_bare_equal(xmpp_stanza_get_from(st), session_jid(s)))
		return 1;
	roster_presence(&x->roster, st);
	return 1;
}

/* The barrier's answer (or NULL, the session going): x outlives both. */
static void
pinged(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	(void)s;
	(void)reply;
	((struct xroster *)arg)->pinged = 1;
}

/* Whether every contact who lets us see its presence has said it. */
static int
burst_done(struct xroster *x)
{
	size_t i;

	if (!x->pinged)
		return 0;
	for (i = 0; i < x->roster.len; i++)
		if ((x->roster.items[i].sub == ROSTER_TO ||
		    x->roster.items[i].sub == ROSTER_BOTH) &&
		    !x->roster.items[i].heard)
			return 0;
	return 1;
}

/*
 * Initial presence, at priority -1 so that no message is routed here;
 * the server probes our contacts and answers for the local ones before
 * it answers the ping after it. Ends once every contact we are
 * subscribed to was heard from, or -w passes (a remote one may never
 * answer).
 */
static int
collect_presence(struct xroster *x)
{
	int64_t deadline = now_ms() + x->wait_s * 1000LL, left;
	struct buf p = { 0 };
	int r, rc = EX_OK;

	session_on_stanza(x->s, on_presence, x);
	buf_adds(&p, "<presence><priority>-1</priority></presence>");
	session_send_buf(x->s, &p);
	buf_free(&p);
	barrier_send(x->s, pinged, x);
	while (!burst_done(x) && !signals_interrupted() &&
	    (left = deadline - now_ms()) > 0)
		if ((r = session_step(x->s, -1, (int)left)) > 1) {
			rc = r;
			break;
		}
	session_off_stanza(x->s, on_presence, x);
	return rc;
}

/* ---- the subcommands */

static int
cmd_list(struct xroster *x, char **jids, int n)
{
	size_t i;
	int rc;

	(void)jids;
	(void)n;
	if ((rc = roster_get(x)) != EX_OK)
		return rc;
	if (x->presence && (rc = collect_presence(x)) != EX_OK)
		return rc;
	for (i = 0; i < x->roster.len; i++)
		print_item(x, &x->roster.items[i]);
	return EX_OK;
}

static int
cmd_export(struct xroster *x, char **jids, int n)
{
	x->json = 1;
	return cmd_list(x, jids, n);
}

static int
worst(int rc, int next)
{
	return rc != EX_OK ? rc : next;
}

/* Fatal failures end the run; a refusal goes on to the next JID. */
static int
fatal(int rc)
{
	return rc != EX_OK && rc != EXIT_REFUSED;
}

/* The presence that asks for (or answers) a subscription. */
static const char *presence_types[] = { "subscribe", "unsubscribe",
    "subscribed", "unsubscribed" };
static const char *want_names[] = { "subscribe", "unsubscribe", "approve",
    "deny" };

static void
send_subscription(struct session *s, const char *jid, enum roster_want want)
{
	struct buf p = { 0 };

	buf_adds(&p, "<presence to='");
	xml_escape(&p, jid, strlen(jid));
	buf_printf(&p, "' type='%s'/>", presence_types[want]);
	session_send_buf(s, &p);
	buf_free(&p);
}

/* A presence error for one of ours: the server's refusal. */
struct bounces {
	char **jids;
	int n;
	char **why;		/* n of them: the condition, or NULL */
};

static int
on_bounce(struct session *s, xmpp_stanza_t *st, void *arg)
{
	struct bounces *b = arg;
	const char *type = xmpp_stanza_get_type(st);
	struct buf why = { 0 };
	int i;

	(void)s;
	if (strcmp(xmpp_stanza_get_name(st), "presence") != 0 || type == NULL ||
	    strcmp(type, "error") != 0)
		return 1;
	for (i = 0; i < b->n; i++)
		if (b->why[i] == NULL &&
		    jid_bare_equal(b->jids[i], xmpp_stanza_get_from(st))) {
			stanza_error_desc(st, &why);
			b->why[i] = why.p;
			break;
		}
	return 1;
}

/*
 * Whether the roster now says what want asked for. A pre-approval
 * (RFC 6121 3.4) is stored, but Prosody does not show it in the roster:
 * where the server offers them, an item there is taken for one.
 */
static int
check_reached(struct xroster *x, const char *jid, enum roster_want want,
    const char *bounce)
{
	const struct roster_item *it = roster_find(&x->roster, jid);
	struct buf who = { 0 };

	if (bounce) {
		warnx("%s %s: refused: %s", want_names[want],
		    text_shown(&who, jid), bounce);
		buf_free(&who);
		return EXIT_REFUSED;
	}
	if (roster_reached(it, want))
		return EX_OK;
	if (want == WANT_APPROVE && it && session_has_feature(x->s, "sub",
	    NS_PREAPPROVAL)) {
		if (x->verbose)
			warnx("approve %s: pre-approved", text_shown(&who, jid));
		buf_free(&who);
		return EX_OK;
	}
	warnx("%s %s: not done: the roster says %s", want_names[want],
	    text_shown(&who, jid), it ? roster_sub_name(it->sub) :
	    "no such contact");
	if (want == WANT_APPROVE && !session_has_feature(x->s, "sub",
	    NS_PREAPPROVAL))
		warnx("(there was no request to approve, and the server "
		    "stores no pre-approvals)");
	buf_free(&who);
	return EXIT_REFUSED;
}

/*
 * Subscription presences for n JIDs, then one barrier and the roster
 * read again: each JID's item must have reached what it asked for.
 */
static int
subscriptions(struct xroster *x, char **jids, const enum roster_want *want,
    int n)
{
	struct bounces b = { jids, n, xcalloc(n ? n : 1, sizeof(char *)) };
	int i, rc = EX_OK;

	session_on_stanza(x->s, on_bounce, &b);
	for (i = 0; i < n; i++)
		send_subscription(x->s, jids[i], want[i]);
	if (n > 0) {
		rc = barrier(x->s);
		if (rc == EX_OK)
			rc = roster_get(x);
	}
	session_off_stanza(x->s, on_bounce, &b);
	for (i = 0; rc == EX_OK && i < n; i++) {
		rc = check_reached(x, jids[i], want[i], b.why[i]);
		if (rc != EX_OK) {	/* the others are still said */
			while (++i < n)
				check_reached(x, jids[i], want[i], b.why[i]);
		}
	}
	for (i = 0; i < n; i++)
		free(b.why[i]);
	free(b.why);
	return rc;
}

static int
cmd_subscription(struct xroster *x, enum roster_want want, char **jids,
    int n)
{
	enum roster_want *wants = xreallocarray(NULL, n, sizeof(*wants));
	int i, rc;

	for (i = 0; i < n; i++)
		wants[i] = want;
	if ((rc = roster_get(x)) == EX_OK)
		rc = subscriptions(x, jids, wants, n);
	free(wants);
	return rc;
}

static int cmd_subscribe(struct xroster *x, char **j, int n)
{ return cmd_subscription(x, WANT_SUBSCRIBE, j, n); }
static int cmd_unsubscribe(struct xroster *x, char **j, int n)
{ return cmd_subscription(x, WANT_UNSUBSCRIBE, j, n); }
static int cmd_approve(struct xroster *x, char **j, int n)
{ return cmd_subscription(x, WANT_APPROVE, j, n); }
static int cmd_deny(struct xroster *x, char **j, int n)
{ return cmd_subscription(x, WANT_DENY, j, n); }

/*
 * add: what -n and -g say, and what they do not keep of the item as it
 * is (adding bob -g work leaves his name alone).
 */
static int
cmd_add(struct xroster *x, char **jids, int n)
{
	struct roster_item it;
	const struct roster_item *have;
	int i, rc;

	if ((rc = roster_get(x)) != EX_OK)
		return rc;
	for (i = 0; i < n && !fatal(rc); i++) {
		have = roster_find(&x->roster, jids[i]);
		memset(&it, 0, sizeof(it));
		it.jid = jids[i];
		it.name = (char *)(x->name_set ? (*x->name ? x->name : NULL) :
		    have ? have->name : NULL);
		if (x->ngroups) {
			it.groups = x->groups;
			it.ngroups = x->ngroups;
		} else if (have) {
			it.groups = have->groups;
			it.ngroups = have->ngroups;
		}
		rc = worst(rc, roster_set(x, &it, 0));
	}
	if (rc == EX_OK && x->subscribe)
		rc = cmd_subscription(x, WANT_SUBSCRIBE, jids, n);
	return rc;
}

static int
cmd_remove(struct xroster *x, char **jids, int n)
{
	struct roster_item it = { 0 };
	int i, rc;

	if ((rc = roster_get(x)) != EX_OK)
		return rc;
	for (i = 0; i < n && !fatal(rc); i++) {
		it.jid = jids[i];
		rc = worst(rc, roster_set(x, &it, 1));
	}
	return rc;
}

/* ---- import */

/*
 * Reads the whole of stdin into want, every line checked before any
 * change: a bad one is "stdin:LINE: why", and the file is refused. A
 * signal ends the read, and nothing is changed.
 */
static int
read_import(struct roster *want)
{
	struct lines in;
	struct roster_item it;
	const struct roster_item *dup;
	const char *line, *why;
	size_t len, i;
	int r, bad = 0;

	lines_init(&in, STDIN_FILENO, XU_TEXT_MAX);
	for (;;) {
		while ((r = lines_next(&in, &line, &len)) == 0) {
			if (wait_readable(in.fd, 0) == -1) {
				lines_free(&in);
				return interrupted_nothing_sent();
			}
			if (lines_fill(&in) == -1) {
				warn("reading stdin");
				lines_free(&in);
				return EX_IOERR;
			}
		}
		if (r == -1)
			break;
		if (line == NULL) {
			warnx("stdin:%lu: a line over %d bytes", in.lineno,
			    XU_TEXT_MAX);
			bad = 1;
			continue;
		}
		if (strspn(line, " \t\r") == len)
			continue;	/* a blank line */
		if ((why = roster_read_json(line, len, &it)) != NULL) {
			warnx("stdin:%lu: %s", in.lineno, why);
			bad = 1;
			continue;
		}
		roster_add(want, &it);
		roster_item_free(&it);
	}
	lines_free(&in);
	roster_sort(want);
	for (i = 1; i < want->len; i++)
		if (strcmp(want->items[i - 1].jid, want->items[i].jid) == 0) {
			dup = &want->items[i];
			warnx("stdin: %s is in it twice", dup->jid);
			bad = 1;
		}
	return bad ? EX_DATAERR : EX_OK;
}

/* The changes' subscription presences, after the roster sets. */
static int
import_apply(struct xroster *x, struct roster_change *c, size_t n)
{
	char **jids = xreallocarray(NULL, n, sizeof(*jids));
	enum roster_want *wants = xreallocarray(NULL, n, sizeof(*wants));
	int k = 0, rc = EX_OK;
	size_t i;

	for (i = 0; i < n && !fatal(rc); i++) {
		print_change(x, c[i].op, c[i].item->jid);
		if (x->dry_run)
			continue;
		switch (c[i].op) {
		case OP_ADD:
		case OP_UPDATE:
			rc = worst(rc, roster_set(x, c[i].item, 0));
			break;
		case OP_REMOVE:
			rc = worst(rc, roster_set(x, c[i].item, 1));
			break;
		case OP_SUBSCRIBE:
		case OP_APPROVE:
			jids[k] = c[i].item->jid;
			wants[k++] = c[i].op == OP_SUBSCRIBE ? WANT_SUBSCRIBE :
			    WANT_APPROVE;
			break;
		}
	}
	if (!fatal(rc))
		rc = worst(rc, subscriptions(x, jids, wants, k));
	free(jids);
	free(wants);
	return rc;
}

static int
cmd_import(struct xroster *x, char **jids, int n)
{
	struct roster_change *c;
	size_t nc;
	int rc;

	(void)jids;
	(void)n;
	if ((rc = roster_get(x)) != EX_OK)
		return rc;
	nc = roster_diff(&x->roster, &x->want, x->prune,
	    session_has_feature(x->s, "sub", NS_PREAPPROVAL), &c);
	/* c points into x->roster and x->want: import_apply is done with
	 * the first before it reads the roster again */
	rc = import_apply(x, c, nc);
	free(c);
	return rc;
}

static const struct command commands[] = {
	{ "list", cmd_list, 0 },
	{ "export", cmd_export, 0 },
	{ "import", cmd_import, 0 },
	{ "add", cmd_add, 1 },
	{ "remove", cmd_remove, 1 },
	{ "subscribe", cmd_subscribe, 1 },
	{ "unsubscribe", cmd_unsubscribe, 1 },
	{ "approve", cmd_approve, 1 },
	{ "deny", cmd_deny, 1 },
};

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Each JID argument: a well-formed bare JID, or exit 65 naming it. */
static void
check_jids(char **jids, int n)
{
	struct buf b = { 0 };
	const char *why;
	int i;

	/* (a JID is shown escaped: it may hold what a terminal acts on) */
	for (i = 0; i < n; i++) {
		if ((why = jid_check(jids[i])) != NULL)
			errx(EX_DATAERR, "%s: %s", text_shown(&b, jids[i]),
			    why);
		if (!jid_is_bare(jids[i]))
			errx(EX_DATAERR, "%s: a contact is a bare JID, "
			    "without a resource", text_shown(&b, jids[i]));
	}
}

/* -n and -g: what the roster would keep as it is (see xroster(1)). */
static void
check_text(const char *opt, const char *s,
    const char *(*check)(const char *, size_t *))
{
	const char *why;
	size_t off;

	if ((why = check(s, &off)) != NULL)
		errx(EX_DATAERR, "%s: byte %zu: %s", opt, off + 1, why);
}

/* Options that mean nothing to the subcommand are mistakes. */
static void
check_options(const struct xroster *x, const struct command *c, int format)
{
	int list = c->run == cmd_list;
	int add = c->run == cmd_add;
	int import = c->run == cmd_import;

	if (format && !list)
		errx(EX_USAGE, "--format: only for list");
	if ((x->presence || x->wait_s >= 0) && !list)
		errx(EX_USAGE, "--presence and -w: only for list");
	if (x->wait_s >= 0 && !x->presence)
		errx(EX_USAGE, "-w: only with --presence");
	if ((x->name_set || x->ngroups || x->subscribe) && !add)
		errx(EX_USAGE, "--name, -g and --subscribe: only for add");
	if ((x->prune || x->dry_run) && !import)
		errx(EX_USAGE, "--dry-run and --prune: only for import");
}

static int
run(struct xroster *x, const struct command *c, char **jids, int n,
    struct common_opts *o)
{
	struct account acct;
	int rc, closed;

	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return rc;
	rc = session_start(&x->s, &acct, o);
	account_forget_password(&acct);		/* no login will need it */
	if (rc == EX_OK) {
		iq_on_request(x->s, "query", NS_ROSTER, on_push, x);
		rc = c->run(x, jids, n);
		if (!session_failed(x->s)) {
			closed = session_close(x->s);
			rc = fatal(rc) ? rc : worst(closed, rc);
		}
	}
	session_free(x->s);
	account_free(&acct);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "group", required_argument, NULL, 'g' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "presence", no_argument, NULL, OPT_PRESENCE },
		{ "prune", no_argument, NULL, OPT_PRUNE },
		{ "subscribe", no_argument, NULL, OPT_SUBSCRIBE },
		{ "wait", required_argument, NULL, 'w' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct common_opts o;
	struct xroster x = { .wait_s = -1 };
	struct buf shown = { 0 };	/* a bad argument, escaped */
	const struct command *c = &commands[0];
	int ch, rc, format = 0;

	stdfd_sanitise();
	signals_init();
	common_init(&o);
	while ((ch = common_getopt(argc, argv, "g:hn:w:" COMMON_SHORTOPTS,
	    longopts)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case OPT_HELP:
			help_print(usage_lines, help, 0);
		case OPT_DRY_RUN:
			x.dry_run = 1;
			break;
		case OPT_FORMAT:
			format = 1;
			if (strcmp(optarg, "json") == 0)
				x.json = 1;
			else if (strcmp(optarg, "text") != 0)
				bad_value(optarg, "expected text or json");
			break;
		case 'g':
			check_text("-g", optarg, roster_group_check);
			if (*optarg == '\0')
				errx(EX_DATAERR, "-g: an empty group name");
			if (x.ngroups == MAX_GROUPS)
				errx(EX_USAGE, "-g: at most %d groups",
				    MAX_GROUPS);
			x.groups[x.ngroups++] = optarg;
			break;
		case 'n':	/* xlisten's was a count: -n means neither */
			deprecated("-n", "--name");
			/* FALLTHROUGH */
		case OPT_NAME:
			check_text("--name", optarg, roster_name_check);
			x.name = optarg;
			x.name_set = 1;
			break;
		case OPT_PRESENCE:
			x.presence = 1;
			break;
		case OPT_PRUNE:
			x.prune = 1;
			break;
		case OPT_SUBSCRIBE:
			x.subscribe = 1;
			break;
		case 'w':
			x.wait_s = number_arg(optarg, 1, 1 << 20,
			    option_typed());
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert)
		return stdout_done(session_show_cert(&o));
	if (optind < argc && (c = command_find(argv[optind++])) == NULL) {
		warnx("%s: no such command",
		    text_shown(&shown, argv[optind - 1]));
		usage(EX_USAGE);
	}
	if (c->jids && optind == argc) {
		warnx("%s: no JID given", c->name);
		usage(EX_USAGE);
	}
	if (!c->jids && optind != argc) {
		warnx("%s: takes no JID: %s", c->name, text_shown(&shown,
		    argv[optind]));
		usage(EX_USAGE);
	}
	check_options(&x, c, format);
	check_jids(argv + optind, argc - optind);
	if (x.wait_s < 0)
		x.wait_s = 2;
	if (o.keepalive < 0)
		o.keepalive = 0;
	x.verbose = o.verbose;
	/* the whole file checked before anything changes */
	rc = c->run == cmd_import ? read_import(&x.want) : EX_OK;
	if (rc == EX_OK)
		rc = run(&x, c, argv + optind, argc - optind, &o);
	roster_free(&x.roster);
	roster_free(&x.want);
	pushed_reset(&x);
	buf_free(&x.line);
	return stdout_done(rc);
}
