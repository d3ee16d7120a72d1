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
listen bb -a b-bob -c 1
xsend -a a-alice -m "from a to b" "bob@$FED_B"
ok $? "xsend from $FED_A to bob@$FED_B: exit 0"
listener_wait bb
ok $? "the listener on $FED_B got it and exited (-n 1)" "$(cat "$T/bb.err")"
is "$(cut -f2 "$T/bb.out")" "from a to b" "the body, across s2s"
is "$(cut -f1 "$T/bb.out" | cut -d/ -f1)" "alice@$FED_A" "from alice@$FED_A"

listen ac -a a-carol -c 1
xsend -a b-alice -m "from b to a" "carol@$FED_A"
ok $? "xsend from $FED_B to carol@$FED_A: exit 0"
listener_wait ac
ok $? "the listener on $FED_A got it" "$(cat "$T/ac.err")"
is "$(cut -f1 "$T/ac.out" | cut -d/ -f1)	$(cut -f2 "$T/ac.out")" \
    "$(printf 'alice@%s\tfrom b to a' "$FED_B")" \
    "back the other way: the body, from alice@$FED_B"

# --- a burst crosses whole and in order
seq 1000 | sed 's/^/fed line /' >"$T/lines"
listen burst -a b-carol -c 1000
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
# (Prosody's resolver gives up after 5 s: under that, no DNS time-out)
[ -n "$ms" ] && [ "$ms" -lt 4000 ]
ok $? "at once: within 4 s (took ${ms:-?} ms), no DNS time-out"

# --- a message to it bounces, asynchronously, after the send
run xraw -a a-alice -w 2 \
    <<<"<message to='nobody@no-such-domain.test' id='b1'><body>x</body></message>"
bounce=$(grep -E "^<message [^>]*type=[\"']error[\"']" "$T/out")
like "$bounce" "id=[\"']b1[\"']" "xraw: the bounce of b1 arrives after the send ($out)"
like "$bounce" "remote-server-not-found" "with remote-server-not-found"
like "$bounce" "from=[\"']nobody@no-such-domain\\.test[\"']" \
    "from the address it was sent to"

# --- xsend: a late bounce is never dropped; --confirm domain and client
run xsend -a a-alice -m "into the void" "nobody@no-such-domain.test"
is "$rc" 69 "the default level: the remote bounce comes after the ack, and still exits 69 ($err)"
like "$err" "message 1 to nobody@no-such-domain\\.test bounced: remote-server-not-found" \
    "reported with its condition"
run xsend -a a-alice --confirm domain -m "into the void" "nobody@no-such-domain.test"
is "$rc" 69 "--confirm domain, an unknown domain: 69"
like "$err" "no-such-domain\\.test: remote-server-not-found .*not delivered" \
    "the domain's failure said"

seq 1000 | sed 's/^/confirmed line /' >"$T/dlines"
listen dom -a b-carol -c 1000
run xsend -a a-bob --confirm domain -v -l "carol@$FED_B" <"$T/dlines"
is "$rc" 0 "--confirm domain, 1,000 lines across s2s: exit 0 ($err)"
like "$err" "carol@$FED_B: 1000 of 1000 confirmed by its domain" "-v: what confirmed them"
listener_wait dom
cut -f2 "$T/dom.out" | cmp -s - "$T/dlines"
ok $? "every line arrived, in order"

listen cc -a b-bob -c 3
run xsend -a a-alice --confirm client -v -m "receipted" "bob@$FED_B"
is "$rc" 0 "--confirm client across s2s to an xlisten: exit 0 ($err)"
like "$err" "bob@$FED_B: 1 of 1 confirmed by its client" "confirmed by its client"
like "$(cat "$T/cc.out")" "receipted" "which had printed it by then"
run xsend -a a-alice --confirm client -T 2 -m "stored" "alice@$FED_B"
is "$rc" 1 "--confirm client to an offline remote account: 1, not confirmed"
like "$err" "alice@$FED_B: 0 of 1 confirmed by its client: not confirmed in time" "said so"

# a mix: one delivered, one stored, one bounced; each said; --unsent
# gets exactly what was not confirmed
printf 'm1\nm2\n' >"$T/mix"
run xsend -a a-alice --confirm client -T 3 -v -l --unsent "$T/mix.unsent" \
    "bob@$FED_B" "alice@$FED_B" "nobody@no-such-domain.test" <"$T/mix"
is "$rc" 69 "good, offline and unknown recipients: the bounce wins, 69"
like "$err" "bob@$FED_B: 2 of 2 confirmed by its client" "bob's confirmed"
like "$err" "alice@$FED_B: 0 of 2 confirmed by its client: not confirmed in time" "alice's not"
like "$err" "line 1 to nobody@no-such-domain\\.test bounced: remote-server-not-found" "the bounce"
is "$(cat "$T/mix.unsent")" "m1
m2" "--unsent: the two lines, not confirmed for everyone"
listener_wait cc
xlisten -a b-alice -c 3 >/dev/null 2>&1	# take back what alice stored

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
