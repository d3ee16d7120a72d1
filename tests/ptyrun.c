/*
 * ptyrun: answer a terminal prompt, as a person would, for the tests.
 *
 *   ptyrun [-e] [-i | -q] PROMPT ANSWER COMMAND [ARG...]
 *
 * Runs COMMAND on a new pseudo-terminal, copies what it writes there to
 * stdout, types ANSWER and a newline once PROMPT has appeared (not before:
 * a password prompt flushes what was typed ahead), and exits with
 * COMMAND's status. An empty PROMPT waits instead until COMMAND catches
 * SIGINT (the tools do from signals_init on): what is typed then is
 * theirs to read, and a ^C theirs to handle. An empty ANSWER types
 * nothing. With -i, the interrupt character (^C) is typed after it;
 * with -q, the quit character (^\\). With -e, a last line says whether
 * the terminal echoes once COMMAND is gone ("echo on", "echo off"): a
 * tool killed at its password prompt must not leave it silent.
 * Gives up after 20 seconds.
 */
#include <sys/wait.h>

#include <err.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Whether pid has a handler for SIGINT, as /proc says. */
static int
catches_sigint(pid_t pid)
{
	char path[64], line[256];
	unsigned long long caught = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigCgt: %llx", &caught) == 1)
			break;
	fclose(f);
	return (caught >> (SIGINT - 1)) & 1;
}

static void
type(int fd, const char *answer, char interrupt)
{
	if (*answer)
		dprintf(fd, "%s\n", answer);
	if (interrupt)
		write(fd, &interrupt, 1);
}

int
main(int argc, char *argv[])
{
	char seen[4096], chunk[512];
	size_t nseen = 0;
	int fd, status, answered = 0, echo = 0;
	char interrupt = 0;
	struct termios t;
	struct pollfd pfd;
	ssize_t n;
	pid_t pid;

	for (; argc > 1 && argv[1][0] == '-' && argv[1][1]; argv++, argc--)
		if (strcmp(argv[1], "-i") == 0)
			interrupt = '\003';
		else if (strcmp(argv[1], "-q") == 0)
			interrupt = '\034';
		else if (strcmp(argv[1], "-e") == 0)
			echo = 1;
		else
			break;
	if (argc < 4) {
		fprintf(stderr, "usage: ptyrun [-e] [-i | -q] prompt answer "
		    "command [arg ...]\n");
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
	/* no prompt: looked for between reads, 10 ms apart at most */
	while (poll(&pfd, 1, *argv[1] || answered ? -1 : 10) >= 0) {
		if (!answered && !*argv[1] && catches_sigint(pid)) {
			type(fd, argv[2], interrupt);
			answered = 1;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			break;	/* EIO: the child closed the terminal */
		fwrite(chunk, 1, n, stdout);
		if (answered || !*argv[1])
			continue;
		if (nseen + n >= sizeof(seen))
			nseen = 0;
		memcpy(seen + nseen, chunk, n);
		nseen += n;
		seen[nseen] = '\0';
		if (strstr(seen, argv[1])) {
			/* a password prompt turns echo off before it shows */
			type(fd, argv[2], interrupt);
			answered = 1;
		}
	}
	if (waitpid(pid, &status, 0) == -1)
		err(71, "waitpid");
	if (echo && tcgetattr(fd, &t) == 0)
		printf("echo %s\n", t.c_lflag & ECHO ? "on" : "off");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
