/*
 * xping: XEP-0199 pings over one login, the way ping(8) does it; the
 * login itself timed phase by phase (--trace); a monitoring plugin
 * (--plugin) and Prometheus' text format for the same probe.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmpputils.h"

enum { OPT_COUNT = OPT_TOOL, OPT_FORMAT, OPT_PLUGIN, OPT_TRACE, OPT_CERT_WARN,
	OPT_CERT_CRIT, OPT_WANT, OPT_LOGOUT, OPT_WAIT, OPT_WARNING, OPT_CRITICAL,
	OPT_OLD_CERT_WARN, OPT_OLD_CERT_CRIT };

enum output { OUT_TEXT, OUT_JSON, OUT_PROMETHEUS, OUT_PLUGIN };

/* ping(8)'s exit codes, and the Monitoring Plugins' */
enum { PING_REPLY = 0, PING_NONE = 1, PING_ERROR = 2 };
enum { PLUGIN_OK = 0, PLUGIN_WARNING, PLUGIN_CRITICAL, PLUGIN_UNKNOWN };
static const char *plugin_states[] = { "OK", "WARNING", "CRITICAL",
    "UNKNOWN" };

enum fate { PENDING, REPLIED, ERRED, LOST };

struct pinger;

struct ping {
	struct pinger *p;
	unsigned long seq;
	int64_t sent_us;
	enum fate fate;
};

/* A threshold: alert above rtt (ms) or loss (%); < 0: none. */
struct limit {
	double rtt, loss;
};

struct pinger {
	struct session *s;
	const char *target;
	enum output out;
	int quiet, trace;
	unsigned long count;	/* 0: until a signal */
	int64_t interval_us, wait_us;
	struct ping **pings;	/* every ping sent, by seq - 1 */
	size_t npings, cap;
	unsigned long replies, errors, lost;
	unsigned long unsent;	/* of count, when the stream failed first */
	int failed;		/* the stream failed during the pings: why */
	int interrupted;	/* a signal ended them before they were done */
	double min, max, sum, sumsq;	/* of the replies' times, ms */
	char error[256];	/* the last error reply's condition */
	int64_t began_us, login_us;
	int logged_in;
	struct buf line;
	int closed;		/* stdout failed, or its reader left */
	struct limit warn, crit;	/* --plugin's -w and -c */
	long cert_warn, cert_crit;	/* days; < 0: none */
	int want;		/* --want: WANT_* the login must show */
};

/* --want's words: what a login without them is WARNING for. */
enum { WANT_SASL2 = 1, WANT_BINDING = 2, WANT_SSDP = 4, WANT_FAST = 8 };
static const char *want_words[] = { "sasl2", "binding", "ssdp", "fast" };

static int usage_rc = PING_ERROR;
static void want_check(struct pinger *, int *, struct buf *);
static int plugin_said;	/* --plugin: the status line is out */
/* --plugin's old -w or -c: said on the status line too, the one line a
 * monitoring system shows (it reads no stderr) */
static const char *plugin_old_letters;

static void
usage_text(struct buf *b)
{
	buf_printf(b, "usage: %s [-c count] [-i interval] [-w seconds] "
	    "[--trace]\n\t[--format text|json|prometheus] [--plugin "
	    "[--warning rtt[,loss%%]]\n\t[--critical rtt[,loss%%]] "
	    "[--cert-warning days] [--cert-critical days]\n\t[--want "
	    "sasl2,binding,ssdp,fast]] [--logout]\n\t" COMMON_USAGE "\n\t"
	    "[target]\n", getprogname());
}

static void
usage_lines(FILE *f)
{
	struct buf b = { 0 };

	usage_text(&b);
	fputs(buf_str(&b), f);
	buf_free(&b);
}

static void __attribute__((noreturn))
usage(int rc)
{
	struct buf b = { 0 };

	if (rc == EX_OK)
		usage_lines(stdout);
	else {	/* past stderr_remember: no part of the message before it */
		usage_text(&b);
		write_all(STDERR_FILENO, b.p, b.len);
	}
	buf_free(&b);
	exit(rc == EX_OK ? stdout_done(rc) : usage_rc);
}

/* --help: every option of xping's own, one line each. */
static const char help[] =
"Pings a server, a remote domain or a JID (XEP-0199), as ping(8) does;\n"
"the account's server by default.\n"
"\n"
"How many:\n"
"  -c, --count N            send N pings (default: until a signal)\n"
"  -i, --interval SECONDS   between pings (1)\n"
"  -w, --wait SECONDS       wait this long for each reply (-T's)\n"
"\n"
"Output:\n"
"  -q, --quiet              only the summary\n"
"      --format FORMAT      text (the default), json or prometheus\n"
"      --trace              time the login phase by phase\n"
"\n"
"As a monitoring plugin (Nagios, Icinga; exits 0 to 3):\n"
"      --plugin             one status line with performance data\n"
"      --warning MS[,N%]    WARNING above MS round trip, or N% loss\n"
"      --critical MS[,N%]   CRITICAL above MS round trip, or N% loss\n"
"      --cert-warning DAYS  WARNING when the certificate expires sooner\n"
"      --cert-critical DAYS CRITICAL when it expires sooner\n"
"      --want FEATURES      WARNING unless it has each (sasl2,binding,...)\n"
"  (-w and -c with --plugin are still --warning and --critical in 0.2.0,\n"
"  with a warning; see NEWS)\n"
"\n"
"Other:\n"
"      --logout             invalidate and delete the account's FAST tokens\n";

/* ---- output */

/* A line out, whole; a write that fails ends the run (stdout_done
 * says why). */
static void
flush_line(struct pinger *p)
{
	if (!p->closed && stdout_write(p->line.p, p->line.len) == -1)
		p->closed = 1;
	p->line.len = 0;
}

/* What was asked for did not get out: 74, whatever the verdict. */
static int
output_lost(int rc)
{
	return stdout_failed() && stdout_failed() != EPIPE ? EX_IOERR : rc;
}

static double
ms(int64_t us)
{
	return us / 1000.0;
}

/* When phase i ended, or failed; 0: the login never reached it. */
static int64_t
phase_end(const struct login_report *r, int i)
{
	if (r->ended_us[i])
		return r->ended_us[i];
	return r->failed_us && (int)r->failed == i ? r->failed_us : 0;
}

