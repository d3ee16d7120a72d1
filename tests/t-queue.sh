# t-queue: xsend's on-disk queue (issue 22) against a real Prosody of this
# file's own, taken down and up again: what --queue keeps while the
# server is down, what --flush delivers once it is back (once each, in
# order), two flushers at once, a flusher killed with -9, what bounces,
# expires or is corrupt (failed/), what is never queued, a full or unsafe
# queue directory, a file attached, xagent flushing when its session
# comes up, and the systemd unit's command line. Each case has a state
# directory (XDG_STATE_HOME) of its own: queues never mix.
. tests/lib.sh
. tests/server.sh
server_start || { echo "# could not start a Prosody of our own"; exit 1; }

# agents find each other here, never in the user's or another test's
XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
# what is sent with no queue in mind (the markers) keeps its state here
XDG_STATE_HOME=$T/state
mkdir -m 700 "$XDG_STATE_HOME"
export XDG_RUNTIME_DIR XDG_STATE_HOME
unset XMPP_AGENT_SOCK

agent=
up=
queue_cleanup() {
	if [ -n "$agent" ]; then kill -TERM "$agent" 2>/dev/null; wait "$agent"; fi
	[ -n "$up" ] && upload_stop
	server_stop
	xt_cleanup
}
trap queue_cleanup EXIT

ALICE=alice@$XT_DOMAIN
BOB=bob@$XT_DOMAIN
NOBODY=nosuchuser@$XT_DOMAIN

rc_is() {	# rc_is CODE NAME: $rc is CODE; if not, $err says why
	if [ "$rc" = "$1" ]; then ok 0 "$2"; else
		ok 1 "$2" "expected exit $1, got $rc" "$err"; fi
}

# newstate NAME: a fresh state directory, $T/state-NAME, its path in S
newstate() { S=$T/state-$1; mkdir -m 700 "$S"; }
# qdir STATE: alice's queue in the state directory STATE
qdir() { printf '%s/xmpputils/queue/%s' "$1" "$ALICE"; }
# q STATE ARGS...: run xsend -a alice ARGS with XDG_STATE_HOME=STATE
q() { local s=$1; shift; XDG_STATE_HOME=$s run xsend -a alice "$@"; }
# entries STATE: the entries waiting in STATE's queue, oldest first, one a
# line; failed STATE: those in its failed/
# (the design names them T.P.N; a T.P is found too, and the check of
# the name says so once, rather than every check after it)
ID='[0-9]{16}\.[0-9]+'
entries() { ls "$(qdir "$1")" 2>/dev/null | grep -xE "$ID"; }
failed() { ls "$(qdir "$1")/failed" 2>/dev/null | grep -xE "$ID"; }
count() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
# queued_ids: the entry IDs xsend's stderr ($err) says it queued
queued_ids() { printf '%s\n' "$err" | sed -n 's/.*queued (entry \([^)]*\)).*/\1/p'; }
# notqueued TEXT: whether $err has the line saying TEXT was not queued
# (the design's "xsend: not queued: TEXT"; "not sent, not queued" too)
notqueued() { printf '%s\n' "$err" | grep -qxF -e "xsend: not queued: $1" \
    -e "xsend: not sent, not queued: $1"; }
# bodies NAME: the texts listener NAME printed (text format), one a line
bodies() { cut -f2 "$T/$1.out"; }
# mark NAME: a message sent now, directly, and waited for: whatever a
# flush before it delivered, listener NAME printed before it (the same
# sender, one after the other); then the listener is stopped. The
# marker's text is in $marked.
mark() {
	marked="marker $1"
	xsend -a alice -m "$marked" "$BOB" || echo "# mark $1: xsend failed"
	wait_line "$T/$1.out" "$marked" || echo "# mark $1: never arrived"
	listener_stop "$1"
}
# a port no one listens on: a server that is down, for the configs that
# point there
closed=$("$XT_NETTOOL" freeport 1)

# The HTTP upload test bed (its own Prosody) for the attachment case; its
# config pointed at the closed port is "down" for it
if upload_start; then
	up=1
	sed "s/^port = .*/port = $closed/" "$XU_UP_CONFIG" >"$T/up-down.cfg"
	chmod 600 "$T/up-down.cfg"
fi

# ======================================================================
# The server down
server_kill TERM

# --- 1. queued while down: exit 2, said, listed, on disk as designed
newstate main; M=$S
q "$M" --queue -m one "$BOB"
rc_is 2 "server down: xsend --queue -m one exits 2 (queued, not delivered)"
like "$err" "1 message.{0,3} queued \(entry $ID\): xsend --flush sends (it|them)" \
    "and says it queued it, naming the entry and --flush"
