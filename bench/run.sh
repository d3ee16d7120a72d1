#!/bin/bash
# bench/run.sh: xmpputils measured against its peers and its floors, in
# one run, against the test Prosody on loopback. Prints a table with
# ratios; with --record, also writes it to bench/RESULTS.md.
#
#   1. one message, process start to exit: xsend, go-sendxmpp, sendxmpp,
#      and bare (a plain libstrophe client: the library's floor); every
#      message is counted at a receiver
#   2. a burst of BURST lines: xsend -l, go-sendxmpp -i, and a flood of
#      pre-serialized stanzas (the server's floor); deliveries counted,
#      and the rate taken from the first delivery to the last
#   3. xlisten --format json receiving the flood, against bare's receiver;
#      and xraw sending BURST pings, against bare's pre-serialized pings
#   3c. across federation (tests/server.sh's fed_start: two Prosodys
#      that federate over loopback): one message and FED_LINES lines,
#      xsend --confirm server against --confirm domain (one ping to the
#      remote domain after the last message: one s2s round trip)
#   4. through the agent: xagent started here, holding alice's login
#      (its own XDG_RUNTIME_DIR): one message by xsend --agent against
#      xsend's login and bare; AGENT_CONC (100) xsend at once, acked
#      and delivered, with the agent's CPU; peak RSS of an xsend through
#      it against the OpenSSL floor, and the agent's RSS over
#      AGENT_RELAY (100000) relayed messages; a bot's round trip
#      (xlisten --agent in, xsend --agent out) against separate logins
#   5. peak RSS, and callgrind's instruction count for one xsend
#   6. login round trips at LOGIN_MS (25) ms each way: Prosody 13
#      (tests/server.sh's server13_start) behind nettool delay, one message
#      (--confirm server) by xsend's classic login (sasl2 = no), SASL2 with
#      Bind2 (fast = no), and SASL2 with Bind2 and FAST (a token from a
#      first run), each on STARTTLS and on direct TLS, and go-sendxmpp
#      0.14 (tests/deps.sh's, from bookworm-backports) on both; the time,
#      the round trips and the bytes the relay counted. Skipped without
#      Prosody 13 in tests/deps.sh's cache
#   7. HTTP File Upload (XEP-0363): tests/server.sh's upload_start with a
#      64 MiB limit (Prosody 0.12's mod_http_file_share over HTTPS); a
#      50 MB file of random bytes, curl -T to a fresh slot (up_slot) with
#      the slot's headers, its time, MB/s and peak RSS; and xsend
#      --attach of the 50 MB file and a 5 MB one to bob, in turn with
#      curl's runs: its MB/s against curl's, and its peak RSS, which
#      must not grow with the file
#   8. the queue (issue 22), its own XDG_STATE_HOMEs each run: with the
#      test Prosody stopped, xsend --queue -l of BURST lines and
#      QUEUE_ONE (200) xsend --queue -m runs of one message each
#      (messages/s, process start to exit); Prosody started again, xsend
#      --flush of each (counted at bob's receiver), the burst's in turn
#      with xsend -l of BURST lines to the live server, and their ratio
#      (target >= 0.5); fsyncs a message (strace -f -c, in runs of their
#      own, installed when run as root; skipped without it)
#
# RUNS (default 11) runs for one message, BURST_RUNS (3) for a burst;
# BURST (10000) lines; AGENT_RUNS (51) for one message through the
# agent, BOT_RUNS (50) round trips, LOGIN_RUNS (7) for each login row,
# UP_RUNS (5) for each upload row, BURST_RUNS for the queue, QUEUE_ONE
# (200) single messages. ROWS picks sections (default all): one burst
# recv xraw fed agent mem login upload queue, e.g. ROWS=agent (which also
# times xsend's and bare's one message and the OpenSSL floor, its ratios'
# denominators, in the same run). Peers are installed from Debian when
# run as root.
set -u
cd "$(dirname "$0")/.."
RECORD=0
[ "${1:-}" = "--record" ] && RECORD=1
ROWS=${ROWS:-all}
for r in $ROWS; do
	case $r in
	all|one|burst|recv|xraw|fed|agent|mem|login|upload|queue) ;;
	*) echo "bench: ROWS: no section $r (one burst recv xraw fed agent mem login upload queue)" >&2
	   exit 64;;
	esac
done
if [ "$RECORD" -eq 1 ] && [ "$ROWS" != all ]; then
	echo "bench: --record records every section: not with ROWS=$ROWS" >&2
	exit 64
fi
want() { case " $ROWS " in *" all "*|*" $1 "*) return 0;; esac; return 1; }
RUNS=${RUNS:-11}
BURST=${BURST:-10000}
BURST_RUNS=${BURST_RUNS:-3}
AGENT_RUNS=${AGENT_RUNS:-51}
AGENT_CONC=${AGENT_CONC:-100}
CONC_RUNS=${CONC_RUNS:-3}
AGENT_RELAY=${AGENT_RELAY:-100000}
BOT_RUNS=${BOT_RUNS:-50}
LOGIN_RUNS=${LOGIN_RUNS:-7}
LOGIN_MS=${LOGIN_MS:-25}
UP_RUNS=${UP_RUNS:-5}
XU_BUILD=$(cd "${XU_BUILD:-build}" && pwd) || exit 1
XT_NETTOOL=$XU_BUILD/nettool
XT_BIN=$(pwd)
B=$XU_BUILD/bench
export XU_BUILD XT_NETTOOL XT_BIN

. tests/server.sh

# ---- peers
peers= peer_names=
if want one || want burst; then peer_names="go-sendxmpp sendxmpp"; fi
for p in $peer_names; do
	if ! command -v "$p" >/dev/null && [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends "$p" >/dev/null 2>&1
	fi
	if command -v "$p" >/dev/null; then peers="$peers $p"; else
		echo "# $p: not installed (run as root to install it): skipped"
	fi
done

W=$(mktemp -d)
# what was started here and is not stopped on the way (the agent, a bot)
started=
stop_started() {
	local p
	for p in $started; do kill -TERM "$p" 2>/dev/null; done
	for p in $started; do wait "$p" 2>/dev/null; done
	started=
}
trap 'stop_started; server_stop; fed_stop 2>/dev/null; server13_stop 2>/dev/null; upload_stop 2>/dev/null; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
# no agent of the user's: the login rows log in; the agent rows start
# their own here; no FAST token of the user's either
mkdir -m 700 "$W/run" "$W/state"
export XDG_RUNTIME_DIR=$W/run XDG_STATE_HOME=$W/state
unset XMPP_AGENT_SOCK
server_start || exit 1
BOB=bob@$XT_DOMAIN
ALICE=alice@$XT_DOMAIN
export XMPP_PASSWORD=$XT_PASS BARE_HOST=127.0.0.1 BARE_PORT=$XT_PORT BARE_CAFILE=$XT_CA
mkdir "$W/ca" && cp "$XT_CA" "$W/ca/" && openssl rehash "$W/ca" 2>/dev/null

# how each sender is run; stdin is the message (or the lines)
send_cmd() {	# send_cmd TOOL MODE(one|burst) [TAG]
	case $1 in
	xsend)
		[ "$2" = one ] && echo "$XU_BUILD/xsend -f $XT_CONFIG -a alice $BOB" ||
		    echo "$XU_BUILD/xsend -f $XT_CONFIG -a alice -l $BOB";;
	bare)
		[ "$2" = one ] && echo "env XMPP_JID=$ALICE $B/bare send $BOB one-bare" ||
		    echo "env XMPP_JID=$ALICE $B/bare flood $BOB $BURST ${3:-flood}";;
	go-sendxmpp)
		# the peer takes its password on argv; for the bench only
		[ "$2" = one ] && echo "env SSL_CERT_FILE=$XT_CA go-sendxmpp -u $ALICE -p $XT_PASS -j 127.0.0.1:$XT_PORT $BOB" ||
		    echo "env SSL_CERT_FILE=$XT_CA go-sendxmpp -i -u $ALICE -p $XT_PASS -j 127.0.0.1:$XT_PORT $BOB";;
	sendxmpp)
		echo "sendxmpp -u alice -p $XT_PASS -j 127.0.0.1:$XT_PORT -o $XT_DOMAIN -t -a $W/ca $BOB";;
	esac
}