/* How long phase i took: from the end of the last phase reached. */
static int64_t
phase_us(const struct login_report *r, int i)
{
	int64_t from = r->began_us;
	int j;

	for (j = i - 1; j >= 0; j--)
		if (r->ended_us[j]) {
			from = r->ended_us[j];
			break;
		}
	return phase_end(r, i) - from;
}

/* The whole login, up to its last phase or to its failure. */
static int64_t
login_total_us(const struct login_report *r)
{
	int64_t last = r->failed_us ? r->failed_us : r->began_us;
	int i;

	for (i = 0; i < PHASE_COUNT; i++)
		if (r->ended_us[i] > last)
			last = r->ended_us[i];
	return last - r->began_us;
}

/* Whole days until t (negative once past). */
static long
days_left(int64_t t)
{
	double d = difftime((time_t)t, time(NULL)) / 86400;

	return (long)floor(d);
}

static const char *
stage_of(int phase)
{
	switch (phase) {
	case PHASE_STREAM:
		return "plain";
	case PHASE_STREAM_TLS:
		return "tls";
	case PHASE_STREAM_AUTH:
		return "auth";
	}
	return NULL;
}

static const char *
features_of(const struct login_report *r, int phase)
{
	switch (phase) {
	case PHASE_STREAM:
		return r->features[STAGE_PLAIN];
	case PHASE_STREAM_TLS:
		return r->features[STAGE_TLS];
	case PHASE_STREAM_AUTH:
		return r->features[STAGE_AUTH];
	}
	return NULL;
}

/*
 * Appends s, which must not end the line it is on: a line break becomes
 * text_escape's escape (\n, \r, \xE2\x80\xA8), and with bar, '|' the
 * broken bar: a plugin's status line must not start performance data
 * there (a server could follow it with figures of its own). Nothing else
 * changes, as s may be a message escaped already (session_failure is,
 * for the network's words in it): escaped again, it would show \\xE2
 * where stderr shows \xE2. What it quotes of the command line or the
 * config may still hold a raw line break.
 */
static void
line_clean(struct buf *b, const char *s, int bar)
{
	for (; *s; s++)
		if (*s == '|' && bar)
			buf_adds(b, "\xc2\xa6");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if (*s == '\r')
			buf_adds(b, "\\r");
		else if (strncmp(s, "\xe2\x80\xa8", 3) == 0 ||
		    strncmp(s, "\xe2\x80\xa9", 3) == 0) {
			/* U+2028, U+2029: line and paragraph separators */
			buf_printf(b, "\\xE2\\x80\\x%02X",
			    (unsigned char)s[2]);
			s += 2;
		} else
			buf_addc(b, *s);
}

static const char *fast_states[] = { "none", "used", "issued", "rotated",
    "refused", "replaced" };

/*
 * How the login authenticated, beyond the mechanism: SASL2 (XEP-0388),
 * the channel binding, SSDP's check of the offer, FAST's token.
 */
static void
login_how(const struct login_report *r, struct buf *b, const char *open,
    const char *close)
{
	buf_printf(b, "%sSASL%s, %s", open, r->sasl2 ? "2" : "",
	    r->binding[0] ? r->binding : "no channel binding");
	if (r->fast != FAST_USED)
		buf_printf(b, ", SSDP %s", r->ssdp == 1 ? "verified" :
		    "not offered");
	if (r->fast != FAST_NONE)
		buf_printf(b, ", FAST token %s", fast_states[r->fast]);
	buf_adds(b, close);
}

/* --trace's detail column for phase i. */
static void
phase_detail(struct pinger *p, const struct login_report *r, int i,
    struct buf *b)
{
	struct buf t = { 0 };

	switch (i) {
	case PHASE_DNS:
		/* an SRV record's target: the network's word */
		buf_printf(b, "%s", text_shown(&t, r->where));
		break;
	case PHASE_TLS:
		buf_printf(b, "%s %s", r->tls_version, r->tls_cipher);
		break;
	case PHASE_SASL:
		buf_printf(b, "%s", r->mechanism);
		login_how(r, b, " (", ")");
		break;
	case PHASE_BIND:
		buf_printf(b, "%s", text_shown(&t, session_jid(p->s)));
		break;
	case PHASE_SM:
		buf_adds(b, r->sm == SM_ENABLED ? "enabled" : "refused");
		break;
	default:
		if (features_of(r, i))
			buf_printf(b, "features: %s", *features_of(r, i) ?
			    features_of(r, i) : "(none)");
	}
	buf_free(&t);
}

/* --trace: the login as a table, a phase a line. */
static void
trace_text(struct pinger *p, const struct login_report *r)
{
	struct buf d = { 0 };
	int i;

	buf_printf(&p->line, "%-12s %9s  %s\n", "phase", "ms", "detail");
	for (i = 0; i < PHASE_COUNT; i++) {
		if (phase_end(r, i) == 0)
			continue;
		d.len = 0;
		if (r->ended_us[i])
			phase_detail(p, r, i, &d);
		else {	/* the phase it failed in: how long, and why */
			buf_adds(&d, "failed: ");
			line_clean(&d, session_failure(p->s), 0);
		}
		buf_printf(&p->line, "%-12s %9.3f  %s\n", login_phase_name(i),
		    ms(phase_us(r, i)), buf_str(&d));
		if (i == PHASE_TLS && r->cert_expires)
			buf_printf(&p->line, "%-12s %9s  certificate: subject "
			    "%s; issuer %s; expires in %ld day%s\n", "", "",
			    r->cert_subject, r->cert_issuer,
			    days_left(r->cert_expires),
			    days_left(r->cert_expires) == 1 ? "" : "s");
	}
	if (!p->logged_in && r->failed_us == 0) {	/* not in a phase */
		d.len = 0;
		line_clean(&d, session_failure(p->s), 0);
		buf_printf(&p->line, "%-12s %9s  %s\n", "failed", "",
		    buf_str(&d));
	}
	buf_printf(&p->line, "%-12s %9.3f\n", "total", ms(login_total_us(r)));
	flush_line(p);
	buf_free(&d);
}

