# t-agent: xagent's everyday use, as a user sees it: starting, asking,
# stopping; xsend, xlisten, xraw and xping through it; bounces to the
# right client; rooms joined once; auto mode; one agent per account.
. tests/lib.sh

ALICE=alice@$XT_DOMAIN
BOB=bob@$XT_DOMAIN
ROOM=agent@$XT_MUC

# Agents of our own: a runtime directory no other test or user shares.
unset XMPP_AGENT_SOCK
XDG_RUNTIME_DIR=$(mktemp -d "$T/run.XXXXXX")
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
SOCK=$XDG_RUNTIME_DIR/xmpputils/$ALICE
# a state directory of its own: what another file left in the account's
# queue (xsend --queue) is not for these agents to flush
XDG_STATE_HOME=$T/state
mkdir -m 700 "$XDG_STATE_HOME"
export XDG_STATE_HOME

# Every agent this file starts is stopped at the end, whatever failed:
# asked first, then by the PIDs it said.
_agents=
agent_cleanup() {
	local p
	"$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -T 5 -O stop >/dev/null 2>&1
	for p in $_agents; do
		grep -qs xagent "/proc/$p/cmdline" && kill "$p" 2>/dev/null
	done
	xt_cleanup
}
trap agent_cleanup EXIT

rc_is() {	# rc_is CODE NAME: $rc is CODE; if not, $err says why
	if [ "$rc" = "$1" ]; then ok 0 "$2"; else
		ok 1 "$2" "expected exit $1, got $rc" "$err"; fi
}

xagent() { "$XU_BUILD/xagent" -f "$XT_CONFIG" -T 10 "$@"; }
run_agent() { run "$XU_BUILD/xagent" -f "$XT_CONFIG" -T 10 "$@"; }

# agent_pid [CONFIG ACCOUNT]: the running agent's PID, as -O status says it
# (remembered for the cleanup); empty when none runs
agent_pid() {
	local p
	p=$("$XU_BUILD/xagent" -f "${1:-$XT_CONFIG}" -a "${2:-alice}" -T 10 \
	    -O status 2>/dev/null | sed -n 's/^pid //p')
	[ -n "$p" ] && _agents="$_agents $p"
	printf '%s' "$p"
}

# agent_gone PID: waits (10 s at most) for the process to end
agent_gone() { timeout 10 tail -s 0.1 --pid="$1" -f /dev/null; }

# agent_idled CONFIG ACCOUNT: polls -O status (15 s at most) until no agent
# answers; prints the milliseconds since $t0 (date +%s%N) that took
agent_idled() {
	local i
	for i in $(seq 150); do
		"$XU_BUILD/xagent" -f "$1" -a "$2" -T 10 -O status >/dev/null 2>&1 ||
		    { echo $((($(date +%s%N) - t0) / 1000000)); return 0; }
		sleep 0.1
	done
	return 1
}

# --- none runs: --agent fails clearly, -O status says none
run xsend -a alice --agent -m "never sent" "$BOB"
rc_is 69 "--agent with no agent up: exit 69"
like "$err" "no agent runs for $ALICE" "saying none runs for the account"
run_agent -a alice -O status
rc_is 1 "xagent -O status with none: exit 1"
case $err in *--agent*) ok 1 "-O status names no option it was not given" "$err" ;;
*) ok 0 "-O status names no option it was not given" ;; esac