# bob's receiver: bare sink (counts and times) or xlisten; waits for ready
start_sink() {	# start_sink N TAG IDLE_MS: counts bodies starting with TAG
	mkfifo "$W/sink.fifo"
	env XMPP_JID=$BOB "$B/bare" sink "$1" "$2" "$3" >"$W/sink.fifo" &
	sinkpid=$!
	exec {sinkfd}<"$W/sink.fifo"
	read -r -t 20 ready <&$sinkfd
	rm "$W/sink.fifo"
}
finish_sink() {	# prints COUNT FIRST_NS LAST_NS
	read -r -t 120 result <&$sinkfd
	exec {sinkfd}<&-
	wait "$sinkpid"
	echo "$result"
}
now_ns() { date +%s%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

results=$W/results
: >"$results"
row() { printf '%s\n' "$*" >>"$results"; }

# ---- 1. one message (xsend and bare also for the agent's ratios, and
# xsend's for section 5)
one_tools="xsend bare"
want one && one_tools="xsend bare $peers"
if want one || want agent || want mem; then
echo "# 1. one message, $RUNS runs each"
mkfifo "$W/r.err"
"$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -v >"$W/one.recv" 2>"$W/r.err" &
recvpid=$!
exec {rfd}<"$W/r.err"
while read -r -t 20 line <&$rfd; do case $line in *"listening as"*) break;; esac; done
cat <&$rfd >/dev/null &
declare -A one_ms one_rss
for tool in $one_tools; do
	printf 'one-%s\n' "$tool" >"$W/body.$tool"
	read -r med min max rss fails < <("$B/timeit" -n "$RUNS" -i "$W/body.$tool" $(send_cmd "$tool" one))
	one_ms[$tool]=$med
	one_rss[$tool]=$rss
	echo "#   $tool: median $med ms (min $min, max $max), peak RSS $rss kB, $fails failed runs"
done
kill -TERM "$recvpid"
wait "$recvpid"
declare -A one_got
for tool in $one_tools; do
	# (sendxmpp keeps stdin's newline: "one-sendxmpp\n" in text format)
	one_got[$tool]=$(cut -f2 "$W/one.recv" | grep -c "^one-$tool\(\\\\n\)\{0,1\}\$")
done
fi

# ---- 2. the burst, and 3. xlisten receiving it
if want burst; then
echo "# 2. a burst of $BURST lines, $BURST_RUNS runs each"
declare -A burst_rate burst_got burst_rss
for tool in xsend bare $peers; do
	[ "$tool" = sendxmpp ] && continue	# no stdin line mode worth timing
	rates=() gots=() rss=0
	for i in $(seq "$BURST_RUNS"); do
		tag="burst-$tool-$i"
		seq "$BURST" | sed "s/^/$tag /" >"$W/lines"
		start_sink "$BURST" "$tag" 3000
		t0=$(now_ns)
		read -r _ _ _ r _ < <("$B/timeit" -n 1 -i "$W/lines" $(send_cmd "$tool" burst "$tag"))
		read -r got first last < <(finish_sink)
		[ "$r" -gt "$rss" ] && rss=$r
		# the delivery rate, first message to last: a login, fast or
		# slow, is the one-message section's business
		rates+=("$(awk -v n="$got" -v a="$first" -v b="$last" 'BEGIN { printf "%.0f", (b > a) ? (n - 1) / ((b - a) / 1e9) : 0 }')")
		gots+=("$got")
	done
	burst_rate[$tool]=$(printf '%s\n' "${rates[@]}" | median)
	burst_got[$tool]=$(printf '%s\n' "${gots[@]}" | sort -n | head -1)
	burst_rss[$tool]=$rss
	echo "#   $tool: median ${burst_rate[$tool]} msg/s, fewest delivered ${burst_got[$tool]} of $BURST, peak RSS $rss kB"
done
fi

if want recv; then
echo "# 3. receiving the flood: xlisten --format json vs bare sink, $BURST_RUNS runs"
sink_rates=() xl_rates=()
for i in $(seq "$BURST_RUNS"); do
	start_sink "$BURST" "sink-$i" 3000
	t0=$(now_ns)
	env XMPP_JID=$ALICE "$B/bare" flood "$BOB" "$BURST" "sink-$i"
	read -r got first last < <(finish_sink)
	sink_rates+=("$(awk -v n="$got" -v a="$t0" -v b="$last" 'BEGIN { printf "%.0f", n / ((b - a) / 1e9) }')")

	# take what earlier runs left in bob's offline store first
	"$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -w 2 >/dev/null
	mkfifo "$W/x.err"
	"$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -v --format json -c "$BURST" \
	    >/dev/null 2>"$W/x.err" &
	xpid=$!
	exec {xfd}<"$W/x.err"
	while read -r -t 20 line <&$xfd; do case $line in *"listening as"*) break;; esac; done
	cat <&$xfd >/dev/null &
	t0=$(now_ns)
	env XMPP_JID=$ALICE "$B/bare" flood "$BOB" "$BURST" "xlisten-$i"
	wait "$xpid"
	t1=$(now_ns)
	exec {xfd}<&-
	rm -f "$W/x.err"
	xl_rates+=("$(awk -v n="$BURST" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / ((b - a) / 1e9) }')")
done
sink_rate=$(printf '%s\n' "${sink_rates[@]}" | median)
xl_rate=$(printf '%s\n' "${xl_rates[@]}" | median)
echo "#   bare sink: $sink_rate msg/s; xlisten: $xl_rate msg/s"
fi

# ---- 3b. raw pings: xraw against the same pings pre-serialized
if want xraw; then
echo "# 3b. $BURST pings: xraw vs bare pings (pre-serialized, one write), $BURST_RUNS runs"
for i in $(seq "$BURST"); do
	echo "<iq type='get' to='$XT_DOMAIN'><ping xmlns='urn:xmpp:ping'/></iq>"
done >"$W/pings"
rate_of() {	# rate_of COUNT FIRST_NS LAST_NS: per second, first answer to last
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > a) printf "%.0f", (n - 1) / ((b - a) / 1e9); else print 0 }'
}
prates=() xrates=() ping_got=$BURST xraw_got=$BURST xraw_rss=0
for i in $(seq "$BURST_RUNS"); do
	read -r got first last < <(env XMPP_JID=$ALICE "$B/bare" pings "$XT_DOMAIN" "$BURST")
	prates+=("$(rate_of "$got" "$first" "$last")")
	[ "$got" -lt "$ping_got" ] && ping_got=$got
	read -r got first last < <("$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice <"$W/pings" |
	    "$B/bare" stamp "type='result'")
	xrates+=("$(rate_of "$got" "$first" "$last")")
	[ "$got" -lt "$xraw_got" ] && xraw_got=$got