static void
trace_json(struct pinger *p, const struct login_report *r)
{
	struct buf *b = &p->line;
	int i, n = 0;

	buf_adds(b, "{\"type\":\"login\"");
	json_field(b, "target", p->target);
	buf_printf(b, ",\"success\":%s", p->logged_in ? "true" : "false");
	json_field(b, "server", r->where);
	buf_printf(b, ",\"total_ms\":%.3f,\"phases\":[", ms(login_total_us(r)));
	for (i = 0; i < PHASE_COUNT; i++)
		if (phase_end(r, i))
			buf_printf(b, "%s{\"phase\":\"%s\",\"ms\":%.3f%s}",
			    n++ ? "," : "", login_phase_name(i),
			    ms(phase_us(r, i)), r->ended_us[i] ? "" :
			    ",\"failed\":true");
	buf_adds(b, "],\"features\":{");
	for (i = n = 0; i < PHASE_COUNT; i++)
		if (stage_of(i) && r->ended_us[i]) {
			buf_printf(b, "%s\"%s\":", n++ ? "," : "", stage_of(i));
			json_escape(b, features_of(r, i),
			    strlen(features_of(r, i)));
		}
	buf_adds(b, "}");
	if (r->tls_version[0]) {
		json_field(b, "tls_version", r->tls_version);
		json_field(b, "tls_cipher", r->tls_cipher);
	}
	if (r->cert_expires) {
		json_field(b, "cert_subject", r->cert_subject);
		json_field(b, "cert_issuer", r->cert_issuer);
		buf_printf(b, ",\"cert_expires\":%lld,\"cert_days\":%ld",
		    (long long)r->cert_expires, days_left(r->cert_expires));
	}
	if (r->mechanism[0]) {
		json_field(b, "sasl", r->mechanism);
		buf_printf(b, ",\"sasl2\":%s", r->sasl2 ? "true" : "false");
		if (r->binding[0])
			json_field(b, "channel_binding", r->binding);
		else
			buf_adds(b, ",\"channel_binding\":null");
		buf_printf(b, ",\"ssdp\":%s", r->ssdp == 1 ? "true" :
		    "false");
		json_field(b, "fast", fast_states[r->fast]);
	}
	if (p->logged_in)
		json_field(b, "jid", session_jid(p->s));
	else
		json_field(b, "error", session_failure(p->s));
	buf_adds(b, "}\n");
	flush_line(p);
}

/* ---- the pings */

/* A ping's fate, into the counts and the times. */
static void
count_fate(struct pinger *p, struct ping *pg, enum fate fate, int64_t rtt_us)
{
	double t = ms(rtt_us);

	pg->fate = fate;
	if (fate == LOST) {
		p->lost++;
		return;
	}
	if (fate == ERRED) {
		p->errors++;
		return;
	}
	if (p->replies++ == 0 || t < p->min)
		p->min = t;
	if (t > p->max)
		p->max = t;
	p->sum += t;
	p->sumsq += t * t;
}

static void
print_ping(struct pinger *p, struct ping *pg, const char *from,
    int64_t rtt_us, const char *why)
{
	struct buf who = { 0 };

	if (p->out == OUT_JSON) {
		buf_printf(&p->line, "{\"type\":\"ping\",\"seq\":%lu",
		    pg->seq);
		json_field(&p->line, "target", p->target);
		json_field(&p->line, "result", pg->fate == REPLIED ? "reply" :
		    pg->fate == ERRED ? "error" : "timeout");
		if (from)
			json_field(&p->line, "from", from);
		if (pg->fate != LOST)
			buf_printf(&p->line, ",\"time_ms\":%.3f", ms(rtt_us));
		if (why)
			json_field(&p->line, "error", why);
		buf_adds(&p->line, "}\n");
	} else if (p->out == OUT_TEXT && !p->quiet) {
		text_shown(&who, from ? from : p->target);
		if (pg->fate == REPLIED)
			buf_printf(&p->line, "reply from %s: seq=%lu "
			    "time=%.3f ms\n", who.p, pg->seq, ms(rtt_us));
		else if (pg->fate == ERRED)
			buf_printf(&p->line, "error from %s: seq=%lu "
			    "time=%.3f ms: %s\n", who.p, pg->seq, ms(rtt_us),
			    why);
		else
			buf_printf(&p->line, "no reply from %s: seq=%lu: "
			    "timed out after %.1f s\n", who.p, pg->seq,
			    ms(p->wait_us) / 1000);
	}
	buf_free(&who);
	if (p->line.len)
		flush_line(p);
}

/* The answer to a ping, or NULL: it went with a lost stream. */
static void
answered(struct session *s, xmpp_stanza_t *reply, void *arg)
{
	struct ping *pg = arg;
	struct pinger *p = pg->p;
	int64_t rtt = now_us() - pg->sent_us;
	const char *type = reply ? xmpp_stanza_get_type(reply) : NULL;
	struct buf why = { 0 };

	(void)s;
	if (pg->fate != PENDING)
		return;		/* too late: already counted lost */
	if (reply == NULL) {
		count_fate(p, pg, LOST, 0);
		print_ping(p, pg, NULL, 0, NULL);
		return;
	}
	if (type && strcmp(type, "result") == 0) {
		count_fate(p, pg, REPLIED, rtt);
		print_ping(p, pg, xmpp_stanza_get_from(reply), rtt, NULL);
		return;
	}
	stanza_error_desc(reply, &why);
	snprintf(p->error, sizeof(p->error), "%s", why.p);
	count_fate(p, pg, ERRED, rtt);
	print_ping(p, pg, xmpp_stanza_get_from(reply), rtt, why.p);
	buf_free(&why);
}

static void
send_ping(struct pinger *p)
{
	struct ping *pg = xcalloc(1, sizeof(*pg));

	if (p->npings == p->cap)
		p->pings = xgrow(p->pings, &p->cap, sizeof(*p->pings));
	p->pings[p->npings++] = pg;
	pg->p = p;
	pg->seq = p->npings;
	pg->sent_us = now_us();
	iq_send(p->s, "get", p->target, "<ping xmlns='urn:xmpp:ping'/>",
	    answered, pg);
}

/* Pings unanswered past -W are lost; returns the next such deadline. */
static int64_t
expire(struct pinger *p, int64_t now)
{
	int64_t next = INT64_MAX;
	size_t i;

	for (i = 0; i < p->npings; i++) {
		struct ping *pg = p->pings[i];

		if (pg->fate != PENDING)
			continue;
		if (now - pg->sent_us >= p->wait_us) {
			count_fate(p, pg, LOST, 0);
			print_ping(p, pg, NULL, 0, NULL);
		} else if (pg->sent_us + p->wait_us < next)
			next = pg->sent_us + p->wait_us;
	}
	return next;
}

static int
pending(struct pinger *p)
{
	return p->npings - p->replies - p->errors - p->lost > 0;
}