# --- 1. xagent detaches once up, and says where
run_agent -a alice
is "$rc:$out" "0:$SOCK" "xagent detaches, exit 0, and prints the socket's path"
test -S "$SOCK"
ok $? "a socket is there"
is "$(stat -c %a "$SOCK"):$(stat -c %a "${SOCK%/*}")" "600:700" \
    "the socket is 0600, its directory 0700"
run_agent -a alice -O status
rc_is 0 "xagent -O status: exit 0"
like "$out" "^jid $ALICE/" "-O status names the JID it holds"
pid1=$(printf '%s\n' "$out" | sed -n 's/^pid //p')
run_agent -a alice -O status --format json
is "$(jq -r '[(.pid | type), .socket, .state, (.relayed | type), (.rooms | type)] | map(tostring) | join(" ")' <<<"$out")" \
    "number $SOCK online number array" "-O status --format json: one object, the counts numbers, rooms an array"
is "$(jq -r .pid <<<"$out")" "$pid1" "the same pid as the text says"
like "$(jq -r .jid <<<"$out")" "^$ALICE/" "its jid the one it holds"
run_agent -a alice -O stop --format json
is "$rc" 64 "--format with -O stop: a usage error"
# the socket's path is a line of -O status, and the tools run anywhere:
# one with a control character, or relative, is refused by every tool
run env XMPP_AGENT_SOCK="$T/a
b" "$XU_BUILD/xagent" -f "$XT_CONFIG" -T 10 -a alice -O status
is "$rc:$err" "78:xagent: XMPP_AGENT_SOCK: $T/a\\nb: a control character, or not UTF-8, in the agent's socket path" \
    "XMPP_AGENT_SOCK with a newline: 78, saying so"
run env XMPP_AGENT_SOCK="$T/a
b" "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -m "never sent" "$BOB"
is "$rc" 78 "xsend too"
run env XDG_RUNTIME_DIR="$T/$(printf '\033')[2J" "$XU_BUILD/xagent" -f "$XT_CONFIG" -T 10 -a alice
is "$rc:$err" "78:xagent: XDG_RUNTIME_DIR: $T/\\x1B[2J: a control character, or not UTF-8, in the agent's socket path" \
    "an escape in XDG_RUNTIME_DIR: 78, no agent"
run env XMPP_AGENT_SOCK="$T/$(printf '\302\233')2J" "$XU_BUILD/xagent" -f "$XT_CONFIG" -T 10 -a alice -O status
is "$rc:$err" "78:xagent: XMPP_AGENT_SOCK: $T/\\xC2\\x9B2J: a control character, or not UTF-8, in the agent's socket path" \
    "a C1 control (CSI) too"
run env XMPP_AGENT_SOCK=0123 "$XU_BUILD/xagent" -f "$XT_CONFIG" -T 10 -a alice
is "$rc:$err" "78:xagent: XMPP_AGENT_SOCK: 0123: not an absolute path" \
    "a relative XMPP_AGENT_SOCK: 78 (a detached agent runs in /)"
test ! -e 0123
ok $? "and no socket was made here"
_agents="$_agents $pid1"
kill -0 "$pid1" 2>/dev/null
ok $? "and the PID of a running process ($pid1)"

# --- 9. a second xagent for the account: the first one's path, still one
run_agent -a alice
is "$rc:$out:$err" "0:$SOCK:" "a second xagent: exit 0, the same path, quietly"
run_agent -v -a alice
like "$err" "an agent for $ALICE runs already" "with -v saying one runs"
is "$(agent_pid)" "$pid1" "still the one agent (-s: the same PID)"

# --- 2. xsend through it, or past it
listen rb -a bob -c 4
run xsend -a alice -v -m "via the agent" "$BOB"
rc_is 0 "xsend through the agent: exit 0"
like "$err" "logged in as $ALICE/[^ ]* via the agent $SOCK" "-v says via the agent"
run xsend -a alice --no-agent -v -m "own login" "$BOB"
rc_is 0 "xsend --no-agent: exit 0"
like "$err" "logged in as $ALICE/[^ ]* via 127\\.0\\.0\\.1" "-v says it logged in itself"
# a client needs no password: a config without one
{
	printf 'server = 127.0.0.1\nport = %s\ncafile = %s\n' "$XT_PORT" "$XT_CA"
	printf '[alice]\njid = %s\n' "$ALICE"
} >"$T/nopass"
chmod 600 "$T/nopass"
XT_CONFIG=$T/nopass run xsend -a alice -m "no password" "$BOB" </dev/null
rc_is 0 "with no password in the config, through the agent: exit 0"
XT_CONFIG=$T/nopass run xsend -a alice --agent -m "no password, --agent" "$BOB" </dev/null
rc_is 0 "and with --agent"
XT_CONFIG=$T/nopass run xsend -a alice --no-agent -m "never sent" "$BOB" </dev/null
rc_is 78 "the same config logging in itself: 78, no password"
like "$err" "no password for $ALICE" "saying there is no password"
listener_wait rb
is "$(cut -f2 "$T/rb.out" | tr '\n' ,)" \
    "via the agent,own login,no password,no password, --agent," \
    "the receiver got each once, in order"

# --- 3. many lines, and the stronger confirmations, through it
seq 2000 | sed 's/^/line /' >"$T/lines"
listen many -a bob -c 2000
run xsend -a alice -l "$BOB" <"$T/lines"
rc_is 0 "xsend -l 2000 lines through the agent: exit 0"
listener_wait many
cut -f2 "$T/many.out" | cmp -s - "$T/lines"
ok $? "all 2000 received once, in order"
listen rcl -a bob -c 2
run xsend -a alice --confirm client -v -m "client level" "$BOB"
rc_is 0 "--confirm client through the agent: exit 0"
like "$err" "$BOB: 1 of 1 confirmed by its client" "confirmed by bob's client"
run xsend -a alice --confirm domain -v -m "domain level" "$BOB"
rc_is 0 "--confirm domain through the agent: exit 0"
like "$err" "$BOB: 1 of 1 confirmed by the server" "confirmed by the server"
listener_wait rcl
is "$(cut -f2 "$T/rcl.out" | tr '\n' ,)" "client level,domain level," "both received"

# --- 4. a bounce goes to the client whose message bounced, not another
listen rg -a bob -c 2
mkfifo "$T/good.in"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice -v -l "$BOB" \
    <"$T/good.in" >/dev/null 2>"$T/good.err" &
good=$!
exec {gfd}>"$T/good.in"
echo "good one" >&$gfd
wait_line "$T/good.err" "via the agent"
ok $? "a client attached, sending lines as they come"
run xsend -a alice -m "to nobody" "nobody@$XT_DOMAIN"
rc_is 69 "while it is attached, another's message bounces: exit 69"
like "$err" "message 1 to nobody@$XT_DOMAIN bounced: service-unavailable" \
    "naming its message"
echo "good two" >&$gfd
exec {gfd}>&-
wait "$good"
is "$?" 0 "the attached client: exit 0"
if grep -qi bounce "$T/good.err"; then
	ok 1 "and it never mentions a bounce" "$(cat "$T/good.err")"
else
	ok 0 "and it never mentions a bounce"
fi
listener_wait rg
is "$(cut -f2 "$T/rg.out" | tr '\n' ,)" "good one,good two," "its lines received"

# --- 5. rooms: joined once, kept
listen room -a carol -r "$ROOM/carol" --all --format json
run xsend -a alice -r "$ROOM" -m "room one"
rc_is 0 "xsend -r through the agent: exit 0"
run xsend -a alice -r "$ROOM" -m "room two"
rc_is 0 "again: exit 0"
wait_line "$T/room.out" '"body":"room two"'
ok $? "the occupant got the second"
listener_stop room
is "$(jq -r 'select(.stanza == "message" and .body != null) | .body' "$T/room.out" | tr '\n' ,)" \
    "room one,room two," "the occupant got both, in order"
is "$(jq -r "select(.stanza == \"presence\" and .from == \"$ROOM/alice\") | .type" "$T/room.out" | tr '\n' ,)" \
    "available," "and saw the agent join once, and never leave"
run_agent -a alice -O status
is "$(printf '%s\n' "$out" | grep '^rooms')" "rooms $ROOM" "-O status: the room, once"

# a room that puts the agent out (a kick) is joined again at the next send
KICK=kick@$XT_MUC
listen kr -a carol -r "$KICK/carol" -c 2
run xsend -a alice -r "$KICK/alicebot" -m "before the kick"
rc_is 0 "xsend -r to a second room through the agent: exit 0"
run xraw -a carol --no-agent <<EOF
<presence to='$KICK/carolk'><x xmlns='http://jabber.org/protocol/muc'/></presence>
<iq type='set' to='$KICK' id='kick1'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='alicebot' role='none'/></query></iq>
EOF
like "$out" "<iq [^>]*id='kick1'[^>]*type='result'|<iq [^>]*type='result'[^>]*id='kick1'" \
    "the room's owner kicks the agent's nick"
run xsend -a alice -r "$KICK/alicebot" -m "after the kick"
rc_is 0 "the next xsend -r through the agent: exit 0 (joined again)"
listener_wait kr
is "$(cut -f2 "$T/kr.out" | tr '\n' ,)" "before the kick,after the kick," \
    "the occupant got both"

# --- 6. listeners through the agent; none: the account's other clients
listen la1 -a alice --agent -c 2
listen la2 -a alice --agent -c 2
like "$(cat "$T/la1.err")" "via the agent $SOCK" "xlisten --agent listens through the agent"
run xsend -a bob -m "to both listeners" "$ALICE"
rc_is 0 "a message from another account: exit 0"
run xsend -a bob -m "and a second" "$ALICE"
listener_wait la1
is "$?:$(cut -f2 "$T/la1.out" | tr '\n' ,)" "0:to both listeners,and a second," \
    "the first listener got both, in order"
listener_wait la2
is "$?:$(cut -f2 "$T/la2.out" | tr '\n' ,)" "0:to both listeners,and a second," \
    "so did the second"
run_agent -a alice -O status
is "$(printf '%s\n' "$out" | grep '^listeners')" "listeners 0" "-O status: they left"
listen plain -a alice --resource plain -c 1
run xsend -a bob -m "for the other resource" "$ALICE"
rc_is 0 "with no listener, a message to the bare JID: exit 0"
listener_wait plain
is "$(cut -f2 "$T/plain.out")" "for the other resource" \
    "the account's other client got it: the agent took nothing"
# a presence to the account's own bare JID is a listener's too: once its
# client is gone, the account is no longer available through the agent
run xraw -a alice <<EOF
<presence to='$ALICE'/>
EOF
rc_is 0 "xraw sends presence to the account itself through the agent"
listen plain2 -a alice --resource plain -c 1
run xsend -a bob -m "after a presence to self" "$ALICE"
rc_is 0 "a message to the bare JID then: exit 0, no refusal from the agent" 
listener_wait plain2
is "$(cut -f2 "$T/plain2.out")" "after a presence to self" \
    "and the account's other client got it"

# a lower-priority listener that comes and goes (xroster --presence)
# leaves the account's presence to the one still listening
listen lp -a alice --agent -c 2
wait_line "$T/lp.err" "listening" 2>/dev/null || true
run xsend -a bob -m "before xroster" "$ALICE"
run xroster -a alice list --presence
rc_is 0 "xroster list --presence through the agent: exit 0"
run xsend -a bob -m "after xroster" "$ALICE"
listener_wait lp
is "$?:$(cut -f2 "$T/lp.out" | tr '\n' ,)" "0:before xroster,after xroster," \
    "the listener still gets what comes after xroster's presence went"

# a message the account sends itself through the agent reaches its
# listeners: its id is the sender's, but it is no answer to it
listen ls -a alice --agent -c 1
run xsend -a alice -m "note to self" "$ALICE"
rc_is 0 "xsend to the account itself through the agent: exit 0"
listener_wait ls
is "$?:$(cut -f2 "$T/ls.out")" "0:note to self" "a listener gets it"

# a stanza larger than a client may send, as the server passes it on
# (50,000 quotes, each &quot; once escaped): still a listener's
listen lb -a alice --agent -c 1
{ printf "<message to='%s' type='chat'><body>" "$ALICE"
  head -c 50000 /dev/zero | tr '\0' '"'
  printf '</body></message>\n'; } | "$XU_BUILD/rawsend" "$XT_CONFIG" bob
listener_wait lb
is "$?:$(cut -f2 "$T/lb.out" | wc -c)" "0:50001" \
    "a 300 kB stanza reaches the listener whole; it is not cut off (70)"

# what comes to the agent's own JID while nobody listens is refused, and
# said (the ping after it: its answer comes after the refusal)
full=$(xagent -a alice -O status | sed -n 's/^jid //p')
run xraw -a bob --no-agent <<EOF
<message to='$full' type='chat' id='lost'><body>to the agent itself</body></message>
<iq type='get' id='after' to='$full'><ping xmlns='urn:xmpp:ping'/></iq>
EOF
refused=$(printf '%s\n' "$out" | grep "^<message [^>]*id='lost'")
like "$refused" "type='error'.*service-unavailable" \
    "a message to the agent's own JID with nobody listening is refused, not dropped"

# --- 7. xraw and xping through the agent
run xraw -a alice -v <<EOF
<iq type='get' id='p1' to='$XT_DOMAIN'><ping xmlns='urn:xmpp:ping'/></iq>
EOF
rc_is 0 "xraw through the agent: exit 0"
like "$err" "via the agent $SOCK" "-v says via the agent"
like "$out" "<iq [^>]*id='p1'[^>]*type='result'|<iq [^>]*type='result'[^>]*id='p1'" \
    "the ping's result printed"
run xping -a alice --agent -c 3 -i 0.2
rc_is 0 "xping --agent -c 3: exit 0"
like "$out" "3 sent, 3 received, 0% loss" "three answered"
like "$out" "^PING .* via the agent $SOCK: login [0-9.]+ ms" \
    "xping's header says where it logged in: the agent"
run xraw -a alice --trace <<EOF
<iq type='get' id='p2' to='$XT_DOMAIN'><ping xmlns='urn:xmpp:ping'/></iq>
EOF
like "$out" "^>> <iq [^>]*id='p2'" "xraw --trace through the agent: what went"
like "$out" "^<< <iq [^>]*id='p2'[^>]*type='result'|^<< <iq [^>]*type='result'[^>]*id='p2'" \
    "and what came"

# --- xroster: its changes wait for the roster push, which the agent passes on
run xroster -a alice add "zed@$XT_DOMAIN"
rc_is 0 "xroster add through the agent: exit 0 (the push came)"
run xroster -a alice list
like "$out" "^zed@$XT_DOMAIN" "the contact is there"
run xroster -a alice remove "zed@$XT_DOMAIN"
rc_is 0 "xroster remove through the agent: exit 0"

# --- 1. (end) -O stop stops it: its socket and its process go
run_agent -a alice -O stop
rc_is 0 "xagent -O stop: exit 0"
test -e "$SOCK"
ok $((!$?)) "the socket is gone"
agent_gone "$pid1"
ok $? "the process ended"
run_agent -a alice -O status
rc_is 1 "-O status then: exit 1"

# --- 8. auto mode: started when none runs, gone when idle
listen ra -a bob -c 2
run xsend -a alice -v --agent-persist 3 -m "started one" "$BOB"
t0=$(date +%s%N)
rc_is 0 "xsend --agent-persist 3 with none up: exit 0"
like "$err" "no agent runs: starting one, to idle 3 s" "-v says it starts one"
like "$err" "via the agent $SOCK" "and sends through it"
is "$out" "" "the agent's path is not printed"
pid2=$(agent_pid)
[ -n "$pid2" ]
ok $? "xagent -O status: one runs ($pid2)"
ms=$(agent_idled "$XT_CONFIG" alice)
ok $? "polled with -O status, it stops by itself once idle (${ms:-not} ms)"
[ "${ms:-0}" -ge 2500 ]
ok $? "not before its 3 s"
agent_gone "$pid2"
ok $? "its process ended"
{ cat "$XT_CONFIG"; printf '\n[auto]\njid = %s\npassword = %s\nagent = auto\nagent_persist = 3\n' \
    "$ALICE" "$XT_PASS"; } >"$T/auto"
chmod 600 "$T/auto"
XT_CONFIG=$T/auto run xsend -a auto -v -m "agent = auto" "$BOB"
t0=$(date +%s%N)
rc_is 0 "agent = auto in the config, none up: exit 0"
like "$err" "starting one, to idle 3 s" "starts one, to idle agent_persist"
pid3=$(agent_pid "$T/auto" auto)
[ -n "$pid3" ]
ok $? "xagent -O status: one runs ($pid3)"
ms=$(agent_idled "$T/auto" auto)
ok $? "polled with -O status, it stops by itself once idle (${ms:-not} ms)"
[ "${ms:-0}" -ge 2500 ]
ok $? "not before its 3 s"
agent_gone "$pid3"
ok $? "its process ended"
run "$XU_BUILD/xagent" -f "$T/auto" -a auto -T 10 -O status
rc_is 1 "xagent -O status with agent = auto starts none: exit 1"
listener_wait ra
is "$(cut -f2 "$T/ra.out" | tr '\n' ,)" "started one,agent = auto," \
    "both received"

# --- the foreground form: up, said on stderr; -O stop lets two listeners go
"$XU_BUILD/xagent" -F -f "$XT_CONFIG" -T 10 -a alice >"$T/fg.out" 2>"$T/fg.err" &
fg=$!
_agents="$_agents $fg"
wait_line "$T/fg.err" "holding $ALICE/[^ ]* for its tools at $SOCK"
ok $? "xagent -F says when it is up, on stderr"
listen rf -a bob -c 1
run xsend -a alice -m "via -F" "$BOB"
rc_is 0 "xsend through it: exit 0"
listener_wait rf
is "$(cut -f2 "$T/rf.out")" "via -F" "received"
listen lx1 -a alice --agent
listen lx2 -a alice --agent
run_agent -a alice -O stop
rc_is 0 "xagent -O stop with two listeners attached: exit 0"
wait "$fg"
fgrc=$?
if [ "$fgrc" -eq 0 ]; then ok 0 "the agent stops: exit 0"; else
	ok 1 "the agent stops: exit 0" "exit $fgrc" "$(cat "$T/fg.err")"; fi
like "$(cat "$T/fg.err")" "asked to stop \\(by pid [0-9]+\\)" "saying who asked"
listener_wait lx1
is "$?" 75 "each listener is let go: exit 75"
listener_wait lx2
is "$?" 75 "both"
like "$(cat "$T/lx1.err")" "the agent went away" "saying why"

# --- and stopped by a signal
"$XU_BUILD/xagent" -F -f "$XT_CONFIG" -T 10 -a alice >"$T/fg.out" 2>"$T/fg2.err" &
fg=$!
_agents="$_agents $fg"
wait_line "$T/fg2.err" "holding $ALICE/"
kill -TERM "$fg"
wait "$fg"
is "$?" 0 "xagent -F stopped by SIGTERM: exit 0"
test -e "$SOCK"
ok $((!$?)) "and removes its socket"

done_testing
