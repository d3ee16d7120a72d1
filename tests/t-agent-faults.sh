# t-agent-faults: xagent under attack and when things break. Another uid
# refused; a stale socket; clients that speak garbage, oversized
# requests, or vanish (tests/agentpoke.c); the server restarted under the
# agent; the agent killed mid-request; 100 clients at once, and 100
# while it reconnects. The promise checked each time: a client exits 0
# only for what the receiver got; anything else is non-zero with the
# message in --unsent. A Prosody of this file's own (it is restarted).
. tests/lib.sh
. tests/server.sh
server_start || { echo "# could not start a Prosody of our own"; exit 1; }

# agents find each other here, never in the user's or another test's
# directory
XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
# a state directory of its own: what another file left in the account's
# queue (xsend --queue) is not for these agents to flush
XDG_STATE_HOME=$T/state
mkdir -m 700 "$XDG_STATE_HOME"
export XDG_STATE_HOME
# one another uid may reach (test 1)
W=$(mktemp -d /tmp/xmpputils-agentw.XXXXXX)
chmod 755 "$W"

trap 'agents_stop; server_stop; rm -rf "$W"; xt_cleanup' EXIT

BOB=bob@$XT_DOMAIN
POKE=$XU_BUILD/agentpoke
SOCK=$XDG_RUNTIME_DIR/xmpputils/alice@$XT_DOMAIN

# status FIELD: that line of xagent -s, for alice's agent
status() { "$XU_BUILD/xagent" -O status -f "$XT_CONFIG" -a alice | sed -n "s/^$1 //p"; }

# received NAME TEXT: whether listener NAME printed a message TEXT
received() { cut -f2 "$T/$1.out" | grep -qxF -- "$2"; }

# --- 1. another uid: refused by the agent, whatever the socket's mode
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
nobody_uid=$(id -u nobody)
listen r1 -a bob
XMPP_AGENT_SOCK=$W/carol agent_start a1 carol
a1=$agent
chmod 666 "$W/carol"	# as if the user had opened it to all
# nobody's own config: carol's account, no password (an agent needs none)
printf 'server = 127.0.0.1\nport = %s\ncafile = %s\n\n[carol]\njid = carol@%s\n' \
    "$XT_PORT" "$XT_CA" "$XT_DOMAIN" >"$W/config"
chown nobody "$W/config"
chmod 600 "$W/config"
run $NOBODY env XMPP_AGENT_SOCK="$W/carol" "$POKE" "$W/carol" hello \
    "carol@$XT_DOMAIN"
like "$rc $out" "^0 cut off: (hung up|reset)$" \
    "a client of another uid that greets is cut off, never welcomed"
wait_line "$T/a1.err" "refused a client of uid $nobody_uid"
ok $? "the agent's log says it refused uid $nobody_uid" "$(cat "$T/a1.err")"
run $NOBODY env XMPP_AGENT_SOCK="$W/carol" "$XU_BUILD/xsend" -f "$W/config" \
    -T 5 -a carol -m "from nobody" "$BOB"
[ "$rc" -ne 0 ]
ok $? "xsend as another uid fails (exit $rc)" "$err"
like "$err" "agent runs as uid 0, not as us: refusing it" \
    "and says the agent is not its own"
run env XMPP_AGENT_SOCK="$W/carol" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 \
    -v -a carol --agent -m "carol after the refusal" "$BOB"
is "$rc" 0 "the agent still serves its own uid afterwards"
like "$err" "via the agent $W/carol" "through the agent"
wait_line "$T/r1.out" "carol after the refusal"
listener_stop r1
is "$(cut -f2 "$T/r1.out")" "carol after the refusal" \
    "the receiver got that message, and nothing from the other uid"
XMPP_AGENT_SOCK=$W/carol "$XU_BUILD/xagent" -O stop -f "$XT_CONFIG" -a carol
wait "$a1"
is "$?" 0 "xagent -O stop stops it: exit 0"

# --- 1b. another uid's directory where ours would be (/tmp made before
# us): no client looks there; not even a socket that never answers stalls one
mkdir -p "$W/run2/xmpputils"
chown nobody "$W/run2/xmpputils"
chmod 777 "$W/run2/xmpputils"
$NOBODY perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0],
	    Listen => 0) or die "listen: $!";
	open(my $up, ">", $ARGV[1]); close($up);
	sleep 30;' "$W/run2/xmpputils/alice@$XT_DOMAIN" "$W/run2/up" &
