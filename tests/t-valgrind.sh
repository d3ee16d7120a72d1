# t-valgrind: the tools under valgrind: no leaks, no invalid accesses, on
# the paths users take, failures included. (Not with SANITIZE=1: ASan
# and valgrind do not mix, and ASan covers that build.)
. tests/lib.sh

case $XU_BUILD in */san) echo "1..0 # SKIP under SANITIZE=1"; exit 0;; esac

VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99"

vg() {	# vg EXPECTED-RC NAME TOOL ARGS...
	local want=$1 name=$2 tool=$3
	shift 3
	$VG --log-file="$T/vg.log" "$XU_BUILD/$tool" -f "$XT_CONFIG" -T 20 "$@" \
	    >/dev/null 2>"$T/vg.err"
	vg_verdict $? "$want" "$name"
}

vg_verdict() {	# vg_verdict RC EXPECTED-RC NAME [LOG]: and $T/LOG.log (vg) empty
	local rc=$1 want=$2 name=$3 log=$T/${4:-vg}
	if [ "$rc" -eq "$want" ] && [ ! -s "$log.log" ]; then
		ok 0 "valgrind: $name"
	else
		ok 1 "valgrind: $name" "exit $rc, wanted $want" "$(cat "$log.log" "$log.err")"
	fi
}

listen v -a bob -c 3
vg 0 "xsend -m" xsend -a alice -m "one" "bob@$XT_DOMAIN"
vg 0 "xsend -l to a room and a JID" xsend -a alice -l \
    -r "ops@$XT_MUC" "bob@$XT_DOMAIN" < <(seq 2)
listener_wait v
vg 1 "xlisten in a room, --format xml, -w" xlisten -a carol -w 1 \
    -r "ops@$XT_MUC" --format xml
vg 69 "xsend, a bounce" xsend -a alice -m x "nobody@$XT_DOMAIN"
XMPP_PASSWORD=bad vg 77 "xsend, a wrong password" xsend \
    --jid "alice@$XT_DOMAIN" -m x "bob@$XT_DOMAIN"
vg 69 "xsend, no server" xsend -a alice --port "$("$XT_NETTOOL" freeport)" \
    -m x "bob@$XT_DOMAIN"
vg 65 "xsend, refused input" xsend -a alice "bob@$XT_DOMAIN" < <(printf 'a\001')
# the queue, in state directories of its own: kept while the server is
# away, listed, flushed (one entry bouncing into failed/)
down=$("$XT_NETTOOL" freeport)
XDG_STATE_HOME=$T/vq vg 2 "xsend --queue -l, no server" xsend -a alice \
    --queue --port "$down" -l "bob@$XT_DOMAIN" < <(seq 3)
XDG_STATE_HOME=$T/vq vg 2 "xsend --queue -m, no server" xsend -a alice \
    --queue --port "$down" -m x "nobody@$XT_DOMAIN"
printf 'attached\n' >"$T/vq.txt"
XDG_STATE_HOME=$T/vqa vg 2 "xsend --queue --attach, no server" xsend \
    -a alice --queue --port "$down" --attach "$T/vq.txt" -m x \
    "bob@$XT_DOMAIN"
XDG_STATE_HOME=$T/vqa vg 0 "xsend --list-queue --format json" xsend \
    -a alice --list-queue --format json
XDG_STATE_HOME=$T/vq vg 0 "xsend --list-queue" xsend -a alice --list-queue
XDG_STATE_HOME=$T/vq vg 2 "xsend --flush, no server" xsend -a alice \
    --flush --port "$down"
listen vq -a bob -c 3
XDG_STATE_HOME=$T/vq vg 69 "xsend --flush, one entry bouncing" xsend \
    -a alice --flush
listener_wait vq
listen vr -a bob -c 2
vg 0 "xsend --confirm client, answered by xlisten's receipts" xsend -a alice \
    --confirm client -l "bob@$XT_DOMAIN" < <(seq 2)
listener_wait vr
# (-T: the wait for a receipt that never comes, and for the login under
# valgrind on a loaded machine: 3 s was too short for the second)
vg 1 "xsend --confirm client, not confirmed" xsend -a alice -T 8 \
    --confirm client -l --unsent "$T/vg.unsent" "dave@$XT_NOSM" < <(seq 2)
vg 69 "xsend --confirm domain, a bounce" xsend -a alice --confirm domain \
    -m x "nobody@elsewhere.test"
vg 65 "xraw: requests, an error answer, bad input, --pretty" xraw -a alice \
    --pretty < <(printf "%s\n" "<iq type='get' to='$XT_DOMAIN'><ping xmlns='urn:xmpp:ping'/></iq>" \
    "<iq type='get'><query xmlns='jabber:iq:roster'/></iq>" \
    "<iq type='get' to='nobody@$XT_DOMAIN/x'><ping xmlns='urn:xmpp:ping'/></iq>" \
    "<message><body>x</bdy></message>" "<presence/>")
vg 0 "xraw --trace" xraw -a alice --trace < <(echo "<presence/>")
vg 0 "xping --trace, json" xping -a alice -c 2 -i 0.01 --trace --format json
vg 1 "xping, error answers" xping -a alice -c 2 -i 0.01 "nobody@$XT_DOMAIN/x"
vg 0 "xping --format prometheus" xping -a alice -c 2 -i 0.01 --format prometheus
vg 0 "xping --plugin" xping -a alice --plugin --warning 5000 --critical 10000 --cert-warning 0
vg 2 "xping --plugin, no server" xping -a alice --plugin \
    --port "$("$XT_NETTOOL" freeport)"