/* Sends count pings, interval apart, and waits for their fates. */
static int
ping_run(struct pinger *p)
{
	int64_t next_send = now_us(), now, wake, deadline;
	int r;

	for (;;) {
		/* a signal during the login too: no ping after it */
		if (signals_interrupted() || p->closed) {
			p->interrupted = signals_interrupted();
			return EX_OK;
		}
		now = now_us();
		if ((p->count == 0 || p->npings < p->count) &&
		    now >= next_send) {
			send_ping(p);
			next_send += p->interval_us;
			if (next_send < now)
				next_send = now;	/* never a burst */
		}
		deadline = expire(p, now);
		if (p->count && p->npings >= p->count && !pending(p))
			return EX_OK;
		wake = deadline;
		if ((p->count == 0 || p->npings < p->count) &&
		    next_send < wake)
			wake = next_send;
		/* round up: waking early would only turn the loop */
		r = session_step(p->s, -1, (int)((wake - now + 999) / 1000));
		if (r > 1)
			return r;
	}
}

/* ---- the end: a summary in the format asked for */

/* Of the pings sent and of those the stream failed before sending. */
static unsigned
loss_percent(const struct pinger *p)
{
	size_t all = p->npings + p->unsent;

	if (all == 0)
		return 100;
	return (unsigned)((all - p->replies) * 100 / all);
}

/* The pings were cut short, by a failed stream or a signal: after how
 * many, and why. */
static void
cut_short(const struct pinger *p, struct buf *b)
{
	buf_adds(b, p->failed ? "the stream failed" : "interrupted");
	if (p->npings == 0)
		buf_adds(b, " before the first ping");
	else if (p->count)
		buf_printf(b, " after %zu of %lu pings sent, %lu answered",
		    p->npings, p->count, p->replies);
	else
		buf_printf(b, " after %zu ping%s sent, %lu answered",
		    p->npings, p->npings == 1 ? "" : "s", p->replies);
	if (p->failed)
		buf_printf(b, ": %s", session_failure(p->s));
}

static double
avg(const struct pinger *p)
{
	return p->replies ? p->sum / p->replies : 0;
}

static double
mdev(const struct pinger *p)
{
	double a = avg(p), v;

	if (p->replies == 0)
		return 0;
	v = p->sumsq / p->replies - a * a;
	return v > 0 ? sqrt(v) : 0;
}

static void
summary_text(struct pinger *p)
{
	struct buf t = { 0 };

	buf_printf(&p->line, "\n--- %s xping statistics ---\n",
	    text_shown(&t, p->target));
	buf_printf(&p->line, "%zu sent, %lu received", p->npings,
	    p->replies);
	if (p->errors)
		buf_printf(&p->line, ", +%lu errors", p->errors);
	if (p->unsent)
		buf_printf(&p->line, ", %lu unsent", p->unsent);
	buf_printf(&p->line, ", %u%% loss, time %.0f ms\n", loss_percent(p),
	    ms(now_us() - p->began_us));
	if (p->replies)
		buf_printf(&p->line, "rtt min/avg/max/mdev = "
		    "%.3f/%.3f/%.3f/%.3f ms\n", p->min, avg(p), p->max,
		    mdev(p));
	if (p->failed) {
		cut_short(p, &p->line);
		buf_addc(&p->line, '\n');
	}
	flush_line(p);
	buf_free(&t);
}

static void
summary_json(struct pinger *p)
{
	struct buf *b = &p->line;

	buf_adds(b, "{\"type\":\"summary\"");
	json_field(b, "target", p->target);
	buf_printf(b, ",\"login\":%s", p->logged_in ? "true" : "false");
	if (p->logged_in)
		buf_printf(b, ",\"login_ms\":%.3f", ms(p->login_us));
	buf_printf(b, ",\"sent\":%zu,\"received\":%lu,\"errors\":%lu,"
	    "\"unsent\":%lu,\"loss_percent\":%u", p->npings, p->replies,
	    p->errors, p->unsent, loss_percent(p));
	if (p->replies)
		buf_printf(b, ",\"rtt_ms\":{\"min\":%.3f,\"avg\":%.3f,"
		    "\"max\":%.3f,\"mdev\":%.3f}", p->min, avg(p), p->max,
		    mdev(p));
	if (p->error[0])
		json_field(b, "error", p->error);
	if (p->failed)
		json_field(b, "stream_failed", session_failure(p->s));
	buf_adds(b, "}\n");
	flush_line(p);
}

/* A label value in the exposition format: \\, \" and \n escaped. */
static void
prom_label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