ids=$(queued_ids)
like "$ids" "^[0-9]{16}\.[0-9]+\$" \
    "the entry is named T.P (16-digit microseconds, made to grow; pid)"
q "$M" --queue -m two "$BOB"
rc_is 2 "-m two: exit 2"
ids="$ids
$(queued_ids)"
printf 'three\nfour\nfive\n' >"$T/three"
q "$M" --queue -l "$BOB" <"$T/three"
rc_is 2 "-l of 3 lines: exit 2"
like "$err" "3 message.{0,3} queued \(entry " "saying 3 messages queued, as one entry"
ids="$ids
$(queued_ids)"
is "$(entries "$M")" "$ids" "three entries on disk, named as xsend said, oldest first"
test -d "$(qdir "$M")"
ok $? "the queue is \$XDG_STATE_HOME/xmpputils/queue/$ALICE"
is "$(find "$M/xmpputils" -type d ! -perm 700)" "" \
    "every directory of it is 0700 (xmpputils, queue, the account's, the entries)"
is "$(find "$M/xmpputils/queue" -type f ! -perm 600)" "" \
    "every file in it is 0600"
e3=$(qdir "$M")/$(entries "$M" | sed -n 3p)/entry
is "$(sed -n '1p;$p' "$e3" | tr '\n' ,)" "xmpputils-queue 1,end 3," \
    "the -l entry: the format's first line, and 'end 3' last"
q "$M" --list-queue
rc_is 0 "--list-queue: exit 0, without the server"
is "$(printf '%s\n' "$out" | cut -f2- | tr '\t\n' '|,')" \
    "$BOB|one,$BOB|two,$BOB|three,$BOB|four,$BOB|five," \
    "--list-queue: 5 lines, oldest first, recipients and texts"
is "$(printf '%s\n' "$out" | cut -f1 | grep -cE '^[0-9]+s$')" 5 \
    "each line starts with its age (seconds)"
q "$M" --list-queue --format json
json=$out
is "$(printf '%s\n' "$json" | jq -sr 'map(.text) | join(",")')" \
    "one,two,three,four,five" "--list-queue --format json: one object per message, in order"
printf '%s\n' "$json" | jq -se 'length == 5 and all(.[];
    ([has("entry", "n", "queued", "age", "from", "to", "rooms", "type",
    "subject", "text")] | all) and (.to == ["'"$BOB"'"]) and .rooms == []
    and .type == "chat" and .subject == null and (.from | startswith("'"$ALICE"'"))
    and (.queued | type) == "number" and (.age | type) == "number")' >/dev/null
ok $? "each has entry, n, queued, age, from, to, rooms, type, subject, text" "$json"
is "$(printf '%s\n' "$json" | jq -r '"\(.entry)/\(.n)"' | tr '\n' ' ')" \
    "$(printf '%s\n' "$ids" | sed -n '1s|$|/1|p;2s|$|/1|p;3s|.*|&/1 &/2 &/3|p' | tr '\n' ' ')" \
    "entry is the entry's ID, n the message's place in it"
q "$M" --flush
rc_is 2 "--flush with the server still down: exit 2 (still queued)"
like "$err" "0 messages delivered, 5 still queued" "saying so"
is "$(entries "$M" | wc -l)" 3 "the entries stay"

# --- an empty queue: --flush does not log in
newstate empty
q "$S" --flush
rc_is 0 "--flush of an empty queue with the server down: exit 0"
case $err in *refused*|*connect*) ok 1 "it did not try to log in" "$err";;
*) ok 0 "it did not try to log in";; esac

# --- queue = yes in the account's section; --no-queue overrides it
sed "/^\[alice\]\$/a queue = yes" "$XT_CONFIG" >"$T/queue-yes.cfg"
chmod 600 "$T/queue-yes.cfg"
newstate cfg
XT_CONFIG=$T/queue-yes.cfg q "$S" -m "by config" "$BOB"
rc_is 2 "queue = yes in [alice]: queued without --queue (exit 2)"
XT_CONFIG=$T/queue-yes.cfg q "$S" --no-queue -m "not queued" "$BOB"
ok $([ "$rc" != 2 ] && [ "$rc" != 0 ]; echo $?) "--no-queue overrides it: a failure, not 2 ($rc)" "$err"
is "$(entries "$S" | wc -l)" 1 "and nothing more was queued"

