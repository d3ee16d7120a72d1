# t-errors: every failure a clear message and its documented exit code;
# bad input refused before it can become broken XML; nothing hangs.
. tests/lib.sh

BOB=bob@$XT_DOMAIN

# --- the server says no, or is not there
XMPP_PASSWORD=wrong run xsend --jid "alice@$XT_DOMAIN" -T 5 -m hi "$BOB"
is "$rc" 77 "a wrong password exits 77"
like "$err" "^xsend: authentication as alice@$XT_DOMAIN refused: not-authorized" \
    "and says authentication was refused"

XMPP_PASSWORD=wrong run xlisten --jid "bob@$XT_DOMAIN" -T 5 -c 1
is "$rc" 77 "xlisten: a wrong password exits 77 too"

deadport=$("$XT_NETTOOL" freeport)
run xsend -a alice -T 5 --port "$deadport" -m hi "$BOB"
is "$rc" 69 "no server listening exits 69"
like "$err" "connect to 127.0.0.1 port $deadport: Connection refused" \
    "and names where it tried and why it failed"

# the one message, never sent for want of a login: said, and kept by
# --unsent as it was read, so that xsend <FILE sends it again
run xsend -a alice -T 5 --port "$deadport" --unsent "$T/u1" "$BOB" \
    <<<"stdin alert"
is "$rc" 69 "stdin, no server: still 69"
like "$err" "stdin: not sent: written to --unsent" "saying the message was not sent"
is "$(cat "$T/u1")" "stdin alert" "and --unsent holds it"
run xsend -a alice -T 5 --port "$deadport" --retry 1 -m "$(printf 'first\nsecond')" \
    --unsent "$T/u2" "$BOB"
is "$rc" 69 "-m, no server, --retry 1: 69"
like "$(tail -1 <<<"$err")" "^xsend: -m: not sent: written to --unsent$" \
    "after giving up, -m's text is said not sent"
printf 'first\nsecond\n' | cmp -s - "$T/u2"
ok $? "a message of two lines is kept as read, not as two messages"
listen again -a bob -c 1
run xsend -a alice "$BOB" <"$T/u2"
listener_wait again
is "$rc.$(cut -f2 "$T/again.out")" '0.first\nsecond' "xsend <FILE sends it again, whole"
run xsend -a alice -T 5 --port "$deadport" -m "no unsent" "$BOB"
like "$(tail -1 <<<"$err")" "^xsend: -m: not sent$" "without --unsent, said all the same"
# --unsent that cannot be written: never said to be
run xsend -a alice -T 5 --port "$deadport" -l --unsent /dev/full "$BOB" \
    <<<"to a full disk"
is "$rc" 69 "--unsent /dev/full: the failure's exit (69)"
like "$err" "xsend: --unsent /dev/full: No space left on device" "the write error is said"
like "$err" "1 line read but not sent \\(line 1\\)$" "and the line is named"
! grep -q "written to --unsent" "$T/err"
ok $? "never as written to --unsent"
# a FIFO: written to as it is, its mode left alone; one nobody reads
# is an error, not a hang
# (the reader is this shell, there before xsend opens it: opened
# read-write, which never waits, and read once xsend is done)
mkfifo -m 644 "$T/ufifo"
exec {ufifo}<>"$T/ufifo"
run xsend -a alice -T 5 --port "$deadport" -l --unsent "$T/ufifo" "$BOB" \
    <<<"to a fifo"
got=
read -r -t 5 got <&$ufifo
exec {ufifo}<&-
is "$got" "to a fifo" "--unsent a FIFO: the line goes through it"
is "$(stat -c %a "$T/ufifo")" 644 "and its mode is not changed"
timeout -k 2 10 "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -T 5 --port "$deadport" \
    -l --unsent "$T/ufifo" "$BOB" <<<"nobody reads" 2>"$T/err"
is "$?" 69 "--unsent a FIFO nobody reads: the failure's exit, no hang"
like "$(cat "$T/err")" "--unsent $T/ufifo: No such device or address" "saying why"

