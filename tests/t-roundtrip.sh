# t-roundtrip: what xsend sends, xlisten prints: every type, exact bytes,
# a 1,000-line stream in order, with and without stream management.
. tests/lib.sh

BOB=bob@$XT_DOMAIN

# One message of each type that goes to a bare JID.
listen types -a bob -c 3 --format json
for type in chat normal headline; do
	xsend -a alice -t "$type" -m "a $type message" "$BOB"
	ok $? "xsend -t $type exits 0"
done
listener_wait types
ok $? "xlisten -c 3 exits 0 after three messages"
is "$(jq -r '[.type, .body] | join(":")' "$T/types.out" | sort | tr '\n' ' ')" \
    "chat:a chat message headline:a headline message normal:a normal message " \
    "each type arrives with its body"
is "$(jq -r .from "$T/types.out" | cut -d/ -f1 | sort -u)" "alice@$XT_DOMAIN" \
    "from is the sender"

# Bytes that shells and XML mangle, from stdin and from -m, byte for byte.
# (Not a carriage return: the server writes it raw, and the receiver's XML
# parser must turn a raw CR into LF. See xsend(1).)
printf 'first line\nsecond\ttabbed\n\n  spaces  \\ backslash <tag> & "q" '"'"'a'"'"'\n\303\274n\303\257c\303\270d\303\251 \360\237\230\200 end' >"$T/body"
listen exact -a bob -c 2 --format json
xsend -a alice "$BOB" <"$T/body"
ok $? "xsend reads a multi-line body from stdin"
xsend -a alice -m "$(cat "$T/body")" "$BOB"
ok $? "xsend -m with the same body"
listener_wait exact
ok $? "both arrive"
head -1 "$T/exact.out" | jq -j .body >"$T/got1"
cmp -s "$T/body" "$T/got1"
ok $? "a body from stdin arrives byte-exact (JSON output)"
tail -1 "$T/exact.out" | jq -j .body >"$T/got2"
cmp -s "$T/body" "$T/got2"
ok $? "a body from -m arrives byte-exact"

# The text format, reversed with printf %b, gives the same bytes.
listen text -a bob -c 1
xsend -a alice "$BOB" <"$T/body"
listener_wait text
is "$(wc -l <"$T/text.out")" 1 "text format: one line for a multi-line body"
printf '%b' "$(cut -f2- "$T/text.out")" >"$T/got3"
cmp -s "$T/body" "$T/got3"
ok $? "text format: printf %b restores the body exactly"
is "$(cut -f1 "$T/text.out" | cut -d/ -f1)" "alice@$XT_DOMAIN" \
    "text format: the sender before the tab"

# 1,000 lines through xsend -l, every one received, in order.
seq 1000 | sed 's/^/line /' >"$T/lines"
listen burst -a bob -c 1000
xsend -a alice -l "$BOB" <"$T/lines"
ok $? "xsend -l of 1,000 lines exits 0"
listener_wait burst
ok $? "xlisten received 1,000 messages"
cut -f2 "$T/burst.out" | cmp -s - "$T/lines"
ok $? "all 1,000 lines arrived in order"

# Without stream management (dave's host), the ping barrier does the job.
seq 300 | sed 's/^/nosm /' >"$T/nosm"
listen nosm -a bob -c 300
xsend -a dave -l -v "$BOB" <"$T/nosm" 2>"$T/nosm.err"
ok $? "xsend -l from a host without stream management exits 0"
listener_wait nosm
cut -f2 "$T/nosm.out" | cmp -s - "$T/nosm"
ok $? "all 300 lines arrived, in order"
if grep -q 'stream management enabled' "$T/nosm.err"; then
	ok 1 "dave's host really has no stream management" "$(cat "$T/nosm.err")"
else
	ok 0 "dave's host really has no stream management"
fi

# A message to someone offline waits for them, and says when it was sent.
xsend -a alice -m "while you were out" "carol@$XT_DOMAIN"
listen offline -a carol -c 1 --format json
listener_wait offline
is "$(jq -r '.body + " " + (.delay | type)' "$T/offline.out")" \
    "while you were out string" "offline message printed with its delay stamp"

done_testing