trap_pid=$!
for i in $(seq 100); do [ -e "$W/run2/up" ] && break; sleep 0.05; done
listen r1b -a bob -c 1
run env XDG_RUNTIME_DIR="$W/run2" timeout 20 "$XU_BUILD/xsend" \
    -f "$XT_CONFIG" -T 5 -a alice -m "past a foreign directory" "$BOB"
is "$rc" 0 "xsend past another uid's agent directory: exit 0" "$err"
like "$err" "not a directory of ours alone" "saying why it did not look there"
listener_wait r1b
is "$(cut -f2 "$T/r1b.out")" "past a foreign directory" "the message arrived"
run env XDG_RUNTIME_DIR="$W/run2" timeout 20 "$XU_BUILD/xsend" \
    -f "$XT_CONFIG" -T 5 -a alice --agent -m "never" "$BOB"
is "$rc" 77 "--agent there: exit 77, no agent of ours can be there"
kill "$trap_pid" 2>/dev/null
wait "$trap_pid" 2>/dev/null

# --- 1c. XMPP_AGENT_SOCK naming a file that is no socket: left as it is
printf 'precious\n' >"$T/notasocket"
run env XMPP_AGENT_SOCK="$T/notasocket" "$XU_BUILD/xagent" -f "$XT_CONFIG" \
    -T 10 -a alice
[ "$rc" -ne 0 ]
ok $? "xagent on a path that holds a file: refused (exit $rc)"
is "$(cat "$T/notasocket")" "precious" "and the file is untouched"
like "$err" "not a socket: refusing to replace it" "saying why"

# --- 1d. auto mode: an xsend -l whose first line is slow to come keeps
# the agent it started (its --agent-persist is for idle agents)
mkfifo "$T/slow"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a carol --agent-persist 1 -l \
    "$BOB" <"$T/slow" 2>"$T/slow.err" &
slow=$!
exec 7>"$T/slow"
listen r1d -a bob -c 1
# the line comes after the agent's idle time has passed twice over
sleep 2.5
echo "a slow first line" >&7
exec 7>&-
wait "$slow"
is "$?" 0 "xsend -l through the agent it started, its line late: exit 0" \
    "$(cat "$T/slow.err")"
listener_wait r1d
is "$(cut -f2 "$T/r1d.out")" "a slow first line" "the line arrived"

# --- 3. garbage, oversized requests, vanishing and silent clients
agent_start ag alice
ag=$agent
listen r3 -a bob
"$POKE" "$SOCK" silent >"$T/p.silent" &
silent=$!
# greeted, then a frame begun and never ended: cut off after 10 s
"$POKE" "$SOCK" stall "alice@$XT_DOMAIN" >"$T/p.stall" &
stall=$!
# vanished, twice: a frame begun, then gone; greeted, then gone
"$POKE" "$SOCK" vanish "alice@$XT_DOMAIN" >"$T/p.vanish" &
pokes=$!
for seed in 1 2 3; do
	"$POKE" "$SOCK" garbage "$seed" 65536 >"$T/p.garbage$seed" &
	pokes="$pokes $!"
	"$POKE" "$SOCK" noise "alice@$XT_DOMAIN" "$seed" 1000 \
	    >"$T/p.noise$seed" &
	pokes="$pokes $!"
done
"$POKE" "$SOCK" length $((10 * 1024 * 1024)) >"$T/p.length" &
pokes="$pokes $!"
"$POKE" "$SOCK" huge "alice@$XT_DOMAIN" $((10 * 1024 * 1024)) \
    >"$T/p.huge" &
pokes="$pokes $!"
"$POKE" "$SOCK" bad "alice@$XT_DOMAIN" 100000 >"$T/p.bad" &
pokes="$pokes $!"
"$POKE" "$SOCK" bad "alice@$XT_DOMAIN" 250000 >"$T/p.big" &
pokes="$pokes $!"
run xsend -a alice --agent -m "among the hostile" "$BOB"
is "$rc" 0 "an xsend through the agent among them succeeds" "$err"
wait_line "$T/r3.out" "among the hostile"
ok $? "and its message arrives"
listener_stop r3
for p in $pokes; do wait "$p"; done
is "$(cat "$T/p.vanish")" "vanished" "a client that vanishes mid-frame"
for seed in 1 2 3; do
	like "$(cat "$T/p.garbage$seed")" "^cut off: " \
	    "64 kB of random bytes (seed $seed): cut off"
	like "$(cat "$T/p.noise$seed")" "^cut off: E 76 " \
	    "greeted, then random frames (seed $seed): cut off, told why"
done
is "$(cat "$T/p.length")" "cut off: E 76 a frame over the limit" \
    "a frame's length of 10 MB: cut off at its header"