done
read -r _ _ _ xraw_rss _ < <("$B/timeit" -n 1 -i "$W/pings" "$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice)
head -$((BURST / 10)) "$W/pings" >"$W/pings.small"
read -r _ _ _ xraw_rss_small _ < <("$B/timeit" -n 1 -i "$W/pings.small" "$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice)
ping_rate=$(printf '%s\n' "${prates[@]}" | median)
xraw_rate=$(printf '%s\n' "${xrates[@]}" | median)
echo "#   bare pings: $ping_rate/s; xraw: $xraw_rate/s"
fi

# ---- 3c. across federation: what --confirm domain costs
FED_LINES=${FED_LINES:-1000}
declare -A fed_ms
fed_ok=0
if want fed; then
echo "# 3c. across federation: --confirm server vs domain, $RUNS runs (lines: $BURST_RUNS)"
if fed_start >/dev/null; then
	fed_ok=1
	mkfifo "$W/f.err"
	"$XU_BUILD/xlisten" -f "$FED_CONFIG" -a b-bob -v >/dev/null 2>"$W/f.err" &
	fedrecv=$!
	exec {ffd}<"$W/f.err"
	while read -r -t 20 line <&$ffd; do case $line in *"listening as"*) break;; esac; done
	cat <&$ffd >/dev/null &
	echo "fed one" >"$W/fed.one"
	seq "$FED_LINES" | sed 's/^/fed burst /' >"$W/fed.lines"
	for level in server domain; do
		read -r med _ _ _ fails < <("$B/timeit" -n "$RUNS" -i "$W/fed.one" \
		    "$XU_BUILD/xsend" -f "$FED_CONFIG" -a a-alice --confirm "$level" "bob@$FED_B")
		fed_ms[one-$level]=$med
		read -r med _ _ _ fails2 < <("$B/timeit" -n "$BURST_RUNS" -i "$W/fed.lines" \
		    "$XU_BUILD/xsend" -f "$FED_CONFIG" -a a-alice --confirm "$level" -l "bob@$FED_B")
		fed_ms[lines-$level]=$med
		echo "#   --confirm $level: one message ${fed_ms[one-$level]} ms ($fails failed), $FED_LINES lines ${fed_ms[lines-$level]} ms ($fails2 failed)"
	done
	kill -TERM "$fedrecv"
	wait "$fedrecv"
	exec {ffd}<&-
	fed_stop
else
	echo "#   fed_start failed: skipped"
fi
fi

# the floor of peak RSS: OpenSSL loaded, one TLS context, nothing else
# (no CA file)
if want mem || want agent; then
	read -r _ _ _ rss_tls _ < <(env SSL_CERT_FILE=/dev/null "$B/timeit" -n 3 "$B/bare" tls)
fi

# ---- 4. through the agent: one login held by xagent, its clients on a
# socket in our own XDG_RUNTIME_DIR
cpu_ms() {	# cpu_ms PID: its user and system time so far (/proc), ms
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / hz }' "/proc/$1/stat"
}
# (utime+stime count in ticks of 10 ms: schedstat's time on the CPU, in
# ns, says the same finer)
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# bot_run OPT TAG: alice's bot (xlisten OPT in, xsend OPT per answer)
# answers "re: BODY"; bob asks BOT_RUNS times, one question at a time;
# $W/rtt.TAG gets bare rtt's "ANSWERED MEDIAN_MS MIN_MS MAX_MS TWICE"
bot_run() {
	local opt=$1 tag=$2 line xl loop bfd
	mkfifo "$W/bot.out" "$W/bot.err"
	"$XU_BUILD/xlisten" "$opt" -v -f "$XT_CONFIG" -a alice -t chat \
	    --from "$BOB" >"$W/bot.out" 2>"$W/bot.err" &
	xl=$!
	(
		while IFS=$(printf '\t') read -r from body; do
			printf 're: %s\n' "$body" |
			    "$XU_BUILD/xsend" "$opt" -f "$XT_CONFIG" -a alice "$from"
		done <"$W/bot.out"
	) &
	loop=$!
	started="$started $xl $loop"
	exec {bfd}<"$W/bot.err"
	while read -r -t 20 line <&$bfd; do case $line in *"listening as"*) break;; esac; done
	cat <&$bfd >/dev/null &
	env XMPP_JID=$BOB "$B/bare" rtt "$ALICE" "$BOT_RUNS" "$tag" >"$W/rtt.$tag"
	kill -TERM "$xl"
	wait "$xl" "$loop"
	started=${started% $xl $loop}
	exec {bfd}<&-
	rm -f "$W/bot.out" "$W/bot.err"
}
agent_ok=0
if want agent; then
echo "# 4. through the agent: $AGENT_RUNS single messages, $CONC_RUNS × $AGENT_CONC at once, $AGENT_RELAY relayed, $BOT_RUNS bot round trips"
XA="$XU_BUILD/xsend -f $XT_CONFIG -a alice --agent"
mkfifo "$W/a.err"
# In a session of its own, as a detached agent is: the scheduler then
# groups it apart from its clients (autogroup), and it takes fewer of
# them a turn; in the bench's session, its CPU for 100 clients at once
# came out at half of what it is detached.
setsid "$XU_BUILD/xagent" -F -f "$XT_CONFIG" -a alice 2>"$W/a.err" &
agentpid=$!
started="$started $agentpid"
exec {afd}<"$W/a.err"
while read -r -t 20 line <&$afd; do
	printf '%s\n' "$line" >>"$W/agent.log"
	case $line in *"holding "*) agent_ok=1; break;; esac
