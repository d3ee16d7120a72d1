/* test_sasl: SCRAM and PLAIN against the RFCs' own examples. */
#include <string.h>

#include "xmpputils.h"
#include "sasl.h"
#include "unit.h"

static void
exchange(const char *mech, const char *cnonce, const char *server_first,
    const char *want_final, const char *server_final)
{
	struct scram sc;
	struct buf first = { 0 }, final = { 0 };
	const char *why = NULL;
	char bad[200];

	ok(scram_init(&sc, mech) == 0, "%s: known", mech);
	scram_first(&sc, "user", cnonce, &first);
	is_bytes(first.p, 12, "n,,n=user,r=", 12, "client-first prefix");
	ok(strcmp(first.p + 12, cnonce) == 0, "%s: client-first carries "
	    "the nonce", mech);
	ok(scram_final(&sc, "pencil", server_first, strlen(server_first),
	    &final, &why) == 0, "%s: server-first accepted", mech);
	is_str(buf_str(&final), want_final, "client-final as in the RFC");
	ok(scram_verify(&sc, server_final, strlen(server_final), &why) == 0,
	    "%s: the RFC's server signature verifies", mech);
	snprintf(bad, sizeof(bad), "%s", server_final);
	bad[3] = bad[3] == 'A' ? 'B' : 'A';
	ok(scram_verify(&sc, bad, strlen(bad), &why) == -1 && why &&
	    strstr(why, "signature"), "%s: a wrong server signature is "
	    "refused (%s)", mech, why ? why : "?");
	ok(scram_verify(&sc, "e=invalid-proof", 15, &why) == -1,
	    "%s: a server error is a failure", mech);
	scram_free(&sc);
	buf_free(&first);
	buf_free(&final);
}

static void
bad_servers(void)
{
	struct scram sc;
	struct buf first = { 0 }, out = { 0 };
	const char *why = NULL;
	static const char *cases[] = {
		"r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096",
		"r=abc,s=QSXCR+Q6sek8bf92,i=4096",	/* not longer than ours */
		"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=1",
		"r=abcXYZ,s=QSXCR+Q6sek8bf92",
		"r=abcXYZ,s=!!!,i=4096",
		"garbage",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scram_init(&sc, "SCRAM-SHA-1");
		first.len = 0;
		scram_first(&sc, "user", "abc", &first);
		out.len = 0;
		ok(scram_final(&sc, "pencil", cases[i], strlen(cases[i]), &out,
		    &why) == -1, "refuses server-first '%s' (%s)", cases[i],
		    why ? why : "?");
		scram_free(&sc);
	}
	buf_free(&first);
	buf_free(&out);
}

/* Channel binding: the gs2 header and c= as an independent SCRAM has it. */
static void
bindings(void)
{
	static const char *sfirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096";
	static const unsigned char cb[] = { 0, 1, 2, 3 };
	struct scram sc;
	struct buf first = { 0 }, final = { 0 };
	const char *why = NULL;

	ok(scram_init(&sc, "SCRAM-SHA-1-PLUS") == 0 && sc.plus,
	    "SCRAM-SHA-1-PLUS is known, and binds");
	scram_bind(&sc, "tls-exporter", cb, sizeof(cb), 1);
	scram_first(&sc, "user", "fyko+d2lbbFgONRv9qkxdawL", &first);
	is_str(buf_str(&first), "p=tls-exporter,,n=user,"
	    "r=fyko+d2lbbFgONRv9qkxdawL", "-PLUS: the gs2 header names the "
	    "binding");
	ok(scram_final(&sc, "pencil", sfirst, strlen(sfirst), &final,
	    &why) == 0, "-PLUS: server-first accepted");
	is_str(buf_str(&final), "c=cD10bHMtZXhwb3J0ZXIsLAABAgM=,"
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=BwREdJOeiPMmwx5ktqpShO1DpGo=", "-PLUS: c= carries the header "
	    "and the binding's data");
	ok(scram_verify(&sc, "v=8yFuJpAVFx+LmQpuYOLK3QVPBFU=", 30, &why) == 0,
	    "-PLUS: the server's signature covers the binding");
	scram_free(&sc);

	first.len = final.len = 0;
	scram_init(&sc, "SCRAM-SHA-1");
	scram_bind(&sc, NULL, NULL, 0, 1);
	scram_first(&sc, "user", "fyko+d2lbbFgONRv9qkxdawL", &first);
	is_bytes(first.p, 4, "y,,n", 4, "could bind, no -PLUS offered: y");
	scram_final(&sc, "pencil", sfirst, strlen(sfirst), &final, &why);
	is_str(buf_str(&final), "c=eSws,"
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=BjZF5dV+EkD3YCb3pH3IP8riMGw=", "y: c=eSws, and the proof "
	    "covers it");
	scram_free(&sc);
	first.len = 0;
	scram_init(&sc, "SCRAM-SHA-1");
	scram_bind(&sc, NULL, NULL, 0, 0);
	scram_first(&sc, "user", "abc", &first);
	is_bytes(first.p, 4, "n,,n", 4, "cannot bind: n");
	scram_free(&sc);
	buf_free(&first);
	buf_free(&final);
}