is "$(cat "$T/p.huge")" "cut off: E 76 a frame over the limit" \
    "greeted, then a 10 MB request: cut off, never read whole"
is "$(cat "$T/p.bad")" "cut off: E 65 a request to send what is not one stanza" \
    "greeted, then 100 kB that are no stanza: refused (65)"
is "$(cat "$T/p.big")" "cut off: E 65 a stanza over the size limit" \
    "greeted, then 250 kB, more than a server takes: refused (65)"
kill -0 "$ag"
ok $? "the agent is still up"
like "$(status relayed)" "^[1-9]" "xagent -O status still answers"

# --- 6. 100 xsend processes at once through one agent
listen r6 -a bob -c 100
before=$(status relayed)
pids=
for i in $(seq 100); do
	"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 20 -a alice --agent \
	    -m "concurrent $i" "$BOB" 2>"$T/e6.$i" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "100 concurrent xsend --agent: all exit 0" \
    "$(cat "$T"/e6.* | sort | uniq -c | sort -rn | head -5)"
listener_wait r6
is "$(cut -f2 "$T/r6.out" | sort -V | tr '\n' ,)" \
    "$(seq -f 'concurrent %g' 100 | tr '\n' ,)" \
    "all 100 messages received, each exactly once"
is "$(( $(status relayed) - before ))" 100 "all through the agent"

wait "$silent"
is "$?,$(cat "$T/p.silent")" "0,cut off: E 76 no greeting in time" \
    "a client that never speaks is cut off after 10 s"
wait "$stall"
is "$?,$(cat "$T/p.stall")" "0,cut off: E 76 a frame begun and not ended in time" \
    "a client that stops mid-frame is cut off too"
# a line for each it cut off and told why: 3 noise, length, huge, bad,
# big, silent (garbage may not frame an error it can say)
n=$(grep -c "client [0-9]* (pid [0-9]*): " "$T/ag.err")
[ "$n" -ge 8 ]
ok $? "the agent logged each one it cut off ($n)"

# --- 4. the server restarted under the agent
listen r4 -a bob --retry inf
run xsend -a alice --agent -m "before the restart" "$BOB"
is "$rc" 0 "before the restart: exit 0"
server_kill TERM
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --agent \
    --unsent "$T/u4" -m "during the restart" "$BOB" 2>"$T/e4" &
during=$!
server_run
wait "$during"
rc=$?
case $rc in
0)	wait_line "$T/r4.out" "during the restart"
	ok $? "an xsend during the outage: exit 0, and it was received";;
75)	is "$(cat "$T/u4")" "during the restart" \
	    "an xsend during the outage: exit 75, the message in --unsent";;
*)	ok 1 "an xsend during the outage: exit 0 or 75, not $rc" "$(cat "$T/e4")";;
esac
run xsend -a alice -T 20 --agent -m "after the restart" "$BOB"
is "$rc" 0 "after the restart, xsend through the agent works again" "$err"
wait_line "$T/r4.out" "after the restart"
ok $? "and its message arrives"
like "$(status reconnects)" "^[1-9]" "xagent -O status counts the reconnect"
like "$(cat "$T/ag.err")" "back after [0-9]+ attempts?" \
    "the agent's log says it came back"

# --- 6b. 100 clients while the agent reconnects. Bob is away: what the
# server confirmed waits for him on its disk (a server stopped under a
# connected receiver may lose what it confirmed but had not handed over:
# its loss, not a false 0)
listener_stop r4
pids=
for i in $(seq 100); do
	[ "$i" -eq 51 ] && server_kill TERM
	( "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --agent \
	    --unsent "$T/u7.$i" -m "reconnect $i" "$BOB" 2>"$T/e7.$i"
	  echo $? >"$T/rc7.$i" ) &
	pids="$pids $!"
done
server_run
for p in $pids; do wait "$p"; done
run xsend -a alice -T 20 --agent -m "after the hundred" "$BOB"
is "$rc" 0 "the agent serves after the second restart" "$err"
# stored in order: the last of them read means all of them were
listen r7 -a bob
wait_line "$T/r7.out" "after the hundred"
listener_stop r7
zero=0 tempfail=0 other= false0= lost=
for i in $(seq 100); do
	rc=$(cat "$T/rc7.$i")
	case $rc in
	0)	zero=$((zero + 1))
		received r7 "reconnect $i" || false0="$false0 $i";;
	75)	tempfail=$((tempfail + 1))
		[ "$(cat "$T/u7.$i" 2>/dev/null)" = "reconnect $i" ] ||
		    lost="$lost $i";;
	*)	other="$other $i:$rc";;
	esac