static void
prom_head(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
prom_target(struct buf *b, struct pinger *p, const char *name,
    const char *stat, double v)
{
	buf_printf(b, "%s{target=\"", name);
	prom_label(b, p->target);
	if (stat)
		buf_printf(b, "\",stat=\"%s", stat);
	buf_printf(b, "\"} %.9g\n", v);
}

static void
summary_prometheus(struct pinger *p)
{
	const struct login_report *r = session_login_report(p->s);
	struct buf *b = &p->line;
	int i;

	prom_head(b, "xmpp_probe_success", "Whether the target answered a "
	    "ping and the stream lasted until the pings were done (1), or "
	    "not (0).");
	prom_target(b, p, "xmpp_probe_success", NULL,
	    p->replies > 0 && !p->failed);
	prom_head(b, "xmpp_login_success", "Whether the login succeeded.");
	buf_printf(b, "xmpp_login_success %d\n", p->logged_in);
	prom_head(b, "xmpp_ping_sent", "Pings sent.");
	prom_target(b, p, "xmpp_ping_sent", NULL, p->npings);
	prom_head(b, "xmpp_ping_received", "Pings answered with a result.");
	prom_target(b, p, "xmpp_ping_received", NULL, p->replies);
	prom_head(b, "xmpp_ping_errors", "Pings answered with an error.");
	prom_target(b, p, "xmpp_ping_errors", NULL, p->errors);
	prom_head(b, "xmpp_ping_unsent", "Pings never sent: the stream "
	    "failed first.");
	prom_target(b, p, "xmpp_ping_unsent", NULL, p->unsent);
	if (p->replies) {
		prom_head(b, "xmpp_ping_rtt_seconds", "Round-trip time of "
		    "the pings answered: min, avg, max, mdev.");
		prom_target(b, p, "xmpp_ping_rtt_seconds", "min", p->min / 1e3);
		prom_target(b, p, "xmpp_ping_rtt_seconds", "avg", avg(p) / 1e3);
		prom_target(b, p, "xmpp_ping_rtt_seconds", "max", p->max / 1e3);
		prom_target(b, p, "xmpp_ping_rtt_seconds", "mdev",
		    mdev(p) / 1e3);
	}
	prom_head(b, "xmpp_login_seconds", "Time each phase of the login "
	    "took, and the whole.");
	for (i = 0; i < PHASE_COUNT; i++)
		if (phase_end(r, i))
			buf_printf(b, "xmpp_login_seconds{phase=\"%s\"} %.9g\n",
			    login_phase_name(i), phase_us(r, i) / 1e6);
	buf_printf(b, "xmpp_login_seconds{phase=\"total\"} %.9g\n",
	    login_total_us(r) / 1e6);
	if (r->cert_expires) {
		prom_head(b, "xmpp_cert_expiry_timestamp_seconds", "When the "
		    "server's certificate expires, in Unix time.");
		buf_adds(b, "xmpp_cert_expiry_timestamp_seconds{subject=\"");
		prom_label(b, r->cert_subject);
		buf_adds(b, "\",issuer=\"");
		prom_label(b, r->cert_issuer);
		buf_printf(b, "\"} %lld\n", (long long)r->cert_expires);
	}
	if (r->tls_version[0]) {
		prom_head(b, "xmpp_tls_info", "The TLS version and cipher "
		    "agreed on.");
		buf_adds(b, "xmpp_tls_info{version=\"");
		prom_label(b, r->tls_version);
		buf_adds(b, "\",cipher=\"");
		prom_label(b, r->tls_cipher);
		buf_adds(b, "\"} 1\n");
	}
	flush_line(p);
}

/* ---- --plugin: one status line with performance data */

/* -w/-c "RTT[,LOSS%]": alert above RTT ms, or above LOSS percent. */
static void
limit_arg(struct limit *l, const char *arg, const char *opt)
{
	struct buf shown = { 0 };	/* it goes on the status line too */
	const char *all = arg;
	char *end;

	errno = 0;
	l->rtt = strtod(arg, &end);
	if (end == arg || errno || l->rtt < 0)
		errx(PLUGIN_UNKNOWN, "%s %s: not a round-trip time in ms",
		    opt, text_shown(&shown, all));
	l->loss = -1;
	if (*end == ',') {
		arg = end + 1;
		l->loss = strtod(arg, &end);
		if (end == arg || l->loss < 0 || l->loss > 100 ||
		    (*end != '%' && *end != '\0') ||
		    (*end == '%' && end[1] != '\0'))
			errx(PLUGIN_UNKNOWN, "%s %s: not a loss percentage",
			    opt, text_shown(&shown, all));
	} else if (*end != '\0')
		errx(PLUGIN_UNKNOWN, "%s %s: not RTT[,LOSS%%]", opt,
		    text_shown(&shown, all));
}

/*
 * A WARNING above CRITICAL is a mistake, and most likely the new -c
 * COUNT -w WAIT taken as this release's old thresholds under --plugin.
 */
static void
limits_check(const struct pinger *p)
{
	const char *hint = plugin_old_letters ? " (with --plugin, -w and -c "
	    "are still the thresholds: --count and --wait are the others)" :
	    "";

	if (p->warn.rtt >= 0 && p->crit.rtt >= 0 && p->warn.rtt > p->crit.rtt)
		errx(PLUGIN_UNKNOWN, "--warning %g ms is above --critical %g "
		    "ms%s", p->warn.rtt, p->crit.rtt, hint);
	if (p->warn.loss >= 0 && p->crit.loss >= 0 &&
	    p->warn.loss > p->crit.loss)
		errx(PLUGIN_UNKNOWN, "--warning %g%% loss is above --critical "
		    "%g%%%s", p->warn.loss, p->crit.loss, hint);
}

static void
threshold(struct buf *b, double v)
{
	if (v >= 0)
		buf_printf(b, "%g", v);
}

/* Raises *state to st, noting why. */
static void
worse(int *state, int st, struct buf *why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
worse(int *state, int st, struct buf *why, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (st > *state || (*state == PLUGIN_OK && st == PLUGIN_OK))
		*state = st;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st != PLUGIN_OK)
		buf_printf(why, "%s%s", why->len ? ", " : "", msg);
}

/* An exit code that is no fault of the server's: UNKNOWN. */
static int
not_the_servers(int rc)
{
	return rc == EX_CONFIG || rc == EX_USAGE || rc == EX_SOFTWARE ||
	    rc == EX_OSERR;
}

/*
 * The worst of the reasons, each said. Pings cut short come first: a
 * stream that failed (CRITICAL), or a signal (UNKNOWN: the check did not
 * finish, whatever it found so far). No reply and loss then follow from
 * it, and are not said again unless a threshold asks.
 */
static int
plugin_state(struct pinger *p, long days, struct buf *why)
{
	int st = PLUGIN_OK, cut = p->failed || p->interrupted;
	double a = avg(p), loss = loss_percent(p);
	struct buf c = { 0 };

	if (cut) {
		cut_short(p, &c);
		worse(&st, p->interrupted || not_the_servers(p->failed) ?
		    PLUGIN_UNKNOWN : PLUGIN_CRITICAL, why, "%s", buf_str(&c));
		buf_free(&c);
	}
	if (p->replies == 0 && !cut)
		worse(&st, PLUGIN_CRITICAL, why, "no reply%s%s",
		    p->error[0] ? ": " : "", p->error);
	else if (p->crit.rtt >= 0 && a > p->crit.rtt)
		worse(&st, PLUGIN_CRITICAL, why, "rtt %.3f ms > %g ms", a,
		    p->crit.rtt);
	else if (p->warn.rtt >= 0 && a > p->warn.rtt)
		worse(&st, PLUGIN_WARNING, why, "rtt %.3f ms > %g ms", a,
		    p->warn.rtt);
	if (p->replies && p->crit.loss >= 0 && loss > p->crit.loss)
		worse(&st, PLUGIN_CRITICAL, why, "loss %g%% > %g%%", loss,
		    p->crit.loss);
	else if (p->replies && p->warn.loss >= 0 && loss > p->warn.loss)
		worse(&st, PLUGIN_WARNING, why, "loss %g%% > %g%%", loss,
		    p->warn.loss);
	else if (p->replies && p->warn.loss < 0 && loss > 0 && !cut)
		worse(&st, PLUGIN_WARNING, why, "loss %g%%", loss);
	want_check(p, &st, why);
	if (days != LONG_MIN && p->cert_crit >= 0 && days < p->cert_crit)
		worse(&st, PLUGIN_CRITICAL, why, "certificate expires in %ld "
		    "day%s (< %ld)", days, days == 1 ? "" : "s", p->cert_crit);
	else if (days != LONG_MIN && p->cert_warn >= 0 && days < p->cert_warn)
		worse(&st, PLUGIN_WARNING, why, "certificate expires in %ld "
		    "day%s (< %ld)", days, days == 1 ? "" : "s", p->cert_warn);
	return st;
}

/* --want: each of the login's missing properties is a WARNING. */
static void
want_check(struct pinger *p, int *st, struct buf *why)
{
	const struct login_report *r = session_login_report(p->s);

	if ((p->want & WANT_SASL2) && !r->sasl2)
		worse(st, PLUGIN_WARNING, why, "login without SASL2");
	if ((p->want & WANT_BINDING) && !r->binding[0])
		worse(st, PLUGIN_WARNING, why, "login without channel binding");
	/* a token's login has no SCRAM, and no offer to protect */
	if ((p->want & WANT_SSDP) && r->ssdp != 1 && r->fast != FAST_USED)
		worse(st, PLUGIN_WARNING, why, "no downgrade protection "
		    "(SSDP)");
	if ((p->want & WANT_FAST) && r->fast == FAST_NONE)
		worse(st, PLUGIN_WARNING, why, "no FAST token offered");
}

/* --want LIST: sasl2, binding, ssdp, fast; commas between. */
static int
want_arg(const char *arg)
{
	size_t i, w;
	int want = 0;

	for (; *arg; arg += w + (arg[w] == ',')) {
		w = strcspn(arg, ",");
		for (i = 0; i < sizeof(want_words) / sizeof(want_words[0]); i++)
			if (strlen(want_words[i]) == w &&
			    strncmp(want_words[i], arg, w) == 0)
				break;
		if (i == sizeof(want_words) / sizeof(want_words[0]) || w == 0)
			bad_value(arg, "sasl2, binding, ssdp or fast, commas "
			    "between");
		want |= 1 << i;
	}
	return want;
}

static void
perfdata(struct pinger *p, struct buf *b, long days)
{
	const struct login_report *r = session_login_report(p->s);

	/* no reply, no round trip: U, "could not be determined" */
	if (p->replies)
		buf_printf(b, "|rtt=%.3fms;", avg(p));
	else
		buf_adds(b, "|rtt=U;");
	threshold(b, p->warn.rtt);
	buf_addc(b, ';');
	threshold(b, p->crit.rtt);
	buf_printf(b, ";0 loss=%u%%;", loss_percent(p));
	threshold(b, p->warn.loss);
	buf_addc(b, ';');
	threshold(b, p->crit.loss);
	buf_printf(b, ";0;100 login=%.6fs;;;0", login_total_us(r) / 1e6);
	if (days != LONG_MIN) {
		buf_printf(b, " cert_days=%ld;", days);
		if (p->cert_warn >= 0)
			buf_printf(b, "%ld:", p->cert_warn);
		buf_addc(b, ';');
		if (p->cert_crit >= 0)
			buf_printf(b, "%ld:", p->cert_crit);
	}
}

/* The one line a plugin prints: its state, text, performance data. */
static void
plugin_say(struct pinger *p, int st, const char *text, const char *perf)
{
	buf_printf(&p->line, "XMPP %s - ", plugin_states[st]);
	line_clean(&p->line, text, 1);
	if (plugin_old_letters)
		buf_printf(&p->line, " (%s: deprecated, use --warning and "
		    "--critical)", plugin_old_letters);
	buf_printf(&p->line, "%s\n", perf);
	flush_line(p);
	plugin_said = 1;
}

static int
summary_plugin(struct pinger *p)
{
	const struct login_report *r = session_login_report(p->s);
	long days = r->cert_expires ? days_left(r->cert_expires) : LONG_MIN;
	struct buf why = { 0 }, t = { 0 }, text = { 0 }, perf = { 0 };
	int st = plugin_state(p, days, &why);

	buf_printf(&text, "%s: ", text_shown(&t, p->target));
	if (why.len)
		buf_printf(&text, "%s; ", why.p);
	if (p->replies)
		buf_printf(&text, "rtt %.3f ms, ", avg(p));
	buf_printf(&text, "%u%% loss, login %.1f ms", loss_percent(p),
	    ms(login_total_us(r)));
	if (days != LONG_MIN && !why.len)
		buf_printf(&text, ", certificate expires in %ld day%s",
		    days, days == 1 ? "" : "s");
	perfdata(p, &perf, days);
	plugin_say(p, st, buf_str(&text), buf_str(&perf));
	buf_free(&why);
	buf_free(&t);
	buf_free(&text);
	buf_free(&perf);
	return st;
}

/*
 * The login failed: the plugin's CRITICAL, with the reason; UNKNOWN
 * where the fault is not the server's (the configuration, ours), with
 * the reason too: Nagios shows no stderr. A login that never finished
 * has no login time: U.
 */
static int
plugin_failed(struct pinger *p, int rc)
{
	/* a signal before the login was done: the check did not finish */
	int st = not_the_servers(rc) || signals_interrupted() ?
	    PLUGIN_UNKNOWN : PLUGIN_CRITICAL;
	const char *why = p->s && *session_failure(p->s) ?
	    session_failure(p->s) : stderr_last();
	const struct login_report *r = p->s ? session_login_report(p->s) :
	    NULL;
	struct buf t = { 0 }, text = { 0 }, perf = { 0 };

	if (p->target)
		buf_printf(&text, "%s: ", text_shown(&t, p->target));
	if (st == PLUGIN_CRITICAL)
		buf_adds(&text, "login failed: ");
	buf_adds(&text, *why ? why : "no reason given");
	if (st == PLUGIN_CRITICAL && r)
		buf_printf(&text, ", after %.1f ms", ms(login_total_us(r)));
	if (r)
		buf_adds(&perf, "|login=U;;;0");
	plugin_say(p, st, buf_str(&text), buf_str(&perf));
	buf_free(&t);
	buf_free(&text);
	buf_free(&perf);
	return st;
}

/*
 * --plugin, at exit: a process that ends before saying its status (a
 * bad option, threshold or target; errx here or in the library) says
 * UNKNOWN, with what it last said on stderr, which Nagios never shows.
 * A status line that cannot be written is 74, said, as on every other
 * exit; the status exit(3) was given can only be changed by _exit, and
 * nothing is left to flush but stdout, which failed.
 */
static void
plugin_last_word(int status, void *arg)
{
	struct pinger p = { 0 };

	(void)arg;
	if (plugin_said || status == EX_OK)
		return;
	plugin_say(&p, PLUGIN_UNKNOWN, *stderr_last() ? stderr_last() :
	    "a bad command line", "");
	buf_free(&p.line);
	if (output_lost(status) != status)
		_exit(stdout_done(EX_IOERR));
}

/* ---- main */

static double
seconds_arg(const char *arg, double min, const char *opt)
{
	struct buf shown = { 0 };
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !(v >= min) || v > 86400)
		errx(usage_rc, "%s %s: must be seconds, %g to 86400", opt,
		    text_shown(&shown, arg), min);
	return v;
}

