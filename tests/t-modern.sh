# t-modern: Prosody 13 (tests/server.sh's server13_start) is up, offers
# what modern login needs, and today's tools send through it. The smoke
# test of the modern-login test bed (issue 20): skipped, and said so,
# when tests/deps.sh could not fetch Prosody 13.
. tests/lib.sh
. tests/server.sh
trap 'server13_stop; xt_cleanup' EXIT
server13_skip
echo "# Prosody 13 on 127.0.0.1:$X13_PORT (direct TLS $X13_TLS_PORT), in $X13_DIR"
# lib.sh's tools, run, listen: on Prosody 13's accounts from here on; no
# FAST token or agent of the user's
XT_CONFIG=$X13_CONFIG
export XDG_STATE_HOME=$T/state XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"

# features ACCOUNT [OPTION...]: sets f to the stream features that offer
# authentication (after TLS), one line, as xsend -vv shows them on a login
# that sends one message to itself; and rc, out and err, as run does
features() {
	local acct=$1 jid
	shift
	jid=$(sed -n "/^\[$acct\]/,/^jid/s/^jid = //p" "$X13_CONFIG")
	run xsend -a "$acct" --no-agent -vv "$@" -m "features" "$jid"
	f=$(printf '%s\n' "$err" | grep 'RECV: <features' |
	    grep -m1 -e 'ns:xmpp-sasl"' -e 'urn:xmpp:sasl:2"')
}

# --- a message, with today's login
listen bob -a bob -c 1
echo hi | xsend -a alice --no-agent "bob@$X13_DOMAIN"
ok $? "xsend logs in to Prosody 13 and sends (STARTTLS)"
listener_wait bob
ok $? "xlisten on Prosody 13 gets it and exits (-n 1)" "$(cat "$T/bob.err")"
is "$(cut -f1 "$T/bob.out" | cut -d/ -f1)	$(cut -f2 "$T/bob.out")" \
    "$(printf 'alice@%s\thi' "$X13_DOMAIN")" "the body, from alice"

# --- what the SASL2 host offers
features alice
ok $rc "xsend -vv to $X13_DOMAIN: exit 0" "$err"
like "$f" "<authentication xmlns=\"urn:xmpp:sasl:2\">" "SASL2 (urn:xmpp:sasl:2) offered"
like "$f" "<bind xmlns=\"urn:xmpp:bind:0\">" "Bind2 (urn:xmpp:bind:0) inline"
like "$f" "<fast xmlns=\"urn:xmpp:fast:0\">.*HT-SHA-256-" "FAST (urn:xmpp:fast:0) inline, HT-SHA-256 tokens"
like "$f" "<sm xmlns=\"urn:xmpp:sm:3\"/></inline>|<sm xmlns=\"urn:xmpp:sm:3\"/><fast" "stream management inline (sasl2_sm)"
like "$f" "<sasl-channel-binding xmlns=\"urn:xmpp:sasl-cb:0\">.*type=\"tls-server-end-point\"" \
    "sasl-cb: tls-server-end-point offered (the configured hash)"
like "$f" "<mechanism>SCRAM-SHA-1-PLUS</mechanism>" "SCRAM-SHA-1-PLUS offered"
grep -qF -- "$X13_CERT_HASH" "$X13_DIR/prosody.cfg.lua"
ok $? "tls_server_end_point_hash is the certificate's: $X13_CERT_HASH"

# --- the same on direct TLS
features alice --tls direct --port "$X13_TLS_PORT"
ok $rc "xsend --tls direct to port $X13_TLS_PORT: exit 0" "$err"
like "$f" "urn:xmpp:sasl:2.*urn:xmpp:fast:0" "direct TLS: SASL2 and FAST offered"
is "$(printf '%s\n' "$err" | grep -m1 'RECV: <features')" "$f" \
    "direct TLS: they are the stream's first features"

# --- the SHA-256 host
features s256-alice
ok $rc "xsend -vv to $X13_SHA256: exit 0" "$err"
like "$f" "<authentication xmlns=\"urn:xmpp:sasl:2\">.*<mechanism>SCRAM-SHA-256-PLUS</mechanism>.*</authentication>" \
    "SCRAM-SHA-256-PLUS offered in SASL2"
like "$f" "<mechanism>SCRAM-SHA-256</mechanism>" "SCRAM-SHA-256 offered"
if printf '%s' "$f" | grep -q 'SCRAM-SHA-1'; then
	ok 1 "no SCRAM-SHA-1 there (SHA-256 keys only)" "$f"