# xroster, on kate's roster (one of XT_ROSTER_USERS; judy is only a
# contact there): sets, pushes,
# a refusal, --presence, import with a bad line and a good one
vg 0 "xroster add" xroster -a kate add --name J -g a -g b --subscribe "judy@$XT_DOMAIN"
vg 1 "xroster add, refused" xroster -a kate add "kate@$XT_DOMAIN"
vg 0 "xroster list --presence --format json" xroster -a kate list --presence -w 1 --format json
vg 65 "xroster import, a bad line" xroster -a kate import < <(printf '{"jid":"a@b"}\n{"jid":1}\n')
vg 0 "xroster import --prune" xroster -a kate import --prune < <(echo '{"jid":"judy@'"$XT_DOMAIN"'","groups":["g"],"subscription":"both"}')
vg 0 "xroster approve" xroster -a kate approve "judy@$XT_DOMAIN"

# the reconnecting paths, through a relay that cuts the link
mkfifo "$T/relay.in" "$T/relay.out" "$T/feed"
"$XT_NETTOOL" relay "$XT_PORT" <"$T/relay.in" >"$T/relay.out" &
_bg="$_bg $!"
exec {rin}>"$T/relay.in"
exec {rout}<"$T/relay.out"
read -r relayport <&$rout
cat <&$rout >/dev/null &	# its "conn N" lines
_bg="$_bg $!"

: >"$T/vl.err"
$VG --log-file="$T/vg.log" "$XU_BUILD/xlisten" -f "$XT_CONFIG" -T 20 -v \
    -a bob --port "$relayport" --retry inf -c 2 >"$T/vl.out" 2>"$T/vl.err" &
vl=$!
wait_line "$T/vl.err" "listening as"
xsend -a alice -m "before the cut" "bob@$XT_DOMAIN"
wait_line "$T/vl.out" "before the cut"
echo cut >&$rin
wait_line "$T/vl.err" "listening as" 2
xsend -a alice -m "after the cut" "bob@$XT_DOMAIN"
wait "$vl"
vg_verdict $? 0 "xlisten --retry inf across a cut link"
[ "$(cut -f2 "$T/vl.out" | tr '\n' ,)" = "before the cut,after the cut," ]
ok $? "and it printed both messages"

listen v2 -a bob -c 2
: >"$T/vs.err"
$VG --log-file="$T/vg.log" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 20 -v \
    -a alice --port "$relayport" -l --retry 3 "bob@$XT_DOMAIN" \
    <"$T/feed" 2>"$T/vs.err" &
vs=$!
exec {feed}>"$T/feed"
echo "line 1" >&$feed
wait_line "$T/v2.out" "line 1"
echo cut >&$rin
wait_line "$T/vs.err" "logged in as" 2
echo "line 2" >&$feed
exec {feed}>&-
wait "$vs"
vg_verdict $? 0 "xsend -l --retry across a cut link"
listener_wait v2
exec {rin}>&-

# xagent under load: 200 lines through it from one client, 20 clients
# at once, a room joined and kept, a listener, clients that break the
# protocol (tests/agentpoke.c); then xagent -x. Its clients' side too.
XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
sock=$XDG_RUNTIME_DIR/xmpputils/alice@$XT_DOMAIN
: >"$T/va.err"
$VG --log-file="$T/va.log" "$XU_BUILD/xagent" -F -f "$XT_CONFIG" -T 20 \
    -a alice 2>"$T/va.err" &
va=$!
_bg="$_bg $va"
wait_line "$T/va.err" "holding .* for its tools"
listen vab -a bob -c 222
vg 0 "xsend -l through the agent, 200 lines" xsend -a alice --agent -l \
    "bob@$XT_DOMAIN" < <(seq -f 'through the agent %g' 200)
pids=
for i in $(seq 20); do
	xsend -a alice --agent -m "at once $i" "bob@$XT_DOMAIN" 2>>"$T/va.clients" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "20 clients at once through the agent under valgrind" \
    "$(cat "$T/va.clients")"
vg 0 "xsend -r through the agent (it joins and stays)" xsend -a alice \
    --agent -r "ops@$XT_MUC" -m "to the room" "bob@$XT_DOMAIN"
listen val -a alice --agent -c 1
xsend -a bob -m "to the agent's listener" "alice@$XT_DOMAIN"
listener_wait val
ok $? "a listener through the agent gets its message"
for poke in "garbage 1 65536" "length 10485760" "vanish alice@$XT_DOMAIN" \
    "huge alice@$XT_DOMAIN 10485760" "bad alice@$XT_DOMAIN 100000" "bad alice@$XT_DOMAIN 250000" \
    "noise alice@$XT_DOMAIN 1 100" "hello alice@$XT_DOMAIN"; do
	"$XU_BUILD/agentpoke" "$sock" $poke >/dev/null
done
vg 0 "xagent -O status" xagent -a alice -O status
xsend -a alice --agent -m "last" "bob@$XT_DOMAIN"
listener_wait vab
ok $? "bob got all 222"
vg 0 "xagent -O stop" xagent -a alice -O stop
wait "$va"
vg_verdict $? 0 "xagent under that load, then stopped" va

done_testing
