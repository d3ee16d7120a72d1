# t-login: the modern login (issue 20) against a real Prosody 13 and the
# suite's Prosody 0.12: SASL2 with Bind2 and stream management inline,
# SCRAM-*-PLUS channel binding, SSDP's downgrade check, FAST tokens (used,
# kept, refused, expired, logged out), the sasl_mechanisms pin, and a man
# in the middle (tests/mitm.py) that strips -PLUS. What is asserted is
# what a user sees: the exit code, the message, xping's JSON login report,
# the token file.
. tests/lib.sh
. tests/server.sh
XT12_CONFIG=$XT_CONFIG
trap 'server13_stop; xt_cleanup' EXIT
server13_skip
echo "# Prosody 13 on 127.0.0.1:$X13_PORT (direct TLS $X13_TLS_PORT), in $X13_DIR"
XT_CONFIG=$X13_CONFIG
export XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_RUNTIME_DIR"

# fresh_state: an empty state directory, no token kept
fresh_state() {
	export XDG_STATE_HOME=$T/state.$RANDOM
	mkdir -m 700 "$XDG_STATE_HOME"
}
fresh_state

# report ACCOUNT [OPTION...]: one login by xping (a ping to the server),
# its JSON login report in rep; rc and err as run sets them
report() {
	local acct=$1
	shift
	run xping -a "$acct" --format json --trace -c 1 "$@"
	rep=$(printf '%s\n' "$out" | grep -m1 '"type":"login"')
}
field() { printf '%s' "$rep" | jq -r ".$1"; }