# --- the queues the cases below flush once the server is back
seq 200 | sed 's/^/conc /' >"$T/clines"
newstate conc; C=$S
for i in 1 2 3 4; do
	sed -n "$((i * 50 - 49)),$((i * 50))p" "$T/clines" >"$T/c$i"
	q "$C" --queue -l "$BOB" <"$T/c$i"
	[ "$rc" = 2 ] || echo "# conc $i: exit $rc: $err"
done

seq 5000 | sed 's/^/kill /' >"$T/klines"
newstate kill; K=$S
q "$K" --queue -l "$BOB" <"$T/klines"
rc_is 2 "-l of 5,000 lines while down: exit 2"
XDG_STATE_HOME=$K xsend -a alice --list-queue | wc -l >"$T/kcount"
is "$(cat "$T/kcount")" 5000 "--list-queue lists the 5,000"

# producer NAME SECONDS: xsend --queue -l (-T SECONDS) reading the FIFO
# $T/NAME.in in the background (its pid in pp), its writer's fd in pw, in
# a state directory of its own (S)
producer() {
	newstate "$1"
	mkfifo "$T/$1.in"
	XDG_STATE_HOME=$S "$XU_BUILD/xsend" -f "$XT_CONFIG" -T "$2" -a alice \
	    --queue -l "$BOB" <"$T/$1.in" 2>"$T/$1.err" &
	pp=$!
	exec {pw}>"$T/$1.in"
}
# a producer slower than a refused connection: what it writes after the
# failure is queued too, a last line without its newline as a line
producer slow 10; SL=$S
wait_line "$T/slow.err" "Connection refused"
printf 'slow 1\nslow 2\nslow 3' >&$pw
exec {pw}>&-
wait "$pp"
is "$?" 2 "a producer that writes after the failure: exit 2"
XDG_STATE_HOME=$SL xsend -a alice --list-queue | cut -f3 >"$T/slow.list"
is "$(tr '\n' ' ' <"$T/slow.list")" "slow 1 slow 2 slow 3 " \
    "what it wrote after the failure is queued, all of it"
# one that writes and then says nothing while its end stays open (a
# tail -f): -T without a byte ends the wait
producer idle 2; IS=$S
printf 'idle 1\n' >&$pw
wait "$pp"
is "$?" 2 "a producer that goes quiet, its end still open: exit 2"
exec {pw}>&-
like "$(cat "$T/idle.err")" "nothing more within 2 s" "saying it read no more"
is "$(XDG_STATE_HOME=$IS xsend -a alice --list-queue | cut -f3)" "idle 1" \
    "what it wrote is queued"
# a line that could not be sent is lost: 65 outranks the queued 2
newstate rej; RJ=$S
printf 'good\nbad \377\n' >"$T/rej.in"
XDG_STATE_HOME=$RJ run xsend -a alice --queue -l "$BOB" <"$T/rej.in"
rc_is 65 "a line that cannot be sent among those queued: exit 65, not 2"
like "$err" "line 2: .*not queued" "naming it"
is "$(XDG_STATE_HOME=$RJ xsend -a alice --list-queue | cut -f3)" "good" \
    "the good line queued"
# a stream of such lines: said ten times, not a flood (cron mails it)
newstate rejs; RJS=$S
{ echo alert; yes "$(printf '\001bad')" | head -5000; } >"$T/rejs.in"
XDG_STATE_HOME=$RJS run xsend -a alice --queue -l "$BOB" <"$T/rejs.in"
rc_is 65 "5,000 lines that cannot be sent: exit 65"
n=$(printf '%s\n' "$err" | wc -l)
[ "$n" -lt 20 ]
ok $? "stderr says so in $n lines, not 5,000" "$(printf '%s\n' "$err" | tail -3)"
is "$(XDG_STATE_HOME=$RJS xsend -a alice --list-queue | cut -f3)" "alert" \
    "the good line queued"

seq 3000 | sed 's/^/term /' >"$T/tlines"
newstate term; TS=$S
q "$TS" --queue -l "$BOB" <"$T/tlines"

newstate bounce; B=$S
q "$B" --queue -m "before bounce" "$BOB"
q "$B" --queue -m "to nobody" "$NOBODY"
q "$B" --queue -m "after bounce" "$BOB"

newstate age; A=$S
q "$A" --queue -m "too old" "$BOB"
q "$A" --queue -m "fresh" "$BOB"
newstate age0; A0=$S
q "$A0" --queue -m "old but kept" "$BOB"
old=$(( $(date +%s) - 8 * 86400 ))
for s in "$A" "$A0"; do
	[ -n "$(entries "$s")" ] && sed -i "s/^queued [0-9]*\$/queued $old/" "$(qdir "$s")/$(entries "$s" | head -1)/entry"