done
cat <&$afd >>"$W/agent.log" &
rm -f "$W/a.err"
# (setsid forks when it leads a process group: the agent says its pid)
[ "$agent_ok" -eq 1 ] && agentpid=$("$XU_BUILD/xagent" -O status -f "$XT_CONFIG" -a alice | awk '$1 == "pid" { print $2 }')
started="$started $agentpid"
fi
if [ "$agent_ok" -eq 1 ]; then
	agent_rss0=$(rss_kb "$agentpid")

	# one message, the server's ack included
	printf 'one-agent\n' >"$W/body.agent"
	start_sink "$AGENT_RUNS" one-agent 3000
	read -r a_ms a_min a_max a_rss a_fails < <("$B/timeit" -n "$AGENT_RUNS" -i "$W/body.agent" $XA "$BOB")
	read -r a_got _ _ < <(finish_sink)
	echo "#   one message: median $a_ms ms (min $a_min, max $a_max), peak RSS $a_rss kB, $a_fails failed, $a_got delivered"

	# so many clients at once, each its own process
	walls=() cpus=() fine=() conc_fails=0 conc_got=$AGENT_CONC
	for i in $(seq "$CONC_RUNS"); do
		printf 'conc-%d: through the agent\n' "$i" >"$W/body.conc"
		start_sink "$AGENT_CONC" "conc-$i:" 3000
		c0=$(cpu_ms "$agentpid") n0=$(cpu_ns "$agentpid")
		read -r wall _ _ _ fails < <("$B/timeit" -n 1 -p "$AGENT_CONC" -i "$W/body.conc" $XA "$BOB")
		c1=$(cpu_ms "$agentpid") n1=$(cpu_ns "$agentpid")
		read -r got _ _ < <(finish_sink)
		walls+=("$wall")
		cpus+=($((c1 - c0)))
		fine+=("$(awk -v a="$n0" -v b="$n1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')")
		conc_fails=$((conc_fails + fails))
		[ "$got" -lt "$conc_got" ] && conc_got=$got
	done
	conc_ms=$(printf '%s\n' "${walls[@]}" | median)
	conc_cpu=$(printf '%s\n' "${cpus[@]}" | median)
	conc_fine=$(printf '%s\n' "${fine[@]}" | median)
	echo "#   $AGENT_CONC at once: median $conc_ms ms, agent CPU $conc_cpu ms ($conc_fine on CPU), $conc_fails of $((CONC_RUNS * AGENT_CONC)) failed, fewest delivered $conc_got"

	# the agent's memory over many relayed messages, in batches (each
	# batch a client of its own)
	batch=$((AGENT_RELAY < 10000 ? AGENT_RELAY : 10000))
	nbatch=$((AGENT_RELAY / batch))
	seq "$batch" | sed 's/^/relay /' >"$W/relay"
	start_sink $((nbatch * batch)) "relay " 5000
	c0=$(cpu_ms "$agentpid") n0=$(cpu_ns "$agentpid")
	relay_fails=0
	for i in $(seq "$nbatch"); do
		$XA -l "$BOB" <"$W/relay" || relay_fails=$((relay_fails + 1))
		[ "$i" -eq 1 ] && agent_rss1=$(rss_kb "$agentpid")
	done
	relay_cpu=$(($(cpu_ms "$agentpid") - c0))
	relay_fine=$(awk -v a="$n0" -v b="$(cpu_ns "$agentpid")" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')
	agent_rss2=$(rss_kb "$agentpid")
	read -r relay_got _ _ < <(finish_sink)
	relayed=$("$XU_BUILD/xagent" -O status -f "$XT_CONFIG" -a alice | awk '$1 == "relayed" { print $2 }')
	echo "#   agent RSS: $agent_rss0 kB at start, $agent_rss1 kB after $batch, $agent_rss2 kB after $((nbatch * batch)) ($relay_got delivered, $relay_fails batches failed, agent CPU $relay_cpu ms, $relay_fine on CPU; $relayed relayed in all)"

	# a bot: in through the agent and out through it, against a login
	# of its own in (held) and one per answer out
	declare -A bot_got bot_ms bot_min bot_max bot_twice
	bot_run --agent bot-agent
	bot_run --no-agent bot-login
	for v in agent login; do
		read -r bot_got[$v] bot_ms[$v] bot_min[$v] bot_max[$v] bot_twice[$v] <"$W/rtt.bot-$v"
		# (an answer that came again: a message printed twice)
		[ "${bot_twice[$v]:-0}" -gt 0 ] && bot_got[$v]="${bot_got[$v]} (${bot_twice[$v]} twice)"
	done
	echo "#   bot round trip: median ${bot_ms[agent]} ms through the agent (${bot_got[agent]} answered), ${bot_ms[login]} ms with logins (${bot_got[login]} answered)"

	echo "#   the agent's CPU in all: $(cpu_ms "$agentpid") ms; its RSS at the end: $(rss_kb "$agentpid") kB"
	kill -TERM "$agentpid"
	stop_started	# what remains: setsid's, or the agent's, pid
	exec {afd}<&-
	# (anything past its "holding" line is news: a client cut off...)
	sed -n '2,$p' "$W/agent.log" | head -5 | sed 's/^/#   the agent said: /'
elif want agent; then
	echo "#   xagent did not start: skipped"
	sed 's/^/#   /' "$W/agent.log" 2>/dev/null
fi

# ---- 5. memory and instructions
if want mem; then
echo "# 5. memory and instructions"
seq $((BURST / 10)) | sed 's/^/small burst /' >"$W/small"
# (nobody listens: these go to bob's offline store, tagged apart)
read -r _ _ _ rss_small _ < <("$B/timeit" -n 1 -i "$W/small" $(send_cmd xsend burst))
insns=
if command -v valgrind >/dev/null; then
	insns=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
	    $(send_cmd xsend one) <"$W/body.xsend" 2>&1 >/dev/null |
	    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
fi
fi

# ---- 6. login round trips, over a link of LOGIN_MS each way
login_ok=0
login_names=
declare -A login_ms login_rtts login_bytes login_note
# wait_lines FILE N: until FILE has N lines, 10 s at most (tail -f:
# inotify, no loop of sleeps)
wait_lines() {
	local pid
	[ "$(wc -l <"$1")" -ge "$2" ] && return 0
	mkfifo "$W/wl"
	timeout 10 tail -n +1 -f "$1" >"$W/wl" 2>/dev/null &
	pid=$!
	# (head: mawk would wait for a block of input, not a line)
	head -n "$2" <"$W/wl" >/dev/null
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$W/wl"
	[ "$(wc -l <"$1")" -ge "$2" ]
}
# delay_start WAY PORT: nettool delay in front of Prosody 13's PORT;
# sets delay_port[WAY]; its counts go to $W/delay-WAY.count
declare -A delay_port
delay_start() {
	local p
	mkfifo "$W/delay.fifo"
	: >"$W/delay-$1.count"
	"$XT_NETTOOL" delay 0 "127.0.0.1:$2" "$LOGIN_MS" "$W/delay-$1.count" \
	    >"$W/delay.fifo" &
	started="$started $!"
	read -r -t 10 p <"$W/delay.fifo"
	rm -f "$W/delay.fifo"
	delay_port[$1]=$p
}
# login_row NAME WAY CMD...: one warm-up run (FAST's token), then
# LOGIN_RUNS timed, each through WAY's relay, one at a time (the relay
# takes one connection at a time: the next waits for the last's count)
login_row() {
	local name=$1 way=$2 i n ms f rt c s cf=$W/delay-$2.count
	local t=() r=() b=() fails=0 lost=0
	shift 2
	for i in $(seq 0 "$LOGIN_RUNS"); do
		n=$(wc -l <"$cf")
		read -r ms _ _ _ f < <("$B/timeit" -n 1 -i "$W/login.body" "$@" \
		    2>>"$W/login-$name.err")
		if ! wait_lines "$cf" $((n + 1)); then
			lost=$((lost + 1))
			continue
		fi
		[ "$i" -eq 0 ] && continue
		fails=$((fails + f))
		read -r _ rt _ c _ s _ < <(sed -n "$((n + 1))p" "$cf")
		t+=("$ms")
		r+=("$rt")
		b+=("$c/$s")
	done
	login_names="$login_names $name"
	if [ ${#t[@]} -eq 0 ]; then
		login_ms[$name]=- login_rtts[$name]=- login_bytes[$name]=-
	else
		login_ms[$name]=$(printf '%s\n' "${t[@]}" | median)
		login_rtts[$name]=$(printf '%s\n' "${r[@]}" | median)
		login_bytes[$name]=$(printf '%s\n' "${b[@]}" | sort -t/ -n | sed -n "$(( (${#b[@]} + 1) / 2 ))p")
	fi
	[ "$fails" -gt 0 ] && login_note[$name]="${login_note[$name]:-} $fails of $LOGIN_RUNS failed: $(head -1 "$W/login-$name.err")"
	[ "$lost" -gt 0 ] && login_note[$name]="${login_note[$name]:-} $lost runs never reached the server"
	echo "#   $name: median ${login_ms[$name]} ms, ${login_rtts[$name]} round trips, ${login_bytes[$name]} bytes${login_note[$name]:+ (${login_note[$name]# })}"
}
if want login; then
echo "# 6. login round trips at $LOGIN_MS ms each way, $LOGIN_RUNS runs each (after one more)"
if server13_start >/dev/null; then
	login_ok=1
	delay_start starttls "$X13_PORT"
	delay_start direct "$X13_TLS_PORT"
	echo hello >"$W/login.body"
	# do this xsend's accounts know sasl2 and fast (issue 20)? If not,
	# the rows run without them, all classic, and say so
	keys=yes
	printf 'server = 127.0.0.1\nport = %s\ncafile = %s\n' "$X13_PORT" "$X13_CA" >"$W/probe.conf"
	xt_account probe "alice@$X13_DOMAIN" "$X13_PASS" sasl2 no fast no >>"$W/probe.conf"
	chmod 600 "$W/probe.conf"
	if ! "$XU_BUILD/xsend" -f "$W/probe.conf" -a probe --no-agent \
	    "bob@$X13_DOMAIN" <"$W/login.body" 2>"$W/probe.err" &&
	    grep -q "unknown key" "$W/probe.err"; then
		keys=no
		echo "#   this xsend knows no sasl2 or fast key: every xsend row is its classic login"
	fi
	# one account a row, on its relay
	umask 077
	{
		printf 'server = 127.0.0.1\ncafile = %s\n' "$X13_CA"
		for way in starttls direct; do
			tls=starttls
			[ $way = direct ] && tls=direct
			for kind in classic sasl2 fast; do
				set -- port "${delay_port[$way]}" tls "$tls"
				if [ $keys = yes ]; then
					[ $kind = classic ] && set -- "$@" sasl2 no
					[ $kind = sasl2 ] && set -- "$@" fast no
				fi
				xt_account "$kind-$way" "alice@$X13_DOMAIN" "$X13_PASS" "$@"
			done
		done
	} >"$W/login.conf"
	umask 022
	for way in starttls direct; do
		for kind in classic sasl2 fast; do
			login_row "xsend-$kind-$way" "$way" "$XU_BUILD/xsend" \
			    -f "$W/login.conf" -a "$kind-$way" --no-agent "bob@$X13_DOMAIN"
		done
	done
	# go-sendxmpp 0.14, FAST and SASL2 its own: at home in $W (its token
	# and its config), our CA through Go's SSL_CERT_FILE
	gosx=$(x13_cache)/root/usr/bin/go-sendxmpp
	if [ -x "$gosx" ]; then
		mkdir -p "$W/gohome"
		for way in starttls direct; do
			set -- env HOME="$W/gohome" XDG_CONFIG_HOME="$W/gohome/.config" \
			    XDG_DATA_HOME="$W/gohome/.local/share" \
			    XDG_CACHE_HOME="$W/gohome/.cache" SSL_CERT_FILE="$X13_CA" \
			    "$gosx" --suppress-root-warning -u "alice@$X13_DOMAIN" \
			    -p "$X13_PASS" -j "127.0.0.1:${delay_port[$way]}"
			[ $way = direct ] && set -- "$@" -t
			login_row "go-sendxmpp-$way" "$way" "$@" "bob@$X13_DOMAIN"
		done
		gosx_version=$("$gosx" --version 2>/dev/null | head -1)
	else
		echo "#   go-sendxmpp 0.14: not in $(x13_cache): skipped"
	fi
	stop_started
	server13_stop
else
	echo "#   skipped: ${X13_WHY:-server13_start failed}"
fi
fi

# ---- 7. HTTP File Upload: curl -T against xsend --attach
UP_BIG=50000000
UP_SMALL=5000000
upload_ok=0
declare -A up_ms up_mbs up_rss up_fails
up_xsend=
# up_rate BYTES MS: megabytes (10^6 bytes) a second
up_rate() { awk -v b="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.1f", b / 1e6 / (ms / 1000); else print "-" }'; }
# up_once NAME BYTES CMD...: one run of CMD (with {put}, {auth} in its
# arguments replaced by a fresh slot's, when it has them), timed, under
# nettool peakrss: its ms appended to up_all[NAME], the largest RSS kept
# in up_rss, a failure (an exit other than 0) counted in up_fails.
# up_done NAME BYTES: the median of NAME's runs into up_ms and up_mbs.
declare -A up_all
up_once() {
	local name=$1 bytes=$2 t0 t1 put= auth= get a r
	shift 2
	a=()
	if printf '%s\n' "$@" | grep -q '{auth}'; then
		{ read -r put; read -r auth; read -r get; } < <(up_slot alice \
		    share.files.test "bench-$name-$RANDOM.bin" "$bytes" \
		    application/octet-stream)
	fi
	for r; do
		r=${r//\{put\}/$put}
		a+=("${r//\{auth\}/$auth}")
	done
	t0=$(now_ns)
	"$XT_NETTOOL" peakrss "$W/up.rss" "${a[@]}" >/dev/null \
	    2>>"$W/up-$name.err"
	r=$?
	t1=$(now_ns)
	[ "$r" -eq 0 ] || up_fails[$name]=$((${up_fails[$name]:-0} + 1))
	up_all[$name]="${up_all[$name]:-} $(((t1 - t0) / 1000000))"
	[ "$(cat "$W/up.rss")" -gt "${up_rss[$name]:-0}" ] &&
	    up_rss[$name]=$(cat "$W/up.rss")
}
up_done() {
	up_ms[$1]=$(printf '%s\n' ${up_all[$1]} | median)
	up_mbs[$1]=$(up_rate "$2" "${up_ms[$1]}")
	up_fails[$1]=${up_fails[$1]:-0}
	echo "#   $1: median ${up_ms[$1]} ms, ${up_mbs[$1]} MB/s, peak RSS ${up_rss[$1]} kB, ${up_fails[$1]} of $UP_RUNS failed"
}
# curl's row and xsend's, run in turn (curl, xsend, curl...): Prosody's
# rate wanders from minute to minute on a shared machine, and each pair
# sees the same. xsend's files, 5 MB and 50 MB, a message each to bob:
# login, discovery, slot, PUT and message all in the time.
up_curl() {
	# (-f: a status of 400 or more is a failure; Prosody's is 201. No
	# "Expect: 100-continue": Prosody never answers it, and curl would
	# wait a second for it; xsend does not ask either)
	up_once curl "$UP_BIG" curl -sSf --cacert "$XU_UP_CA" -T "$W/up.big" \
	    -H "Authorization: {auth}" \
	    -H "Content-Type: application/octet-stream" -H "Expect:" \
	    -o /dev/null "{put}"
}
up_xsend() {	# up_xsend small|big
	local bytes=$UP_SMALL
	[ "$1" = big ] && bytes=$UP_BIG
	up_once "xsend-$1" "$bytes" "$XU_BUILD/xsend" -f "$XU_UP_CONFIG" \
	    -a alice --attach "$W/up.$1" "bob@files.test"
}
if want upload; then
echo "# 7. HTTP File Upload: a $UP_BIG-byte file, curl -T vs xsend --attach, $UP_RUNS runs each"
if upload_start $((64 * 1024 * 1024)) >/dev/null; then
	upload_ok=1
	head -c "$UP_BIG" /dev/urandom >"$W/up.big"
	head -c "$UP_SMALL" /dev/urandom >"$W/up.small"
	for i in $(seq "$UP_RUNS"); do
		up_curl
		up_xsend big
		up_xsend small
	done
	up_done curl "$UP_BIG"
	up_done xsend-big "$UP_BIG"
	up_done xsend-small "$UP_SMALL"
	up_xsend=ok
	upload_stop
else
	echo "#   upload_start failed: skipped"
fi
fi

# ---- 8. the queue (issue 22): queued with the server down, flushed once
# it is back. The bench's Prosody is stopped and started again; each run
# queues into fresh XDG_STATE_HOMEs of its own ($W/qs.*: no queue, no
# FAST token), one for the burst, one for the single messages.
QUEUE_ONE=${QUEUE_ONE:-200}
queue_ok=0
XQ="$XU_BUILD/xsend -f $XT_CONFIG -a alice"
# q_rate COUNT T0_NS T1_NS LAST_NS: COUNT a second, from T0 to the later
# of T1 (the process's exit) and LAST (the last delivery counted)
q_rate() {
	awk -v n="$1" -v a="$2" -v b="$3" -v l="$4" 'BEGIN { if (l > b) b = l
	    if (b > a) printf "%.0f", n / ((b - a) / 1e9); else print 0 }'
}
# q_per COUNT N: COUNT / N, and COUNT; n/a without a COUNT
q_per() {
	[ -n "$1" ] || { echo n/a; return; }
	awk -v c="$1" -v n="$2" 'BEGIN { printf "%g (%d)", c / n, c }'
}
# q_state NAME: a fresh XDG_STATE_HOME, printed
q_state() { mkdir -m 700 "$W/qs.$1" && echo "$W/qs.$1"; }
# q_waiting STATE: the messages STATE's queue holds (--list-queue)
q_waiting() { env XDG_STATE_HOME="$1" $XQ --list-queue 2>/dev/null | wc -l; }
# COUNT separate runs of CMD -m "TAG I" TO, as a cron job makes them, in
# a shell of its own (so that strace can follow one as it does the other):
#   bash -c "$q_loop" _ STATE TAG COUNT TO CMD...
# prints how many of them exited 2 (queued)
q_loop='s=$1 tag=$2 count=$3 to=$4 n=0; shift 4
for i in $(seq "$count"); do
	XDG_STATE_HOME=$s "$@" -m "$tag $i" "$to" 2>/dev/null
	[ $? -eq 2 ] && n=$((n + 1))
done
echo $n'
# q_syncs CMD...: how many fsync, fdatasync, syncfs and sync calls CMD
# and its children make (strace -c; stdout and stderr to /dev/null)
q_syncs() {
	strace $q_seccomp -f -c -o "$W/strace.out" \
	    -e trace=fsync,fdatasync,syncfs,sync "$@" >/dev/null 2>&1
	# (strace -c writes nothing when none was made)
	awk '$NF == "total" { n = $4 } END { print n + 0 }' "$W/strace.out"
}
# q_flush STATE N TAG: xsend --flush of STATE's queue, bob counting the N
# messages tagged TAG; sets qf_ms (start to exit), qf_rate (the messages
# counted a second, to the exit or the last delivery), qf_got, qf_rc
q_flush() {
	local t0 t1 first last
	start_sink "$2" "$3" 3000
	t0=$(now_ns)
	env XDG_STATE_HOME="$1" $XQ --flush 2>>"$W/queue.err"
	qf_rc=$?
	t1=$(now_ns)
	read -r qf_got first last < <(finish_sink)
	qf_ms=$(((t1 - t0) / 1000000))
	qf_rate=$(q_rate "$qf_got" "$t0" "$t1" "$last")
}
# q_live STATE TAG: xsend -l of BURST lines tagged TAG to the live
# server, measured as q_flush measures; sets ql_rate, ql_got, ql_rc
q_live() {
	local t0 t1 first last
	seq "$BURST" | sed "s/^/$2 /" >"$W/qlive"
	start_sink "$BURST" "$2" 3000
	t0=$(now_ns)
	env XDG_STATE_HOME="$1" $XQ -l "$BOB" <"$W/qlive" 2>>"$W/queue.err"
	ql_rc=$?
	t1=$(now_ns)
	read -r ql_got first last < <(finish_sink)
	ql_rate=$(q_rate "$ql_got" "$t0" "$t1" "$last")
}
if want queue; then
echo "# 8. the queue: $BURST lines and $QUEUE_ONE single messages queued with the server down, flushed once it is back, against xsend -l; $BURST_RUNS runs"
if ! command -v strace >/dev/null && [ "$(id -u)" -eq 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends strace >/dev/null 2>&1
fi
q_strace=0 q_seccomp=
if command -v strace >/dev/null && strace -f -c -o /dev/null true >/dev/null 2>&1; then
	q_strace=1
	# (seccomp-bpf: only the traced calls stop the process)
	strace --seccomp-bpf -f -c -o /dev/null -e trace=fsync true \
	    >/dev/null 2>&1 && q_seccomp=--seccomp-bpf
else
	echo "#   strace: not installed, or not allowed to trace here: no fsync counts"
fi
qa_rates=() qb_rates=() qf_rates=() ql_rates=() qo_rates=() q_ratios=()
qa_got=$BURST qb_got=$QUEUE_ONE qf_least=$BURST ql_least=$BURST
qo_least=$QUEUE_ONE q_left=0 q_odd=0
: >"$W/queue.err"
for i in $(seq "$BURST_RUNS"); do
	sa=$(q_state "a$i") sb=$(q_state "b$i")
	seq "$BURST" | sed "s/^/qflush-$i /" >"$W/qlines"
	server_kill TERM
	# (a) one xsend -l --queue of the burst
	t0=$(now_ns)
	env XDG_STATE_HOME="$sa" $XQ --queue -l "$BOB" <"$W/qlines" 2>/dev/null
	rc=$?
	t1=$(now_ns)
	[ "$rc" -eq 2 ] || q_odd=$((q_odd + 1))
	qa_rates+=("$(q_rate "$BURST" "$t0" "$t1" 0)")
	n=$(q_waiting "$sa")
	[ "$n" -lt "$qa_got" ] && qa_got=$n
	# (b) QUEUE_ONE runs of one message each
	t0=$(now_ns)
	n=$(bash -c "$q_loop" _ "$sb" "qone-$i" "$QUEUE_ONE" "$BOB" $XQ --queue)
	t1=$(now_ns)
	q_odd=$((q_odd + QUEUE_ONE - n))
	qb_rates+=("$(q_rate "$QUEUE_ONE" "$t0" "$t1" 0)")
	n=$(q_waiting "$sb")
	[ "$n" -lt "$qb_got" ] && qb_got=$n
	# the syncs, once, in runs of their own
	if [ "$i" -eq 1 ] && [ "$q_strace" -eq 1 ]; then
		seq "$BURST" | sed "s/^/qsa /" >"$W/qslines"
		qa_syncs=$(q_syncs env XDG_STATE_HOME="$(q_state sa)" \
		    $XQ --queue -l "$BOB" <"$W/qslines")
		qb_syncs=$(q_syncs bash -c "$q_loop" _ "$(q_state sb)" qsb \
		    "$QUEUE_ONE" "$BOB" $XQ --queue)
	fi
	if ! server_run >/dev/null 2>&1; then
		echo "#   Prosody did not start again: skipped"
		break
	fi
	# the flush and xsend -l in turn, first one then the other
	if [ $((i % 2)) -eq 1 ]; then
		q_flush "$sa" "$BURST" "qflush-$i"
		q_live "$sa" "qlive-$i"
	else
		q_live "$sa" "qlive-$i"
		q_flush "$sa" "$BURST" "qflush-$i"
	fi
	[ "$qf_rc" -eq 0 ] || q_odd=$((q_odd + 1))
	[ "$ql_rc" -eq 0 ] || q_odd=$((q_odd + 1))
	qf_rates+=("$qf_rate")
	ql_rates+=("$ql_rate")
	q_ratios+=("$(ratio "$qf_rate" "$ql_rate")")
	[ "$qf_got" -lt "$qf_least" ] && qf_least=$qf_got
	[ "$ql_got" -lt "$ql_least" ] && ql_least=$ql_got
	echo "#   run $i: queued $BURST in ${qa_rates[-1]} msg/s, $QUEUE_ONE single in ${qb_rates[-1]} msg/s; flush $qf_rate msg/s ($qf_ms ms, $qf_got delivered), xsend -l $ql_rate msg/s ($ql_got delivered): ${q_ratios[-1]}"
	# the single messages' entries
	q_flush "$sb" "$QUEUE_ONE" "qone-$i"
	[ "$qf_rc" -eq 0 ] || q_odd=$((q_odd + 1))
	qo_rates+=("$qf_rate")
	[ "$qf_got" -lt "$qo_least" ] && qo_least=$qf_got
	q_left=$((q_left + $(q_waiting "$sa") + $(q_waiting "$sb")))
	# and the flushes of what strace's runs queued, under strace
	if [ "$i" -eq 1 ] && [ "$q_strace" -eq 1 ]; then
		start_sink "$BURST" qsa 3000
		qf_syncs=$(q_syncs env XDG_STATE_HOME="$W/qs.sa" $XQ --flush)
		read -r qsa_got _ _ < <(finish_sink)
		start_sink "$QUEUE_ONE" qsb 3000
		qo_syncs=$(q_syncs env XDG_STATE_HOME="$W/qs.sb" $XQ --flush)
		read -r qsb_got _ _ < <(finish_sink)
		echo "#   fsyncs: queueing $BURST lines $qa_syncs, $QUEUE_ONE single $qb_syncs; flushing them $qf_syncs and $qo_syncs ($qsa_got and $qsb_got delivered under strace)"
	fi
	rm -rf "$sa" "$sb"
	queue_ok=1
done
if [ "$queue_ok" -eq 1 ]; then
	qa_rate=$(printf '%s\n' "${qa_rates[@]}" | median)
	qb_rate=$(printf '%s\n' "${qb_rates[@]}" | median)
	qf_rate=$(printf '%s\n' "${qf_rates[@]}" | median)
	ql_rate=$(printf '%s\n' "${ql_rates[@]}" | median)
	qo_rate=$(printf '%s\n' "${qo_rates[@]}" | median)
	echo "#   medians: flush $qf_rate msg/s against xsend -l $ql_rate: $(ratio "$qf_rate" "$ql_rate") (runs: ${q_ratios[*]}); $q_odd unexpected exit statuses, $q_left messages left queued"
	[ -s "$W/queue.err" ] && sort "$W/queue.err" | uniq -c | head -5 |
	    sed 's/^ *\([0-9]*\) /#   xsend said (\1 times): /'
fi
fi

# ---- the table
{
	if want one || want agent || want mem; then
		echo "| one message (login, send, server ack, clean close) | median ms | × bare | delivered | peak RSS kB |"
		echo "|---|---:|---:|---:|---:|"
		for tool in $one_tools; do
			echo "| $tool | ${one_ms[$tool]} | $(ratio "${one_ms[$tool]}" "${one_ms[bare]}") | ${one_got[$tool]}/$RUNS | ${one_rss[$tool]} |"
		done
		echo
	fi
	if want burst; then
		echo "| $BURST-line burst | msg/s (median) | × flood | fewest delivered | peak RSS kB |"
		echo "|---|---:|---:|---:|---:|"
		for tool in xsend bare $peers; do
			[ -n "${burst_rate[$tool]:-}" ] || continue
			name=$tool
			[ "$tool" = bare ] && name="flood (pre-serialized, server's floor)"
			[ "$tool" = xsend ] && name="xsend -l"
			[ "$tool" = go-sendxmpp ] && name="go-sendxmpp -i"
			echo "| $name | ${burst_rate[$tool]} | $(ratio "${burst_rate[$tool]}" "${burst_rate[bare]}") | ${burst_got[$tool]}/$BURST | ${burst_rss[$tool]} |"
		done
		echo
	fi
	if want recv; then
		echo "| receiving $BURST messages | msg/s (median) | × floor |"
		echo "|---|---:|---:|"
		echo "| bare sink (floor) | $sink_rate | 1.00 |"
		echo "| xlisten --format json >/dev/null | $xl_rate | $(ratio "$xl_rate" "$sink_rate") |"
		echo
	fi
	if want xraw; then
		echo "| $BURST XEP-0199 pings, one login | answers/s (median) | × flood | fewest answered | peak RSS kB |"
		echo "|---|---:|---:|---:|---:|"
		echo "| flood (pre-serialized, one write) | $ping_rate | 1.00 | $ping_got/$BURST | |"
		echo "| xraw <pings | $xraw_rate | $(ratio "$xraw_rate" "$ping_rate") | $xraw_got/$BURST | $xraw_rss ($((BURST / 10)): $xraw_rss_small) |"
		echo
	fi
	if [ "$fed_ok" -eq 1 ]; then
		echo "| across federation ($FED_A to $FED_B) | median ms | × --confirm server |"
		echo "|---|---:|---:|"
		for what in one lines; do
			label="one message"
			[ $what = lines ] && label="$FED_LINES lines (-l)"
			for level in server domain; do
				echo "| $label, --confirm $level | ${fed_ms[$what-$level]} | $(ratio "${fed_ms[$what-$level]}" "${fed_ms[$what-server]}") |"
			done
		done
		echo
	fi
	if [ "$agent_ok" -eq 1 ]; then
		echo "| through the agent (xagent holds the login) | median ms | × xsend's login (target ≤ 0.2) | × bare (target ≤ 0.03) | delivered | peak RSS kB |"
		echo "|---|---:|---:|---:|---:|---:|"
		echo "| xsend --agent, one message, the server's ack included | $a_ms | $(ratio "$a_ms" "${one_ms[xsend]}") | $(ratio3 "$a_ms" "${one_ms[bare]}") | $a_got/$AGENT_RUNS | $a_rss |"
		echo
		echo "| $AGENT_CONC xsend --agent at once, one agent | wall ms (median of $CONC_RUNS) | acked | fewest delivered | agent CPU ms, utime+stime (on CPU) |"
		echo "|---|---:|---:|---:|---:|"
		echo "| $AGENT_CONC processes, one message each | $conc_ms | $((CONC_RUNS * AGENT_CONC - conc_fails))/$((CONC_RUNS * AGENT_CONC)) | $conc_got/$AGENT_CONC | $conc_cpu ($conc_fine) |"
		echo
		echo "| memory through the agent | kB | × OpenSSL floor (target ≤ 0.45 for xsend) |"
		echo "|---|---:|---:|"
		echo "| peak RSS, one xsend --agent | $a_rss | $(ratio "$a_rss" "$rss_tls") |"
		echo "| the floor: a process that only loads OpenSSL and makes one TLS context | $rss_tls | 1.00 |"
		echo "| xagent RSS at start (logged in, no client yet) | $agent_rss0 | |"
		echo "| xagent RSS after $batch relayed (xsend --agent -l) | $agent_rss1 | |"
		echo "| xagent RSS after $((nbatch * batch)) relayed ($nbatch × $batch lines; $relay_got delivered, $relay_fails batches failed; agent CPU $relay_cpu ms, $relay_fine on CPU) | $agent_rss2 | |"
		echo
		echo "| a bot's round trip, $BOT_RUNS questions (bob asks, alice's bot answers) | median ms | min | max | answered | × separate logins |"
		echo "|---|---:|---:|---:|---:|---:|"
		echo "| xlisten --agent in, xsend --agent out | ${bot_ms[agent]} | ${bot_min[agent]} | ${bot_max[agent]} | ${bot_got[agent]}/$BOT_RUNS | $(ratio "${bot_ms[agent]}" "${bot_ms[login]}") |"
		echo "| xlisten in (its own login), xsend --no-agent out (a login per answer) | ${bot_ms[login]} | ${bot_min[login]} | ${bot_max[login]} | ${bot_got[login]}/$BOT_RUNS | 1.00 |"
		echo
	fi
	if [ "$login_ok" -eq 1 ]; then
		echo "| login at $LOGIN_MS ms each way: one message, --confirm server, Prosody 13 | median ms | round trips | bytes c2s/s2c | × classic STARTTLS |"
		echo "|---|---:|---:|---:|---:|"
		for name in $login_names; do
			case $name in
			xsend-classic-*) label="xsend, classic login (sasl2 = no)";;
			xsend-sasl2-*) label="xsend, SASL2 + Bind2 (fast = no)";;
			xsend-fast-*) label="xsend, SASL2 + Bind2 + FAST (a token from an earlier run)";;
			go-sendxmpp-*) label="go-sendxmpp 0.14 (its defaults: SASL2 + Bind2 + FAST; asks no ack, waits for the server's close)";;
			esac
			case $name in
			*-starttls) label="$label, STARTTLS";;
			*-direct) label="$label, direct TLS";;
			esac
			[ "$keys" = no ] && [ "${name#xsend-}" != "$name" ] &&
			    label="$label [this xsend: classic login]"
			[ -n "${login_note[$name]:-}" ] && label="$label (${login_note[$name]# })"
			echo "| $label | ${login_ms[$name]} | ${login_rtts[$name]} | ${login_bytes[$name]} | $(ratio "${login_ms[$name]}" "${login_ms[xsend-classic-starttls]}") |"
		done
		echo "| FAST direct TLS / classic STARTTLS (target ≤ 0.45) | $(ratio "${login_ms[xsend-fast-direct]}" "${login_ms[xsend-classic-starttls]}") | | | |"
		echo "(round trips: the server's answers to the client, as the relay counts them; the time also holds TCP's handshake, one more, which the relay makes wait as a link would)"
		echo
	fi
	if [ "$upload_ok" -eq 1 ]; then
		echo "| HTTP File Upload, Prosody 0.12 mod_http_file_share over HTTPS on loopback | median ms | MB/s | × curl's MB/s (target ≥ 0.9) | failed | peak RSS kB |"
		echo "|---|---:|---:|---:|---:|---:|"
		echo "| curl -T, $UP_BIG bytes, to a fresh slot | ${up_ms[curl]} | ${up_mbs[curl]} | 1.00 | ${up_fails[curl]}/$UP_RUNS | ${up_rss[curl]} |"
		if [ "$up_xsend" = ok ]; then
			echo "| xsend --attach, $UP_BIG bytes (login, slot, PUT, message) | ${up_ms[xsend-big]} | ${up_mbs[xsend-big]} | $(ratio "${up_ms[curl]}" "${up_ms[xsend-big]}") | ${up_fails[xsend-big]}/$UP_RUNS | ${up_rss[xsend-big]} |"
			echo "| xsend --attach, $UP_SMALL bytes | ${up_ms[xsend-small]} | ${up_mbs[xsend-small]} | | ${up_fails[xsend-small]}/$UP_RUNS | ${up_rss[xsend-small]} |"
			echo "| xsend's peak RSS, $UP_BIG bytes against $UP_SMALL (target: no growth) | | | | | $((up_rss[xsend-big] - up_rss[xsend-small])) more |"
		else
			echo "| xsend --attach | $up_xsend | | | | |"
		fi
		echo "(the server bounds the rate: Prosody 0.12's HTTP reads 8 kB an event-loop turn; see tests/server.sh)"
		echo
	fi
	if [ "$queue_ok" -eq 1 ]; then
		echo "| the queue: queued with the server down, flushed once it is back | msg/s (median) | × xsend -l (flush: target ≥ 0.5) | fewest queued / delivered | fsyncs a message (in all) |"
		echo "|---|---:|---:|---:|---:|"
		echo "| xsend --queue -l, $BURST lines, the server down | $qa_rate | | $qa_got/$BURST queued | $(q_per "${qa_syncs:-}" "$BURST") |"
		echo "| $QUEUE_ONE × xsend --queue -m, one message each (a cron job's) | $qb_rate | | $qb_got/$QUEUE_ONE queued | $(q_per "${qb_syncs:-}" "$QUEUE_ONE") |"
		echo "| xsend --flush of the $BURST (login, send, server's ack, close) | $qf_rate | $(ratio "$qf_rate" "$ql_rate") | $qf_least/$BURST | $(q_per "${qf_syncs:-}" "$BURST") |"
		echo "| xsend -l of $BURST lines, live server, in turn with the flush | $ql_rate | 1.00 | $ql_least/$BURST | |"
		echo "| xsend --flush of the $QUEUE_ONE one-message entries | $qo_rate | | $qo_least/$QUEUE_ONE | $(q_per "${qo_syncs:-}" "$QUEUE_ONE") |"
		echo "(process start to exit; a flush's and xsend -l's messages counted at bob's receiver, to the later of the exit and the last delivery. fsyncs: fsync, fdatasync, syncfs and sync calls, strace -f -c, in runs of their own, each in a fresh XDG_STATE_HOME: its first xsend's own first files, FAST's place, count too)"
		echo
	fi
	if want mem; then
		echo "| xsend memory and work | |"
		echo "|---|---:|"
		echo "| peak RSS, one message | ${one_rss[xsend]} kB |"
		echo "| peak RSS floor: a process that only loads OpenSSL and makes one TLS context | $rss_tls kB |"
		echo "| peak RSS, $((BURST / 10))-line burst | $rss_small kB |"
		echo "| peak RSS, $BURST-line burst | ${burst_rss[xsend]:-n/a} kB |"
		echo "| instructions, one message (callgrind) | ${insns:-n/a} |"
	fi
} >"$W/table"

