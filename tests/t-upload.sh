# t-upload: xsend --attach against Prosody's own HTTP File Upload
# (mod_http_file_share, tests/server.sh's upload_start): files of 0 and 1
# byte and 5 MB go up and come down the same; a message and two files
# arrive in order; stdin is a file; and every way an upload can fail (too
# big, refused, an HTTP error, a stall, plain http, no service at all, a
# file that cannot be read, a full disk) fails clearly, with nothing sent.
. tests/lib.sh
. tests/server.sh
trap 'upload_stop; proxy_stop; xt_cleanup' EXIT
upload_start || { ok 1 "upload_start: the upload test bed came up"; done_testing; exit 1; }
echo "# Prosody with HTTP File Upload on 127.0.0.1:$XU_UP_PORT, https $XU_UP_HTTPS, in $XU_UP_DIR"
XT_CONFIG=$XU_UP_CONFIG
export XDG_STATE_HOME=$T/state XDG_RUNTIME_DIR=$T/run
mkdir -m 700 "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
unset XMPP_AGENT_SOCK https_proxy HTTPS_PROXY http_proxy no_proxy NO_PROXY
BOB=bob@files.test
# where what no listener checks goes: alice's own offline store, never
# bob's, whose listeners count what arrives
SINK=alice@files.test

rc_is() {	# rc_is CODE NAME: $rc is CODE; if not, $err says why
	if [ "$rc" = "$1" ]; then ok 0 "$2"; else
		ok 1 "$2" "expected exit $1, got $rc" "$err"; fi
}

# bodies NAME: the bodies of what listener NAME printed (--format xml),
# one a line; oobs NAME: the URLs of their XEP-0066 elements
bodies() { sed -n 's/.*<body>\([^<]*\)<\/body>.*/\1/p' "$T/$1.out"; }
oobs() { sed -n "s/.*<x xmlns='jabber:x:oob'><url>\([^<]*\)<\/url>.*/\1/p" "$T/$1.out"; }

# fetch URL FILE: what the URL serves, into FILE (curl, trusting the CA)
fetch() { curl -sf --cacert "$XU_UP_CA" -o "$2" "$1"; }

# proxy_start: a CONNECT proxy on loopback (tests/proxy.py) that logs the
# tunnels it opens to $T/proxy.log; sets PROXY_PORT
proxy_pid=
proxy_start() {
	mkfifo "$T/proxy.port"
	python3 tests/proxy.py "$T/proxy.log" >"$T/proxy.port" 2>"$T/proxy.err" &
	proxy_pid=$!
	read -r -t 10 PROXY_PORT <"$T/proxy.port"
}
proxy_stop() {
	[ -n "$proxy_pid" ] || return 0
	kill "$proxy_pid" 2>/dev/null
	wait "$proxy_pid" 2>/dev/null
	proxy_pid=
}

head -c 0 /dev/zero >"$T/empty.txt"
printf x >"$T/one.bin"
head -c 5000000 /dev/urandom >"$T/five.bin"
printf 'backup failed at 03:00\nsecond line\n' >"$T/b.log"
head -c 1000 /dev/urandom >"$T/graph.png"

# --- 1. files of 0 bytes, 1 byte and 5 MB go up, and come down the same:
# a receiver (xlisten --format json --download) gets the URL, downloads
# the file and has the same bytes
mkdir -m 700 "$T/dl"
n=0
for f in empty.txt one.bin five.bin; do
	n=$((n + 1))
	listen get$n -a bob -c 1 --format json --download "$T/dl"
	run xsend -a alice -q --attach "$T/$f" "$BOB"
	rc_is 0 "xsend --attach $f: exit 0"
	listener_wait get$n
	ok $? "xlisten --download: exit 0" "$(cat "$T/get$n.err")"
	url=$(jq -r '.oob[0].url' "$T/get$n.out")
	like "$url" "^https://localhost:$XU_UP_HTTPS/.*/$f\$" "$f: its message carries an https URL (XEP-0066)"
	is "$(jq -r .body "$T/get$n.out")" "$url" "$f: its body is the same URL, as clients expect"
	path=$(jq -r '.oob[0].path' "$T/get$n.out")
	is "$path" "$T/dl/$f" "$f: saved under its own name"
	cmp -s "$path" "$T/$f"
	ok $? "$f: the receiver has the same $(wc -c <"$T/$f") bytes"
	is "$(stat -c %a "$path")" 600 "$f: saved 0600"
