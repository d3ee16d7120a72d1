/*
 * timeit: run a command several times, from fork to exit, and print
 *
 *   MEDIAN_MS MIN_MS MAX_MS PEAK_RSS_KB FAILED_RUNS
 *
 *   timeit [-n runs] [-p copies] [-i stdin-file] [-o stdout-file]
 *       command [arg ...]
 *
 * Peak RSS is the largest ru_maxrss over the runs. Without -o the
 * command's stdout goes to /dev/null; stderr is left alone. With -p,
 * each run starts that many copies at once (each with its own stdin,
 * opened afresh) and lasts from the first fork to the last exit;
 * FAILED_RUNS then counts the copies that failed, over all runs.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	const char *in = "/dev/null", *out = "/dev/null";
	double *ms, t0;
	long peak = 0;
	int runs = 5, copies = 1, failed = 0, i, k, ch, status, fd;
	struct rusage ru;
	pid_t pid;

	while ((ch = getopt(argc, argv, "+n:p:i:o:")) != -1) {
		switch (ch) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'p':
			copies = atoi(optarg);
			break;
		case 'i':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			errx(64, "usage: timeit [-n runs] [-p copies] "
			    "[-i file] [-o file] command [arg ...]");
		}
	}
	if (optind == argc || runs < 1 || copies < 1)
		errx(64, "nothing to run");
	if ((ms = calloc(runs, sizeof(*ms))) == NULL)
		err(1, "calloc");
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		for (k = 0; k < copies; k++) {
			if ((pid = fork()) == -1)
				err(1, "fork");
			if (pid > 0)
				continue;
			if ((fd = open(in, O_RDONLY)) == -1 ||
			    dup2(fd, 0) == -1)
				err(127, "%s", in);
			if ((fd = open(out, O_WRONLY | O_CREAT | O_APPEND,
			    0644)) == -1 || dup2(fd, 1) == -1)
				err(127, "%s", out);
			execvp(argv[optind], argv + optind);
			err(127, "%s", argv[optind]);
		}
		for (k = 0; k < copies; k++) {
			if (wait4(-1, &status, 0, &ru) == -1)
				err(1, "wait4");
			if (ru.ru_maxrss > peak)
				peak = ru.ru_maxrss;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
		ms[i] = now_ms() - t0;
	}
	qsort(ms, runs, sizeof(*ms), cmp);
	printf("%.1f %.1f %.1f %ld %d\n", runs % 2 ? ms[runs / 2] :
	    (ms[runs / 2 - 1] + ms[runs / 2]) / 2, ms[0], ms[runs - 1], peak,
	    failed);
	free(ms);
	return 0;
}