{
	echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
	echo "Versions: xmpputils $("$XU_BUILD/xsend" --version | awk '{print $NF}'), libstrophe $(pkg-config --modversion libstrophe), Prosody $(dpkg-query -W -f='${Version}' prosody), $(openssl version | cut -d' ' -f1-2)$(for p in $peers; do printf ', %s %s' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"; done)"
	[ "$login_ok" -eq 1 ] && echo "Login rows: Prosody $(cat "$(x13_cache)/root/usr/lib/prosody/prosody.version") (bookworm-backports, tests/deps.sh), ${gosx_version:-no go-sendxmpp}, nettool delay at $LOGIN_MS ms each way"
	echo "Runs: $RUNS for one message, $BURST_RUNS for each burst$(want agent && echo ", $AGENT_RUNS for one message through the agent, $CONC_RUNS of $AGENT_CONC at once, $BOT_RUNS bot round trips")$(want upload && echo ", $UP_RUNS for each upload")$(want queue && echo ", $BURST_RUNS for the queue ($QUEUE_ONE single messages each)"); medians."
} >"$W/notes"

echo
cat "$W/table"
echo
cat "$W/notes"
if [ "$RECORD" -eq 1 ]; then
	{
		echo "# Benchmark results"
		echo
		echo "Recorded by \`make bench RECORD=1\` on $(date -u +%Y-%m-%d)."
		echo
		cat "$W/notes" | sed 's/$/  /'
		echo
		cat "$W/table"
	} >bench/RESULTS.md.new
	[ -f bench/RESULTS.md ] && sed -n '/^## Notes/,$p' bench/RESULTS.md >>bench/RESULTS.md.new
	mv bench/RESULTS.md.new bench/RESULTS.md
	echo "# written to bench/RESULTS.md"
fi