done
is "$(grep -c "^queued $old\$" "$(qdir "$A")/$(entries "$A" | head -1)/entry")" 1 \
    "an entry's queued line set back 8 days"

newstate corrupt; X=$S
for t in "good one" "garbled" "truncated" "good two"; do
	q "$X" --queue -m "$t" "$BOB"
done
garbled=$(entries "$X" | sed -n 2p)
truncated=$(entries "$X" | sed -n 3p)
if [ -n "$truncated" ]; then
	printf 'this is no queue entry\n\001\002\n' >"$(qdir "$X")/$garbled/entry"
	sed -i '$d' "$(qdir "$X")/$truncated/entry"
fi

# failed/ not usable (a user let the group read it): a bounced entry
# must stay, and say so, every flush, never taken for delivered
newstate nofail; NF=$S
q "$NF" --queue -m "bounces, failed/ unusable" "$NOBODY"
mkdir -m 755 "$(qdir "$NF")/failed"
# planted: a FIFO as an entry's file; a file swapped for another's
newstate fifo; FI=$S
q "$FI" --queue -m "fifo 1" "$BOB"
q "$FI" --queue -m "fifo 2" "$BOB"
ff=$(entries "$FI" | head -1)
[ -n "$ff" ] && rm "$(qdir "$FI")/$ff/entry" && mkfifo "$(qdir "$FI")/$ff/entry"

newstate unit1; U1=$S
q "$U1" --queue -m "unit default" "$BOB"
newstate unit2; U2=$S
q "$U2" --queue -m "unit template" "$BOB"

newstate agent; G=$S
q "$G" --queue -m "agent 1" "$BOB"
n=
for s in "$C" "$K" "$TS" "$B" "$A" "$A0" "$X" "$NF" "$FI" "$U1" "$U2" "$G"; do
	n="$n${s##*-} $(entries "$s" | wc -l), "
done
is "$n" "conc 4, kill 1, term 1, bounce 3, age 2, age0 1, corrupt 4, nofail 1, fifo 2, unit1 1, unit2 1, agent 1, " \
    "the queues of the cases below, an entry a run of xsend (-l: one entry)"

# --- a queue that cannot be written: never 0, never silent
big="full disk $(head -c 30000 /dev/urandom | base64 -w0 | head -c 40000)"
FS=$T/fs
mkdir -m 700 "$FS"
if unshare -m sh -c 'mount -t tmpfs -o size=16k,mode=0700 tmpfs "$1"' sh "$FS" 2>/dev/null; then
	timeout 30 unshare -m sh -c '
	    mount -t tmpfs -o size=16k,mode=0700 tmpfs "$1" || exit 99
	    fs=$1 left=$2
	    shift 2
	    XDG_STATE_HOME=$fs "$@"
	    rc=$?
	    XDG_STATE_HOME=$fs "$1" -f "$3" --list-queue -a alice >"$left" 2>&1
	    exit $rc' sh "$FS" "$T/full.left" "$XU_BUILD/xsend" -f "$XT_CONFIG" \
	    -T 10 -a alice --queue --unsent "$T/full.unsent" -m "$big" "$BOB" \
	    >"$T/out" 2>"$T/err"
	rc=$? err=$(cat "$T/err")
	rc_is 74 "a full file system (a 16k tmpfs) under the queue: exit 74"
	like "$err" "$FS/xmpputils/queue.*No space left on device" \
	    "a clear message naming the queue and why"
	notqueued "$big"
	ok $? "the text is on stderr (xsend: ... not queued: TEXT)"
	is "$(cat "$T/full.unsent" 2>/dev/null)" "$big" "and in --unsent"
	is "$(cat "$T/full.left")" "" "nothing half-written listed in the full queue"
else
	newstate file
	rmdir "$S" && echo "not a directory" >"$S"
	q "$S" --queue --unsent "$T/full.unsent" -m "$big" "$BOB"
	rc_is 73 "(no tmpfs here) XDG_STATE_HOME a regular file: exit 73"
	notqueued "$big"
	ok $? "the text is on stderr (xsend: ... not queued: TEXT)"
	is "$(cat "$T/full.unsent" 2>/dev/null)" "$big" "and in --unsent"
fi

