/*
 * fuzz_lines: the stdin line reader, fed through a pipe in chunks whose
 * sizes come from the input. Every byte comes back exactly once, in
 * lines no longer than the limit, or counted in an overlong one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"

#define MAX 64		/* a small limit, so overlong lines happen */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lines l;
	const char *line;
	size_t len, at, chunk, got = 0, newlines = 0, i;
	int fds[2], r = 0;

	if (size < 1 || pipe(fds) == -1)
		return 0;
	chunk = data[0] % 16 + 1;	/* the first byte: how it arrives */
	data++;
	size--;
	for (i = 0; i < size; i++)
		newlines += data[i] == '\n';
	lines_init(&l, fds[0], MAX);
	for (at = 0; r != -1;) {
		if (at < size) {
			len = size - at < chunk ? size - at : chunk;
			if (write(fds[1], data + at, len) != (ssize_t)len)
				abort();
			at += len;
		} else if (fds[1] != -1) {
			close(fds[1]);
			fds[1] = -1;
		}
		if (lines_fill(&l) == -1)
			abort();
		while ((r = lines_next(&l, &line, &len)) == 1) {
			if (line == NULL ? len <= MAX : len > MAX)
				abort();
			if (line && memchr(line, '\n', len))
				abort();
			got++;
		}
		if (r == -1 && at < size)
			abort();	/* the end, before the input's */
	}
	/* one line per newline, and one more if the input ends without */
	if (got != newlines + (size > 0 && data[size - 1] != '\n'))
		abort();
	lines_free(&l);
	close(fds[0]);
	return 0;
}