done

# --- 2. a message and two files: three messages, in that order
listen bob -a bob -c 3 --format xml
run xsend -a alice -m "backup failed on db1" --attach "$T/b.log" --attach "$T/graph.png" "$BOB"
rc_is 0 "-m with two --attach: exit 0"
listener_wait bob
is "$(bodies bob | sed 's|^https://.*/||')" "backup failed on db1
b.log
graph.png" "the text first, then each file, as its own message"
is "$(oobs bob | sed 's|^https://.*/||')" "b.log
graph.png" "only the files' messages carry an oob URL"
fetch "$(oobs bob | sed -n 1p)" "$T/got"
cmp -s "$T/got" "$T/b.log"
ok $? "b.log comes down as it went up"
rm -f "$T/got"

# --- 2b. without -m, the text is stdin's, as without files
listen bob2 -a bob -c 2 --format xml
echo "piped text" | xsend -a alice -q --attach "$T/b.log" "$BOB"
ok $? "text on stdin, a file with --attach: exit 0"
listener_wait bob2
is "$(bodies bob2 | sed 's|^https://.*/||')" "piped text
b.log" "stdin's text first, then the file"

# --- 3. stdin as a file, named with --attach-name
listen bob3 -a bob -c 2 --format xml
printf 'from a pipe\n' | xsend -a alice -q --attach - --attach-name report.txt "$BOB"
ok $? "--attach - --attach-name report.txt: exit 0"
printf 'unnamed\n' | xsend -a alice -q --attach - "$BOB"
ok $? "--attach - without a name: exit 0"
listener_wait bob3
like "$(oobs bob3 | sed -n 1p)" "/report\.txt$" "stdin's file goes by the name given"
like "$(oobs bob3 | sed -n 2p)" "/stdin$" "unnamed, it goes as 'stdin'"
fetch "$(oobs bob3 | sed -n 1p)" "$T/got"
is "$(cat "$T/got")" "from a pipe" "what stdin held is what comes down"
rm -f "$T/got"
run "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -m x --attach - --attach - "$BOB" </dev/null
rc_is 64 "--attach - twice: 64 (stdin is read once)"

# --- 4. failures: each said, with its reason, and nothing sent
listen bob4 -a bob -c 1 --format xml
truncate -s 9M "$T/big.bin"
run xsend -a alice -m "big one" --attach "$T/big.bin" "$BOB"
rc_is 69 "a file over the service's limit: exit 69"
like "$err" "big.bin: 9437184 bytes, and share.files.test takes at most $XU_UP_LIMIT" "saying the size and the limit"
like "$err" "-m: not sent" "saying the text was not sent either"

# fails ACCOUNT PATTERN WHAT: b.log as ACCOUNT is refused, 69, saying so
fails() {
	run xsend -a "$1" -m "$1" --attach "$T/b.log" "$BOB"
	rc_is 69 "$3: exit 69"
	like "$err" "$2" "$3: said, with the server's reason"
}
fails bare "bare.test offers no HTTP File Upload service" "a server without an upload service"
fails picky "b.log: share.picky.test refused a slot: not-acceptable \(File type not allowed\)" "a slot refused"
fails broken "b.log: HTTP 404" "an HTTP error on the PUT"
fails plain "plain http URL \(refused without --insecure\)" "a slot with a plain http PUT URL"

run xsend -a alice -m "two files, one bad" --attach "$T/b.log" --attach "$T/big.bin" "$BOB"
rc_is 69 "two files, the second too big: exit 69"
like "$err" "b.log: uploaded, not sent" "the first, up, is said not sent"

t0=$(date +%s%N)
run xsend -a stall -T 3 -v -m "stalled" --attach "$T/five.bin" "$BOB"
t1=$(( ($(date +%s%N) - t0) / 1000000 ))
rc_is 75 "a PUT that stalls mid-way: exit 75"
like "$err" "five.bin: no progress for 3 s" "saying it stalled, and for how long"
# (the relay lets 1 MiB through, and the socket buffers take some more:
# then nothing moves, and -T counts from there)
ok $(( t1 > 3000 + 7000 )) "failed within -T of the stall, not seconds later: $t1 ms in all"
printf '%s\n' "$err" | grep -q "confirmed by"
ok $(( ! $? )) "-v claims no confirmation for messages never sent"
grep -q stalled "$XU_UP_DIR/run/relay.out"
ok $? "the relay did stall that PUT"

