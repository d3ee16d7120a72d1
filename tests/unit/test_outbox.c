/* test_outbox: messages kept until confirmed, ranges, and --unsent. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmpputils.h"
#include "unit.h"

static void
test_outbox(void)
{
	struct outbox ob;
	char text[32];
	uint64_t seq = 1;
	int i;

	outbox_init(&ob, 10);
	for (i = 1; i <= 5; i++) {
		snprintf(text, sizeof(text), "line %d", i);
		/* two recipients: two stanzas a message */
		outbox_add(&ob, seq, seq + 1, i, text, strlen(text),
		    "a@x\0b@x", 8);
		seq += 2;
	}
	ok(outbox_len(&ob) == 5 && outbox_full(&ob),
	    "5 messages of 2 stanzas fill a window of 10");
	outbox_confirmed(&ob, 4);
	ok(outbox_len(&ob) == 4 && outbox_at(&ob, 0)->number == 2,
	    "below 4: message 1 (1-2) goes, 2 (3-4) stays half confirmed");
	ok(!outbox_full(&ob), "and the window has room");
	outbox_confirmed(&ob, 9);
	ok(outbox_len(&ob) == 1 && outbox_at(&ob, 0)->number == 5 &&
	    strcmp(outbox_at(&ob, 0)->text, "line 5") == 0 &&
	    memcmp(outbox_at(&ob, 0)->to, "a@x\0b@x", 8) == 0,
	    "below 9: only message 5 is left, with its text and recipients");
	for (i = 6; i <= 200; i++) {
		outbox_add(&ob, seq, seq, i, "x", 1, "", 0);
		seq++;
		outbox_confirmed(&ob, seq - 3);
	}
	ok(outbox_len(&ob) == 3 && outbox_at(&ob, 2)->number == 200,
	    "a ring that moves on holds only what is unconfirmed");
	ok(outbox_at(&ob, 3) == NULL, "and nothing past its end");
	outbox_free(&ob);
	ok(outbox_len(&ob) == 0, "freed");
}

/* --confirm domain|client: held past the server's confirmation */
static void
test_awaiting(void)
{
	static const char to[] = "a@x.test\0B@Y.test/r\0room@muc.x.test";
	struct outbox ob;
	uint64_t seq = 1;
	int i;

	outbox_init(&ob, 0);
	for (i = 1; i <= 3; i++) {
		outbox_add(&ob, seq, seq + 2, i, "t", 1, to, sizeof(to));
		seq += 3;
		outbox_await(&ob, 0);
		outbox_await(&ob, 1);
		outbox_await(&ob, 7);		/* past the list: ignored */
	}
	ok(outbox_at(&ob, 0)->nto == 3 && outbox_at(&ob, 0)->nawaiting == 2,
	    "three recipients, two awaited (the room is not)");
	outbox_confirmed(&ob, seq);
	ok(outbox_len(&ob) == 3, "the server's confirmation alone keeps them");
	ok(outbox_recipient_confirmed(&ob, 2, "A@X.test/phone"),
	    "a receipt from a resource of a@x.test, any case, counts");
	ok(!outbox_recipient_confirmed(&ob, 2, "a@x.test/other"),
	    "once only");
	ok(!outbox_recipient_confirmed(&ob, 2, "c@x.test"),
	    "nor from someone else");
	ok(outbox_recipient_vouched(&ob, 1, 2) == 2,
	    "a domain's pong confirms its recipient of messages 1-2 only");
	outbox_confirmed(&ob, seq);
	ok(outbox_len(&ob) == 3 && outbox_at(&ob, 0)->nawaiting == 1,
	    "message 1 still awaits a@x.test");
	ok(outbox_recipient_vouched(&ob, 0, 3) == 2,
	    "x.test's pong: messages 1 and 3 (2 had its receipt)");
	outbox_confirmed(&ob, seq);
	ok(outbox_len(&ob) == 1 && outbox_at(&ob, 0)->number == 3,
	    "1 and 2 go; 3 awaits y.test still");
	outbox_free(&ob);
}

static void
test_ranges(void)
{
	struct ranges r = { 0 };
	unsigned long n[] = { 4, 5, 9, 11, 12, 13 };
	size_t i;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		ranges_add(&r, n[i]);
	is_str(ranges_str(&r), "4-5,9,11-13", "line numbers as ranges");
	ok(r.count == 6, "and their count");
	ranges_free(&r);
}

static void
test_unsent(void)
{
	char dir[] = "/tmp/test_outbox.XXXXXX", path[64], link_[64];
	struct unsent *u;
	struct stat st;
	FILE *f;
	char line[64];

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/unsent", dir);
	snprintf(link_, sizeof(link_), "%s/link", dir);
	u = unsent_open(path);
	unsent_write(u, "one", 3);
	unsent_write(u, "two", 3);
	ok(u && unsent_close(u) == 0, "--unsent written");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "mode 0600");
	f = fopen(path, "r");
	ok(f && fgets(line, sizeof(line), f) && strcmp(line, "one\n") == 0,
	    "a message a line");
	if (f)
		fclose(f);
	chmod(path, 0644);
	unsent_close(unsent_open(path));
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "an existing file is made 0600 too");
	symlink(path, link_);
	ok(unsent_open(link_) == NULL, "a symbolic link is not followed");
	unlink(link_);
	unlink(path);
	/* a FIFO (the link's name, free again) is not ours to chmod */
	mkfifo(link_, 0644);
	ok(unsent_open(link_) == NULL, "a FIFO no one reads: an error, "
	    "not a wait");
	ok(stat(link_, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "and its mode is left as it was");
	unlink(link_);
	rmdir(dir);
}

int
main(void)
{
	test_outbox();
	test_awaiting();
	test_ranges();
	test_unsent();
	return done_testing();
}