/* Pings still unanswered at the end (a signal, a lost stream) are lost,
 * and what comes for them later goes unsaid. */
static void
abandon(struct pinger *p)
{
	size_t i;

	for (i = 0; i < p->npings; i++)
		if (p->pings[i]->fate == PENDING)
			count_fate(p, p->pings[i], LOST, 0);
}

/*
 * The summary, and the exit status, of the format asked for. Logged in,
 * a failure is the stream's, before the pings were done: those it left
 * unsent are lost too.
 */
static int
finish(struct pinger *p, int rc)
{
	abandon(p);
	if (p->logged_in && rc != EX_OK) {
		p->failed = rc;
		if (p->count > p->npings)
			p->unsent = p->count - p->npings;
	}
	if (p->out == OUT_PLUGIN)
		return p->logged_in ? summary_plugin(p) : plugin_failed(p, rc);
	if (p->out == OUT_PROMETHEUS && p->s)
		summary_prometheus(p);
	else if (p->out == OUT_JSON && p->logged_in)
		summary_json(p);
	else if (p->out == OUT_TEXT && p->logged_in)
		summary_text(p);
	if (rc != EX_OK || !p->logged_in)
		return PING_ERROR;
	return p->replies ? PING_REPLY : PING_NONE;
}

static void
header_text(struct pinger *p)
{
	struct buf t = { 0 }, j = { 0 }, w = { 0 };

	buf_printf(&p->line, "PING %s as %s via %s: login %.3f ms\n",
	    text_shown(&t, p->target), text_shown(&j, session_jid(p->s)),
	    text_shown(&w, session_login_report(p->s)->where),
	    ms(p->login_us));
	flush_line(p);
	buf_free(&t);
	buf_free(&j);
	buf_free(&w);
}

