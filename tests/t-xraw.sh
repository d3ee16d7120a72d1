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
like "$err" "stdin:1:1: iq from nobody@$XT_DOMAIN/x: error: service-unavailable" \
    "the condition on stderr, named by its input line ($err)"
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
listen bob -a bob -c 3
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
listen drip -a bob -c 2
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

# input that ends inside a comment (or a PI, a tag, a reference) begun
# between stanzas: what the opener swallowed was never sent; an error
# saying where it began, never a silent 0
run xraw -a alice <<IN
$PING
<!-- draft
<message to='$BOB'><body>swallowed</body></message>
IN
is "$rc" 65 "the input ends inside a comment: exit 65"
is "$err" "xraw: stdin:2:1: the input ended inside a tag, a comment or a reference: \"<!-- draft\"" \
    "saying where it began"
like "$out" "type='result'" "the ping before it went, and was answered"
# (no newline after: "&am" and a line end is an error of its own)
for tail in "<?pi" "<message" "&am"; do
	printf '%s\n%s' "$PING" "$tail" >"$T/unfinished"
	run xraw -a alice <"$T/unfinished"
	is "$rc:$err" "65:xraw: stdin:2:1: the input ended inside a tag, a comment or a reference: \"$tail\"" \
	    "the input ends inside '$tail': exit 65, saying so"
done

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

# each element on a line of its own, though they leave in one write
run xraw -a alice --trace <<IN
<message to='$BOB' type='headline'><body>t1</body></message><message to='$BOB' type='headline'><body>t2</body></message>
<r xmlns='urn:xmpp:sm:3'/>
IN
is "$(grep -c '^>> <message ' "$T/out")" 2 "--trace: two messages, two >> lines"
! grep -q '^>> .*/message>.' "$T/out"
ok $? "and nothing after an element on its line"

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

# --- input that arrives in pieces (issue 18): typed by hand, or through
# rlwrap, an element comes in several reads; the pauses are the input's
pieces() {	# pieces SECONDS PIECE...: each piece, then a pause
	local pause=$1
	shift
	for p; do printf '%s' "$p"; sleep "$pause"; done
}
pieces 0.3 "<iq type='get' to='$XT_DOMAIN'>"$'\n' \
    "<ping xmlns='urn:xmpp:ping'/>"$'\n' "</iq>"$'\n' |
    timeout 30 "$XU_BUILD/xraw" -f "$XT_CONFIG" -T 10 -a alice -v \
    >"$T/out" 2>"$T/err"
rc=$? out=$(cat "$T/out") err=$(cat "$T/err")
is "$rc" 0 "an iq typed in three lines, with pauses: exit 0 ($err)"
like "$out" "^<iq id='[^']+' .*type='result'" "it got an id, and its result"
! grep -q "bad-request\|not a stanza" "$T/out" "$T/err"
ok $? "no bad-request, no garbled name on stderr"

