/*
 * test_upload: what an upload service's answer may make xsend do (the
 * slot it hands out, the headers it asks for) and the names and types
 * a file is announced with.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "unit.h"

static xmpp_ctx_t *ctx;

/* Parses xml as a slot: NULL (taken) or why not; *slot filled. */
static const char *
parse(const char *xml, int insecure, struct upload_slot *slot)
{
	xmpp_stanza_t *st = xmpp_stanza_new_from_string(ctx, xml);
	const char *why;

	why = upload_slot_parse(st, insecure, slot);
	if (st)
		xmpp_stanza_release(st);
	return why;
}

#define SLOT_OPEN "<slot xmlns='urn:xmpp:http:upload:0'>"
#define GET "<get url='https://up.example/f/a.log'/>"

static void
slots(void)
{
	struct upload_slot slot;
	const char *why;
	struct buf big = { 0 };
	int i;

	why = parse(SLOT_OPEN "<put url='https://up.example/f/a.log'>"
	    "<header name='Authorization'>Bearer abc</header>"
	    "<header name='Cookie'>k=v</header>"
	    "<header name='Expires'>Wed, 21 Oct 2015 07:28:00 GMT</header>"
	    "<header name='X-Evil'>1</header>"
	    "<header name='Host'>elsewhere.example</header>"
	    "</put>" GET "</slot>", 0, &slot);
	is_str(why, NULL, "a slot with the three allowed headers is taken");
	is_str(slot.put, "https://up.example/f/a.log", "its PUT URL");
	is_str(slot.get, "https://up.example/f/a.log", "its GET URL");
	ok(slot.nheaders == 3, "only the XEP's three headers are kept (%d)",
	    slot.nheaders);
	is_str(slot.nheaders > 0 ? slot.headers[0] : NULL,
	    "Authorization: Bearer abc", "Authorization, as a header line");
	is_str(slot.nheaders > 1 ? slot.headers[1] : NULL, "Cookie: k=v",
	    "Cookie, as a header line");
	upload_slot_free(&slot);

	why = parse(SLOT_OPEN "<put url='https://up.example/p'>"
	    "<header name='authorization'>Bearer a&#13;&#10;Host: evil"
	    "</header></put>" GET "</slot>", 0, &slot);
	is_str(slot.nheaders == 1 ? slot.headers[0] : NULL,
	    "Authorization: Bearer aHost: evil",
	    "a header cannot smuggle a second one in with CR LF");
	upload_slot_free(&slot);

	why = parse(SLOT_OPEN "<put url='https://up.example/p'>"
	    "<header name='Authorization'>1</header>"
	    "<header name='Authorization'>2</header>"
	    "<header name='Authorization'>3</header>"
	    "<header name='Authorization'>4</header>"
	    "</put>" GET "</slot>", 0, &slot);
	ok(why == NULL && slot.nheaders == 3, "never more than three "
	    "headers (%d)", slot.nheaders);
	upload_slot_free(&slot);

	why = parse(SLOT_OPEN "<put url='http://up.example/p'/>" GET
	    "</slot>", 0, &slot);
	ok(why && strstr(why, "plain http"), "a plain http PUT URL is "
	    "refused (%s)", why ? why : "taken");
	ok(slot.put == NULL && slot.get == NULL, "and nothing is kept");
	why = parse(SLOT_OPEN "<put url='http://up.example/p'/>" GET
	    "</slot>", 1, &slot);
	is_str(why, NULL, "... but taken with --insecure");
	upload_slot_free(&slot);
	why = parse(SLOT_OPEN "<put url='https://up.example/p'/>"
	    "<get url='http://up.example/p'/></slot>", 0, &slot);
	ok(why != NULL, "a plain http GET URL is refused too");

	why = parse(SLOT_OPEN "<put url='file:///etc/passwd'/>" GET
	    "</slot>", 1, &slot);
	ok(why != NULL, "file: is never a PUT URL, even --insecure");
	why = parse(SLOT_OPEN "<put url='https://up.example/p'/>"
	    "<get url='javascript:alert(1)'/></slot>", 1, &slot);
	ok(why != NULL, "javascript: is never a GET URL");
	why = parse(SLOT_OPEN "<put url='https://up.example/p'/>"
	    "<get url='https://up.example/a b'/></slot>", 0, &slot);
	ok(why != NULL, "a GET URL with a space is refused (it would not "
	    "be one URL in the body)");
	why = parse(SLOT_OPEN "<put url='https://up.example/p'/>"
	    "<get url='https://up.example/a&#10;b'/></slot>", 0, &slot);
	ok(why != NULL, "a GET URL with a newline is refused");
	why = parse(SLOT_OPEN "<put url='https://up.example/p'/>"
	    "<get url='https://up.example/&#x202e;gpj.exe'/></slot>", 0,
	    &slot);
	ok(why != NULL, "a GET URL with a bidirectional control is "
	    "refused");
	why = parse(SLOT_OPEN "<put url='https://up.example/p'/></slot>", 0,
	    &slot);
	ok(why != NULL, "a slot without a GET URL is refused");
	why = parse(SLOT_OPEN GET "</slot>", 0, &slot);
	ok(why != NULL, "a slot without a PUT URL is refused");
	why = parse("<slot xmlns='urn:xmpp:http:upload:1'><put url='https:"
	    "//a/p'/>" GET "</slot>", 0, &slot);
	ok(why != NULL, "a slot in another namespace is refused");
	why = upload_slot_parse(NULL, 0, &slot);
	ok(why != NULL, "no slot at all is refused");

	buf_adds(&big, SLOT_OPEN "<put url='https://up.example/p'/>"
	    "<get url='https://up.example/");
	for (i = 0; i < 5000; i++)
		buf_addc(&big, 'a');
	buf_adds(&big, "'/></slot>");
	why = parse(buf_str(&big), 0, &slot);
	ok(why != NULL, "a GET URL of 5000 bytes is refused (%s)",
	    why ? why : "taken");
	buf_free(&big);
}

