# t-security: no credentials without TLS, certificates checked (or a key
# pinned), passwords kept off argv and out of logs, configs that leak
# refused, and a listener that spoofed stanzas cannot fool.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
ALICE=alice@$XT_DOMAIN

# the key pin of the test server's certificate, as curl would compute it
pin_of() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
	    openssl dgst -sha256 -binary | base64 | sed 's|^|sha256//|'
}
PIN=$(pin_of "$XT_DIR/server.pem")
# the pin as a grep -E pattern: base64 holds '+'
PIN_RE=$(printf '%s' "$PIN" | sed 's/[+]/[+]/g')
OTHERPIN=$(pin_of "$XT_DIR/wrong.pem")

# a config for alice with no cafile: only a pin can make it trust Prosody
nocafile() {
	cat >"$T/nocafile" <<EOF
server = 127.0.0.1
port = $XT_PORT
jid = $ALICE
password = $XT_PASS
$*
EOF
	chmod 600 "$T/nocafile"
}

# start_fake MODE: a scripted server (tests/nettool.c) on $fakeport; its
# report ("N bytes, auth: yes|no") comes from fake_report
start_fake() {
	rm -f "$T/fake.out"
	mkfifo "$T/fake.out"
	"$XT_NETTOOL" fakexmpp "$1" >"$T/fake.out" &
	exec {fakefd}<"$T/fake.out"
	read -r fakeport <&$fakefd
}
fake_report() {
	read -r -t 30 report <&$fakefd
	exec {fakefd}<&-
	echo "$report"
}

# --- a server that offers no STARTTLS gets no credentials
for mode in nostarttls failtls; do
	start_fake "$mode"
	run xsend -a alice -T 5 --port "$fakeport" -m hi "$BOB"
	report=$(fake_report)
	is "$rc" 69 "$mode: xsend refuses to go on (exit 69)"
	case $mode in
	nostarttls) like "$err" "offers no STARTTLS: refusing to log in without TLS" \
	    "nostarttls: and says why";;
	failtls) like "$err" "127.0.0.1 port $fakeport" "failtls: and names the server";;
	esac
	like "$report" "auth: no" "$mode: not a byte of <auth> reached the server ($report)"
done
start_fake nostarttls
run xlisten -a bob -T 5 --port "$fakeport"
report=$(fake_report)
like "$rc $report" "^69 .*auth: no" "xlisten too sends no credentials in clear text"

# --insecure-plaintext is the one way to allow that, and it says so
start_fake nostarttls
run xsend -a alice -T 3 --insecure-plaintext --port "$fakeport" -m hi "$BOB"
report=$(fake_report)
like "$err" "WARNING: --insecure-plaintext" "--insecure-plaintext warns, every time"
like "$report" "auth: yes" "and only then does a plaintext server get the login"

# --- certificates: an unknown CA, the wrong name, expired
nocafile
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 -m hi "$BOB"
like "$rc $err" "^69 .*not trusted: unable to get local issuer" "a self-signed (unknown CA) certificate is refused"
XMPP_PASSWORD=x run xsend --jid "someone@$XT_WRONG" -T 5 -m hi "$BOB"
like "$rc $err" "^69 .*certificate of $XT_WRONG .*not trusted: [Hh]ostname mismatch" \
    "a certificate for another name is refused"
XMPP_PASSWORD=x run xsend --jid "someone@$XT_EXPIRED" -T 5 -m hi "$BOB"
like "$rc $err" "^69 .*certificate of $XT_EXPIRED .*not trusted: certificate has expired" \
    "an expired certificate is refused"

# --- pinning: the key, not the CA
listen pinned -a bob -c 2
nocafile "pin = $PIN"
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 -m "pinned in the config" "$BOB"
is "$rc" 0 "a matching pin is accepted without any CA (pin = in the config)"
nocafile
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 --pin "$OTHERPIN;$PIN" -m "pinned on the command line" "$BOB"
is "$rc" 0 "--pin, with a second pin for a key about to change"
listener_wait pinned
is "$(cut -f2 "$T/pinned.out" | tr '\n' ,)" "pinned in the config,pinned on the command line," \
    "both delivered"
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 -vv --pin "$OTHERPIN" -m hi "$BOB"
is "$rc" 69 "a pin that does not match is refused (exit 69)"
like "$err" "does not match the pin: its key is $PIN_RE" "naming the key it saw"
if grep -q 'SENT: <auth' "$T/err"; then
	ok 1 "and no <auth> was sent"
