# t-faults: nothing lost when things break. A Prosody of this file's own
# (the shared one is not to be killed), a relay that cuts or stalls
# connections (tests/nettool.c), and counts, not impressions.
. tests/lib.sh
. tests/server.sh
server_start || { echo "# could not start a Prosody of our own"; exit 1; }
trap 'server_stop; xt_cleanup' EXIT

BOB=bob@$XT_DOMAIN
# (xsend and xlisten from lib.sh now point at this server's XT_CONFIG)

# unique FILE: the lines of FILE in the order they first appear
unique() { awk '!seen[$0]++' "$1"; }
dups() { sort "$1" | uniq -d | wc -l; }

# --- 1. kill -9 in the middle of a 10,000-line burst, then restart
seq 10000 | sed 's/^/burst /' >"$T/lines"
mkfifo "$T/feed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -v -a alice -l --retry 30 "$BOB" \
    <"$T/feed" 2>"$T/burst.err" &
sender=$!
exec {feed}>"$T/feed"
sed -n 1,5000p "$T/lines" >&$feed
wait_line "$T/burst.err" "stream management enabled"
server_kill KILL
sed -n '5001,$p' "$T/lines" >&$feed
server_run
exec {feed}>&-
wait $sender
ok $? "xsend -l --retry: exit 0 after Prosody was killed and restarted" \
    "$(cat "$T/burst.err")"
like "$(cat "$T/burst.err")" "reconnecting in" "it said it was reconnecting"
xlisten -a bob -c 10000 | cut -f2 >"$T/got"
xlisten -a bob -w 2 | cut -f2 >>"$T/got"
unique "$T/got" | cmp -s - "$T/lines"
ok $? "every line reached bob, in order"
d=$(dups "$T/got")
echo "# duplicates after kill -9 (no resumption possible): $d"
[ "$d" -le 256 ]
ok $? "duplicates ($d) no more than the window of unconfirmed stanzas"

# --- 2. the server stays down longer than --retry allows
listen before -a bob -c 100
: >"$T/down.rc"
exec 3> >("$XU_BUILD/xsend" -f "$XT_CONFIG" -T 5 -a alice -l --retry 2 \
    --unsent "$T/unsent" "$BOB" 2>"$T/down.err"; echo $? >"$T/down.rc")
seq 100 | sed 's/^/up /' >&3
listener_wait before
server_kill TERM
seq 100 | sed 's/^/down /' >&3
exec 3>&-
wait_line "$T/down.rc" .
is "$(cat "$T/down.rc")" 69 "xsend gives up after --retry 2 with the server down (exit 69)"
like "$(cat "$T/down.err")" "giving up after 2 attempts over [0-9]+\.[0-9] s: .+" \
    "its last line says it gave up, after how long, and why"
like "$(cat "$T/down.err")" "100 lines read but not sent \\(lines 101-200\\): written to --unsent" \
    "and says what it did with the lines it could not send"
seq 100 | sed 's/^/down /' | cmp -s - "$T/unsent"
ok $? "--unsent holds exactly the 100 lines sent while the server was down"
run xlisten -a bob --retry 1
is "$rc" 69 "xlisten --retry 1, the server down as it starts: it tries again, then 69"
like "$err" "reconnecting in 1.0 s \(attempt 1 of 1\)" "saying when it tries"
like "$(tail -1 <<<"$err")" "giving up after 1 attempt over [0-9]+\.[0-9] s: .+" \
    "and, last, that it gave up"
server_run
run xlisten -a bob -w 2
like "$rc" "^[01]$" "bob reads what the server kept"
grep -c 'down ' <<<"$out" | grep -qx 0
ok $? "and none of the unsent lines reached him: sending them again is safe"

# --- 3. a relay that cuts, and one that stalls: noticed, recovered
relay_start "$XT_PORT"
listen viarelay -a bob --port "$relayport" --retry inf --keepalive 2
read -r conn <&$rout
xsend -a alice -m "before the cut" "$BOB"
wait_line "$T/viarelay.out" "before the cut"
start=$(date +%s%N)
echo cut >&$rin
read -r conn <&$rout
wait_line "$T/viarelay.err" "listening as .*(resumed)"
took=$(( ($(date +%s%N) - start) / 1000000 ))
ok $? "a cut connection: xlisten reconnects and resumes its stream (in $took ms)"
xsend -a alice -m "after the cut" "$BOB"
wait_line "$T/viarelay.out" "after the cut"
ok $? "and receives what comes after"
start=$(date +%s%N)
echo stall >&$rin
xsend -a alice -m "during the stall" "$BOB"
read -r conn <&$rout
wait_line "$T/viarelay.err" "listening as .*(resumed)" 2
took=$(( ($(date +%s%N) - start) / 1000000 ))
ok $? "a stalled connection: noticed by --keepalive 2, reconnected, resumed"
[ "$took" -lt 20000 ]
ok $? "within the keepalive bound: $took ms (2 s to ask, 2 s to give up, 1 s backoff)"
wait_line "$T/viarelay.out" "during the stall"
ok $? "what was sent during the stall arrives after the recovery"
listener_stop viarelay
is "$(cut -f2 "$T/viarelay.out" | tr '\n' ,)" \
    "before the cut,after the cut,during the stall," "each exactly once"

