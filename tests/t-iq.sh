# t-iq: lib/iq.c's requests and answers through a real Prosody
# (tests/iqtool.c drives it): answers matched by id and sender, a
# handler answering by element and namespace, the default answers, and
# many requests in flight.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
iqtool() { "$XU_BUILD/iqtool" "$XT_CONFIG" "$@"; }

# a ping to the own server: its result
out=$(iqtool alice iqa call get "$XT_DOMAIN" "<ping xmlns='urn:xmpp:ping'/>")
ok $? "a get to the server is answered: exit 0"
like "$out" "^result	<iq " "with its result ($out)"

# a query the server answers with data, addressed to the account itself
out=$(iqtool alice iqa call get - "<query xmlns='jabber:iq:roster'/>")
like "$out" "^result	.*jabber:iq:roster" "a get to the account (no to): the roster comes back"

# an error is an answer too: the caller sees its type
out=$(iqtool alice iqa call get "nobody@$XT_DOMAIN/x" "<ping xmlns='urn:xmpp:ping'/>")
ok $? "an error answer still ends the wait: exit 0"
like "$out" "^error	.*service-unavailable" "and it is handed over as it came ($out)"

# bob's handler answers alice's request for its element and namespace
mkfifo "$T/serve.err"
iqtool bob serve serve query urn:xmpp:test:echo 2 >"$T/serve.out" 2>"$T/serve.err" &
spid=$!
_bg="$_bg $spid"
read -r -t 30 line <"$T/serve.err"
like "$line" "serving" "bob's session serves urn:xmpp:test:echo"
out=$(iqtool alice iqa call get "$BOB/serve" "<query xmlns='urn:xmpp:test:echo'/>")
like "$out" "^result	.*<query xmlns=.urn:xmpp:test:echo.><n>1</n></query>" \
    "the handler's answer reaches alice ($out)"
out=$(iqtool alice iqa call get "$BOB/serve" "<ping xmlns='urn:xmpp:ping'/>")
like "$out" "^result	" "a ping bob has no handler for: the default answer, a result"
out=$(iqtool alice iqa call get "$BOB/serve" "<query xmlns='urn:xmpp:test:other'/>")
like "$out" "^error	.*service-unavailable" "another namespace: refused, as RFC 6120 wants"
out=$(iqtool alice iqa call set "$BOB/serve" "<query xmlns='urn:xmpp:test:echo'/>")
like "$out" "<n>2</n>" "a set reaches the handler too"
wait "$spid"
ok $? "bob's session ends cleanly once it has answered twice"
like "$(cat "$T/serve.out")" "^alice@$XT_DOMAIN/iqa" "and knew who asked"

# many in flight at once, each answered exactly once
out=$(iqtool alice iqa flood 2000 "$XT_DOMAIN")
ok $? "2,000 pings through callbacks, 64 in flight: exit 0"
is "$out" "2000 results, 0 errors, 0 lost" "each answered, once"

# two sessions in one process, one ppoll over both streams: nothing in
# lib/ assumes one session a process
out=$(iqtool alice pair1 pair bob 500)
ok $? "alice and bob logged in from one process, polled together: exit 0"
is "$out" "500 results, 0 errors, 0 lost" "alice's 500 requests all answered by bob's handler"

done_testing