# A server that accepts the connection and then says nothing
# (its stdin is held open below; closing it ends the blackhole)
mkfifo "$T/hole.in" "$T/hole.port"
"$XT_NETTOOL" blackhole <"$T/hole.in" >"$T/hole.port" &
exec {hole}>"$T/hole.in"
read -r holeport <"$T/hole.port"
start=$(date +%s)
run xsend -a alice -T 2 --port "$holeport" -m hi "$BOB"
took=$(( $(date +%s) - start ))
is "$rc" 75 "a server that never answers: exit 75"
like "$err" "timed out after 2 s waiting for the login" "saying what it waited for"
[ "$took" -le 12 ]
ok $? "and it gave up within the timeout (took ${took} s for -T 2)"
run xlisten -a bob -T 2 --port "$holeport"
is "$rc" 75 "xlisten too"
exec {hole}>&-

cat >"$T/nocafile" <<EOF
server = 127.0.0.1
port = $XT_PORT
jid = alice@$XT_DOMAIN
password = $XT_PASS
EOF
chmod 600 "$T/nocafile"
run "$XU_BUILD/xsend" -f "$T/nocafile" -T 5 -m hi "$BOB"
is "$rc" 69 "a certificate from an unknown CA is refused (exit 69)"
like "$err" "certificate of $XT_DOMAIN at 127.0.0.1 port $XT_PORT not trusted" \
    "and the message says which certificate and why"

run xsend -a alice -T 5 --cafile /nonexistent/ca.pem -m hi "$BOB"
is "$rc" 78 "an unreadable cafile is a config error before connecting"
like "$err" "cafile /nonexistent/ca.pem: No such file" "naming the file"
# a cafile that is not a file (read twice: once here, once by OpenSSL)
mkfifo "$T/cafifo"
timeout -k 2 10 "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --cafile "$T/cafifo" \
    -m x "$BOB" 2>"$T/err"
is "$?.$(cat "$T/err")" "78.xsend: cafile $T/cafifo: not a regular file" \
    "a cafile FIFO: a config error at once, not a hang"

# --- bounces: the server took the message but could not deliver it
run xsend -a alice -m hi "nobody@$XT_DOMAIN"
is "$rc" 69 "a message to an unknown local user bounces: exit 69"
like "$err" "message 1 to nobody@$XT_DOMAIN bounced: service-unavailable" \
    "the bounce is reported"
run xsend -a alice -m hi "someone@remote.invalid"
is "$rc" 69 "a message to an unreachable domain bounces: exit 69"
like "$err" "bounced: not-allowed" "with the server's reason"
listen multi -a bob -c 1
run xsend -a alice -m "to both" "$BOB" "nobody@$XT_DOMAIN"
is "$rc" 69 "one bounce among several recipients still fails"
listener_wait multi
is "$(cut -f2 "$T/multi.out")" "to both" "while the good recipient gets it"

# --- text XML cannot carry is refused, never sent
listen clean -a bob -c 1
printf 'ok so far\001 then a control character' >"$T/ctl"
run xsend -a alice "$BOB" <"$T/ctl"
is "$rc" 65 "a control character in the body exits 65"
like "$err" "stdin: control character U\\+0001 cannot be sent in XML at byte 10" \
    "naming the character and where it is"
printf 'caf\351 in latin-1' >"$T/latin1"
run xsend -a alice "$BOB" <"$T/latin1"
is "$rc" 65 "invalid UTF-8 exits 65"
like "$err" "stdin: invalid UTF-8 at byte 4" "naming the byte"
run xsend -a alice -m "$(printf 'bell\007')" "$BOB"
is "$rc" 65 "a control character in -m exits 65"
run xsend -a alice -s "$(printf 'sub\033[2J')" -m body "$BOB"
is "$rc" 65 "a control character in -s exits 65"
head -c 70000 /dev/zero | tr '\0' x >"$T/huge"
run xsend -a alice "$BOB" <"$T/huge"
is "$rc" 65 "a 70 kB body exits 65"
like "$err" "longer than 65536 bytes" "saying what the limit is"
head -c 60000 /dev/zero | tr '\0' '&' >"$T/amps"
run xsend -a alice "$BOB" <"$T/amps"
is "$rc" 65 "a body that escaping makes too big exits 65"
like "$err" "stdin: [0-9]+ bytes once escaped for XML, more than 196608" \
    "saying so"