else
	ok 0 "and no <auth> was sent"
fi
run xsend -a alice -T 5 --pin "sha256//nonsense" -m hi "$BOB"
is "$rc" 64 "a malformed --pin is a usage error"

# --show-cert prints the pin to copy, and logs in no further
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 --show-cert
is "$rc" 0 "--show-cert exits 0, even for a certificate it cannot verify"
like "$out" "pin: $PIN_RE" "--show-cert prints the key's pin, as openssl computes it"
like "$out" "verified: no: unable to get local issuer" "and says it did not verify"
like "$out" "name: $XT_DOMAIN" "and the names in it"
run xlisten -a bob --show-cert
is "$rc:$(echo "$out" | grep '^verified')" "0:verified: yes" \
    "xlisten --show-cert, against the test CA: verified"

# --insecure: loud, and works
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 --insecure -m "insecure" "carol@$XT_DOMAIN"
like "$rc $err" "^0 .*WARNING: --insecure: any certificate is accepted" \
    "--insecure accepts the certificate and says what that means"
listen drain -a carol -c 1
listener_wait drain

# --- direct TLS (XEP-0368) on Prosody's direct TLS port
listen direct -a bob -c 1
run xsend -a alice --tls direct --port "$XT_TLS_PORT" -m "over direct TLS" "$BOB"
is "$rc" 0 "--tls direct: delivered over Prosody's direct TLS port"
listener_wait direct
is "$(cut -f2 "$T/direct.out")" "over direct TLS" "and received"
run xsend -a alice --tls direct --port "$XT_PORT" -T 5 -m x "$BOB"
like "$rc" "^(69|75)$" "direct TLS to a STARTTLS port fails cleanly ($rc)"

# --- a CA file that cannot be read: a config error, before any connection
mkfifo "$T/hole.in" "$T/hole.out"
"$XT_NETTOOL" blackhole <"$T/hole.in" >"$T/hole.out" &
exec {hole}>"$T/hole.in"
exec {holeout}<"$T/hole.out"
read -r holeport <&$holeout
touch "$T/unreadable.pem"
chmod 000 "$T/unreadable.pem"
run xsend -a alice --port "$holeport" --cafile /nonexistent.pem -m x "$BOB"
is "$rc" 78 "a missing cafile: exit 78"
printf 'not a certificate\n' >"$T/notpem"
run xsend -a alice --port "$holeport" --cafile "$T/notpem" -m x "$BOB"
like "$rc $err" "^78 .*not a PEM file of certificates" "a cafile without a certificate: exit 78"
exec {hole}>&-
read -r accepted <&$holeout
is "$accepted" 0 "neither opened a connection"

# --- passwords: password_command, --password-fd, never argv
cat >"$T/cmd" <<EOF
server = 127.0.0.1
port = $XT_PORT
cafile = $XT_CA
jid = $ALICE
password_command = printf '%s\\nsecond line\\n' '$XT_PASS'
EOF
listen pw -a bob -c 2
run "$XU_BUILD/xsend" -f "$T/cmd" -m "via password_command" "$BOB"
is "$rc" 0 "password_command: the first line of its output"
sed -i '/password_command/d' "$T/cmd"
run "$XU_BUILD/xsend" -f "$T/cmd" --password-fd 3 -m "via --password-fd" "$BOB" 3<<<"$XT_PASS"
is "$rc" 0 "--password-fd 3"
listener_wait pw
is "$(cut -f2 "$T/pw.out" | tr '\n' ,)" "via password_command,via --password-fd," \
    "both logged in and delivered"
printf 'password_command = exit 7\n' >>"$T/cmd"
run "$XU_BUILD/xsend" -f "$T/cmd" -m x "$BOB"
is "$rc" 78 "a failing password_command: exit 78"
like "$err" "password_command failed \\(exit status 7\\)" "saying so"
for t in xsend xlisten xraw xroster xping; do
	usage=64
	[ $t = xping ] && usage=2	# as ping(8)
	run "$XU_BUILD/$t" -p "$XT_PASS" "$BOB"
	is "$rc" $usage "$t -p PASSWORD: no such option"
	run "$XU_BUILD/$t" --password "$XT_PASS" "$BOB"
	is "$rc" $usage "$t --password PASSWORD: refused"
	if grep -q -- "$XT_PASS" "$T/err"; then
		ok 1 "and the refusal does not repeat it"
	else
		ok 0 "and the refusal does not repeat it"
	fi
	if "$XU_BUILD/$t" -h | grep -q -- '--password[^-]'; then
		ok 1 "$t's usage offers no password option"
	else
		ok 0 "$t's usage offers no password option"
	fi
