/*
 * ptyrun: answer a terminal prompt, as a person would, for the tests.
 *
 *   ptyrun PROMPT ANSWER COMMAND [ARG...]
 *
 * Runs COMMAND on a new pseudo-terminal, copies what it writes there to
 * stdout, types ANSWER and a newline once PROMPT has appeared (not before:
 * a password prompt flushes what was typed ahead), and exits with
 * COMMAND's status. Gives up after 20 seconds.
 */
#include <sys/wait.h>

#include <err.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char seen[4096], chunk[512];
	size_t nseen = 0;
	int fd, status, answered = 0;
	struct pollfd pfd;
	ssize_t n;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: ptyrun prompt answer command [arg ...]\n");
		return 64;
	}
	if ((pid = forkpty(&fd, NULL, NULL, NULL)) == -1)
		err(71, "forkpty");
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		err(127, "%s", argv[3]);
	}
	alarm(20);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, -1) > 0) {
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			break;	/* EIO: the child closed the terminal */
		fwrite(chunk, 1, n, stdout);
		if (answered)
			continue;
		if (nseen + n >= sizeof(seen))
			nseen = 0;
		memcpy(seen + nseen, chunk, n);
		nseen += n;
		seen[nseen] = '\0';
		if (strstr(seen, argv[1])) {
			/* readpassphrase(3) turns echo off before it prompts */
			dprintf(fd, "%s\n", argv[2]);
			answered = 1;
		}
	}
	if (waitpid(pid, &status, 0) == -1)
		err(71, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
