# t-federation: the tools across server-to-server federation, between two
# Prosodys of this file's own (tests/server.sh's fed_start: fed-a.test and
# fed-b.test, each on a loopback address of its own, certificates from the
# suite's CA). The shared server has no s2s, and keeps none.
. tests/lib.sh
. tests/server.sh
trap 'fed_stop; xt_cleanup' EXIT

# A pair that does not come up is a failure, said as one, never a skip.
fed_start
ok $? "fed_start: $FED_A and $FED_B up, each on its own address"
[ -n "${FED_START_MS:-}" ] || { done_testing; exit 1; }
echo "# fed_start took $FED_START_MS ms ($FED_A on $FED_A_ADDR:$FED_A_PORT," \
    "$FED_B on $FED_B_ADDR:$FED_B_PORT, s2s on 5269 on both)"
# lib.sh's tools, run, listen: all on the pair's accounts from here on
XT_CONFIG=$FED_CONFIG

# --- a message crosses, each way, from whom it says
listen bb -a b-bob -n 1
xsend -a a-alice -m "from a to b" "bob@$FED_B"
ok $? "xsend from $FED_A to bob@$FED_B: exit 0"
listener_wait bb
ok $? "the listener on $FED_B got it and exited (-n 1)" "$(cat "$T/bb.err")"
is "$(cut -f2 "$T/bb.out")" "from a to b" "the body, across s2s"
is "$(cut -f1 "$T/bb.out" | cut -d/ -f1)" "alice@$FED_A" "from alice@$FED_A"

listen ac -a a-carol -n 1
xsend -a b-alice -m "from b to a" "carol@$FED_A"
ok $? "xsend from $FED_B to carol@$FED_A: exit 0"
listener_wait ac
ok $? "the listener on $FED_A got it" "$(cat "$T/ac.err")"
is "$(cut -f1 "$T/ac.out" | cut -d/ -f1)	$(cut -f2 "$T/ac.out")" \
    "$(printf 'alice@%s\tfrom b to a' "$FED_B")" \
    "back the other way: the body, from alice@$FED_B"

# --- a burst crosses whole and in order
seq 1000 | sed 's/^/fed line /' >"$T/lines"
listen burst -a b-carol -n 1000
xsend -a a-bob -l "carol@$FED_B" <"$T/lines"
ok $? "xsend -l of 1,000 lines to $FED_B: exit 0"
listener_wait burst
ok $? "the listener on $FED_B received 1,000 messages" "$(cat "$T/burst.err")"
cut -f2 "$T/burst.out" | cmp -s - "$T/lines"
ok $? "all 1,000 lines arrived in order" \
    "$(cut -f2 "$T/burst.out" | diff - "$T/lines" | head -5)"
is "$(cut -f1 "$T/burst.out" | cut -d/ -f1 | sort -u)" "bob@$FED_A" \
    "every one from bob@$FED_A"

# --- xping crosses federation; an unknown domain answers with an error
run xping -a a-alice -c 2 -i 0.05 "$FED_B"
is "$rc" 0 "xping $FED_B from $FED_A: exit 0 ($err)"
is "$(grep -cE "^reply from $FED_B: seq=[12] " "$T/out")" 2 \
    "two replies from the remote server"
run xping -a b-bob -c 1 "$FED_A"
is "$rc" 0 "and xping $FED_A from $FED_B: exit 0 ($err)"

run xping -a a-alice -c 1 no-such-domain.test
is "$rc" 1 "xping no-such-domain.test: exit 1"
like "$out" "error from no-such-domain.test: seq=1 time=[0-9.]+ ms: remote-server-not-found \\(Server-to-server connection failed: NXDomain" \
    "remote-server-not-found, from the NXDOMAIN ($out)"
ms=$(sed -n 's/^error from no-such-domain\.test: seq=1 time=\([0-9]*\)\..*/\1/p' "$T/out")
echo "# no-such-domain.test: the error came back after ${ms:-?} ms"
[ -n "$ms" ] && [ "$ms" -lt 2000 ]
ok $? "at once: within 2 s (took ${ms:-?} ms), no DNS time-out"

# --- a message to it bounces, asynchronously, after the send
run xraw -a a-alice -w 5 \
    <<<"<message to='nobody@no-such-domain.test' id='b1'><body>x</body></message>"
bounce=$(grep -E "^<message [^>]*type=[\"']error[\"']" "$T/out")
like "$bounce" "id=[\"']b1[\"']" "xraw: the bounce of b1 arrives after the send ($out)"
like "$bounce" "remote-server-not-found" "with remote-server-not-found"
like "$bounce" "from=[\"']nobody@no-such-domain\\.test[\"']" \
    "from the address it was sent to"

# --- the servers authenticated each other by certificate (SASL EXTERNAL
# on s2s, with s2s_secure_auth), and dialback played no part
like "$(cat "$FED_B_LOG")" "$FED_B:saslauth.*Accepting SASL EXTERNAL identity from $FED_A" \
    "$FED_B took $FED_A's certificate as its identity"
like "$(cat "$FED_A_LOG")" "$FED_A:saslauth.*Accepting SASL EXTERNAL identity from $FED_B" \
    "and $FED_A took $FED_B's"
like "$(cat "$FED_B_LOG")" "Incoming s2s connection $FED_A->$FED_B complete" \
    "the s2s stream in was complete"
! grep -qi dialback "$FED_A_LOG" "$FED_B_LOG"
ok $? "no dialback in either log"

done_testing
