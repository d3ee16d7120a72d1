# t-forge: a hostile contact (tests/forger.c) answers, from every id it
# sees, what it guesses we ask next: our barrier pings, our requests,
# receipts for our next messages, pongs twice. Only the entity asked may
# answer a request, and only a recipient confirm its own copy of a
# message: the tools' exit codes and counts stay true.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
CAROL=carol@$XT_DOMAIN
DAVE=dave@$XT_NOSM

# got NAME KIND: the third field of the forger NAME's KIND lines
got() { awk -F'\t' -v k="$2" '$1 == k { print $3 }' "$T/$1.out"; }

# forged NAME CASE: the forger NAME forged something (else CASE tests
# nothing)
forged() {
	like "$(cat "$T/$1.err")" "[1-9][0-9]* forgeries" \
	    "$2: the forger did forge ($(tail -1 "$T/$1.err"))"
}

seq 1 3000 >"$T/lines"

# --- 1. the issue's burst: with stream management a forged answer to a
# barrier ping moved the acknowledged count on, and the server's next
# ack wrapped it ("the server acknowledged 4294967279 stanzas")
forger_start fsm bob
run xsend -a alice -T 5 -l "$BOB" <"$T/lines"
is "$rc" 0 "3000 lines to a forger, stream management on: exit 0"
is "$err" "" "nothing on stderr: no wrapped count"
wait_line "$T/fsm.out" '^message' 3000
forger_stop fsm
is "$?" 0 "the forger exits 0 on SIGTERM"
got fsm message | cmp -s - "$T/lines"
ok $? "the forger got each line exactly once, in order"
forged fsm "stream management"

# --- 2. the same without stream management: the barrier is a ping
forger_start fnosm bob
run xsend -a dave -T 5 -l "$BOB" <"$T/lines"
is "$rc" 0 "3000 lines from an account without stream management: exit 0 ($err)"
wait_line "$T/fnosm.out" '^message' 3000
forger_stop fnosm
got fnosm message | cmp -s - "$T/lines"
ok $? "each line exactly once, in order"
forged fnosm "pings"

# --- 3. a forged answer must not confirm what the server never took:
# the server stops hearing xsend (a relay mutes it) while the forger
# forges answers to its barrier pings for what it sent since
relay_start "$XT_PORT"
forger_start fmute bob
mkfifo "$T/mfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 2 -a dave --port "$relayport" -l \
    --unsent "$T/unsent" "$BOB" <"$T/mfeed" 2>"$T/mute.err" &
sender=$!
exec {feed}>"$T/mfeed"
read -r conn <&$rout
printf 'one\n' >&$feed
wait_line "$T/fmute.out" '^message.*one$'
echo mute >&$rin
printf 'two\nthree\n' >&$feed
read -r -t 30 muted <&$rout	# xsend sent them: they are on its books
echo again >&$forger_in
exec {feed}>&-
wait $sender
is "$?" 75 "muted server, forged ping answers: not exit 0 but 75"
like "$(cat "$T/mute.err")" "2 messages not confirmed by the server \\(lines 2-3\\); written to --unsent" \
    "naming the lines the server never confirmed ($muted)"
is "$(cat "$T/unsent" 2>&1)" "$(printf 'two\nthree')" "--unsent holds them"
forger_stop fmute
is "$(got fmute message)" "one" "the forger got only the line before the mute"
forged fmute "muted"
exec {rin}>&-

# --- 4. --confirm domain: the forger is on another domain (of the same
# server), asked with pings that it guesses at; only the domain answers
forger_start fdom dave
seq 1 300 >"$T/300"
run xsend -a alice -T 5 -v --confirm domain -l "$DAVE" <"$T/300"
is "$rc" 0 "--confirm domain to a forger on $XT_NOSM: exit 0"
like "$err" "$DAVE: 300 of 300 confirmed by its domain" \
    "every line confirmed by the domain"
wait_line "$T/fdom.out" '^message' 300
forger_stop fdom
got fdom message | cmp -s - "$T/300"
ok $? "the forger got each line once"
forged fdom "--confirm domain"

# --- 5. xraw's requests to the forger: only its real answers count
forger_start fraw bob
for i in $(seq 20); do
	printf "<iq type='get' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>\n" \
	    "$BOB/fraw"
done >"$T/pings"
run xraw -a alice <"$T/pings"
is "$rc" 0 "xraw: 20 pings to the forger, each answered with a pong: exit 0"
is "$err" "" "no forged error taken for an answer"
forger_stop fraw
is "$(got fraw ping | wc -l)" 20 "the forger got the 20 requests"
forged fraw "xraw"

# --- 6. xping to the forger: what it sent, received; no forged error
forger_start fping bob
run xping -a alice -c 20 -i 0.001 --format json "$BOB/fping"
is "$rc" 0 "xping: 20 pings to the forger: exit 0"
like "$out" '"type":"summary".*"sent":20,"received":20,"errors":0,' \
    "20 sent, 20 received, no error ($(printf '%s\n' "$out" | tail -1))"
forger_stop fping
is "$(got fping ping | wc -l)" 20 "and the forger got exactly those 20"
forged fping "xping"

# --- 7. --confirm client: the forger's receipts confirm its own copies,
# never those of carol, who has no client online
forger_start fcli bob
printf 'l1\nl2\nl3\n' >"$T/three"
run xsend -a alice -T 2 -v --confirm client -l "$BOB" "$CAROL" <"$T/three"
is "$rc" 1 "--confirm client to the forger and an offline carol: exit 1"
like "$err" "$BOB: 3 of 3 confirmed by its client" "the forger's own confirmed"
like "$err" "$CAROL: 0 of 3 confirmed by its client: not confirmed in time" \
    "carol's not, whatever the forger sent"
like "$err" "ignoring a carbon from $BOB/fcli" \
    "a receipt in a forged carbon is not taken either"
forger_stop fcli
forged fcli "--confirm client"
# carol's copies wait for her: taken now (the tests after this one find
# her store empty), and each there once
listen cdrain -a carol -c 3
listener_wait cdrain
is "$(cut -f2 "$T/cdrain.out" | tr '\n' ,)" "l1,l2,l3," \
    "carol's copies were stored for her, once each"

# --- 8. forged bounces: bob saw line 1's id and "bounces" the lines
# after it, which were never read (nor sent): not a bounce of ours, and
# carol, who got line 1 too, is not said to have bounced anything
forger_start fbnc bob -B
mkfifo "$T/bfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 5 -a alice -v -l "$BOB" "$CAROL" \
    <"$T/bfeed" >"$T/bnc.out" 2>"$T/bnc.err" &
sender=$!
exec {feed}>"$T/bfeed"
printf 'only line\n' >&$feed
wait_line "$T/fbnc.out" '^message.*only line$'
wait_line "$T/bnc.err" "ignoring a carbon"	# the forgeries came before it
exec {feed}>&-
wait $sender
rc=$?
err=$(cat "$T/bnc.err")
is "$rc" 0 "forged bounces of lines never read: exit 0, not 69 ($(grep bounce "$T/bnc.err" | head -1))"
! grep -q "bounced" "$T/bnc.err"
ok $? "no bounce reported"
like "$err" "ignoring an error for line 2 from $BOB/fbnc: it did not go there" \
    "-v says what was ignored"
forger_stop fbnc
forged fbnc "forged bounces"
listen cdrain2 -a carol -c 1
listener_wait cdrain2
is "$(cut -f2 "$T/cdrain2.out")" "only line" "carol got the one line (and her store is empty again)"

done_testing
