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