static void
ssdp(void)
{
	static const char *mechs[] = { "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS",
	    "PLAIN", "OAUTHBEARER" };
	static const char *cbs[] = { "tls-server-end-point", "tls-exporter" };
	static const char *stripped[] = { "SCRAM-SHA-1", "PLAIN",
	    "OAUTHBEARER" };
	struct scram sc;
	struct buf b = { 0 };
	const char *sf = "r=abcdef,s=QSXCR+Q6sek8bf92,i=4096,"
	    "h=BykYKb/HHtj4hycdAMiTZQoU5j0=";

	ssdp_string(&b, mechs, 4, cbs, 2);
	is_str(buf_str(&b), "OAUTHBEARER\x1ePLAIN\x1eSCRAM-SHA-1\x1e"
	    "SCRAM-SHA-1-PLUS\x1ftls-exporter\x1etls-server-end-point",
	    "SSDP: sorted, RS between, US before the bindings");
	scram_init(&sc, "SCRAM-SHA-1");
	ok(scram_ssdp(&sc, sf, strlen(sf), mechs, 4, cbs, 2) == 1,
	    "SSDP: the offer as the server hashed it matches");
	ok(scram_ssdp(&sc, sf, strlen(sf), stripped, 3, cbs, 2) == -1,
	    "SSDP: an offer with -PLUS stripped does not");
	ok(scram_ssdp(&sc, sf, strlen(sf), mechs, 4, cbs, 1) == -1,
	    "SSDP: a binding type stripped does not");
	ok(scram_ssdp(&sc, "r=abcdef,s=QSXCR+Q6sek8bf92,i=4096", 34, mechs,
	    4, cbs, 2) == 0, "SSDP: none sent is 0");
	ok(scram_ssdp(&sc, "r=a,s=b,i=4096,h=!!", 19, mechs, 4, cbs, 2) ==
	    -2, "SSDP: a malformed h is told apart");
	ok(scram_ssdp(&sc, "r=a,s=b,i=4096,h=AAAA", 21, mechs, 4, cbs, 2) ==
	    -2, "SSDP: so is a hash of the wrong length");
	scram_free(&sc);
	b.len = 0;
	ssdp_string(&b, mechs, 4, NULL, 0);
	scram_init(&sc, "SCRAM-SHA-256");
	ok(scram_ssdp(&sc, "r=a,s=b,i=1,h=/NFRT9gldnr1Xd/u66CkXdqu1wnLFWN0"
	    "RnATVz+72os=", 58, mechs, 4, NULL, 0) == 1,
	    "SSDP: no bindings, SHA-256");
	scram_free(&sc);
	buf_free(&b);
}

static void
fast(void)
{
	struct buf b = { 0 };
	static const unsigned char resp[] = { 0x88, 0x28, 0xbf, 0xa2, 0x42,
	    0xc3, 0xca, 0x66, 0xdb, 0x35, 0xb9, 0xf9, 0xa4, 0xa2, 0xa6, 0x4e,
	    0xed, 0xcd, 0x80, 0x46, 0x1a, 0x97, 0xac, 0x36, 0x5f, 0x36, 0x19,
	    0xa3, 0x8e, 0xc9, 0x0d, 0xed };
	static const unsigned char init[] = { 0x31, 0xa4, 0x0f, 0x95, 0xe2,
	    0x22, 0x58, 0x9a, 0xfb, 0x8c, 0x28, 0xc2, 0x12, 0x11, 0x94, 0x13,
	    0xc9, 0x9f, 0x15, 0x30, 0xed, 0x11, 0x45, 0x8f, 0x2c, 0xcd, 0x14,
	    0x19, 0x88, 0xee, 0x70, 0x9e };

	ok(ht_known("HT-SHA-256-NONE") && ht_known("HT-SHA-256-EXPR") &&
	    ht_known("HT-SHA-256-ENDP") && !ht_known("HT-SHA-256-UNIQ") &&
	    !ht_known("HT-SHA-3"), "HT: the mechanisms we know");
	ht_initiator(&b, "alice", "secret-token:fast-abc", NULL, 0);
	ok(b.len == 6 + 32 && memcmp(b.p, "alice\0", 6) == 0 &&
	    memcmp(b.p + 6, init, 32) == 0, "HT: user, NUL, "
	    "HMAC(token, Initiator)");
	ok(ht_verify("secret-token:fast-abc", "\x01\x02", 2, resp, 32) == 0,
	    "HT: the server's HMAC(token, Responder cb) verifies");
	ok(ht_verify("secret-token:fast-abd", "\x01\x02", 2, resp, 32) == -1,
	    "HT: another token's does not");
	ok(ht_verify("secret-token:fast-abc", "\x01\x02", 2, resp, 31) == -1,
	    "HT: a short answer does not");
	buf_free(&b);
}