newstate gw
(umask 077 && mkdir -p "$S/xmpputils/queue")
chmod 770 "$S/xmpputils/queue"
q "$S" --queue --unsent "$T/gw.unsent" -m "group may write" "$BOB"
rc_is 73 "a group-writable queue directory: refused, exit 73"
notqueued "group may write"
ok $? "the text is on stderr" "$err"
is "$(cat "$T/gw.unsent" 2>/dev/null)" "group may write" "and in --unsent"
newstate gw2
(umask 077 && mkdir -p "$(qdir "$S")")
chmod 770 "$(qdir "$S")"
q "$S" --queue -m "group may write 2" "$BOB"
rc_is 73 "a group-writable account directory in it: exit 73"

newstate link
(umask 077 && mkdir -p "$S/xmpputils/queue" "$T/elsewhere")
ln -s "$T/elsewhere" "$(qdir "$S")"
q "$S" --queue -m "through a symlink" "$BOB"
rc_is 73 "the account's queue a symlink: refused, exit 73"
is "$(ls -A "$T/elsewhere")" "" "nothing written through it"
notqueued "through a symlink"
ok $? "the text is on stderr" "$err"

# --- a file attached while the upload server is down: copied in
if [ -n "$up" ]; then
	head -c 3000 /dev/urandom >"$T/att.bin"
	cp "$T/att.bin" "$T/att.orig"
	newstate attach; F=$S
	XDG_STATE_HOME=$F run "$XU_BUILD/xsend" -f "$T/up-down.cfg" -T 10 \
	    -a alice --queue -m "with a file" --attach "$T/att.bin" bob@files.test
	rc_is 2 "--attach with --queue, the server down: exit 2"
	fq=$F/xmpputils/queue/alice@files.test
	fe=$(ls "$fq" 2>/dev/null | grep -xE "$ID")
	for f in "$fq/$fe"/file.*; do cmp -s "$f" "$T/att.orig" && break; done
	ok $? "the file is copied into the entry (file.I)"
	rm "$T/att.bin"
	XDG_STATE_HOME=$F run "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" -a alice \
	    --list-queue --format json
	is "$(printf '%s\n' "$out" | jq -sr '.[1].file | "\(.name) \(.size)"')" \
	    "att.bin 3000" "--list-queue: a file message with its name and size"
	XDG_STATE_HOME=$F run "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" -a alice \
	    --list-queue
	is "$(printf '%s\n' "$out" | cut -f3)" "with a file
file att.bin (3000 bytes)" "and in text: file NAME (SIZE bytes)"
fi

# ======================================================================
# The server back
server_run || { echo "# the server did not come back"; exit 1; }

# --- 2. --flush: each once, in order; then nothing more
listen main -a bob
q "$M" --flush -v
rc_is 0 "server back: --flush exits 0"
like "$err" "5 messages delivered, 0 still queued" "-v says 5 delivered"
q "$M" --list-queue
is "$rc,$out" "0," "--list-queue prints nothing after it"
is "$(entries "$M" | wc -l)" 0 "no entry left on disk"
q "$M" --flush
rc_is 0 "a second --flush: exit 0"
mark main
is "$(bodies main | tr '\n' ,)" "one,two,three,four,five,$marked," \
    "the listener got the 5 texts once each, in order, and nothing from the second flush"

# --- an empty queue does not log in: a wrong password does not matter
sed "s/^password = .*/password = wrong-$RANDOM/" "$XT_CONFIG" >"$T/badpass.cfg"
chmod 600 "$T/badpass.cfg"
XT_CONFIG=$T/badpass.cfg q "$M" --flush
rc_is 0 "--flush of an empty queue, a wrong password: exit 0 (it never logged in)"
run xsend -a alice --flush "$BOB"
rc_is 64 "--flush with a recipient: usage, 64"

# --- 3. two flushers at once
listen conc -a bob
XDG_STATE_HOME=$C "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --flush \
    2>"$T/c1.err" &
c1=$!
XDG_STATE_HOME=$C "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --flush \
    2>"$T/c2.err" &
c2=$!
wait "$c1"; r1=$?
wait "$c2"; r2=$?
is "$r1,$r2" "0,0" "two --flush at once: both exit 0" "$(cat "$T/c1.err" "$T/c2.err")"
mark conc
bodies conc | grep -v '^marker ' | cmp -s - "$T/clines"
ok $? "each of the 200 messages delivered exactly once, in order" \
    "$(bodies conc | sort | uniq -d | head -3)"
is "$(entries "$C" | wc -l)" 0 "the queue is empty"

# --- 4. a flusher killed with -9 mid-way, then flushed again
listen kill -a bob
XDG_STATE_HOME=$K "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --flush \
    2>"$T/k1.err" &