run xsend -a alice "$BOB" </dev/null
is "$rc" 65 "an empty body exits 65"
xsend -a alice -m "marker" "$BOB"
listener_wait clean
is "$(cut -f2 "$T/clean.out")" "marker" "none of the refused messages reached the server"

# --- -l: a bad line is refused alone; the lines around it go
{
	echo "line one"
	printf 'line \001 two\n'
	echo "line three"
	head -c 70000 /dev/zero | tr '\0' y
	echo
	printf 'line \377 five\n'
	echo "line six"
} >"$T/mixed"
listen mixed -a bob -c 3
run xsend -a alice -l "$BOB" <"$T/mixed"
is "$rc" 65 "xsend -l with refused lines exits 65"
like "$err" "line 2: control character U\\+0001" "line 2 is named"
like "$err" "line 4: longer than 65536 bytes, not sent" "line 4 is named"
like "$err" "line 5: invalid UTF-8" "line 5 is named"
listener_wait mixed
is "$(cut -f2 "$T/mixed.out" | tr '\n' ,)" "line one,line three,line six," \
    "the good lines around them were delivered"

# --- stdout that cannot be written: 74, said, in every output format
for f in text json xml; do
	timeout 30 "$XU_BUILD/xlisten" -v -f "$XT_CONFIG" -a bob -c 1 \
	    --format $f >/dev/full 2>"$T/full.err" &
	pid=$!
	wait_line "$T/full.err" "listening as"
	xsend -a alice -m "to a full disk, $f" "$BOB"
	wait "$pid"
	rc=$?
	is "$rc:$(grep -c '^xlisten: stdout: No space left on device$' "$T/full.err")" "74:1" \
	    "xlisten --format $f >/dev/full: exit 74, saying why once"
done
run xlisten -a bob -c 3
is "$(cut -f2 "$T/out" | tr '\n' ,)" "to a full disk, text,to a full disk, json,to a full disk, xml," \
    "what could not be written stayed with the server, for the next listener"
xroster -a alice add "$BOB" 2>/dev/null	# a roster with something in it
for args in "list" "list --format json" "export"; do
	xroster -a alice $args >/dev/full 2>"$T/full.err"
	is "$?:$(cat "$T/full.err")" "74:xroster: stdout: No space left on device" \
	    "xroster $args >/dev/full: exit 74, saying why"
done
printf '{"jid":"%s"}\n' "$BOB" "carol@$XT_DOMAIN" >"$T/want.jsonl"
xroster -a alice import --dry-run <"$T/want.jsonl" >/dev/full 2>"$T/full.err"
is "$?:$(grep -c '^xroster: stdout: ' "$T/full.err")" "74:1" \
    "xroster import --dry-run >/dev/full: exit 74, saying so"
xroster -a alice remove "$BOB" 2>/dev/null	# alice's roster empty again

# --- what the command line gets wrong
run "$XU_BUILD/xsend"
is "$rc" 64 "no recipient exits 64"
like "$err" "^usage: xsend" "and prints the usage"
run xsend -a alice -m hi
is "$rc" 64 "-m without a recipient exits 64"
like "$err" "^xsend: no recipient: name a jid, or a room with -r" \
    "saying what is missing"
