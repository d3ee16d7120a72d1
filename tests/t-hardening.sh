# t-hardening: promises kept against hostile or careless input: closed
# descriptors 0-2, a password on stdin, a stalled server and signals
# with -l, oversized lines, JIDs in other cases, configs and password
# sources that are unsafe or never answer, secrets in core files, and
# text that would drive a terminal.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
ALICE=alice@$XT_DOMAIN
ROOM=hardening@$XT_MUC

# elapsed ms since $start
since() { echo $(( ($(date +%s%N) - start) / 1000000 )); }

# a config with the server's settings and no password
cat >"$T/nopw" <<EOF
server = 127.0.0.1
port = $XT_PORT
cafile = $XT_CA
EOF
chmod 600 "$T/nopw"

# --- descriptors 0-2 closed at start: never the socket's
start=$(date +%s%N)
(exec >&-; exec "$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -w 30) 2>"$T/err"
rc=$?
is "$rc" 0 "xlisten with stdout closed: exit 0, as for a reader gone"
[ "$(since)" -lt 15000 ]
ok $? "at once, taking nothing ($(since) ms; -w was 30 s)"
listen closed -a bob -c 2
(exec 2>&-; exec "$XU_BUILD/xsend" -f "$XT_CONFIG" -v -a alice -m "stderr closed" "$BOB")
is "$?" 0 "xsend -v with stderr closed: exit 0 (no log onto the TLS stream)"
(exec 0<&-; exec "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -l "$BOB" 2>/dev/null)
is "$?" 65 "xsend -l with stdin closed: an empty input, exit 65 at once (no line)"
(exec 0<&-; exec "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -E -l "$BOB")
is "$?" 0 "and with -E: exit 0"
(exec 0<&-; exec "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice "$BOB") 2>"$T/err"
is "$?" 65 "xsend with stdin closed: an empty message (65), not an I/O error"
like "$(cat "$T/err")" "stdin: empty message" "and it says so"
xsend -a alice -m "marker" "$BOB"
listener_wait closed
is "$(cut -f2 "$T/closed.out" | tr '\n' ,)" "stderr closed,marker," \
    "what was sent with stderr closed arrived, and nothing else"

# --- --password-fd 0 with -l: one line is the password, the rest messages
listen pwfd -a bob -c 2
printf '%s\nline one\nline two\n' "$XT_PASS" |
    env -u XMPP_PASSWORD "$XU_BUILD/xsend" -f "$T/nopw" --jid "$ALICE" \
    --password-fd 0 -l "$BOB" 2>"$T/err"
is "$?" 0 "--password-fd 0 -l: exit 0"
listener_wait pwfd
is "$(cut -f2 "$T/pwfd.out" | tr '\n' ,)" "line one,line two," \
    "the lines after the password were all sent"

# --- -l into a stalled server: -T bounds the wait, and every line read
# or waiting is accounted for
relay_start "$XT_PORT"
seq 2000 | sed 's/^/stalled /' >"$T/lines"

# stalled SIGNAL: xsend -l through the relay, stalled once logged in,
# fed 2,000 lines; with SIGNAL, that signal once the window is full
stalled() {
	local sig=$1 feed
	shift
	rm -f "$T/sfeed" "$T/unsent"
	mkfifo "$T/sfeed"
	"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 3 -v -a alice --port "$relayport" \
	    -l --unsent "$T/unsent" "$@" "$BOB" <"$T/sfeed" 2>"$T/stall.err" &
	sender=$!
	exec {feed}>"$T/sfeed"
	read -r conn <&$rout
	wait_line "$T/stall.err" "stream management enabled"
	echo stall >&$rin
	start=$(date +%s%N)
	cat "$T/lines" >&$feed
	if [ -n "$sig" ]; then
		# 256 sent and none confirmed: waiting for the server now
		wait_line "$T/stall.err" "reading paused"
		start=$(date +%s%N)
		kill -"$sig" "$sender"
	fi
	wait "$sender"
	rc=$?
	took=$(since)
	exec {feed}>&-
	err=$(cat "$T/stall.err")
}

stalled "" --keepalive 30
is "$rc" 75 "-l into a stalled server: exit 75"
[ "$took" -lt 20000 ]
ok $? "after -T 3, not the keepalive's 60 s ($took ms)"
like "$err" "timed out after 3 s waiting for the server to confirm delivery" \
    "saying what it waited for"
like "$err" "256 messages not confirmed by the server \\(lines 1-256\\); written to --unsent" \
    "the lines sent and never confirmed are named"
like "$err" "1744 lines read but not sent \\(lines 257-2000\\): written to --unsent" \
    "and so are the lines read, or waiting, and never sent"
cmp -s "$T/unsent" "$T/lines"
ok $? "--unsent holds all 2,000 lines, in order"
is "$(stat -c %a "$T/unsent")" 600 "--unsent is created mode 0600"

for sig in TERM INT; do
	stalled "$sig" --keepalive 0
	is "$rc" 75 "SIG$sig into a stalled server, --keepalive 0: exit 75"
	[ "$took" -lt 20000 ]
	ok $? "SIG$sig ends it within -T ($took ms after the signal)"
	cmp -s "$T/unsent" "$T/lines"
	ok $? "SIG$sig: --unsent still holds all 2,000 lines"
done
exec {rin}>&-

# --- a signal while reconnecting (the server refuses, in a backoff):
# what was read is reported as for any signal, and the exit is 75
mkfifo "$T/gone.in" "$T/gone.out" "$T/gfeed"
"$XT_NETTOOL" relay "$XT_PORT" <"$T/gone.in" >"$T/gone.out" &
gone=$!
exec {gin}>"$T/gone.in"
exec {gout}<"$T/gone.out"
read -r goneport <&$gout
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -v -a alice --port "$goneport" -l \
    --retry inf --unsent "$T/gone.unsent" "$BOB" <"$T/gfeed" 2>"$T/gone.err" &
sender=$!
exec {feed}>"$T/gfeed"
wait_line "$T/gone.err" "stream management enabled"
kill "$gone"	# its port now refuses connections
wait "$gone" 2>/dev/null
exec {gin}>&- {gout}<&-
printf 'gone 1\ngone 2\ngone 3\n' >&$feed
wait_line "$T/gone.err" "reconnecting in .* (attempt 2)"
kill -TERM "$sender"
wait "$sender"
is "$?" 75 "SIGTERM while reconnecting to a server that refuses: exit 75, not 69"
like "$(cat "$T/gone.err")" "interrupted while reconnecting: connect to 127.0.0.1 port $goneport: Connection refused" \
    "saying it was interrupted, and the last failure"
like "$(cat "$T/gone.err")" "3 lines read but not sent \\(lines 1-3\\): written to --unsent" \
    "the lines read are reported"
is "$(cat "$T/gone.unsent")" "$(printf 'gone 1\ngone 2\ngone 3')" "and kept"
exec {feed}>&-

# --- a line without its newline: sent at the end of input; on a signal,
# named and kept
listen eof -a bob -c 2
printf 'first\nlast, no newline' | xsend -a alice -l "$BOB"
is "$?" 0 "-l: a last line without a newline is sent at the end of input"
listener_wait eof
is "$(cut -f2 "$T/eof.out" | tr '\n' ,)" "first,last, no newline," "both lines arrived"
listen part -a bob -c 1
mkfifo "$T/pfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice -l --unsent "$T/punsent" \
    "$BOB" <"$T/pfeed" 2>"$T/psend.err" &
sender=$!
exec {feed}>"$T/pfeed"
# one write: once the whole line is sent, the part was read with it
printf 'whole\npartial' >&$feed
wait_line "$T/part.out" "whole"
kill -TERM "$sender"
wait "$sender"
is "$?" 75 "SIGTERM with a line read only in part: exit 75, not 0"
like "$(cat "$T/psend.err")" "line 2: read without its end" "the line is named"
like "$(cat "$T/psend.err")" "1 line read but not sent \(line 2\): written to --unsent" \
    "as read and not sent"
is "$(cat "$T/punsent")" "partial" "and --unsent holds it"
exec {feed}>&-
listener_wait part
is "$(cut -f2 "$T/part.out" | tr '\n' ,)" "whole," "the whole line alone was sent"

# a symlink where --unsent is to go is not followed
ln -s "$T/victim" "$T/link"
: >"$T/victim"
mkfifo "$T/lfeed"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 2 -a alice -l --unsent "$T/link" \
    --port "$("$XT_NETTOOL" freeport)" --retry 0 "$BOB" <"$T/lfeed" \
    2>"$T/err" &
sender=$!
# (in a subshell: xsend may exit unread, and SIGPIPE end the writer)
(echo "for the link" >"$T/lfeed")
wait "$sender"
is "$(cat "$T/victim")" "" "--unsent never writes through a symbolic link"

# --- -l: a line too big once escaped is refused alone
listen big -a bob -c 2
{ echo before; head -c 60000 /dev/zero | tr '\0' '&'; echo; echo after; } |
    xsend -a alice -l "$BOB" 2>"$T/err"
is "$?" 65 "-l: a line that escaping makes too big: exit 65"
like "$(cat "$T/err")" "line 2: [0-9]+ bytes once escaped for XML, more than 196608" \
    "naming the line and the size"
listener_wait big
is "$(cut -f2 "$T/big.out" | tr '\n' ,)" "before,after," \
    "the lines around it were delivered"

# --- exactly 65,536 bytes and a newline: a message of 65,536 bytes
listen exact -a bob -c 1
{ head -c 65536 /dev/zero | tr '\0' x; echo; } | xsend -a alice "$BOB"
is "$?" 0 "65,536 bytes and a trailing newline are sent"
listener_wait exact
is "$(cut -f2 "$T/exact.out" | tr -d '\n' | wc -c)" 65536 "all of them arrived"

# --- JIDs as servers compare them
listen upper -a bob --from "ALICE@${XT_DOMAIN^^}" -c 1
xsend -a alice -m "to the upper-case filter" "$BOB"
listener_wait upper
is "$(cut -f2 "$T/upper.out")" "to the upper-case filter" \
    "xlisten --from ALICE@DOMAIN matches alice"
listen room -a carol -r "$ROOM/carol" -c 1
run xsend -a alice -r "Hardening@$XT_MUC" -m "to Hardening"
is "$rc" 0 "xsend -r Room@service: the room's reflection is recognised ($err)"
listener_wait room
is "$(cut -f2 "$T/room.out")" "to Hardening" "and the room got it"

# --- a malformed -r is bad input, found before connecting
dead=$("$XT_NETTOOL" freeport)
for spec in "" "room" "room@$XT_MUC/"; do
	run xsend -a alice --port "$dead" -r "$spec" -m x
	is "$rc" 65 "xsend -r '$spec': 65 before connecting"
	run xlisten -a bob --port "$dead" -r "$spec"
	is "$rc" 65 "xlisten -r '$spec': 65 too"
done

# --- configs and password sources
printf 'server = 127.0.0.1\nport = %s\ncafile = %s\njid = %s\n\rpassword = %s\n' \
    "$XT_PORT" "$XT_CA" "$ALICE" "$XT_PASS" >"$T/cr"
chmod 644 "$T/cr"
run "$XU_BUILD/xsend" -f "$T/cr" -m x "$BOB"
is "$rc" 78 "a readable config whose password line begins with a CR: refused"
like "$err" "holds a password and others can read it" "saying why"
printf 'jid = %s\npassword = PASS\0tail\n[bob]\n' "$ALICE" >"$T/nul"
chmod 600 "$T/nul"
run "$XU_BUILD/xsend" -f "$T/nul" -a bob -m x "$BOB"
is "$rc" 78 "a NUL byte in the config: exit 78"
is "$err" "xsend: $T/nul:2: a NUL byte: not a text file" "naming the line"
cp "$T/nopw" "$T/writable"
printf 'jid = %s\npassword_command = echo %s\n' "$ALICE" "$XT_PASS" >>"$T/writable"
chmod 666 "$T/writable"
run "$XU_BUILD/xsend" -f "$T/writable" -m x "$BOB"
is "$rc" 78 "a config others can write: refused, password or not"
like "$err" "others can write it" "saying why"
printf '%s\n' "$XT_PASS" >"$T/pw"
chmod 644 "$T/pw"
cp "$T/nopw" "$T/pwfile"
printf 'jid = %s\npassword_file = %s\n' "$ALICE" "$T/pw" >>"$T/pwfile"
run "$XU_BUILD/xsend" -f "$T/pwfile" -m x "$BOB"
is "$rc" 78 "a password_file others can read: refused"
like "$err" "password_file $T/pw: others can read it" "saying which"
mkfifo -m 600 "$T/pwfifo"
cp "$T/nopw" "$T/fifo"
printf 'jid = %s\npassword_file = %s\n' "$ALICE" "$T/pwfifo" >>"$T/fifo"
start=$(date +%s%N)
run "$XU_BUILD/xsend" -f "$T/fifo" -T 2 -m x "$BOB"
is "$rc" 78 "a FIFO password_file nobody writes: exit 78"
[ "$(since)" -lt 9000 ]
ok $? "within -T 2 ($(since) ms)"
like "$err" "nothing to read in 2 s" "saying so"
cp "$T/nopw" "$T/slow"
printf 'jid = %s\npassword_command = sleep 30\n' "$ALICE" >>"$T/slow"
start=$(date +%s%N)
run "$XU_BUILD/xsend" -f "$T/slow" -T 2 -m x "$BOB"
is "$rc" 78 "a password_command that never answers: exit 78"
[ "$(since)" -lt 9000 ]
ok $? "within -T 2 ($(since) ms)"
# a config is read as a password is: within -T, a FIFO or a pipe too
mkfifo -m 600 "$T/cfifo" "$T/cgate"
start=$(date +%s%N)
timeout -k 2 10 "$XU_BUILD/xsend" -f "$T/cfifo" -T 2 -m x "$BOB" 2>"$T/err"
is "$?" 78 "a FIFO config nobody writes: exit 78"
[ "$(since)" -lt 9000 ]
ok $? "within -T 2 ($(since) ms)"
is "$(cat "$T/err")" "xsend: $T/cfifo: nothing to read in 2 s" "saying so"
# (the gate: held open here, the pipe's writer waits on it, silent)
exec {gate}<>"$T/cgate"
start=$(date +%s%N)
timeout -k 2 10 "$XU_BUILD/xsend" -f <(exec cat "$T/cgate" {gate}>&-) -T 2 \
    -m x "$BOB" 2>"$T/err"
is "$?" 78 "-f <(a command that never ends): exit 78"
[ "$(since)" -lt 9000 ]
ok $? "within -T 2 ($(since) ms)"
exec {gate}>&-

# --- a signal ends any read a tool makes before its session at once, and
# nothing is sent. Each runs under timeout -k, which passes the signal
# on, and kills a tool that ignores it 2 s later (exit 137).
listen aborted -a bob -c 1

# signalled NAME COMMAND...: COMMAND in the background, as $sender (the
# timeout), its stderr in $T/NAME.err
signalled() {
	local name=$1
	shift
	timeout -k 2 20 "$@" 2>"$T/$name.err" &
	sender=$!
}
# interrupted NAME: SIGTERM to $sender; sets rc and took (ms)
interrupted() {
	start=$(date +%s%N)
	kill -TERM "$sender"
	wait "$sender"
	rc=$?
	took=$(since)
}

# the config: a FIFO, opened (the writer's open returns then) and silent
signalled cfifo "$XU_BUILD/xsend" -f "$T/cfifo" -T 30 -m "config" "$BOB"
exec {w}>"$T/cfifo"
interrupted
is "$rc.$(cat "$T/cfifo.err")" "75.xsend: interrupted: nothing sent" \
    "SIGTERM while reading a FIFO config: 75, saying nothing was sent"
[ "$took" -lt 10000 ]
ok $? "at once, not after -T 30 ($took ms)"
exec {w}>&-
# a password_file FIFO
signalled pwfifo "$XU_BUILD/xsend" -f "$T/fifo" -T 30 -m "password_file" "$BOB"
exec {w}>"$T/pwfifo"
interrupted
is "$rc" 75 "SIGTERM while reading a password_file FIFO: 75"
[ "$took" -lt 10000 ]
ok $? "at once ($took ms)"
exec {w}>&-
# xping: 2, as ping(8) has it for any other error; with --plugin,
# UNKNOWN, as for any signal before the pings were done
for plugin in "" --plugin; do
	timeout -k 2 20 "$XU_BUILD/xping" -f "$T/fifo" -T 30 $plugin \
	    >"$T/xping.out" 2>"$T/xping.err" &
	sender=$!
	exec {w}>"$T/pwfifo"
	interrupted
	exec {w}>&-
	is "$rc" "$([ -n "$plugin" ] && echo 3 || echo 2)" \
	    "xping $plugin: SIGTERM while reading a password_file FIFO"
	[ "$took" -lt 10000 ]
	ok $? "at once ($took ms)"
done
like "$(cat "$T/xping.out")" "^XMPP UNKNOWN - .*interrupted: nothing sent" \
    "--plugin's status line says why"
# a password_command: ended with it
cp "$T/nopw" "$T/pcmd"
printf 'jid = %s\npassword_command = echo $$ >%s; exec sleep 30\n' "$ALICE" \
    "$T/pcmd.pid" >>"$T/pcmd"
: >"$T/pcmd.pid"
signalled pcmd "$XU_BUILD/xsend" -f "$T/pcmd" -T 30 -m "password_command" "$BOB"
wait_line "$T/pcmd.pid" .
interrupted
is "$rc" 75 "SIGTERM while a password_command runs: 75"
[ "$took" -lt 10000 ]
ok $? "at once ($took ms)"
! kill -0 "$(cat "$T/pcmd.pid")" 2>/dev/null
ok $? "and the command is ended with it"
# the whole message, from a pipe that has not ended: more than a pipe
# holds is written, so the write returns only once xsend reads
mkfifo "$T/body"
timeout -k 2 20 "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice \
    --unsent "$T/body.unsent" "$BOB" <"$T/body" 2>"$T/body.err" &
sender=$!
exec {w}>"$T/body"
printf '%65537s' '' | tr ' ' d >&$w
interrupted
is "$rc.$(cat "$T/body.err")" "75.xsend: interrupted: nothing sent" \
    "SIGTERM while the message is read: 75, nothing sent"
[ "$took" -lt 10000 ]
ok $? "at once, not at the end of input ($took ms)"
[ ! -e "$T/body.unsent" ]
ok $? "and a message read in part is not kept for --unsent"
exec {w}>&-

# a login that hangs (a server that accepts and never answers): a signal
# ends it at once, and the message read before it is not sent
mkfifo "$T/hang.in" "$T/hang.port"
"$XT_NETTOOL" blackhole <"$T/hang.in" >"$T/hang.port" &
_bg="$_bg $!"
exec {hole}>"$T/hang.in"
read -r hangport <"$T/hang.port"
signalled hang "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 30 -vv -a alice \
    --port "$hangport" -m "never sent" "$BOB"
wait_line "$T/hang.err" "SENT: <?xml"	# connected: waiting for the server
interrupted
is "$rc" 75 "SIGTERM while logging in: 75"
[ "$took" -lt 10000 ]
ok $? "at once, not after -T 30 ($took ms)"
like "$(cat "$T/hang.err")" "interrupted while logging in" "saying so"
exec {hole}>&-
# the same in the TLS handshake, one blocking call of the library's
# (a server that never answers the ClientHello)
mkfifo "$T/tls.port"
"$XU_BUILD/badserver" tlshang "$XT_DIR/server.pem" "$XT_DIR/server.key" \
    >"$T/tls.port" &
_bg="$_bg $!"
exec {tp}<"$T/tls.port"
read -r tlsport <&$tp
signalled tls "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 30 -vv -a alice \
    --port "$tlsport" -m "never sent" "$BOB"
wait_line "$T/tls.err" "RECV: <proceed"	# the handshake is under way
interrupted
is "$rc" 75 "SIGTERM in a TLS handshake that hangs: 75"
[ "$took" -lt 10000 ]
ok $? "at once, not after -T 30 ($took ms)"
like "$(cat "$T/tls.err")" "interrupted while logging in" "saying so"
exec {tp}<&-

# at a terminal, ^C: a draft, the password prompt, xroster import (a
# tool that ignores it is killed with ptyrun, after 20 s)
"$XU_BUILD/ptyrun" -i "" "a draft I do not want sent" \
    "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice "$BOB" >"$T/tty.out"
is "$?" 75 "^C while xsend reads a draft at the terminal: exit 75"
like "$(cat "$T/tty.out")" "xsend: interrupted: nothing sent" "saying so"
cp "$T/nopw" "$T/prompt"
printf 'jid = %s\n' "$ALICE" >>"$T/prompt"
env -u XMPP_PASSWORD "$XU_BUILD/ptyrun" -i "Password for" "" \
    "$XU_BUILD/xsend" -f "$T/prompt" -m "past the prompt" "$BOB" >"$T/tty.out"
is "$?" 75 "^C at the password prompt: exit 75"
like "$(cat "$T/tty.out")" "xsend: interrupted: nothing sent" "saying so"
env -u XMPP_PASSWORD "$XU_BUILD/ptyrun" -e -q "Password for" "" \
    "$XU_BUILD/xsend" -f "$T/prompt" -m "quit at the prompt" "$BOB" >"$T/tty.out"
is "$?" 131 "^\\ at the password prompt: SIGQUIT kills xsend as usual"
like "$(tail -1 "$T/tty.out")" "echo on$" "and the terminal echoes again"
for dry in "" --dry-run; do
	"$XU_BUILD/ptyrun" -i "" "{\"jid\":\"ctrl-c@$XT_DOMAIN\"}" \
	    "$XU_BUILD/xroster" -f "$XT_CONFIG" -a kate import $dry >"$T/tty.out"
	is "$?" 75 "^C while xroster import $dry reads the terminal: exit 75"
	like "$(cat "$T/tty.out")" "xroster: interrupted: nothing sent" "saying so"
done
run xroster -a kate list
is "$rc.$(grep -c ctrl-c <<<"$out")" 0.0 "and kate's roster did not change"
xsend -a alice -m "after the signals" "$BOB"
listener_wait aborted
is "$(cut -f2 "$T/aborted.out")" "after the signals" \
    "bob got nothing of what the signals ended"

printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n' >"$T/garbage.pem"
run xsend -a alice --cafile "$T/garbage.pem" -m x "$BOB"
is "$rc" 78 "a cafile of garbage in PEM armour: a config error (78)"
like "$err" "cafile $T/garbage.pem: not a PEM file of certificates" "naming it"

# --- the command line
for opt in --pass=SEKRIT --passwd=SEKRIT "--pass SEKRIT"; do
	run "$XU_BUILD/xsend" $opt -m x "$BOB"
	is "$rc" 64 "xsend $opt: a usage error"
	case $err in *SEKRIT*) ok 1 "and the value is not echoed ($err)";;
	*) ok 0 "and the value is not echoed";; esac
done
"$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --show-cert >/dev/full 2>"$T/err"
is "$?" 74 "--show-cert onto a full disk: exit 74"
like "$(cat "$T/err")" "stdout: No space left on device" "saying so"
"$XU_BUILD/xlisten" --version >/dev/full 2>/dev/null
is "$?" 74 "--version onto a full disk: 74 too"
run xsend -a alice -m "$(printf 'del\177')" "$BOB"
is "$rc" 65 "DEL is refused (65)"
like "$err" "control character U\\+007F refused" "saying which"
run xsend -a alice -m "$(printf 'csi \302\233')" "$BOB"
is "$rc" 65 "a C1 control is refused too"

# --- no core file holds the password
mkdir "$T/core"
(cd "$T/core" && ulimit -c unlimited &&
    exec "$XU_BUILD/xlisten" -f "$XT_CONFIG" -v -a bob) 2>"$T/core.err" &
pid=$!
wait_line "$T/core.err" "listening as"
grep -q '^Max core file size *0 *0 ' "/proc/$pid/limits"
ok $? "a logged-in tool allows itself no core file"
kill -SEGV "$pid"
wait "$pid"
is "$(ls "$T/core")" "" "and a crash leaves none"

# --- what the network says is escaped before it reaches a terminal
listen evil -a bob --resource evil --format xml -c 1
printf '%s\n' "<message to='$BOB/evil' type='chat' id='e'><body>del $(printf '\177') csi $(printf '\302\233')2J rlo $(printf '\342\200\256')evil</body></message>" |
    "$XU_BUILD/rawsend" "$XT_CONFIG" alice
listener_wait evil
out=$(cat "$T/evil.out")
like "$out" "del &#x7F; csi &#x9B;2J rlo &#x202E;evil" \
    "--format xml writes DEL, C1 and bidi controls as references"
LC_ALL=C grep -q "$(printf '[\177]\|\302\233\|\342\200\256')" "$T/evil.out"
ok $((!$?)) "and none of them raw"

done_testing