k1=$!
# (more than the window received first: a flush that noted no progress
# would send them all again, and show it)
wait_line "$T/kill.out" "kill [0-9]" 1000
# (the shell's "Killed" notice would go to the TAP stream: not here)
{ kill -9 "$k1"; wait "$k1"; } 2>/dev/null
is "$?" 137 "the flusher was killed with -9 mid-way (1,000 of 5,000 received)"
q "$K" --flush
rc_is 0 "--flush again: exit 0"
mark kill
bodies kill | grep -v '^marker ' >"$T/kgot"
awk '!seen[$0]++' "$T/kgot" | cmp -s - "$T/klines"
ok $? "every line received at least once, in order"
d=$(( $(wc -l <"$T/kgot") - 5000 ))
echo "# duplicates after the kill -9: $d"
[ "$d" -le 256 ]
ok $? "duplicates ($d) at most the window (256)"
q "$K" --list-queue
is "$rc,$out" "0," "the queue is empty"

# --- 4b. a flusher stopped with SIGTERM: what it had in flight is
# confirmed first, so nothing comes twice; the rest waits
listen term -a bob
XDG_STATE_HOME=$TS "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --flush \
    2>"$T/t1.err" &
t1=$!
wait_line "$T/term.out" "term [0-9]" 1000
kill -TERM "$t1"
wait "$t1"
is "$?" 75 "a flush stopped by SIGTERM exits 75"
like "$(cat "$T/t1.err")" "interrupted: the rest stays queued" \
    "and says the rest stays queued"
XDG_STATE_HOME=$TS xsend -a alice --list-queue | wc -l >"$T/tcount"
left=$(cat "$T/tcount")
[ "$left" -gt 0 ] && [ "$left" -lt 3000 ]
ok $? "some were delivered, the rest ($left) still listed"
q "$TS" --flush
rc_is 0 "--flush again: exit 0"
mark term
bodies term | grep -v '^marker ' >"$T/tgot"
cmp -s "$T/tgot" "$T/tlines"
ok $? "every line received exactly once, in order" \
    "$(wc -l <"$T/tgot") received"

# --- 5. bounced, expired, corrupt: reported, moved to failed/, the rest
# delivered; and what is never queued
listen mix -a bob
q "$B" --flush
rc_is 69 "an entry bounces: --flush exits 69"
like "$err" "bounced" "saying it bounced"
fb=$(failed "$B")
is "$(count "$fb")" 1 "the entry is in failed/"
grep -q "^to $NOBODY\$" "$(qdir "$B")/failed/$fb/entry" 2>/dev/null
ok $? "the one to $NOBODY"
like "$(cat "$(qdir "$B")/failed/$fb/reason" 2>/dev/null)" "bounce|service-unavailable" \
    "with a reason file saying why"
like "$err" "${fb:-(no entry in failed/)}" "the report names the entry"
is "$(entries "$B" | wc -l)" 0 "the others were delivered (none left)"
q "$B" --list-queue
is "$rc,$out" "0," "--list-queue: exit 0, nothing waits"
like "$err" "1 entr(y|ies) in (failed/: )?$(qdir "$B")/failed" "and a note of the entry in failed/"

q "$A" --flush
rc_is 69 "an entry older than queue_max_age (7 days): --flush exits 69"
fa=$(failed "$A")
is "$(count "$fa")" 1 "it is moved to failed/"
grep -qx "too old" "$(qdir "$A")/failed/$fa/entry" 2>/dev/null
ok $? "the old one"
test -s "$(qdir "$A")/failed/$fa/reason"
ok $? "with a reason"
like "$err" "${fa:-(no entry in failed/)}" "reported, naming the entry"
sed "/^\[alice\]\$/a queue_max_age = 0" "$XT_CONFIG" >"$T/age0.cfg"
chmod 600 "$T/age0.cfg"
XT_CONFIG=$T/age0.cfg q "$A0" --flush
rc_is 0 "queue_max_age = 0: an 8-day-old entry is delivered, exit 0"

q "$X" --flush
rc_is 65 "corrupt entries (garbage, truncated): --flush exits 65"
is "$(failed "$X" | tr '\n' ' ')" "$garbled $truncated " "both moved to failed/"
like "$err" "${garbled:-(no entry)}" "the garbled one reported"
like "$err" "${truncated:-(no entry)}" "the truncated one reported"
is "$(entries "$X" | wc -l)" 0 "the good ones delivered (none left)"

q "$NF" --flush
rc_is 69 "a bounce with failed/ unusable: exit 69 all the same"
like "$err" "cannot move it into failed/.*it stays in the queue" \
    "saying it stays in the queue"