# SIGINT while a PUT hangs: ended at once, 75, nothing sent, the text
# kept in --unsent
n=$(grep -c stalled "$XU_UP_DIR/run/relay.out")
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 60 -a stall -m "interrupted" \
    --attach "$T/five.bin" --unsent "$T/unsent" "$BOB" >/dev/null 2>"$T/int.err" &
pid=$!
wait_line "$XU_UP_DIR/run/relay.out" stalled $((n + 1))
ok $? "the relay stalls the PUT"
kill -INT $pid
wait $pid
is "$?" 75 "SIGINT during the upload: exit 75 at once (not after -T 60)"
like "$(cat "$T/int.err")" "five.bin: interrupted" "saying the upload was interrupted"
is "$(cat "$T/unsent")" "interrupted" "the text goes to --unsent, unsent"

# a PUT cut off mid-way (the relay resets it): 75 (a cut may pass: with
# --queue the file would be kept), with curl's reason
n=$(grep -c stalled "$XU_UP_DIR/run/relay.out")
"$XU_BUILD/xsend" -f "$XT_CONFIG" -T 60 -a stall -m "cut" \
    --attach "$T/five.bin" "$BOB" >/dev/null 2>"$T/cut.err" &
pid=$!
wait_line "$XU_UP_DIR/run/relay.out" stalled $((n + 1))
echo cut >"$XU_UP_DIR/run/relay.in"
wait $pid
is "$?" 75 "a PUT whose connection is reset mid-way: exit 75"
like "$(cat "$T/cut.err")" "five.bin: .*(reset|Send failure|Recv failure|closed)" "saying how it failed"

xsend -a alice -m "marker" "$BOB"
listener_wait bob4
is "$(bodies bob4)" "marker" "none of the failed sends delivered anything"

# --- 5. what cannot be read fails before any login
run "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --port 9 --attach "$T/nonexistent" "$BOB"
rc_is 66 "a file that is not there: exit 66, before any login (port 9 is never tried)"
like "$err" "nonexistent: No such file or directory" "naming it"
run "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --port 9 --attach "$T" "$BOB"
rc_is 66 "a directory: exit 66"
chmod 000 "$T/b.log"
if ! head -c1 "$T/b.log" >/dev/null 2>&1; then
	run "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --port 9 --attach "$T/b.log" "$BOB"
	rc_is 66 "a file we may not read: exit 66"
else
	ok 0 "# SKIP a file we may not read: root reads anything"
fi
chmod 644 "$T/b.log"
mkfifo "$T/fifo"
"$XU_BUILD/ptyrun" -i "" "" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice \
    --port 9 --attach "$T/fifo" "$BOB" >"$T/pty.out" 2>&1
is "$?" 75 "a FIFO nobody writes to, then ^C: exit 75 at once"
like "$(cat "$T/pty.out")" "interrupted" "saying so"
run xsend -a alice --attach "$T/b.log" --attach-name "../etc/x" "$BOB"
rc_is 65 "--attach-name with a '/': exit 65"
run xsend -a alice --attach-name x.txt --attach "$T/b.log" "$BOB"
rc_is 64 "--attach-name before any --attach: exit 64"
run "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -l --attach "$T/b.log" "$BOB" </dev/null
rc_is 64 "-l with --attach: exit 64"

# stdin copied aside into a full TMPDIR: said, nothing sent
mkdir "$T/small"
if mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null; then
	head -c 200000 /dev/zero >"$T/zeros"
	TMPDIR=$T/small run "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --port 9 --attach - "$BOB" <"$T/zeros"
	rc_is 74 "stdin into a full TMPDIR: exit 74, before any login"
	like "$err" "stdin: copying it into $T/small: No space left on device" "saying where and why"
	umount "$T/small"
else
	ok 0 "# SKIP stdin into a full TMPDIR: cannot mount a tmpfs here"
	ok 0 "# SKIP saying where and why"
fi

# --- 6. --insecure takes a plain http slot, loudly
listen bob6 -a bob -c 1 --format xml
run xsend -a plain --insecure -q --attach "$T/b.log" "$BOB"
rc_is 0 "--insecure: a plain http slot is used"
like "$err" "WARNING: --insecure: any certificate" "and the warning says so"
like "$err" "WARNING: --insecure: b.log goes up in clear text" "and that the file goes in clear"
listener_wait bob6
like "$(oobs bob6)" "^http://localhost:$XU_UP_HTTP/" "the URL sent is the plain one"

