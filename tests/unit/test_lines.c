/* test_lines: the stdin line reader, fed through a pipe. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "unit.h"

/* Writes chunks into a pipe, reading lines after each; returns them
 * joined with '|' ('#' for an overlong line). */
static char *
read_all(const char **chunks, size_t max)
{
	struct lines l;
	struct buf out = { 0 };
	const char *line;
	size_t len;
	int fds[2], r, i;

	if (pipe(fds) == -1)
		return NULL;
	lines_init(&l, fds[0], max);
	for (i = 0;; i++) {
		if (chunks[i])
			write(fds[1], chunks[i], strlen(chunks[i]));
		else
			close(fds[1]);
		lines_fill(&l);
		while ((r = lines_next(&l, &line, &len)) == 1) {
			if (line == NULL)
				buf_printf(&out, "#%lu|", l.lineno);
			else {
				buf_add(&out, line, len);
				buf_printf(&out, "@%lu|", l.lineno);
			}
		}
		if (r == -1 || chunks[i] == NULL)
			break;
	}
	close(fds[0]);
	lines_free(&l);
	buf_str(&out);
	return out.p;
}

static void
check(const char **chunks, size_t max, const char *want, const char *name)
{
	char *got = read_all(chunks, max);

	is_str(got, want, name);
	free(got);
}

/* lines_stop: whole lines, then the end; the part of a line after. */
static void
test_stop(void)
{
	struct lines l;
	const char *line;
	size_t len;
	int fds[2];

	if (pipe(fds) == -1)
		return;
	lines_init(&l, fds[0], 100);
	write(fds[1], "a\nb\npart", 8);
	lines_fill(&l);
	lines_stop(&l);
	ok(lines_next(&l, &line, &len) == 1 && len == 1 && *line == 'a',
	    "stopped: a whole line read before still comes");
	ok(lines_next(&l, &line, &len) == 1 && len == 1 && *line == 'b',
	    "and the next");
	ok(lines_next(&l, &line, &len) == -1,
	    "then the end: a line begun is not taken for a whole one");
	ok(lines_held(&l), "lines_held says one is held");
	ok(lines_partial(&l, &line, &len) == 1 && len == 4 &&
	    memcmp(line, "part", 4) == 0 && l.lineno == 3,
	    "lines_partial hands it over, as line 3");
	ok(lines_partial(&l, &line, &len) == 0, "once");
	ok(!lines_held(&l), "and then none is held");
	close(fds[0]);
	close(fds[1]);
	lines_free(&l);
}

int
main(void)
{
	const char *simple[] = { "one\ntwo\n", NULL };
	const char *split[] = { "par", "tial\nnext", " line\n", NULL };
	const char *noeol[] = { "a\nlast", NULL };
	const char *empty[] = { "\n\nx\n", NULL };
	const char *longl[] = { "short\n", "0123456789abcdef", "XYZ",
	    "tail\nafter\n", NULL };
	const char *exact[] = { "12345678\n", NULL };
	const char *nothing[] = { NULL };
	const char *crlf[] = { "dos\r\n", NULL };
	const char *whole[] = { "0123456789\nok\n", NULL };

	check(simple, 100, "one@1|two@2|", "whole lines");
	check(split, 100, "partial@1|next line@2|",
	    "a line split across reads comes out whole, when its newline comes");
	check(noeol, 100, "a@1|last@2|", "a last line without a newline");
	check(empty, 100, "@1|@2|x@3|", "empty lines are lines");
	check(longl, 8, "short@1|#2|after@3|",
	    "an overlong line is reported once and skipped to its end");
	check(whole, 8, "#1|ok@2|",
	    "an overlong line read whole in one go is reported too");
	check(exact, 8, "12345678@1|", "a line of exactly max bytes is fine");
	check(nothing, 8, "", "no input, no lines");
	check(crlf, 100, "dos\r@1|", "a carriage return stays part of the line");
	test_stop();
	return done_testing();
}
