# t-attach-recv: xlisten shows a message's attachments (XEP-0066 oob) in
# JSON, and --download saves them, safely, from an HTTPS server of ours
# (tests/httpsd.py, with a certificate of the suite's CA).
. tests/lib.sh

BOB=bob@$XT_DOMAIN
# the tests' HTTPS server is on loopback: never through a proxy
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

# rawsend the messages given, one stanza each, from alice to bob
oob() {	# oob URL [DESC]: an <x xmlns='jabber:x:oob'/>
	printf "<x xmlns='jabber:x:oob'><url>%s</url>%s</x>" "$1" \
	    "${2:+<desc>$2</desc>}"
}
msg() {	# msg ID BODY XML...: a message to bob
	local id=$1 body=$2
	shift 2
	printf "<message to='%s' type='chat' id='%s'><body>%s</body>%s</message>\n" \
	    "$BOB" "$id" "$body" "$(printf '%s' "$@")"
}
rawsend() { "$XU_BUILD/rawsend" "$XT_CONFIG" alice; }

# ---- JSON: the fields, and records without oob as they were
listen js -a bob -c 4 --format json
{
	msg one "see https://a.example/x.log" "$(oob https://a.example/x.log 'the log')"
	msg two "two" "$(oob https://a.example/1.png)" "$(oob https://a.example/2.png 'second')"
	msg bad "no url" "<x xmlns='jabber:x:oob'><desc>lonely</desc></x>" \
	    "<x xmlns='urn:other'><url>https://a.example/other</url></x>" \
	    "$(oob 'https://a.example/kept')"
	msg none "plain" ""
} | rawsend
listener_wait js
is "$?" 0 "xlisten --format json: four messages"
rec() { sed -n "$1p" "$T/js.out"; }
is "$(rec 1 | jq -c .oob)" '[{"url":"https://a.example/x.log","desc":"the log"}]' \
    "an oob: its url and desc"
is "$(rec 2 | jq -c .oob)" \
    '[{"url":"https://a.example/1.png","desc":null},{"url":"https://a.example/2.png","desc":"second"}]' \
    "two, in order; no desc is null"
is "$(rec 3 | jq -c .oob)" '[{"url":"https://a.example/kept","desc":null}]' \
    "an x without a url, and another namespace's, are skipped"
is "$(rec 4 | jq -c 'has("oob")')" false "a message without one has no oob key"
like "$(rec 4)" '"receipt_requested":false}$' "and its record is as it was"

# ---- an HTTPS server the account's CA vouches for
mkdir "$T/www" "$T/ca"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ca/web.key" -out "$T/ca/web.csr" -subj /CN=127.0.0.1 \
    >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/ca/web.ext"
openssl x509 -req -in "$T/ca/web.csr" -CA "$XT_DIR/ca.pem" \
    -CAkey "$XT_DIR/ca.key" -CAcreateserial -CAserial "$T/ca/ca.srl" \
    -days 2 -extfile "$T/ca/web.ext" -out "$T/ca/web.pem" >/dev/null 2>&1
head -c 300000 /dev/urandom >"$T/www/report.pdf"
head -c 2000000 /dev/urandom >"$T/www/big.bin"
mkfifo "$T/httpsd.port"
python3 tests/httpsd.py --cert "$T/ca/web.pem" --key "$T/ca/web.key" \
    --root "$T/www" >"$T/httpsd.port" 2>"$T/httpsd.err" &
_bg="$_bg $!"
read -r -t 20 port <"$T/httpsd.port"
W=https://127.0.0.1:$port

# ---- --download: what is saved, and where
mkdir -m 700 "$T/inbox"
ln -s "$T/victim" "$T/inbox/planted.txt"
listen dl -a bob -c 11 --format json --download "$T/inbox/" --max-size 1M
{
	msg ok "$W/files/report.pdf" "$(oob "$W/files/report.pdf" report)"
	msg again "again" "$(oob "$W/files/report.pdf")"
	msg dots "dots" "$(oob "$W/x/..%2f..%2fescape.txt")"
	msg enc "enc" "$(oob "$W/x/%2e%2e%2f")"
	msg planted "planted" "$(oob "$W/x/planted.txt")"
	msg big "big" "$(oob "$W/files/big.bin")"
	msg stream "stream" "$(oob "$W/stream?n=2000000")"
	msg plain "plain" "$(oob "http://127.0.0.1:$port/files/report.pdf")"
	msg 404 "404" "$(oob "$W/404")"
	msg tohttp "tohttp" "$(oob "$W/redirect?to=http://127.0.0.1:$port/files/report.pdf")"
	msg two "two" "$(oob "$W/redirect?to=$W/files/report.pdf")" "$(oob "$W/y/two.txt")"
} | rawsend
listener_wait dl
is "$?" 0 "xlisten --download: eleven messages printed"
rec() { sed -n "$1p" "$T/dl.out"; }
path() { rec "$1" | jq -r ".oob[${2:-0}].path"; }
error() { rec "$1" | jq -r ".oob[${2:-0}].error"; }

is "$(path 1)" "$T/inbox/report.pdf" "the path: DIR/NAME, the name from the URL"
cmp -s "$T/www/report.pdf" "$T/inbox/report.pdf"
ok $? "the bytes are the server's"
is "$(stat -c %a "$T/inbox/report.pdf")" 600 "mode 0600"
is "$(rec 1 | jq -c '.oob[0] | [.desc, has("error")]')" '["report",false]' \
    "desc kept, no error"
