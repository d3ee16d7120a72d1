# t-xraw: raw stanzas both ways through a real Prosody.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
ALICE=alice@$XT_DOMAIN
PING="<iq type='get' to='$XT_DOMAIN'><ping xmlns='urn:xmpp:ping'/></iq>"

# --- requests and their answers
run xraw -a alice <<IN
<iq type='get' to='$XT_DOMAIN' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>
IN
is "$rc" 0 "disco#info of the server: exit 0 ($err)"
like "$out" "^<iq id='d1' .*type='result'.*<feature var='urn:xmpp:ping'/>" \
    "the answer lists the server's features, on one line"
is "$(printf '%s\n' "$out" | wc -l)" 1 "one line for the one stanza"

run xraw -a alice <<IN
<iq type='get'><query xmlns='jabber:iq:roster'/></iq>
IN
is "$rc" 0 "a roster get, without an id: exit 0"
like "$out" "type='result'.*<query xmlns='jabber:iq:roster'" "it got an id and its answer: the roster"

run xraw -a alice <<IN
<iq type='get' to='nobody@$XT_DOMAIN/x' id='e1'><ping xmlns='urn:xmpp:ping'/></iq>
IN
is "$rc" 1 "an IQ answered with an error: exit 1"
like "$err" "iq e1: error: service-unavailable" "the condition on stderr ($err)"
like "$out" "type='error'" "and the error stanza on stdout"

for i in $(seq 1000); do echo "$PING"; done >"$T/pings"
run xraw -a alice <"$T/pings"
is "$rc" 0 "1,000 pings in one run: exit 0 ($err)"
is "$(grep -c "type='result'" "$T/out")" 1000 "every one answered"
is "$(grep -o "id='[^']*'" "$T/out" | sort -u | wc -l)" 1000 "each with its own id"

run xraw -a alice --pretty <<IN
<iq type='get' to='$XT_DOMAIN'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>
$PING
IN
like "$(sed -n 2p "$T/out")" "^  <query xmlns='http://jabber.org/protocol/disco#info'>$" \
    "--pretty: a child a line, indented"
like "$(sed -n 3p "$T/out")" "^    <identity " "its children deeper"
is "$(grep -c '^$' "$T/out")" 2 "and a blank line after each stanza"

# a reader that leaves (head -1): no error, what was sent still confirmed
timeout 30 "$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice <"$T/pings" 2>"$T/head.err" | head -1 >/dev/null
is "${PIPESTATUS[0]}" 0 "xraw | head -1: exit 0 ($(cat "$T/head.err"))"

# --- what reaches another client
listen bob -a bob -n 3
xraw -a alice 2>"$T/bad.err" <<IN
<message to='$BOB'><body>first</body></message>
<message to='$BOB'><body>broken</bdy></message>
<message to='$BOB'><body>after the broken one</body></message>
<x:message xmlns:x='jabber:client' to='$BOB'><x:body>prefixed &amp; escaped</x:body></x:message>
IN
rc=$?
listener_wait bob
is "$rc" 65 "malformed input: exit 65 at the end"
like "$(cat "$T/bad.err")" "stdin:2:[0-9]+: mismatched tag" "its line and column on stderr"
is "$(cut -f2 "$T/bob.out" | tr '\n' '|')" "first|after the broken one|prefixed & escaped|" \
    "nothing of the broken stanza was sent, the next ones were, prefixes and all"

# a stanza that trickles in a byte at a time arrives once, whole
listen drip -a bob -n 2
msg="<message to='$BOB'><body>drip fed</body></message>"
mkfifo "$T/drip"
"$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice <"$T/drip" 2>"$T/drip.err" &
xpid=$!
{
	for ((i = 0; i < ${#msg}; i++)); do printf '%s' "${msg:i:1}"; done
	echo "<message to='$BOB'><body>end</body></message>"
} >"$T/drip"
wait "$xpid"
ok $? "a stanza written a byte at a time: exit 0 ($(cat "$T/drip.err"))"
listener_wait drip
is "$(cut -f2 "$T/drip.out" | tr '\n' '|')" "drip fed|end|" "bob got it once, whole"

# --- refused, and --strict
run xraw -a alice <<IN
<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
</stream:stream>
$PING
IN
is "$rc" 65 "a stream-level element: refused, exit 65"
like "$err" "stdin:1:1: <starttls>: STARTTLS is the login's: refused" "STARTTLS named"
like "$err" "stdin:2:[0-9]+: a closing tag with no element open" "</stream:stream> too"
like "$out" "type='result'" "the stream stayed up: the ping after them was answered"

run xraw -a alice --strict <<IN
<message><body>x</bdy></message>
$PING
IN
is "$rc" 65 "--strict: the first error ends it, exit 65"
is "$out" "" "and nothing after it was sent"

# --- --trace: both directions, and no secret
run xraw -a alice --trace <<<"$PING"
is "$rc" 0 "--trace: exit 0"
like "$out" ">> <iq id='[^']*' type='get'" "what was sent, marked >>"
like "$out" "<< <iq .*type=.result." "what came back, marked <<"
like "$out" ">> <auth [^>]*>\\[redacted\\]</auth>" "the SASL payload redacted"
printf '%s' "$out" | grep -qF -- "$XT_PASS"
ok $((!$?)) "and the password nowhere"

# what another account sends is shown by --trace without the characters
# a terminal acts on (libstrophe's own serialization leaves them raw)
printf "<message to='$ALICE' type='chat'><body>csi \302\2332J rlo \342\200\256x</body></message>\n" |
    "$XU_BUILD/rawsend" "$XT_CONFIG" bob
run xraw -a alice --trace -w 2 <<<"<presence/>"
like "$out" "<< <message .*csi &#x9B;2J rlo &#x202E;x" \
    "--trace: C1 and bidi controls from another account as references"
LC_ALL=C grep -q "$(printf '\302\233\|\342\200\256')" "$T/out"
ok $((!$?)) "and not one of them raw"

# --- -w: listening after the end of input
run xraw -a alice -w 3 <<IN
<presence/>
<message to='$ALICE'><body>to myself</body></message>
IN
is "$rc" 0 "-w 3: exit 0"
like "$out" "<body>to myself</body>" "what arrived during the wait was printed"

# --- SIGINT mid-run: a graceful close
mkfifo "$T/in"
"$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice -v <"$T/in" >"$T/int.out" \
    2>"$T/int.err" &
xpid=$!
exec {w}>"$T/in"
echo "$PING" >&$w
wait_line "$T/int.out" "type='result'"
kill -INT "$xpid"
wait "$xpid"
is "$?" 0 "SIGINT while reading: exit 0"
like "$(cat "$T/int.err")" "stream closed" "after closing the stream"
exec {w}>&-

done_testing