# xsend -l through the relay, cut mid-stream: resumed, nothing twice
seq 2000 | sed 's/^/relayed /' >"$T/rlines"
listen relayed -a bob -c 2000
mkfifo "$T/rfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -v -a alice --port "$relayport" -l \
    --retry 5 "$BOB" <"$T/rfeed" 2>"$T/rsend.err" &
sender=$!
exec {feed}>"$T/rfeed"
sed -n 1,1000p "$T/rlines" >&$feed
read -r conn <&$rout
wait_line "$T/rsend.err" "stream management enabled"
echo cut >&$rin
sed -n '1001,$p' "$T/rlines" >&$feed
exec {feed}>&-
wait $sender
ok $? "xsend -l through a cut connection: exit 0" "$(cat "$T/rsend.err")"
like "$(cat "$T/rsend.err")" "stream resumed" "it resumed the stream"
listener_wait relayed
cut -f2 "$T/relayed.out" | cmp -s - "$T/rlines"
ok $? "all 2,000 lines arrived, in order, none twice (resumed: zero duplicates)"
# a stalled link, no retries: the lines it swallowed are reported unsent
listen unstalled -a bob -c 3
mkfifo "$T/sfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -v -a alice --port "$relayport" -l \
    --keepalive 2 --unsent "$T/stalled" "$BOB" <"$T/sfeed" 2>"$T/ssend.err" &
sender=$!
exec {feed}>"$T/sfeed"
read -r conn <&$rout
printf 'passes 1\npasses 2\npasses 3\n' >&$feed
wait_line "$T/unstalled.out" "passes 3"
echo stall >&$rin
printf 'swallowed 1\nswallowed 2\n' >&$feed
wait $sender
is "$?" 75 "xsend into a stalled link, no --retry: exit 75 after the keepalive"
like "$(cat "$T/ssend.err")" "2 messages not confirmed by the server \\(lines 4-5\\); written to --unsent" \
    "naming the lines the server never confirmed"
is "$(cat "$T/stalled")" "$(printf 'swallowed 1\nswallowed 2')" \
    "--unsent holds them"
exec {feed}>&-
listener_wait unstalled
exec {rin}>&-

# --- 4. xlisten --retry inf across a server restart
listen restart -a bob --retry inf
xsend -a alice -m "before the restart" "$BOB"
wait_line "$T/restart.out" "before the restart"
server_kill TERM
server_run
xsend -a alice -m "during the restart" "$BOB"
wait_line "$T/restart.err" "listening as" 2
xsend -a alice -m "after the restart" "$BOB"
wait_line "$T/restart.out" "after the restart"
listener_stop restart
is "$(cut -f2 "$T/restart.out" | sort | tr '\n' ,)" \
    "after the restart,before the restart,during the restart," \
    "xlisten --retry inf printed what came before, during and after, once each"
like "$(cat "$T/restart.err")" "port $XT_PORT: the server closed the (stream|connection without closing the stream)" \
    "the server's shutdown said as such"
! grep -q "was lost (TLS)" "$T/restart.err"
ok $? "not as a connection lost to a TLS error"

# --- 5. --retry counts each outage: three restarts under --retry 2
listen hops -a bob --retry inf
mkfifo "$T/hfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -v -a alice -l --retry 2 "$BOB" \
    <"$T/hfeed" 2>"$T/hops.err" &
sender=$!
exec {feed}>"$T/hfeed"
for i in 1 2 3; do
	echo "hop $i" >&$feed
	wait_line "$T/hops.out" "hop $i"
	# restarted while xsend is stopped, the server is up again when
	# xsend finds the connection gone: one attempt an outage, however
	# slowly Prosody starts
	kill -STOP "$sender"
	server_kill TERM
	server_run
	kill -CONT "$sender"
	wait_line "$T/hops.err" "back after 1 attempt over" "$i"
done
echo "hop 4" >&$feed
wait_line "$T/hops.out" "hop 4"
exec {feed}>&-
wait "$sender"
ok $? "xsend -l --retry 2 rides out three server restarts: exit 0" \
    "$(cat "$T/hops.err")"
is "$(grep -c 'reconnecting in 0\.5 s (attempt 1 of 2)' "$T/hops.err")" 3 \
    "each outage starts again at attempt 1 and the first wait"
! grep -q "attempt 2 of 2\|giving up" "$T/hops.err"
ok $? "and never needed a second attempt, nor gave up"
listener_stop hops
is "$(cut -f2 "$T/hops.out" | awk '!seen[$0]++' | tr '\n' ,)" "hop 1,hop 2,hop 3,hop 4," \
    "every line arrived, in order (xlisten --retry inf rode them out too)"

done_testing