is "$(path 2)" "$T/inbox/report-1.pdf" "a name taken: name-1.ext"
cmp -s "$T/www/report.pdf" "$T/inbox/report-1.pdf"
ok $? "and the first is untouched, the second whole"
is "$(path 3)" "$T/inbox/_.._escape.txt" "..%2f..%2f: a name in DIR, no directory"
is "$(path 4)" "$T/inbox/_" "%2e%2e%2f: a name in DIR"
is "$(path 5)" "$T/inbox/planted-1.txt" "a symlink at the name: another name"
is "$(readlink "$T/inbox/planted.txt"):$([ -e "$T/victim" ]; echo $?)" \
    "$T/victim:1" "and nothing written through it"
is "$(rec 6 | jq -r '.oob[0] | [.path, .error] | map(tostring) | join(" ")')" \
    "null larger than 1048576 bytes" "over --max-size: an error, no path"
is "$(error 7)" "larger than 1048576 bytes" "also without a Content-Length"
like "$(error 8)" "plain http" "http:// refused without --insecure"
like "$(error 9)" "404" "a 404: an error"
like "$(error 10)" 'redirected to a URL that is not https' "a redirect to http:// refused, saying why"
is "$(path 11 0):$(path 11 1)" "$T/inbox/redirect:$T/inbox/two.txt" \
    "two in a message; an https redirect followed, named from the URL"
is "$(cat "$T/inbox/two.txt")" "hostile" "the second's bytes"
is "$(cd "$T/inbox" && ls -A | sort | tr '\n' ' ')" \
    "_ _.._escape.txt planted-1.txt planted.txt redirect report-1.pdf report.pdf two.txt " \
    "nothing else in DIR: no half file, no temporary one"
is "$(ls -A "$T" | grep -c escape)" 0 "and nothing outside it"
is "$(grep -v ': saved as ' "$T/dl.err" | grep -c '^xlisten: download ')" 5 \
    "each failed download said on stderr"

# ---- text format: the line as ever; failures on stderr, -v the saved
listen tx -a bob -c 1 --download "$T/inbox"
msg t "$W/files/report.pdf" "$(oob "$W/files/report.pdf")" "$(oob "$W/404")" | rawsend
listener_wait tx
is "$(cat "$T/tx.out")" "alice@$XT_DOMAIN/rawsend	$W/files/report.pdf" \
    "text: the line is the sender and the body, as ever"
like "$(cat "$T/tx.err")" "download $W/files/report.pdf: saved as $T/inbox/report-2.pdf" \
    "-v: the saved file"
like "$(cat "$T/tx.err")" "download $W/404: .*404" "a failed one on stderr"

# ---- a sender who drips bytes holds the messages behind for --max-time
# at most, and one who stops for -T
listen drip -a bob -T 2 -c 3 --format json --download "$T/inbox" --max-time 4
{
	msg d1 "drip" "$(oob "$W/drip?every=0.5")"
	msg d2 "stop" "$(oob "$W/drip?every=30")"
	msg d3 "urgent"
} | rawsend
listener_wait drip
is "$?" 0 "xlisten: all three printed"
is "$(sed -n 1p "$T/drip.out" | jq -r '.oob[0].error')" "not done within 4 s" \
    "a drip: cut at --max-time"
is "$(sed -n 2p "$T/drip.out" | jq -r '.oob[0].error')" "no progress for 2 s" \
    "a download that stops: cut after -T"
is "$(sed -n 3p "$T/drip.out" | jq -r .body)" "urgent" "the message behind them printed"
run xlisten -a bob --max-time 5
is "$rc" 64 "--max-time without --download: usage"

# ---- the directory, before any login
run xlisten -a bob --download "$T/nowhere"
is "$rc" 73 "a missing directory: 73"
mkdir -m 770 "$T/shared"
run xlisten -a bob --download "$T/shared"
is "$rc:$err" "73:xlisten: --download $T/shared: others can write in it" \
    "a directory others can write in: refused"
ln -s "$T/inbox" "$T/link"
run xlisten -a bob --download "$T/link"
like "$rc:$err" "^73:.*a symlink" "a symlink: refused"
run xlisten -a bob --download "$T/link/"
like "$rc:$err" "^73:.*a symlink" "a symlink named with a trailing '/': refused too"
run xlisten -a bob --max-size 1M
is "$rc" 64 "--max-size without --download: usage"
run xlisten -a bob --download "$T/inbox" --max-size 1T
is "$rc" 64 "--max-size 1T: usage"

# ---- valgrind on a download (not with SANITIZE=1's ASan)
case $XU_BUILD in
*/san) ok 0 "valgrind: skipped under SANITIZE=1 # SKIP ASan instead";;
*)
	mkfifo "$T/vg.fifo"
	timeout 120 valgrind -q --leak-check=full \
	    --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --log-file="$T/vg.log" "$XU_BUILD/xlisten" -v -f "$XT_CONFIG" \
	    -T 30 -a bob -c 1 --format json --download "$T/inbox" \
	    >"$T/vg.out" 2>"$T/vg.fifo" &
	vgpid=$!
	_bg="$_bg $vgpid"
	exec {vgfd}<"$T/vg.fifo"
	: >"$T/vg.err"
	while IFS= read -r -t 60 line <&$vgfd; do
		printf '%s\n' "$line" >>"$T/vg.err"
		case $line in *"listening as"*) break;; esac
	done
	cat <&$vgfd >>"$T/vg.err" &
	msg vg "vg" "$(oob "$W/files/report.pdf")" "$(oob "$W/404")" | rawsend
	wait "$vgpid"
	vrc=$?
	exec {vgfd}<&-
	if [ "$vrc" -eq 0 ] && [ ! -s "$T/vg.log" ]; then
		ok 0 "valgrind: xlisten --download"
	else
		ok 1 "valgrind: xlisten --download" "exit $vrc" \
		    "$(cat "$T/vg.log" "$T/vg.err")"
	fi;;
esac

done_testing