msg="<iq type='get' to='$XT_DOMAIN'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
{ for ((i = 0; i < ${#msg}; i++)); do printf '%s' "${msg:i:1}"; sleep 0.003; done
  echo; } | timeout 60 "$XU_BUILD/xraw" -f "$XT_CONFIG" -T 10 -a alice \
    >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "a request written a character at a time, 3 ms apart: exit 0 ($(cat "$T/err"))"
like "$(cat "$T/out")" "type='result'.*disco#info" "and answered with its result"

# --- an error answer counts even when it answers no request
run xraw -a alice <<IN
<message to='nobody@$XT_DOMAIN' id='m1' type='chat'><body>x</body></message>
IN
is "$rc" 1 "a message that bounces: exit 1"
like "$err" "stdin:1:1: message from nobody@$XT_DOMAIN: error: service-unavailable" \
    "named by its input line ($err)"
run xraw -a alice <<IN
<presence/>
<message to='nobody@$XT_DOMAIN' type='chat'><body>no id</body></message>
IN
is "$rc" 1 "one without an id that bounces: exit 1 ($err)"
like "$err" "stdin:2:1: message from nobody@$XT_DOMAIN: error" "said with its line"

# --- stream management: <r/> is no stanza, other versions are refused
run xraw -a alice <<IN
<r xmlns='urn:xmpp:sm:3'/>
<message to='$ALICE' type='headline'><body>after r</body></message>
<r xmlns='urn:xmpp:sm:3'/>
IN
is "$rc" 0 "<r/> at once, a message, <r/> again: exit 0 ($err)"
{ sleep 1; echo "<r xmlns='urn:xmpp:sm:3'/>"; sleep 1; } |
    timeout 30 "$XU_BUILD/xraw" -f "$XT_CONFIG" -T 3 -a alice >"$T/out" 2>"$T/err"
is "$?" 0 "<r/> a second after the login: exit 0, not 75 ($(cat "$T/err"))"
run xraw -a dave <<IN
<r xmlns='urn:xmpp:sm:3'/>
$PING
IN
is "$rc" 65 "<r/> where stream management is off: refused, 65"
like "$err" "stdin:1:1: <r>: stream management is not on in this stream: refused" "said so ($err)"
! grep -q "acknowledged" "$T/err"
ok $? "and no counter went wrong"
like "$out" "type='result'" "the ping after it was answered"
run xraw -a alice <<IN
<a xmlns='urn:xmpp:sm:2' h='100'/>
<enable xmlns='urn:xmpp:sm:2'/>
<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'/>
<compress xmlns='http://jabber.org/protocol/compress'><method>zlib</method></compress>
$PING
IN
is "$rc" 65 "sm:2, SASL2, compression: refused, 65"
is "$(grep -c ": refused" "$T/err")" 4 "each named ($err)"
like "$out" "type='result'" "the stream stayed up: the ping after them was answered"

run xraw -a alice <<IN
<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>evil</resource></bind></iq>
<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>
<iq type='set' id='e1'><enable xmlns='urn:xmpp:sm:3'/></iq>
$PING
IN
is "$rc" 65 "an iq that binds, opens a session or enables stream management: refused, 65"
is "$(grep -c "<iq>: .*login's: refused\|<iq>: stream management is the session's" "$T/err")" 3 \
    "each named ($err)"
! grep -q "id='[bse]1'" "$T/out"
ok $? "none was sent: no answer to any"
like "$out" "type='result'" "the ping after them was answered"

# --- an element too big, and in the same read good ones after it: one
# in many reads (a long body), and one expat cannot cut (a long attribute)
for shape in body attribute; do
	{ printf "<presence/>\n"
	  case $shape in
	  body) printf "<message to='$BOB'><body>"
		head -c 265000 /dev/zero | tr '\0' x
		printf "</body></message>\n";;
	  *)	printf "<message to='$BOB' a='"
		head -c 265000 /dev/zero | tr '\0' x
		printf "'/>\n";;
	  esac
	  printf "%s\n<message to='$ALICE' type='chat'><body>after big</body></message>\n" "$PING"
	} >"$T/big"
	run xraw -a alice -w 2 <"$T/big"
	is "$rc" 65 "a 265 kB element ($shape): refused, 65"
	like "$err" "stdin:2:1: an element of more than 196608 bytes" "said where it starts ($err)"
	like "$out" "type='result'" "the ping in the same read went"
	like "$out" "<body>after big</body>" "and the message after it too"
done

# --- write errors, and options that cannot go together
"$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice <<<"$PING" >/dev/full 2>"$T/err"
is "$?" 74 "xraw >/dev/full: exit 74"
like "$(cat "$T/err")" "stdout: No space left on device" "and says why"
"$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice --trace <<<"$PING" >/dev/full 2>"$T/err"
is "$?" 74 "xraw --trace >/dev/full: exit 74"
like "$(cat "$T/err")" "stdout: No space left on device" "and says why"
run xraw -a alice --trace --pretty </dev/null
is "$rc" 64 "--trace --pretty: a usage error, not --pretty ignored"
like "$err" "--pretty" "naming --pretty ($err)"

done_testing
