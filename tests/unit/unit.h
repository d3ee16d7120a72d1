/* unit.h: TAP for the C unit tests, in the spirit of tests/lib.sh. */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

static void
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++unit_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		unit_failed++;
}

/* Compares two byte strings, showing both when they differ. */
static void __attribute__((unused))
is_bytes(const char *got, size_t glen, const char *want, size_t wlen,
    const char *name)
{
	ok(glen == wlen && memcmp(got, want, wlen) == 0, "%s", name);
	if (glen != wlen || memcmp(got, want, wlen) != 0)
		printf("#   expected: %.*s\n#        got: %.*s\n", (int)wlen,
		    want, (int)glen, got);
}

static void __attribute__((unused))
is_str(const char *got, const char *want, const char *name)
{
	if (got == NULL || want == NULL) {
		ok(got == want, "%s", name);
		if (got != want)
			printf("#   expected: %s\n#        got: %s\n",
			    want ? want : "(null)", got ? got : "(null)");
		return;
	}
	is_bytes(got, strlen(got), want, strlen(want), name);
}

static int
done_testing(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed != 0;
}

#endif