done

# --- a client certificate: checked before connecting, then presented
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/client.key" -out "$T/client.pem" -days 1 \
    -subj "/CN=$ALICE" >/dev/null 2>&1
cp "$XT_CONFIG" "$T/cc"
printf '[cc]\njid = %s\npassword = %s\nclient_cert = %s\nclient_key = %s\n' \
    "$ALICE" "$XT_PASS" "$T/client.pem" "$T/client.key" >>"$T/cc"
listen cc -a bob -c 1
run "$XU_BUILD/xsend" -f "$T/cc" -a cc -m "with a client certificate" "$BOB"
is "$rc" 0 "client_cert and client_key: presented, and the login goes on (SCRAM: Prosody offers no EXTERNAL)"
listener_wait cc
sed -i "s|^client_key = .*|client_key = $T/missing.key|" "$T/cc"
run "$XU_BUILD/xsend" -f "$T/cc" -a cc -m x "$BOB"
like "$rc $err" "^78 .*client_key $T/missing.key: No such file" "a client_key that is not there: exit 78"
sed -i "/^client_key = /d" "$T/cc"
run "$XU_BUILD/xsend" -f "$T/cc" -a cc -m x "$BOB"
like "$rc $err" "^78 .*client_cert and client_key go together" "client_cert alone: exit 78"

# --- a config others can read is refused while it holds a password
cp "$XT_CONFIG" "$T/open"
chmod 644 "$T/open"
run "$XU_BUILD/xsend" -f "$T/open" -a alice -m x "$BOB"
like "$rc $err" "^78 .*holds a password and others can read it.*chmod 600 $T/open" \
    "a group- or world-readable config with a password is refused, with the fix"
chmod 640 "$T/open"
run "$XU_BUILD/xlisten" -f "$T/open" -a bob -w 1
is "$rc" 78 "group-readable too, and by xlisten"

# --- -vv shows the exchange, never the password
listen vv -a bob -c 1 -vv
run xsend -a alice -vv -m "verbose" "$BOB"
listener_wait vv
like "$err" "SENT: <auth .*>\\[redacted\\]</auth>" "xsend -vv redacts <auth>"
like "$(cat "$T/vv.err")" "SENT: <response .*>\\[redacted\\]</response>" "xlisten -vv redacts the SCRAM response"
if grep -q -- "$XT_PASS" "$T/err" "$T/vv.err"; then
	ok 1 "the password appears in neither -vv log"
else
	ok 0 "the password appears in neither -vv log"
fi

# --- spoofed carbons and roster pushes do not fool xlisten
# (tests/rawsend sends what our own tools would never forge)
rawsend() {	# rawsend FILE: its lines, a stanza each, as alice
	"$XU_BUILD/rawsend" "$XT_CONFIG" alice <"$1"
}
listen spoof -a bob -c 1 --format json --resource spoofed
cat >"$T/spoof" <<EOF
<message to='$BOB/spoofed' type='chat' id='c1'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='carol@$XT_DOMAIN/x' to='$BOB' type='chat'><body>I am carol, honest</body></message></forwarded></received><body>outer</body></message>
<iq to='$BOB/spoofed' type='set' id='r1'><query xmlns='jabber:iq:roster'><item jid='mallory@evil.test' name='your bank' subscription='both'/></query></iq>
<message to='$BOB/spoofed' type='chat' id='m1'><body>real</body></message>
EOF
rawsend "$T/spoof"
ok $? "alice sends a forged carbon, a forged roster push, then a real message"
listener_wait spoof
is "$(jq -r '(.from | split("/")[0]) + " " + .body' "$T/spoof.out")" \
    "$ALICE real" "xlisten printed only the real message"
like "$(cat "$T/spoof.err")" "ignoring a carbon from $ALICE/[^:]*: not from your own account" \
    "-v reports the forged carbon"
like "$(cat "$T/spoof.err")" "ignoring a roster push from $ALICE/[^:]*: not from your own account" \
    "-v reports the forged roster push"

done_testing