else
	ok 0 "no SCRAM-SHA-1 there (SHA-256 keys only)"
fi

# --- the host without SSDP and the classic one
features nossdp-alice
ok $rc "xsend -vv to $X13_NOSSDP: exit 0" "$err"
like "$f" "urn:xmpp:sasl:2.*urn:xmpp:fast:0" "$X13_NOSSDP: SASL2 and FAST offered"
features classic-alice
ok $rc "xsend -vv to $X13_CLASSIC: exit 0" "$err"
like "$f" "<mechanisms xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">" "$X13_CLASSIC: classic SASL offered"
if printf '%s' "$f" | grep -q 'urn:xmpp:sasl:2'; then
	ok 1 "$X13_CLASSIC: no SASL2" "$f"
else
	ok 0 "$X13_CLASSIC: no SASL2"
fi

# --- tests/mitm.py, the man in the middle of the downgrade tests: what
# it strips is gone from what the client sees, on direct TLS and STARTTLS
mitm_start mp --strip-plus
features alice --tls direct --port "$mitmport"
like "$f" "urn:xmpp:sasl:2" "through mitm.py --strip-plus: SASL2 still offered"
if printf '%s' "$f" | grep -q -e '-PLUS<' -e 'sasl-channel-binding'; then
	ok 1 "--strip-plus: no -PLUS mechanism, no sasl-channel-binding" "$f"
else
	ok 0 "--strip-plus: no -PLUS mechanism, no sasl-channel-binding"
fi
like "$(cat "$T/mp.err")" "strip-plus: removed <mechanism>SCRAM-SHA-1-PLUS</mechanism>" \
    "mitm.py says what it stripped"
like "$(cat "$T/mp.err")" "the client chose SCRAM-SHA-1" \
    "mitm.py says which mechanism the client chose"
mitm_stop mp

mitm_start ms --strip-sasl2 --strip-fast
features alice --tls direct --port "$mitmport"
if printf '%s' "$f" | grep -q -e 'urn:xmpp:sasl:2' -e 'urn:xmpp:fast:0'; then
	ok 1 "--strip-sasl2 --strip-fast: neither SASL2 nor FAST" "$f"
else
	ok 0 "--strip-sasl2 --strip-fast: neither SASL2 nor FAST"
fi
like "$f" "<mechanism>SCRAM-SHA-1-PLUS</mechanism>" "classic SASL left as it was"
mitm_stop ms

mitm_start mt --starttls --strip-fast
features alice --port "$mitmport"
like "$f" "urn:xmpp:sasl:2" "mitm.py --starttls: SASL2 offered after STARTTLS"
if printf '%s' "$f" | grep -q 'urn:xmpp:fast:0'; then
	ok 1 "--starttls --strip-fast: no FAST" "$f"
else
	ok 0 "--starttls --strip-fast: no FAST"
fi
mitm_stop mt

# --- nettool delay, the bench's slow link: a login through it, counted
mkfifo "$T/delay.port"
"$XT_NETTOOL" delay 0 "127.0.0.1:$X13_PORT" 5 "$T/delay.count" \
    >"$T/delay.port" &
_bg="$_bg $!"
delaypid=$!
read -r -t 20 delayport <"$T/delay.port"
features alice --port "$delayport"
ok $rc "xsend through nettool delay (5 ms each way): exit 0" "$err"
features alice --port "$delayport"
wait_line "$T/delay.count" '^rtts' 2
read -r _ rtts _ c2s _ s2c _ ms <"$T/delay.count"
[ "$rtts" -ge 3 ] && [ "$c2s" -gt 1000 ] && [ "$s2c" -gt 1000 ]
ok $? "nettool delay counts the round trips and bytes of a login" \
    "$(cat "$T/delay.count")"
# (each round trip 10 ms, and TCP's handshake one more)
[ "$ms" -ge $(( (rtts + 1) * 10 )) ]
ok $? "and holds each turn: $ms ms for $rtts round trips" "$(cat "$T/delay.count")"
is "$(sed -n 2p "$T/delay.count" | cut -d' ' -f1)" rtts \
    "a second connection through it, counted apart"
kill "$delaypid"

# --- every account logs in (all twelve: registered after the config)
fails=
for a in $(sed -n 's/^\[\(.*\)\]$/\1/p' "$X13_CONFIG"); do
	features "$a"
	[ "$rc" -eq 0 ] || fails="$fails $a"
done
is "$fails" "" "all twelve accounts log in"

done_testing