static int
sm_answered(struct session *s, void *arg)
{
	(void)arg;
	return session_login_report(s)->sm != SM_ASKED;
}

/* Logged in: the login's report, then the pings. */
static int
probe(struct pinger *p)
{
	const struct login_report *r = session_login_report(p->s);
	int rc;

	/* stream management is answered after the login, and is its last
	 * phase: a login that fails there failed */
	if ((rc = session_until(p->s, sm_answered, NULL, "stream management"))
	    != EX_OK) {
		p->logged_in = 0;
		return rc;
	}
	p->login_us = login_total_us(r);
	if (p->out == OUT_TEXT)
		header_text(p);
	if (p->trace && p->out == OUT_TEXT)
		trace_text(p, r);
	else if (p->trace && p->out == OUT_JSON)
		trace_json(p, r);
	return ping_run(p);
}

/*
 * Whether --plugin, or an abbreviation of it getopt_long would take,
 * is on the command line: looked for before the options are read, so
 * that an error in any of them already exits UNKNOWN.
 */
static int
is_plugin(int argc, char *argv[])
{
	size_t len;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		len = strlen(argv[i]);
		if (len >= 4 && len <= 8 &&
		    strncmp(argv[i], "--plugin", len) == 0)
			return 1;
	}
	return 0;
}

/*
 * --logout: the account's FAST tokens, every tool's, invalidated at the
 * server and deleted here. No password is needed for that.
 */