# --- 7. secrets stay out of -vv; -v never shows the URL
run xsend -a alice -vv --attach "$T/b.log" "$SINK"
rc_is 0 "-vv: exit 0"
like "$err" "b.log > Authorization: \[redacted\]" "the PUT's Authorization header is redacted"
like "$err" "<header name=\"Authorization\">\[redacted\]</header>" "and so is the slot's, in the XML"
printf '%s\n' "$err" | grep -q Bearer
ok $(( ! $? )) "no bearer token anywhere on stderr"
run xsend -a alice -v --attach "$T/b.log" "$SINK"
like "$err" "b.log: 35 bytes up \(text/plain; charset=utf-8\)" "-v says the file is up, and as what"
printf '%s\n' "$err" | grep -q "https://"
ok $(( ! $? )) "-v never shows the URL: it is the message's body, and only there"

# --- 8. a progress bar on a terminal, for a file over 1 MB; never with -q
"$XU_BUILD/ptyrun" "" "" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --attach "$T/five.bin" "$SINK" >"$T/pty.out" 2>&1
ok $? "on a terminal: exit 0"
like "$(tr '\r' '\n' <"$T/pty.out")" "five.bin: 5\.0 MB / 5\.0 MB 100% .*/s" "a progress bar: bytes, percent, rate"
"$XU_BUILD/ptyrun" "" "" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice -q --attach "$T/five.bin" "$SINK" >"$T/pty.out" 2>&1
is "$?:$(cat "$T/pty.out")" "0:" "-q: none"
run xsend -a alice --attach "$T/five.bin" "$SINK"
is "$rc:$err" "0:" "stderr not a terminal: none"
"$XU_BUILD/ptyrun" "" "" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 -a alice --attach "$T/b.log" "$SINK" >"$T/pty.out" 2>&1
is "$?:$(cat "$T/pty.out")" "0:" "a small file: none"

# --- 9. HTTPS_PROXY and NO_PROXY, as curl users expect
proxy_start
HTTPS_PROXY=http://127.0.0.1:$PROXY_PORT run xsend -a alice -q --attach "$T/b.log" "$SINK"
rc_is 0 "HTTPS_PROXY: exit 0"
like "$(cat "$T/proxy.log" 2>/dev/null)" "CONNECT localhost:$XU_UP_HTTPS" "the upload went through the proxy"
: >"$T/proxy.log"
HTTPS_PROXY=http://127.0.0.1:$PROXY_PORT NO_PROXY=localhost run xsend -a alice -q --attach "$T/b.log" "$SINK"
is "$rc:$(cat "$T/proxy.log")" "0:" "NO_PROXY=localhost: straight there"
proxy_stop

# --- 10. through the agent: the slot is asked on the held session
"$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -T 10 >/dev/null 2>"$T/agent.err"
ok $? "xagent for alice is up" "$(cat "$T/agent.err")"
listen bob10 -a bob -c 2 --format xml
run xsend -a alice --agent -v -m "via the agent" --attach "$T/b.log" "$BOB"
rc_is 0 "xsend --agent --attach: exit 0"
like "$err" "via the agent" "it used the agent's session"
listener_wait bob10
is "$(bodies bob10 | sed 's|^https://.*/||')" "via the agent
b.log" "both arrive, in order"
"$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -T 10 -O stop >/dev/null 2>&1

# --- 11. valgrind: no leak, no invalid access on an upload (not under
# SANITIZE=1, which covers that build)
vgrun() {	# vgrun EXPECTED-RC NAME ARGS... (xsend's)
	local want=$1 name=$2 rc
	shift 2
	timeout 120 valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --log-file="$T/vg.log" "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 20 "$@" \
	    >/dev/null 2>"$T/vg.err"
	rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s "$T/vg.log" ]; then
		ok 0 "valgrind: $name"
	else
		ok 1 "valgrind: $name" "exit $rc, wanted $want" "$(cat "$T/vg.log" "$T/vg.err")"
	fi
}
case $XU_BUILD in
*/san) ;;
*)
	vgrun 0 "a message and two files" -a alice -m valgrind \
	    --attach "$T/b.log" --attach "$T/one.bin" "$SINK"
	vgrun 69 "a slot refused" -a picky -m valgrind --attach "$T/b.log" "$SINK"
	vgrun 75 "a PUT stalled" -a stall -T 2 --attach "$T/five.bin" "$SINK"
	;;
esac

done_testing
