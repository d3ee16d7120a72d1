/* test_attach: the local name a downloaded URL gets, and --max-size. */
#include <stdlib.h>
#include <string.h>

#include "xmpputils.h"
#include "unit.h"

static void
test_local_name(void)
{
	static const struct {
		const char *url, *want, *name;
	} cases[] = {
		{ "https://h.example/f/abc/report.pdf", "report.pdf",
		    "the last path segment" },
		{ "https://h.example/a/b%20c.txt", "b_c.txt",
		    "percent-decoded, then the space made safe" },
		{ "https://h.example/a/..", "file", "a segment of .. alone" },
		{ "https://h.example/a/../", "file", "../: an empty segment" },
		{ "https://h.example/a/..%2f..%2fetc%2fpasswd", "_.._etc_passwd",
		    "..%2f: the slash decoded is no separator" },
		{ "https://h.example/%2e%2e%2f", "_", "%2e%2e%2f: no .., no /" },
		{ "https://h.example/%2E%2E", "file", "%2E%2E: nothing left" },
		{ "https://h.example/a%00b.sh", "a_b.sh", "%00: a NUL made safe" },
		{ "https://h.example/a%0a%1b[2J%7f.txt", "a___2J_.txt",
		    "control characters made safe" },
		{ "https://h.example/r%C3%A9sum%C3%A9.pdf", "r__sum__.pdf",
		    "UTF-8: each byte made safe" },
		{ "https://h.example/caf\xc3\xa9.txt", "caf__.txt",
		    "raw UTF-8 too" },
		{ "https://h.example/x/log.txt?sig=abc/def&x=../y", "log.txt",
		    "the query does not count" },
		{ "https://h.example/x/log.txt#../../frag", "log.txt",
		    "nor the fragment" },
		{ "https://h.example/x/log.txt?a#b", "log.txt",
		    "nor both" },
		{ "https://h.example", "file", "no path" },
		{ "https://h.example/", "file", "an empty path" },
		{ "https://h.example?q=1", "file", "a query and no path" },
		{ "https://h.example/.bashrc", "bashrc", "a dotfile: no dot" },
		{ "https://h.example/...hidden.tar.gz", "hidden.tar.gz",
		    "leading dots, all of them" },
		{ "https://h.example/%2e.ssh", "ssh", "an encoded leading dot" },
		{ "https://h.example/a%ZZb%4", "a_ZZb_4",
		    "a malformed escape is kept, its % made safe" },
		{ "https://user:pw@h.example:8443/d/x-y_z.1", "x-y_z.1",
		    "the authority does not count; - _ . kept" },
		{ "https://h.example/%2F", "_", "an encoded slash alone" },
		{ "https://h.example/-rf", "_rf", "a leading dash is not kept: "
		    "`rm *` in the directory would take it for an option" },
		{ "https://h.example/a-b", "a-b", "a dash inside is kept" },
	};
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		b.len = 0;
		attach_local_name(&b, cases[i].url);
		is_str(buf_str(&b), cases[i].want, cases[i].name);
	}
	buf_free(&b);
}

/* Whether every byte of s is one a name may have, and not first a dot. */
static int
safe(const char *s)
{
	return *s && *s != '.' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(s);
}

static void
test_long_names(void)
{
	struct buf url = { 0 }, b = { 0 };
	int i;

	buf_adds(&url, "https://h.example/");
	for (i = 0; i < 300; i++)
		buf_addc(&url, 'a' + i % 26);
	buf_adds(&url, ".log");
	attach_local_name(&b, buf_str(&url));
	ok(b.len == ATTACH_NAME_MAX, "a long name is cut to %d bytes (%zu)",
	    ATTACH_NAME_MAX, b.len);
	ok(strcmp(buf_str(&b) + b.len - 4, ".log") == 0 &&
	    strncmp(b.p, "abcdef", 6) == 0, "its start and extension kept");

	url.len = 0;
	buf_adds(&url, "https://h.example/x.");
	for (i = 0; i < 300; i++)
		buf_adds(&url, "%ff");
	b.len = 0;
	attach_local_name(&b, buf_str(&url));
	ok(b.len == ATTACH_NAME_MAX && safe(b.p),
	    "a long escaped extension: cut, safe");

	url.len = 0;
	buf_adds(&url, "https://h.example/");
	for (i = 0; i < 1000; i++)
		buf_adds(&url, "%2e");
	b.len = 0;
	attach_local_name(&b, buf_str(&url));
	is_str(buf_str(&b), "file", "a thousand encoded dots: file");
	buf_free(&url);
	buf_free(&b);
}

static void
test_numbered(void)
{
	static const struct {
		const char *name;
		unsigned n;
		const char *want;
	} cases[] = {
		{ "report.pdf", 1, "report-1.pdf" },
		{ "report.pdf", 12, "report-12.pdf" },
		{ "archive.tar.gz", 2, "archive.tar-2.gz" },
		{ "file", 3, "file-3" },
		{ "a.", 1, "a-1." },
		{ "_", 1, "_-1" },
	};
	struct buf b = { 0 }, name = { 0 };
	size_t i;
	int k;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		b.len = 0;
		attach_numbered_name(&b, cases[i].name, cases[i].n);
		is_str(buf_str(&b), cases[i].want, cases[i].want);
	}
	for (k = 0; k < ATTACH_NAME_MAX - 4; k++)
		buf_addc(&name, 'x');
	buf_adds(&name, ".txt");
	b.len = 0;
	attach_numbered_name(&b, buf_str(&name), 9999);
	ok(b.len == ATTACH_NAME_MAX && strcmp(b.p + b.len - 9,
	    "-9999.txt") == 0, "a numbered long name still fits: %s", b.p);
	buf_free(&b);
	buf_free(&name);
}

static void
test_size(void)
{
	static const struct {
		const char *s;
		uint64_t want;	/* 0: refused */
	} cases[] = {
		{ "1", 1 },
		{ "100", 100 },
		{ "10k", 10240 },
		{ "10K", 10240 },
		{ "100M", 104857600 },
		{ "2G", 2147483648ULL },
		{ "0", 0 },
		{ "", 0 },
		{ "k", 0 },
		{ "-1", 0 },
		{ "1.5M", 0 },
		{ "10m", 0 },
		{ "10MB", 0 },
		{ " 10", 0 },
		{ "99999999999999999999", 0 },
		{ "17179869184G", 0 },
	};
	uint64_t got;
	size_t i;
	const char *why;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		got = 0;
		why = attach_size_parse(cases[i].s, &got);
		if (cases[i].want)
			ok(why == NULL && got == cases[i].want,
			    "--max-size %s is %llu", cases[i].s,
			    (unsigned long long)cases[i].want);
		else
			ok(why != NULL, "--max-size '%s' refused", cases[i].s);
	}
}

int
main(void)
{
	test_local_name();
	test_long_names();
	test_numbered();
	test_size();
	return done_testing();
}