q "$NF" --flush
rc_is 69 "the next flush: 69 again, not taken for delivered"
is "$(entries "$NF" | wc -l)" 1 "the entry is still there"
chmod 700 "$(qdir "$NF")/failed"
q "$NF" --flush
rc_is 69 "once failed/ is usable: moved, 69"
is "$(failed "$NF" | wc -l),$(entries "$NF" | wc -l)" "1,0" \
    "into failed/, out of the queue"
like "$(cat "$(qdir "$NF")/failed/$(failed "$NF")/reason" 2>/dev/null)" \
    "bounced" "its reason still the bounce's, the first flush's words"

XDG_STATE_HOME=$FI run timeout 20 "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice \
    --list-queue
is "$rc" 0 "--list-queue with a FIFO as an entry: no hang, exit 0"
like "$err" "corrupt: entry: not a regular file" "saying the entry is corrupt"
XDG_STATE_HOME=$FI run timeout 20 "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice \
    --flush
rc_is 65 "--flush: no hang, the corrupt entry moved aside, exit 65"
is "$(failed "$FI" | wc -l),$(entries "$FI" | wc -l)" "1,0" \
    "it in failed/, the other delivered"

# never queued: sent now when the server is up; a bounce; a refused login
newstate direct; D=$S
q "$D" --queue -m "direct" "$BOB"
rc_is 0 "--queue with the server up: sent now, exit 0"
q "$D" --queue -m "bounces at once" "$NOBODY"
rc_is 69 "--queue, a bounce on the direct send: exit 69"
XT_CONFIG=$T/badpass.cfg q "$D" --queue -m "wrong password" "$BOB"
rc_is 77 "--queue, a wrong password: exit 77"
is "$(find "$D" -name entry | wc -l)" 0 "none of the three was queued"

# --- 6. the systemd units' command lines, run with the test's config
unit=systemd/xmpputils-flush.service
if [ -f "$unit" ] && [ -f systemd/xmpputils-flush@.service ]; then
	like "$(cat "$unit")" "^SuccessExitStatus=.*\\b2\\b" \
	    "the unit takes exit 2 (still queued) as a success"
	# the default account: its keys before any section
	{
		printf 'jid = %s\npassword = %s\n' "$ALICE" "$XT_PASS"
		cat "$XT_CONFIG"
	} >"$T/default.cfg"
	chmod 600 "$T/default.cfg"
	cmd=$(sed -n 's/^ExecStart=[-@:+!]*//p' "$unit")
	set -- $cmd
	like "${1:-}" "(^|/)xsend\$" "its ExecStart runs xsend ($cmd)"
	XDG_STATE_HOME=$U1 run "$XU_BUILD/xsend" -f "$T/default.cfg" -T 10 "${@:2}"
	rc_is 0 "xmpputils-flush.service's ExecStart ($cmd): exit 0"
	is "$(entries "$U1" | wc -l)" 0 "it flushed the default account's queue"
	cmd=$(sed -n 's/^ExecStart=[-@:+!]*//p' systemd/xmpputils-flush@.service |
	    sed 's/%i/alice/g')
	set -- $cmd
	XDG_STATE_HOME=$U2 run "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 "${@:2}"
	rc_is 0 "xmpputils-flush@alice.service's ExecStart ($cmd): exit 0"
	is "$(entries "$U2" | wc -l)" 0 "it flushed alice's queue"
	units="unit default,unit template,"
else
	ok 0 "# SKIP systemd/xmpputils-flush.service and @.service not written yet"
	units=
fi

mark mix
is "$(bodies mix | tr '\n' ,)" \
    "before bounce,after bounce,fresh,old but kept,good one,good two,fifo 2,direct,$units$marked," \
    "bob got what was not bounced, expired or corrupt, once each, in order"