# a JID a server's stringprep refuses is bad input, before any login
run xsend -a alice -m hi $'x\xc2\xa0y@'"$XT_DOMAIN"
is "$rc" 65 "a no-break space in a local part: 65, not a bounce (69)"
like "$err" "local part refused by Nodeprep" "saying which profile refused it ($err)"
run xroster -a alice add $'x\xe2\x80\xa8y@'"$XT_DOMAIN"
is "$rc" 65 "xroster add with U+2028 in a local part: 65"
run xsend -a alice -m hi $'x\e[31my@'"$XT_DOMAIN"
is "$rc" 65 "a control character in a recipient: 65"
! grep -q "$(printf '\033')" "$T/err"
ok $? "and the recipient is shown escaped, no raw ESC ($err)"
run xlisten -a alice --from $'\e[2J@'"$XT_DOMAIN"
! grep -q "$(printf '\033')" "$T/err"
ok $? "xlisten --from: the same"
run xsend -a alice -t groupchat -m hi "$BOB"
is "$rc" 64 "-t groupchat to a jid exits 64, as xsend(1) says"
like "$err" "-t groupchat: name rooms with -r, not as recipients" "saying why"
run xsend -a alice --retry forever -m hi "$BOB"
is "$rc" 64 "--retry forever exits 64"
like "$err" "--retry forever: invalid: expected 0 to 1000, or inf" \
    "saying what it takes"
run xlisten -a bob --retry -1
is "$rc" 64 "xlisten --retry -1 exits 64 too"
run "$XU_BUILD/xsend" --bogus x@y
is "$rc" 64 "an unknown option exits 64"
run xsend -a alice -t shout -m hi "$BOB"
is "$rc" 64 "an unknown -t type exits 64"
run xsend -a alice -l -m hi "$BOB"
is "$rc" 64 "-l with -m exits 64"
run xsend -a alice -T 0 -m hi "$BOB"
is "$rc" 64 "-T 0 exits 64"
run xsend -a alice -m hi "not a jid@$XT_DOMAIN"
is "$rc" 65 "a malformed recipient exits 65"
like "$err" "recipient not a jid@$XT_DOMAIN: U\\+0020 not allowed in local part" \
    "saying what is wrong with it"
run "$XU_BUILD/xsend" -h
is "$rc" 0 "-h exits 0"
like "$out" "^usage: xsend" "-h prints the usage on stdout"
run "$XU_BUILD/xsend" --version
like "$rc $out" "^0 xsend \\(xmpputils\\) [0-9]" "--version"
run "$XU_BUILD/xlisten" --format yaml
is "$rc" 64 "xlisten --format yaml exits 64"
run "$XU_BUILD/xlisten" --all
is "$rc" 64 "xlisten --all in text format exits 64"

# --- the config file is wrong
printf 'jid = alice@%s\npasword = x\n' "$XT_DOMAIN" >"$T/typo"
run "$XU_BUILD/xsend" -f "$T/typo" -m hi "$BOB"
is "$rc" 78 "an unknown key exits 78"
is "$err" "xsend: $T/typo:2: unknown key 'pasword'" \
    "naming the file, the line and the key"
run "$XU_BUILD/xsend" -f "$T/typo" --unsent "$T/u3" "$BOB" <<<"read before the config"
is "$rc.$(cat "$T/u3")" "78.read before the config" \
    "with --unsent, the message read before the config failed is kept"
like "$err" "stdin: not sent: written to --unsent" "and said so"
run xsend -a nosuch -m hi "$BOB"
is "$rc" 78 "an unknown account exits 78"
like "$err" "no account \\[nosuch\\]" "naming the account"
printf 'jid = alice@%s\n' "$XT_DOMAIN" >"$T/nopw"
run "$XU_BUILD/xsend" -f "$T/nopw" -m hi "$BOB" </dev/null
is "$rc" 78 "no password and no terminal exits 78"
like "$err" "no password for alice@$XT_DOMAIN" "saying so"
run "$XU_BUILD/xlisten" -f "$T/nopw" </dev/null
is "$rc" 78 "xlisten: likewise"
run "$XU_BUILD/xsend" -f "$T/missing-config" -m hi "$BOB"
is "$rc" 78 "a missing -f file exits 78"

done_testing