static void
names(void)
{
	char long_name[300];

	is_str(attachment_name_check("backup.log"), NULL, "a plain name");
	is_str(attachment_name_check("na\xc3\xafve r\xc3\xa9sum\xc3\xa9.pdf"),
	    NULL, "UTF-8 and spaces are names");
	ok(attachment_name_check("") != NULL, "empty is not a name");
	ok(attachment_name_check(".") != NULL, ". is not a name");
	ok(attachment_name_check("..") != NULL, ".. is not a name");
	ok(attachment_name_check("a/b") != NULL, "a/b is not a name");
	ok(attachment_name_check("a\nb") != NULL, "a newline is refused");
	ok(attachment_name_check("a\tb") != NULL, "a tab is refused");
	ok(attachment_name_check("a\x1b[31m") != NULL, "ESC is refused");
	ok(attachment_name_check("\xff\xfe") != NULL, "not UTF-8: refused");
	ok(attachment_name_check("a\xe2\x80\xaegol.exe") != NULL,
	    "a bidirectional override is refused");
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	ok(attachment_name_check(long_name) != NULL, "256 bytes: too long");
	long_name[255] = '\0';
	is_str(attachment_name_check(long_name), NULL, "255 bytes: a name");
}

static void
types(void)
{
	is_str(attachment_type("b.log"), "text/plain; charset=utf-8",
	    ".log is text");
	is_str(attachment_type("B.LOG"), "text/plain; charset=utf-8",
	    "in any case");
	is_str(attachment_type("graph.png"), "image/png", ".png");
	is_str(attachment_type("a.tar.gz"), "application/gzip",
	    "the last extension counts");
	is_str(attachment_type("stdin"), "application/octet-stream",
	    "no extension: bytes");
	is_str(attachment_type(".png"), "application/octet-stream",
	    "a dot file has no extension");
	is_str(attachment_type("x.html"), "application/octet-stream",
	    "HTML is not announced as HTML (it would run on the upload "
	    "host's origin)");
}

/*
 * A FIFO whose writer comes after we opened it, and writes in pieces
 * larger than a pipe holds: all of it kept, none of it lost to the
 * open that does not block.
 */
static void
fifo(const char *dir)
{
	struct attachment a;
	char path[64], chunk[70000], back[70000];
	pid_t pid;
	int i, fd, same = 1;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	ok(mkfifo(path, 0600) == 0, "a FIFO");
	memset(chunk, 'f', sizeof(chunk));
	if ((pid = fork()) == 0) {
		if ((fd = open(path, O_WRONLY)) == -1)
			_exit(1);
		for (i = 0; i < 3; i++)
			if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk))
				_exit(1);
		_exit(0);
	}
	ok(attachment_open(&a, path, NULL) == EX_OK &&
	    a.size == 3 * sizeof(chunk), "a FIFO written in pieces after "
	    "the open: every byte kept (%llu)", (unsigned long long)a.size);
	for (i = 0; i < 3 && a.fd >= 0; i++)
		same &= read(a.fd, back, sizeof(back)) == sizeof(back) &&
		    memcmp(back, chunk, sizeof(chunk)) == 0;
	ok(same, "and the same bytes, from the start");
	waitpid(pid, &i, 0);
	ok(WIFEXITED(i) && WEXITSTATUS(i) == 0, "the writer wrote it all");
	attachment_free(&a);
	unlink(path);
}

static void
files(void)
{
	struct attachment a;
	char dir[] = "/tmp/test_upload.XXXXXX", path[64];
	int p[2], saved;

	ok(mkdtemp(dir) != NULL, "a scratch directory");
	snprintf(path, sizeof(path), "%s/f.txt", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	ok(attachment_open(&a, path, NULL) == EX_OK && a.size == 0 &&
	    strcmp(a.name, "f.txt") == 0, "an empty file: 0 bytes, named "
	    "by its last component");
	attachment_free(&a);
	ok(attachment_open(&a, dir, NULL) == EX_NOINPUT,
	    "a directory: 66");
	attachment_free(&a);
	snprintf(path, sizeof(path), "%s/none", dir);
	ok(attachment_open(&a, path, NULL) == EX_NOINPUT,
	    "a file that is not there: 66");
	attachment_free(&a);
	ok(attachment_open(&a, "/etc/hostname", "../x") == EX_DATAERR,
	    "a name with a '/': 65");
	attachment_free(&a);

	/* stdin: spooled, so that its size is known */
	saved = dup(0);
	ok(pipe(p) == 0 && write(p[1], "hello\n", 6) == 6, "a pipe");
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
	ok(attachment_open(&a, "-", NULL) == EX_OK && a.size == 6 &&
	    strcmp(a.name, "stdin") == 0, "stdin: 6 bytes, named stdin");
	ok(a.fd >= 0 && lseek(a.fd, 0, SEEK_CUR) == 0, "read from its start");
	attachment_free(&a);
	dup2(saved, 0);
	close(saved);
	fifo(dir);
	snprintf(path, sizeof(path), "%s/f.txt", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	slots();
	names();
	types();
	files();
	xmpp_ctx_free(ctx);
	xmpp_shutdown();
	return done_testing();
}