done
echo "# 100 clients across a restart: $zero exited 0, $tempfail exited 75"
is "$other" "" "each exits 0 or 75" \
    "$(for i in $other; do cat "$T/e7.${i%:*}"; done | head -20)"
is "$false0" "" "no false 0: bob got every exit 0's message"
is "$lost" "" "every exit 75's message is in its --unsent"

# --- 7. a wedged agent (stopped: as one busy logging in again is, to
# its clients): 150 of them, more than its socket's backlog holds, each
# gives up within its own -T, its message in --unsent; none hangs
kill -STOP "$ag"
pids=
for i in $(seq 150); do
	( t0=${EPOCHREALTIME/./}
	  timeout -s KILL 15 "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 2 -a alice \
	    --unsent "$T/u8.$i" -m "wedged $i" "$BOB" 2>"$T/e8.$i"
	  echo "$? $(( (${EPOCHREALTIME/./} - t0) / 1000 ))" >"$T/rc8.$i" ) &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
kill -CONT "$ag"
rcs=$(cut -d' ' -f1 "$T"/rc8.* | sort | uniq -c | tr -s ' \n' '  ')
is "$rcs" " 150 75 " "150 clients of a wedged agent: each exits 75" \
    "$(for f in "$T"/e8.*; do cat "$f"; done | sort | uniq -c | head -5)"
slowest=$(cut -d' ' -f2 "$T"/rc8.* | sort -n | tail -1)
[ "$slowest" -lt 12000 ]
ok $? "within its -T of 2 s (the slowest: $slowest ms)"
lost=
for i in $(seq 150); do
	[ "$(cat "$T/u8.$i" 2>/dev/null)" = "wedged $i" ] || lost="$lost $i"
done
is "$lost" "" "each message in its --unsent"
run xsend -a alice --agent -m "after the wedge" "$BOB"
is "$rc" 0 "the agent, going again, serves" "$err"

# --- 5. the agent killed (kill -9) mid-request
listen r5 -a bob
seq 400 | sed 's/^/killed /' >"$T/l5"
mkfifo "$T/f5"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --agent -l \
    --unsent "$T/u5" "$BOB" <"$T/f5" 2>"$T/e5" &
sender=$!
exec {feed}>"$T/f5"
sed -n 1,200p "$T/l5" >&$feed
wait_line "$T/r5.out" "	killed 200\$"
# stopped, so that what comes next is in flight when it dies
kill -STOP "$ag"
sed -n '201,$p' "$T/l5" >&$feed
exec 3>&2 2>/dev/null	# (no "Killed" from the shell)
kill -KILL "$ag"
wait "$ag"
exec {feed}>&-
wait "$sender"
rc=$?
exec 2>&3 3>&-
[ "$rc" -ne 0 ]
ok $? "xsend -l whose agent is killed mid-request exits non-zero ($rc)" \
    "$(cat "$T/e5")"
# what was not handed back was confirmed: it arrives, in order, so the
# last of it arriving means all of it has
last=$(grep -vxF -f "$T/u5" "$T/l5" | tail -1)
[ -n "$last" ] && wait_line "$T/r5.out" "	$last\$"
cat "$T/u5" <(cut -f2 "$T/r5.out" | grep '^killed ') | sort -u |
    cmp -s - <(sort "$T/l5")
ok $? "every line was either received or handed back in --unsent" \
    "$(wc -l <"$T/u5") in --unsent, $(wc -l <"$T/r5.out") received"
like "$(cat "$T/e5")" "written to --unsent" "and it says so"

# --- 2. a stale socket, its agent killed
[ -S "$SOCK" ]
ok $? "kill -9 left the agent's socket behind"
run xsend -v -a alice -m "past a stale socket" "$BOB"
is "$rc" 0 "xsend past the stale socket: exit 0, at once" "$err"
like "$err" "no agent for alice@$XT_DOMAIN: logging in" "it logged in itself"
agent_start a2 alice
a2=$agent
like "$(cat "$T/a2.err")" "replaced a stale socket" \
    "a new xagent replaces the stale socket"
run xsend -v -a alice --agent -m "through the new agent" "$BOB"
is "$rc" 0 "and serves" "$err"
wait_line "$T/r5.out" "through the new agent"
ok $? "its message arrives"
listener_stop r5
"$XU_BUILD/xagent" -O stop -f "$XT_CONFIG" -a alice
wait "$a2"
is "$?" 0 "xagent -O stop stops it: exit 0"

done_testing