static int
logout_all(struct common_opts *o)
{
	struct account acct;
	struct buf shown = { 0 };
	int rc, n = 0;

	o->acct.password_later = 1;
	if ((rc = account_load(&acct, &o->acct)) != EX_OK)
		return stdout_done(rc == EX_SOFTWARE ? rc : PING_ERROR);
	rc = session_logout(&acct, o, &n);
	if (n >= 0)
		printf("%d FAST token%s of %s deleted\n", n, n == 1 ? "" : "s",
		    text_shown(&shown, acct.jid));
	buf_free(&shown);
	account_free(&acct);
	/* ping(8)'s codes, as the rest of xping: 2 for any failure */
	return stdout_done(rc == EX_OK || rc == EX_SOFTWARE ? rc : PING_ERROR);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "interval", required_argument, NULL, 'i' },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "warning", required_argument, NULL, OPT_WARNING },
		{ "critical", required_argument, NULL, OPT_CRITICAL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "plugin", no_argument, NULL, OPT_PLUGIN },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "cert-warning", required_argument, NULL, OPT_CERT_WARN },
		{ "cert-critical", required_argument, NULL, OPT_CERT_CRIT },
		{ "cert-warn", required_argument, NULL, OPT_OLD_CERT_WARN },
		{ "cert-crit", required_argument, NULL, OPT_OLD_CERT_CRIT },
		{ "want", required_argument, NULL, OPT_WANT },
		{ "logout", no_argument, NULL, OPT_LOGOUT },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct pinger p = { .warn = { -1, -1 }, .crit = { -1, -1 },
	    .cert_warn = -1, .cert_crit = -1 };
	struct common_opts o;
	struct account acct;
	const char *count = NULL, *warn = NULL, *crit = NULL, *c_arg = NULL;
	const char *w_arg = NULL, *wait_arg = NULL;
	/* the options as typed, for errors */
	char count_opt[64], wait_opt[64], warn_opt[64] = "-w";
	char crit_opt[64] = "-c";
	int logout = 0;
	enum output format = OUT_TEXT;
	double interval = 1;
	const char *why;
	char *domain = NULL;
	int ch, rc;

	stdfd_sanitise();
	signals_init();
	common_init(&o);
	o.agent = AGENT_NEVER;	/* it times logins: only with --agent */
	if (is_plugin(argc, argv)) {
		usage_rc = PLUGIN_UNKNOWN;
		stderr_remember();
		on_exit(plugin_last_word, NULL);
	}
	common_usage_code(usage_rc);
	while ((ch = common_getopt(argc, argv, "c:hi:W:w:" COMMON_SHORTOPTS,
	    longopts)) != -1) {
		switch (ch) {
		case 'h':
			usage(EX_OK);
		case OPT_HELP:
			help_print(usage_lines, help, HELP_OWN_QUIET);
		case 'c':
			c_arg = optarg;	/* a count, or --plugin's old -c */
			break;
		case OPT_COUNT:
			count = optarg;
			strlcpy(count_opt, option_typed(), sizeof(count_opt));
			break;
		case 'i':
			interval = seconds_arg(optarg, 0.001, option_typed());
			break;
		case 'W':
			deprecated("-W", "-w");
			/* FALLTHROUGH */
		case OPT_WAIT:
			wait_arg = optarg;
			strlcpy(wait_opt, option_typed(), sizeof(wait_opt));
			break;
		case 'w':
			w_arg = optarg;	/* the wait, or --plugin's old -w */
			break;
		case OPT_WARNING:
			warn = optarg;
			strlcpy(warn_opt, option_typed(), sizeof(warn_opt));
			break;
		case OPT_CRITICAL:
			crit = optarg;
			strlcpy(crit_opt, option_typed(), sizeof(crit_opt));
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				format = OUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				format = OUT_JSON;
			else if (strcmp(optarg, "prometheus") == 0)
				format = OUT_PROMETHEUS;
			else
				bad_value(optarg, "text, json or prometheus");
			break;
		case OPT_PLUGIN:
			p.out = OUT_PLUGIN;
			break;
		case OPT_TRACE:
			p.trace = 1;
			break;
		case OPT_OLD_CERT_WARN:
			deprecated("--cert-warn", "--cert-warning");
			/* FALLTHROUGH */
		case OPT_CERT_WARN:
			p.cert_warn = number_arg(optarg, 0, 100000,
			    option_typed());
			break;
		case OPT_OLD_CERT_CRIT:
			deprecated("--cert-crit", "--cert-critical");
			/* FALLTHROUGH */
		case OPT_CERT_CRIT:
			p.cert_crit = number_arg(optarg, 0, 100000,
			    option_typed());
			break;
		case OPT_WANT:
			p.want = want_arg(optarg);
			break;
		case OPT_LOGOUT:
			logout = 1;
			break;
		default:
			if (!common_option(&o, ch, optarg))
				usage(EX_USAGE);
		}
	}
	if (o.show_cert && p.out == OUT_PLUGIN)
		errx(usage_rc, "--show-cert: not with --plugin");
	if (o.show_cert)
		return stdout_done(session_show_cert(&o) ? usage_rc : EX_OK);
	if (logout) {
		if (p.out == OUT_PLUGIN || argc > optind || p.trace)
			errx(usage_rc, "--logout: no target, --plugin or "
			    "--trace with it");
		return logout_all(&o);
	}
	if (argc - optind > 1) {
		warnx("%s: one target at most", text_shown(&p.line,
		    argv[optind + 1]));
		usage(EX_USAGE);
	}
	if (p.out == OUT_PLUGIN) {
		/* -w and -c were the thresholds: so for one release more */
		if (w_arg && !warn) {
			deprecated("-w with --plugin", "--warning");
			warn = w_arg;
		} else if (w_arg)
			errx(usage_rc, "-w and --warning: one of them");
		if (c_arg && !crit) {
			deprecated("-c with --plugin", "--critical");
			crit = c_arg;
		} else if (c_arg)
			errx(usage_rc, "-c and --critical: one of them");
		if (w_arg || c_arg)
			plugin_old_letters = w_arg && c_arg ? "-w, -c" :
			    w_arg ? "-w" : "-c";
		if (format != OUT_TEXT)
			errx(usage_rc, "--format: not with --plugin");
		if (warn)
			limit_arg(&p.warn, warn, warn_opt);
		if (crit)
			limit_arg(&p.crit, crit, crit_opt);
		limits_check(&p);
	} else {
		if (warn || crit || p.cert_warn >= 0 || p.cert_crit >= 0 ||
		    p.want)
			errx(usage_rc, "--warning, --critical, --cert-warning, "
			    "--cert-critical and --want go with --plugin");
		p.out = format;
		if (count && c_arg)
			errx(usage_rc, "-c and --count: one of them");
		if (count == NULL)
			count = c_arg;
		if (wait_arg && w_arg)
			errx(usage_rc, "-w and --wait: one of them");
		if (wait_arg == NULL)
			wait_arg = w_arg;
	}
	p.count = count ? number_arg(count, 1, 1LL << 40, count == c_arg ?
	    "-c" : count_opt) :
	    p.out == OUT_PLUGIN || p.out == OUT_PROMETHEUS ? 1 : 0;
	p.quiet = o.quiet;
	p.interval_us = interval * 1e6;
	if (o.keepalive < 0)
		o.keepalive = 0;

	p.target = argc > optind ? argv[optind] : NULL;
	if (p.target && (why = jid_check(p.target)) != NULL)
		errx(usage_rc, "target %s: %s", text_shown(&p.line, p.target),
		    why);
	p.wait_us = (wait_arg ? seconds_arg(wait_arg, 0.001,
	    wait_arg == w_arg ? "-w" : wait_opt) :
	    o.timeout) * 1e6;

	if ((rc = account_load(&acct, &o.acct)) != EX_OK) {
		rc = finish(&p, rc);	/* --plugin says why, on stdout */
		buf_free(&p.line);
		return stdout_done(output_lost(rc));
	}
	if (p.target == NULL)
		p.target = domain = xstrndup(strchr(acct.jid, '@') + 1,
		    strcspn(strchr(acct.jid, '@') + 1, "/"));
	p.began_us = now_us();
	rc = session_start(&p.s, &acct, &o);
	account_forget_password(&acct);
	if (rc == EX_OK) {
		p.logged_in = 1;
		rc = probe(&p);
	}
	if (!p.logged_in && p.trace && p.s && p.out == OUT_TEXT)
		trace_text(&p, session_login_report(p.s));
	else if (!p.logged_in && p.trace && p.s && p.out == OUT_JSON)
		trace_json(&p, session_login_report(p.s));
	rc = finish(&p, rc);
	rc = output_lost(rc);
	/* the verdict is the pings': a close that fails is only said */
	if (p.s && !session_failed(p.s))
		session_close(p.s);
	session_free(p.s);
	account_free(&acct);
	for (size_t i = 0; i < p.npings; i++)
		free(p.pings[i]);
	free(p.pings);
	free(domain);
	buf_free(&p.line);
	return stdout_done(rc);
}