static void
picking(void)
{
	static const char *p13[] = { "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS",
	    "PLAIN", "OAUTHBEARER" };
	static const char *all[] = { "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256",
	    "SCRAM-SHA-256-PLUS", "SCRAM-SHA-512" };
	static const char *plain[] = { "PLAIN", "DIGEST-MD5" };
	const char *m;

	is_str(sasl_pick(p13, 4, NULL, 1), "SCRAM-SHA-1-PLUS",
	    "pick: -PLUS when we can bind");
	is_str(sasl_pick(p13, 4, NULL, 0), "SCRAM-SHA-1",
	    "pick: not -PLUS when we cannot");
	is_str(sasl_pick(all, 5, NULL, 1), "SCRAM-SHA-256-PLUS",
	    "pick: a binding beats a longer hash");
	is_str(sasl_pick(all, 5, NULL, 0), "SCRAM-SHA-512",
	    "pick: else the longest hash");
	m = sasl_pick(p13, 4, "SCRAM-SHA-256-PLUS SCRAM-SHA-512-PLUS", 1);
	ok(m == NULL, "pick: a pin the offer does not meet: none");
	m = sasl_pick(all, 5, "scram-sha-256-plus,SCRAM-SHA-512-PLUS", 1);
	is_str(m ? m : "(null)", "SCRAM-SHA-256-PLUS", "pick: a pin met "
	    "(any case, commas)");
	ok(sasl_pick(all, 5, "PLAIN", 1) == NULL, "pick: never PLAIN "
	    "where SCRAM is offered, even pinned");
	is_str(sasl_pick(plain, 2, NULL, 1), "PLAIN", "pick: PLAIN where "
	    "nothing better is");
	ok(sasl_pick(plain, 2, "SCRAM-SHA-1", 1) == NULL, "pick: PLAIN "
	    "where the account does not allow it: none");
	ok(sasl_allowed(NULL, "X") && sasl_allowed(" A,, B ", "B") &&
	    !sasl_allowed("AB", "A") && !sasl_allowed("A", "AB"),
	    "allowed: whole names only");
}

int
main(void)
{
	struct buf b = { 0 }, d = { 0 };
	struct scram sc;

	/* RFC 5802, section 5 */
	exchange("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096",
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
	/* RFC 7677, section 3 */
	exchange("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	bad_servers();
	bindings();
	ssdp();
	fast();
	picking();
	ok(scram_init(&sc, "SCRAM-MD5") == -1, "an unknown mechanism");

	scram_init(&sc, "SCRAM-SHA-1");
	scram_first(&sc, "a,b=c", "n", &b);
	is_str(buf_str(&b), "n,,n=a=2Cb=3Dc,r=n", "',' and '=' escaped in "
	    "the user name");
	scram_free(&sc);

	b.len = 0;
	sasl_plain(&b, "tim", "tanstaaftanstaaf");
	is_str(buf_str(&b), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "PLAIN (RFC 4616)");
	ok(sasl_base64_decode(&d, b.p, b.len) == 0 && d.len == 21 &&
	    memcmp(d.p, "\0tim\0tanstaaftanstaaf", 21) == 0,
	    "base64 decodes back, padding and all");
	d.len = 0;
	ok(sasl_base64_decode(&d, "abc", 3) == -1, "base64 of a wrong length");
	buf_free(&b);
	buf_free(&d);
	return done_testing();
}
