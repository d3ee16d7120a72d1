/*
 * recover.c: logging in again after a failure, as the tool's bounds
 * allow: a wait that doubles from attempt to attempt, a login that
 * resumes the stream where the server still holds it, and on a fresh
 * stream what the server forgot said again (the fresh-stream hooks:
 * presence, rooms), then what was unconfirmed sent again or dropped.
 * The bounds are per outage: once the server answers on the new
 * stream, the next failure starts with a full budget and the first wait.
 */
#include <err.h>
#include <stdlib.h>

#include "xmpputils.h"
#include "session.h"

void
session_on_fresh(struct session *s, session_fresh_hook *fn, void *arg)
{
	if (s->nfresh == s->capfresh)
		s->fresh = xgrow(s->fresh, &s->capfresh, sizeof(*s->fresh));
	s->fresh[s->nfresh].fn = fn;
	s->fresh[s->nfresh++].arg = arg;
}

void
session_off_fresh(struct session *s, session_fresh_hook *fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->nfresh; i++)
		if (s->fresh[i].fn == fn && s->fresh[i].arg == arg) {
			s->nfresh--;
			for (; i < s->nfresh; i++)
				s->fresh[i] = s->fresh[i + 1];
			return;
		}
}

int64_t
retry_delay(const struct retry *r, int n)
{
	int64_t ms = r->first_ms > 0 ? r->first_ms : 1;

	while (--n > 0 && ms < r->max_ms)
		ms *= 2;
	return ms < r->max_ms ? ms : r->max_ms;
}

/*
 * Worth another login: the stream failed in a way that may pass (the
 * server down, the link lost, a timeout), not a refusal that a new
 * login would meet again (the password, the config, a room).
 */
int
retry_worth(struct session *s, int rc)
{
	return s && s->failed && (rc == EX_TEMPFAIL || rc == EX_UNAVAILABLE);
}

int
session_may_pass(struct session *s, int rc)
{
	if (rc == EX_TEMPFAIL)
		return 1;
	return rc == EX_UNAVAILABLE && s && s->failed && !s->refused;
}

/* What the server forgot with the old stream, said again in order. */
static int
run_fresh_hooks(struct session *s)
{
	size_t i;
	int rc = EX_OK;

	for (i = 0; rc == EX_OK && i < s->nfresh; i++)
		rc = s->fresh[i].fn(s, s->fresh[i].arg);
	return rc;
}

static int
answered(struct session *s, void *arg)
{
	(void)arg;
	return s->answered;
}

/*
 * A login alone does not end an outage: a server may take one and go
 * down again at once, and a budget renewed by every login would never
 * run out. It ends once the server has answered something sent on the
 * new stream (an ack, a ping), within -T: a resumed stream is asked
 * anyway (delivery.c), a fresh one is asked here if nothing did yet.
 */
static int
answers(struct session *s)
{
	if (!s->answered)
		delivery_probe(s);
	return session_until(s, answered, NULL,
	    "the server to answer on the new stream");
}

static void
outage_over(struct session *s, int n, int64_t began)
{
	session_note(s, "back after %d attempt%s over %.1f s", n,
	    n == 1 ? "" : "s", (now_ms() - began) / 1000.0);
}

/* The budget is spent: the last word names the outage and its cause. */
static void
give_up(struct session *s, int n, int64_t began)
{
	warnx("giving up after %d attempt%s over %.1f s: %s", n,
	    n == 1 ? "" : "s", (now_ms() - began) / 1000.0,
	    session_failure(s));
}

int
session_recover_once(struct session *s, const struct retry *r)
{
	int rc;

	if ((rc = session_reconnect(s)) != EX_OK)
		return rc;
	if (!session_resumed(s)) {
		/* dropped first, so that a hook's own sync waits for none of
		 * it; resent last, once the rooms are joined again */
		if (!r->resend)
			session_resend(s, 1);
		if ((rc = run_fresh_hooks(s)) != EX_OK)
			return rc;
		if (r->resend)
			session_resend(s, 0);
	}
	return answers(s);
}

int
session_recover(struct session *s, const struct retry *r)
{
	int rc = s ? s->failed : EX_SOFTWARE, n = 0;
	int64_t ms, began = now_ms();

	while (retry_worth(s, rc) && !signals_interrupted()) {
		if (r->attempts != RETRY_FOREVER && n >= r->attempts) {
			if (n > 0)
				give_up(s, n, began);
			break;
		}
		ms = retry_delay(r, ++n);
		if (s->quiet)
			;	/* -q: the outage is said only if it lasts */
		else if (r->attempts != RETRY_FOREVER)
			warnx("reconnecting in %.1f s (attempt %d of %d)",
			    ms / 1000.0, n, r->attempts);
		else
			warnx("reconnecting in %.1f s (attempt %d)",
			    ms / 1000.0, n);
		if (signals_sleep(ms))
			break;
		s->retrying = s->quiet;
		rc = session_recover_once(s, r);
		s->retrying = 0;
		if (rc == EX_OK) {
			outage_over(s, n, began);
			break;
		}
	}
	return rc;
}

void
recover_free(struct session *s)
{
	free(s->fresh);
	s->fresh = NULL;
	s->nfresh = s->capfresh = 0;
}