# --- 7. the attachment: uploaded by --flush, the same bytes come down
if [ -n "$up" ]; then
	XT_CONFIG=$XU_UP_CONFIG listen att -a bob -c 2 --format json
	XDG_STATE_HOME=$F run "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" -T 10 \
	    -a alice --flush
	rc_is 0 "--flush of an entry with a file: exit 0"
	listener_wait att
	is "$(jq -r .body "$T/att.out" | head -1)" "with a file" "the text first"
	url=$(jq -r '.oob[0].url // empty' "$T/att.out")
	like "$url" "^https://localhost:$XU_UP_HTTPS/.*/att\.bin\$" \
	    "then the file's message, with its oob URL"
	curl -sf --cacert "$XU_UP_CA" -o "$T/att.got" "$url"
	cmp -s "$T/att.got" "$T/att.orig"
	ok $? "the URL serves the same 3000 bytes (the original long deleted)"

	# a copy swapped for another file (a hard link to one of ours here;
	# to /etc/shadow, as root, it would be the same)
	head -c 3000 /dev/urandom >"$T/att2.bin"
	newstate swap; SW=$S
	XDG_STATE_HOME=$SW run "$XU_BUILD/xsend" -f "$T/up-down.cfg" -T 10 \
	    -a alice --queue --attach "$T/att2.bin" bob@files.test
	se=$SW/xmpputils/queue/alice@files.test/$(ls \
	    "$SW/xmpputils/queue/alice@files.test" | grep -xE "$ID")
	rm -f "$se/file.0"
	ln "$T/att2.bin" "$se/file.0"
	XDG_STATE_HOME=$SW run "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" -T 10 \
	    -a alice --flush
	rc_is 65 "a file in an entry that is not the copy queued: 65"
	like "$err" "file.0: not the copy queued" "saying so, not uploading it"

	# the HTTP host unreachable, the XMPP server up: that may pass
	xt_prosody_kill TERM "$XU_UP_RELAY_PID"
	XU_UP_RELAY_PID=
	newstate uphost; UH=$S
	XDG_STATE_HOME=$UH run "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" -T 10 \
	    -a stall --queue -m "host away" --attach "$T/att2.bin" bob@files.test
	rc_is 2 "--queue, the upload host unreachable: queued, exit 2"
	XDG_STATE_HOME=$UH run "$XU_BUILD/xsend" -f "$T/up-down.cfg" -T 10 \
	    -a stall --queue -m "urgent after" bob@files.test
	rc_is 2 "a text queued after it"
	XT_CONFIG=$XU_UP_CONFIG listen uh -a bob -c 1
	XDG_STATE_HOME=$UH run "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" -T 10 \
	    -a stall --flush
	rc_is 2 "--flush, the host still unreachable: exit 2, not failed/"
	like "$err" "kept for the next flush" "saying the entry is kept"
	listener_wait uh
	is "$(bodies uh)" "urgent after" \
	    "the entry after it went all the same (not held up for a week)"
	is "$(ls "$UH/xmpputils/queue/alice@stall.test" | grep -cxE "$ID")" 1 \
	    "the entry with the file still queued"
	upload_stop
	up=
else
	ok 1 "upload_start: the upload test bed came up"
fi

# --- 8. xagent flushes when its session comes up, and after a reconnect.
# (What waits on an event that did not come once is not waited on again:
# each wait is a minute; the check fails all the same.)
listen ag -a bob --retry inf
XDG_STATE_HOME=$G "$XU_BUILD/xagent" -F -v -f "$XT_CONFIG" -T 10 -a alice \
    2>"$T/agent.err" &
agent=$!
wait_line "$T/agent.err" "holding .* for its tools"
ok $? "xagent starts, its queue holding one entry" "$(cat "$T/agent.err")"
flushed=
wait_line "$T/ag.out" "agent 1" && flushed=1
ok $((! flushed)) "its session comes up: the queued message is delivered" \
    "$(cat "$T/agent.err")"
if [ -n "$flushed" ]; then
	wait_line "$T/agent.err" "queue flush (pid [0-9]*) exited 0"
	ok $? "the agent logs its flush child's exit 0" "$(cat "$T/agent.err")"
else
	ok 1 "the agent logs its flush child's exit 0 (not waited for: no flush)"
fi
is "$(entries "$G" | wc -l)" 0 "the queue is empty"
server_kill TERM
q "$G" --queue --no-agent -m "agent 2" "$BOB"
rc_is 2 "server down again: xsend --queue --no-agent: exit 2"
server_run || { echo "# the server did not come back"; exit 1; }
if [ -n "$flushed" ]; then
	wait_line "$T/ag.out" "agent 2"
	ok $? "the agent reconnects and flushes: the listener gets it" \
	    "$(cat "$T/agent.err")"
	wait_line "$T/agent.err" "queue flush (pid [0-9]*) exited 0" 2
else
	ok 1 "the agent reconnects and flushes (not waited for: no flush at its start)"
fi
is "$(entries "$G" | wc -l)" 0 "the queue is empty again"
kill -TERM "$agent"
wait "$agent"
agent=
listener_stop ag
is "$(bodies ag | tr '\n' ,)" "agent 1,agent 2," "each once"

done_testing