# --- 1. the matrix: each host, STARTTLS and direct TLS, SASL2 and not
for host in alice s256-alice nossdp-alice classic-alice; do
	for tls in starttls direct; do
		for s2 in yes no; do
			cfg=$T/m.conf
			{ cat "$X13_CONFIG"; printf '[m]\njid = %s\npassword = %s\nsasl2 = %s\nfast = no\n' \
			    "$(sed -n "/^\[$host\]/,/^jid/s/^jid = //p" "$X13_CONFIG")" "$X13_PASS" "$s2"; } >"$cfg"
			chmod 600 "$cfg"
			port=$X13_PORT
			[ $tls = direct ] && port=$X13_TLS_PORT
			run "$XU_BUILD/xping" -f "$cfg" -T 10 -a m --tls $tls --port $port \
			    --format json --trace -c 1
			rep=$(printf '%s\n' "$out" | grep -m1 '"type":"login"')
			want_mech=SCRAM-SHA-1-PLUS want2=true
			[ $host = s256-alice ] && want_mech=SCRAM-SHA-256-PLUS
			[ $host = classic-alice ] || [ $s2 = no ] && want2=false
			is "$rc $(field sasl) $(field sasl2) $(field channel_binding)" \
			    "0 $want_mech $want2 tls-exporter" \
			    "$host, $tls, sasl2 = $s2: logged in with $want_mech bound to tls-exporter"
			if [ $host = alice ] || [ $host = s256-alice ]; then
				is "$(field ssdp)" true "$host, $tls, sasl2 = $s2: SSDP verified the offer"
			else
				is "$(field ssdp)" false "$host, $tls, sasl2 = $s2: no SSDP offered, none claimed"
			fi
		done
	done
done

# --- 2. a message through SASL2 + Bind2: received; the resource is the
# tool's tag; stream management on in the same round trip
listen bob -a bob -c 1
run xsend -a alice --no-fast -vv -m "via sasl2" "bob@$X13_DOMAIN"
is "$rc" 0 "xsend over SASL2 + Bind2: exit 0" "$err"
listener_wait bob
is "$(cut -f2 "$T/bob.out")" "via sasl2" "bob got it"
like "$err" "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1-PLUS'>.*<bind xmlns='urn:xmpp:bind:0'><tag>xsend</tag><enable xmlns='urn:xmpp:sm:3'" \
    "one <authenticate/> asks to bind (tag xsend) and to enable stream management"
like "$err" "logged in as alice@$X13_DOMAIN/xsend~" "the resource is the tool's tag and a suffix"
if printf '%s' "$err" | grep -q "xmpp-bind'>\|<enable xmlns='urn:xmpp:sm:3'/><message\|SENT: <?xml.*from=.*SENT: <?xml.*from="; then
	ok 1 "no second stream, no RFC 6120 bind, no separate <enable/>" "$err"
else
	ok 0 "no second stream, no RFC 6120 bind, no separate <enable/>"
fi

# --- 3. FAST: a token on the first login, no password on the next
fresh_state
pwcfg=$T/pw.conf
{ cat "$X13_CONFIG"; printf '[f]\njid = alice@%s\npassword_command = echo ran >>%s; echo %s\n' \
    "$X13_DOMAIN" "$T/pwran" "$X13_PASS"; } >"$pwcfg"
chmod 600 "$pwcfg"
fping() { run "$XU_BUILD/xping" -f "$pwcfg" -T 10 -a f --format json --trace -c 1 "$@";
	rep=$(printf '%s\n' "$out" | grep -m1 '"type":"login"'); }
fping -vv
issued_err=$err
is "$rc $(field fast)" "0 issued" "first login: by password, a FAST token issued"
is "$(wc -l <"$T/pwran" 2>/dev/null)" 1 "the password_command ran once"
tok=$(ls "$XDG_STATE_HOME"/xmpputils/fast/alice@"$X13_DOMAIN".xping.* 2>/dev/null | grep -v '\.lock$' | head -1)
ok $([ -f "$tok" ]; echo $?) "the token is kept in \$XDG_STATE_HOME/xmpputils/fast" "$(find "$XDG_STATE_HOME" -ls)"
is "$(stat -c %a "$tok") $(stat -c %a "$(dirname "$tok")")" "600 700" "file 0600, directory 0700"
secret=$(sed -n 's/^token //p' "$tok")
like "$secret" "^secret-token:" "the file holds the server's token"
fping -vv
is "$rc $(field fast) $(field sasl) $(field channel_binding)" "0 used HT-SHA-256-EXPR tls-exporter" \
    "second login: the token, bound to this TLS (HT-SHA-256-EXPR)"
is "$(wc -l <"$T/pwran")" 1 "and the password_command did not run"
# the login that was given the token, and the one that used it: the
# token crossed the wire in the first (redacted there), its proof in
# the second; the password in the first
like "$issued_err" "<token token=\"\\[redacted\\]\"" "-vv: the token given, redacted"
if printf '%s\n%s' "$issued_err" "$err" | grep -qF -e "$secret" -e "$X13_PASS"; then
	ok 1 "-vv shows neither the token nor the password"
else
	ok 0 "-vv shows neither the token nor the password"
fi
fping --no-fast
is "$rc $(field fast) $(wc -l <"$T/pwran")" "0 none 2" "--no-fast: the password, no token asked or used"

# with a token, xsend sends <authenticate/> with the stream's header, not
# after the features, and asks for the count with its close: one round
# trip each, fewer (bench/run.sh counts them); the delivery promise holds
run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -m first "alice@$X13_DOMAIN"
is "$rc" 0 "xsend: its first login gets its own token" "$err"
run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -vv -m second "alice@$X13_DOMAIN"
is "$rc" 0 "xsend with its token: exit 0" "$err"
order=$(printf '%s\n' "$err" | sed -n '/RECV: <proceed/,$p' | grep -o -e "SENT: <authenticate" \
    -e "RECV: <features" -e "SENT: </stream:stream>" -e "RECV: <a h=\"1\"" \
    -e "confirmed by the server" | uniq | tr '\n' '|')
is "$order" "SENT: <authenticate|RECV: <features|SENT: </stream:stream>|RECV: <a h=\"1\"|confirmed by the server|" \
    "<authenticate/> before the features came; the close before the count came; confirmed all the same"

# --- 4. a token the server no longer takes: the password once, replaced
sed -i 's/^token .*/token secret-token:fast-forged/' "$tok"
ran=$(wc -l <"$T/pwran")
fping -v
is "$rc" 0 "a refused token: the login still succeeds" "$err"
like "$err" "refused the FAST token" "saying the token was refused"
is "$(wc -l <"$T/pwran")" $((ran + 1)) "with the password, read then"
new=$(sed -n 's/^token //p' "$tok")
ok $([ -n "$new" ] && [ "$new" != secret-token:fast-forged ]; echo $?) "and a new token replaced it"
fping
is "$(field fast) $(wc -l <"$T/pwran")" "used $((ran + 1))" "which the next login uses"

# an expired token is not even tried
sed -i 's/^expiry .*/expiry 1000000000/' "$tok"
fping
is "$rc $(field fast) $(wc -l <"$T/pwran")" "0 issued $((ran + 2))" "an expired token: the password, and a new token"

# a home that cannot be written (ProtectHome=read-only): no FAST, and no
# warning at every run; -v says why
mkdir "$T/rofs"
if mount -t tmpfs -o ro,size=64k tmpfs "$T/rofs" 2>/dev/null; then
	XDG_STATE_HOME=$T/rofs/state run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -m x "alice@$X13_DOMAIN"
	is "$rc:$err" "0:" "a read-only state directory: sent, nothing said"
	XDG_STATE_HOME=$T/rofs/state run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -v -m x "alice@$X13_DOMAIN"
	like "$err" "Read-only file system: not using FAST tokens" "-v says why there is no token"
	umount "$T/rofs"
else
	ok 0 "# SKIP a read-only state directory: cannot mount a tmpfs here"
	ok 0 "# SKIP -v says why there is no token"
fi

# --- 5. logout: the server forgets the token, and the file is gone
cp "$tok" "$T/tok.copy"
ran=$(wc -l <"$T/pwran")
run "$XU_BUILD/xping" -f "$pwcfg" -T 10 -a f --logout
is "$rc" 0 "xping --logout: exit 0" "$err"
like "$out" "2 FAST tokens of alice@$X13_DOMAIN deleted" "saying how many tokens (xping's and xsend's)"
is "$(grep -c '^token ' "$tok")" 0 "the token is gone from its file"
is "$(wc -l <"$T/pwran")" "$ran" "no password needed to log out"
cp "$T/tok.copy" "$tok"
fping -v
like "$err" "refused the FAST token" "the old token, put back, is refused by the server"

# --- 6. sasl_mechanisms: a pin the server does not meet is refused
pin=$T/pin.conf
{ cat "$X13_CONFIG"; printf '[p]\njid = alice@%s\npassword = %s\nsasl_mechanisms = SCRAM-SHA-256-PLUS SCRAM-SHA-512-PLUS\n' \
    "$X13_DOMAIN" "$X13_PASS"; printf '[q]\njid = alice@%s\npassword = %s\nsasl_mechanisms = SCRAM-SHA-256-PLUS\n' \
    "$X13_SHA256" "$X13_PASS"; } >"$pin"
chmod 600 "$pin"
run "$XU_BUILD/xsend" -f "$pin" -T 10 -a p -m x "alice@$X13_DOMAIN"
is "$rc" 77 "pinned to SCRAM-SHA-256-PLUS, a server offering SCRAM-SHA-1(-PLUS): 77"
like "$err" "offers no mechanism sasl_mechanisms allows: it offers .*SCRAM-SHA-1-PLUS" "saying what it offers"
run "$XU_BUILD/xsend" -f "$pin" -T 10 -a q -m x "alice@$X13_SHA256"
is "$rc" 0 "the same pin, a server that offers it: sent" "$err"
{ printf '[plain]\njid = alice@%s\npassword = %s\nsasl_mechanisms = PLAIN\n' "$X13_DOMAIN" "$X13_PASS"
  printf '[sha1]\njid = alice@%s\npassword = %s\nsasl_mechanisms = scram-sha-1\n' "$X13_DOMAIN" "$X13_PASS"; } >>"$pin"
run "$XU_BUILD/xsend" -f "$pin" -T 10 -a plain -m x "alice@$X13_DOMAIN"
is "$rc" 77 "pinned to PLAIN where SCRAM is offered: never PLAIN, 77" "$err"
run "$XU_BUILD/xping" -f "$pin" -T 10 -a sha1 --format json --trace -c 1
rep=$(printf '%s\n' "$out" | grep -m1 '"type":"login"')
is "$rc $(field sasl) $(field channel_binding)" "0 SCRAM-SHA-1 null" \
    "pinned to SCRAM-SHA-1 where -PLUS is offered too: SCRAM-SHA-1, unbound (gs2 n, not y)"
sed 's/^sasl_mechanisms = SCRAM-SHA-256-PLUS SCRAM-SHA-512-PLUS/sasl_mechanisms = SCRAM-SHA-256-PLUX/' "$pin" >"$T/bad.conf"
chmod 600 "$T/bad.conf"
run "$XU_BUILD/xsend" -f "$T/bad.conf" -T 10 -a p -m x "alice@$X13_DOMAIN"
is "$rc" 78 "a mechanism we do not know in sasl_mechanisms: 78"

# a wrong password over SASL2: refused once, with the server's words
XMPP_PASSWORD=wrong run "$XU_BUILD/xsend" -T 10 --jid "alice@$X13_DOMAIN" --server 127.0.0.1 \
    --port "$X13_PORT" --cafile "$X13_CA" --no-fast -vv -m x "alice@$X13_DOMAIN"
is "$rc" 77 "a wrong password over SASL2: 77"
like "$err" "refused: not-authorized \\(.+\\)" "with the server's text (in SASL2's namespace)"
is "$(grep -c 'SENT: </stream:stream>' <<<"$err")" 1 "the <failure/> taken once: one close"

# --- 7. a man in the middle the client trusts, on the path
mitm_start m1
run xsend -a alice --no-fast --tls direct --port "$mitmport" -m x "alice@$X13_DOMAIN"
is "$rc" 77 "a relay with its own certificate: -PLUS's binding does not match, the server refuses" "$err"
mitm_stop m1
mitm_start m2 --strip-plus
run xsend -a alice --no-fast --tls direct --port "$mitmport" -m x "alice@$X13_DOMAIN"
is "$rc" 77 "-PLUS stripped: our gs2 header says y, and a server that binds refuses" "$err"
like "$err" "no -PLUS mechanism reached us.*stripped" "saying -PLUS may have been stripped on the way"
like "$(cat "$T/m2.err")" "the client chose SCRAM-SHA-1 \\(SASL2\\)" "(the client did fall back to SCRAM-SHA-1)"
run xsend -a nossdp-alice --no-fast --tls direct --port "$mitmport" -m x "alice@$X13_NOSSDP"
is "$rc" 77 "the same without SSDP: refused all the same" "$err"
run "$XU_BUILD/xsend" -f "$pin" -T 10 -a q --no-fast --tls direct --port "$mitmport" -m x "alice@$X13_SHA256"
is "$rc" 77 "-PLUS stripped, the account pins -PLUS: refused before any proof is sent" "$err"
like "$err" "offers no mechanism sasl_mechanisms allows" "saying the offer does not meet the pin"
if grep -q "the client chose" "$T/m2.err" && [ "$(grep -c 'the client chose' "$T/m2.err")" -gt 2 ]; then
	ok 1 "nothing sent to the relay for the pinned account" "$(cat "$T/m2.err")"
else
	ok 0 "nothing sent to the relay for the pinned account"
fi
mitm_stop m2
mitm_start m3 --strip-mech OAUTHBEARER
run xsend -a alice --no-fast --tls direct --port "$mitmport" -m x "alice@$X13_DOMAIN"
is "$rc" 69 "an offer changed on the way (a mechanism removed), SSDP on: 69" "$err"
like "$err" "downgrade detected" "saying downgrade detected"
run xsend -a nossdp-alice --no-fast --tls direct --port "$mitmport" -m x "alice@$X13_NOSSDP"
is "$rc" 77 "the same without SSDP: not seen by us; -PLUS's binding fails at the server" "$err"
mitm_stop m3

# --- 8. stream resumption inside SASL2: a cut connection, resumed
relay_start "$X13_PORT"
listen viarelay -a bob --no-fast -vv --port "$relayport" --retry inf
read -r conn <&$rout
echo cut >&$rin
wait_line "$T/viarelay.err" "listening as .*(resumed)"
ok $? "xlisten, its connection cut: reconnects and resumes"
like "$(cat "$T/viarelay.err")" "<authenticate xmlns='urn:xmpp:sasl:2'[^>]*>.*<resume xmlns='urn:xmpp:sm:3' previd=" \
    "the resumption asked for inside SASL2's <authenticate/>"
listener_stop viarelay

# --- 9. Prosody 0.12: the classic path, the gs2 header honest
XT_CONFIG=$XT12_CONFIG report alice
is "$rc $(field sasl2) $(field fast)" "0 false none" "Prosody 0.12: RFC 6120's SASL, no FAST"
like "$(field sasl)" "^SCRAM-SHA-1$" "SCRAM-SHA-1 (no -PLUS offered there)"

# --- 10. TLS 1.2 (an OpenSSL config caps the client): Prosody 0.12
# offers SCRAM-SHA-1-PLUS there for tls-unique alone, which we do not do:
# SCRAM-SHA-1, with n (not y, which such a server refuses)
cat >"$T/tls12.cnf" <<'CNF'
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
CNF
OPENSSL_CONF=$T/tls12.cnf XT_CONFIG=$XT12_CONFIG report alice
is "$rc $(field sasl) $(field tls_version)" "0 SCRAM-SHA-1 TLSv1.2" \
    "Prosody 0.12 over TLS 1.2: logged in, unbound" "$err"
# Prosody 13 over TLS 1.2 lists tls-server-end-point: bound to that
fresh_state
OPENSSL_CONF=$T/tls12.cnf report alice
is "$rc $(field sasl) $(field channel_binding) $(field fast)" \
    "0 SCRAM-SHA-1-PLUS tls-server-end-point issued" \
    "Prosody 13 over TLS 1.2: SCRAM-SHA-1-PLUS bound to tls-server-end-point" "$err"
tok=$(ls "$XDG_STATE_HOME"/xmpputils/fast/alice@"$X13_DOMAIN".xping.0)
is "$(sed -n 's/^mechanism //p' "$tok")" HT-SHA-256-NONE \
    "TLS 1.2, where the server binds FAST to nothing we do: an unbound token"
report alice
is "$rc $(field fast) $(sed -n 's/^mechanism //p' "$tok")" "0 rotated HT-SHA-256-EXPR" \
    "then over TLS 1.3: the unbound token used once, and a bound one asked for in its place"
report alice
is "$(field sasl) $(field channel_binding)" "HT-SHA-256-EXPR tls-exporter" "which the next login uses"

# a refused token whose file cannot be rewritten: the password, still
mkdir "$T/rw"
if mount -t tmpfs -o size=256k tmpfs "$T/rw" 2>/dev/null; then
	XDG_STATE_HOME=$T/rw/state run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -m x "alice@$X13_DOMAIN"
	t=$(ls "$T"/rw/state/xmpputils/fast/alice@"$X13_DOMAIN".xsend.0)
	sed -i 's/^token .*/token secret-token:fast-forged/' "$t"
	mount -o remount,ro "$T/rw"
	XDG_STATE_HOME=$T/rw/state run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -m x "alice@$X13_DOMAIN"
	is "$rc" 0 "a refused token that cannot be deleted: sent with the password" "$err"
	umount "$T/rw"
else
	ok 0 "# SKIP a refused token that cannot be deleted: cannot mount a tmpfs here"
fi

# a password of asterisks, with -vv (the password is masked in the log
# with asterisks: that must end)
"$XT_AS_PROSODY" "$X13_PROSODYCTL" --config "$X13_DIR/prosody.cfg.lua" register star "$X13_DOMAIN" '***' >/dev/null 2>&1 ||
    $X13_PROSODYCTL --config "$X13_DIR/prosody.cfg.lua" register star "$X13_DOMAIN" '***' >/dev/null 2>&1
XMPP_PASSWORD='***' run "$XU_BUILD/xsend" -T 10 --jid "star@$X13_DOMAIN" --server 127.0.0.1 \
    --port "$X13_PORT" --cafile "$X13_CA" --no-fast -vv -m 'a * b' "star@$X13_DOMAIN"
is "$rc" 0 "password '***' and -vv: no endless masking, sent" "$(tail -3 <<<"$err")"

# logout with one token file others can read: the others still logged out
fresh_state
fping
run "$XU_BUILD/xsend" -f "$pwcfg" -T 10 -a f -m x "alice@$X13_DOMAIN"
chmod 640 "$XDG_STATE_HOME"/xmpputils/fast/alice@"$X13_DOMAIN".xping.0
run "$XU_BUILD/xping" -f "$pwcfg" -T 10 -a f --logout
is "$rc" 2 "--logout with a token file others can read: 2" "$err"
like "$out" "^1 FAST token of alice@$X13_DOMAIN deleted" "the other token logged out all the same"
like "$err" "xping.0: .*skipped" "the unsafe one named"

# --- 11. valgrind over the new paths: no leak, no invalid access (not
# under SANITIZE=1, which covers that build)
case $XU_BUILD in
*/san) ;;
*)
	fresh_state
	vgrun() {	# vgrun EXPECTED-RC NAME ARGS... (xsend's)
		local want=$1 name=$2
		shift 2
		valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		    --log-file="$T/vg.log" "$XU_BUILD/xsend" -f "$pwcfg" -T 20 "$@" \
		    >/dev/null 2>"$T/vg.err"
		local rc=$?
		if [ "$rc" -eq "$want" ] && [ ! -s "$T/vg.log" ]; then
			ok 0 "valgrind: $name"
		else
			ok 1 "valgrind: $name" "exit $rc, wanted $want" "$(cat "$T/vg.log" "$T/vg.err")"
		fi
	}
	vgrun 0 "SASL2 + Bind2, a token issued" -a f -m x "alice@$X13_DOMAIN"
	vgrun 0 "the token used" -a f -m x "alice@$X13_DOMAIN"
	t=$(ls "$XDG_STATE_HOME"/xmpputils/fast/alice@"$X13_DOMAIN".xsend.0)
	sed -i 's/^token .*/token secret-token:fast-forged/' "$t"
	vgrun 0 "a token refused, the password then" -a f -m x "alice@$X13_DOMAIN"
	mitm_start m4 --strip-mech OAUTHBEARER
	vgrun 69 "a downgrade detected" -a f --no-fast --tls direct --port "$mitmport" \
	    -m x "alice@$X13_DOMAIN"
	mitm_stop m4
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --log-file="$T/vg.log" "$XU_BUILD/xping" -f "$pwcfg" -T 20 -a f --logout \
	    >/dev/null 2>"$T/vg.err"
	is "$? $(cat "$T/vg.log")" "0 " "valgrind: xping --logout"
	;;
esac

done_testing
