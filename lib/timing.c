/*
 * timing.c: how a login went, phase by phase: when each ended, what the
 * TLS handshake agreed on, what each stream offered. Login marks the
 * phases as they end (a few clock reads, so it is always on); xping
 * --trace and its monitoring formats show it. "Why is XMPP slow" is
 * first a question of which of these took the time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "session.h"
#include "cert.h"

static const char *phase_names[PHASE_COUNT] = {
	[PHASE_DNS] = "dns",
	[PHASE_TCP] = "tcp",
	[PHASE_STREAM] = "stream",
	[PHASE_STARTTLS] = "starttls",
	[PHASE_TLS] = "tls",
	[PHASE_STREAM_TLS] = "stream_tls",
	[PHASE_SASL] = "sasl",
	[PHASE_STREAM_AUTH] = "stream_auth",
	[PHASE_BIND] = "bind",
	[PHASE_SM] = "sm",
};

const char *
login_phase_name(enum login_phase p)
{
	return p < PHASE_COUNT ? phase_names[p] : "?";
}

/*
 * The certificate is described when the report is asked for: parsing it
 * again costs a login ~2% more instructions, for what only xping shows.
 */
const struct login_report *
session_login_report(struct session *s)
{
	struct login_report *r = &s->report;

	if (s->report_pem) {
		cert_describe(s->report_pem, r->cert_subject,
		    sizeof(r->cert_subject), r->cert_issuer,
		    sizeof(r->cert_issuer), &r->cert_expires);
		free(s->report_pem);
		s->report_pem = NULL;
	}
	return r;
}

void
timing_begin(struct session *s)
{
	memset(&s->report, 0, sizeof(s->report));
	free(s->report_pem);
	s->report_pem = NULL;
	s->report.began_us = now_us();
}

void
timing_free(struct session *s)
{
	free(s->report_pem);
	s->report_pem = NULL;
}

/* A phase ends once: the first time counts. */
void
timing_mark(struct session *s, enum login_phase p)
{
	if (s->report.ended_us[p] == 0)
		s->report.ended_us[p] = now_us();
}

/*
 * The phase a login that stops now was in: the one after the last that
 * ended, as this login goes (direct TLS has no first stream, a server
 * without STARTTLS no TLS, a resumed stream no bind, one without stream
 * management no sm). PHASE_COUNT: none, the login was over.
 */
static enum login_phase
under_way(struct session *s)
{
	const struct login_report *r = &s->report;
	int last = -1, i;

	for (i = 0; i < PHASE_COUNT; i++)
		if (r->ended_us[i])
			last = i;
	switch (last) {
	case -1:
		return PHASE_DNS;
	case PHASE_TCP:
		return s->acct->tls && strcmp(s->acct->tls, "direct") == 0 ?
		    PHASE_TLS : PHASE_STREAM;
	case PHASE_STREAM:
		return strstr(r->features[STAGE_PLAIN], "starttls") ?
		    PHASE_STARTTLS : PHASE_SASL;
	case PHASE_STREAM_AUTH:
		return s->resuming ? PHASE_SM : PHASE_BIND;
	case PHASE_BIND:
		/* bound: only stream management, if it was asked for, is left */
		return s->report.sm == SM_ASKED ? PHASE_SM : PHASE_COUNT;
	}
	return last + 1;
}

/*
 * The login failed, or stream management (answered after it) did: the
 * phase under way ends now, and with it the login's time. Once: the
 * first failure is the one that counts. A stream that fails once the
 * login is over (bound, on a server without stream management) failed
 * in no phase of it.
 */
void
timing_failed(struct session *s)
{
	struct login_report *r = &s->report;
	enum login_phase p;

	if (r->began_us == 0 || r->failed_us || r->ended_us[PHASE_SM])
		return;
	if ((p = under_way(s)) == PHASE_COUNT)
		return;
	r->failed = p;
	r->failed_us = now_us();
}

/* Features whose element name alone says little, by namespace. */
static const struct {
	const char *ns, *label;
} labels[] = {
	{ "urn:xmpp:sm:2", "sm:2" },
	{ "urn:xmpp:sm:3", "sm:3" },
	{ "urn:xmpp:features:pre-approval", "pre-approval" },
	{ "urn:xmpp:features:rosterver", "rosterver" },
	{ "http://jabber.org/protocol/caps", "caps" },
	{ "urn:xmpp:csi:0", "csi" },
};

/* Appends name to the list, escaped: it is the server's word. */
static void
add_word(struct buf *b, const char *name)
{
	if (b->len)
		buf_addc(b, ' ');
	text_escape(b, name, strlen(name));
}

/* "mechanisms(SCRAM-SHA-1,PLAIN)", "starttls(required)", "sm", ... */
static void
describe_feature(struct buf *b, xmpp_stanza_t *f)
{
	const char *ns = xmpp_stanza_get_ns(f), *name = xmpp_stanza_get_name(f);
	xmpp_stanza_t *c;
	char *text;
	int inner = 0;
	size_t i;

	for (i = 0; ns && i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(ns, labels[i].ns) == 0)
			name = labels[i].label;
	add_word(b, name);
	for (c = xmpp_stanza_get_children(f); c; c = xmpp_stanza_get_next(c)) {
		if (!xmpp_stanza_is_tag(c))
			continue;
		if (strcmp(xmpp_stanza_get_name(c), "mechanism") == 0 &&
		    (text = xmpp_stanza_get_text(c)) != NULL) {
			buf_addc(b, inner++ ? ',' : '(');
			text_escape(b, text, strlen(text));
			xmpp_free(xmpp_stanza_get_context(c), text);
		} else if (strcmp(xmpp_stanza_get_name(c), "required") == 0) {
			buf_adds(b, inner++ ? ",required" : "(required");
		}
	}
	if (inner)
		buf_addc(b, ')');
}

/* What a stream's <stream:features/> offered, for the stage it is at. */
void
timing_features(struct session *s, xmpp_stanza_t *features, int stage)
{
	struct buf b = { 0 };
	xmpp_stanza_t *f;

	for (f = xmpp_stanza_get_children(features); f;
	    f = xmpp_stanza_get_next(f))
		if (xmpp_stanza_is_tag(f))
			describe_feature(&b, f);
	snprintf(s->report.features[stage], sizeof(s->report.features[0]),
	    "%s", b.len ? buf_str(&b) : "");
	buf_free(&b);
}

/* The handshake is done and the certificate read: what they were. */
void
timing_tls(struct session *s, const char *pem)
{
	struct login_report *r = &s->report;

	trust_agreed(r->tls_version, sizeof(r->tls_version), r->tls_cipher,
	    sizeof(r->tls_cipher));
	free(s->report_pem);
	s->report_pem = pem ? xstrdup(pem) : NULL;
}
