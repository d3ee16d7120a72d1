# t-family: one flag vocabulary across the tools: a letter means one
# thing everywhere, --help says it, the old spellings still work for a
# release and say what replaces them; -a default; xsend -E.
. tests/lib.sh

TOOLS=$(sed -n 's/^TOOLS = //p' Makefile)
BOB=bob@$XT_DOMAIN

# --- one meaning a letter: "-x, --long" in every --help that has -x
for t in $TOOLS; do
	"$XU_BUILD/$t" --help >"$T/help.$t"
	ok $? "$t --help: exit 0"
	is "$(tail -1 "$T/help.$t")" "The manual: man $t (and xmpputils(7), xmpputils.conf(5))" \
	    "$t --help ends with where the manual is"
	[ "$("$XU_BUILD/$t" -h | wc -l)" -lt "$(wc -l <"$T/help.$t")" ]
	ok $? "$t -h is the short usage, shorter than --help"
done
pairs=$(cat "$T"/help.* | grep -o '^  -[a-zA-Z], --[a-z-]*' | sort -u)
is "$(printf '%s\n' "$pairs" | cut -c3-4 | uniq -d)" "" \
    "no letter has two long names across the tools ($(echo $pairs))"
for pair in "-c, --count" "-w, --wait" "-t, --type" "-r, --room" "-q, --quiet" \
    "-a, --account" "-f, --config" "-T, --timeout" "-v, --verbose"; do
	grep -qxF -- "  $pair" <<<"$pairs"
	ok $? "$pair is the one meaning of ${pair%%,*}"
done
is "$(grep -l -- '^  -n,' "$T"/help.* | wc -l)" 0 "-n means nothing now (it was a count and a name)"

# --- the old spellings: they work, once, and say what replaces them
listen old -a bob -n 1 --reconnect
xsend -a alice -m "to the old spelling" "$BOB"
listener_wait old
is "$?" 0 "xlisten -n 1 still stops after one message"
like "$(cat "$T/old.err")" "xlisten: -n is deprecated: use -c \\(see NEWS\\)" "and says -c replaces it"
like "$(cat "$T/old.err")" "xlisten: --reconnect is deprecated: use --retry inf" "--reconnect says --retry inf"
run xlisten -a bob -n 1 -n 1 -w 1
is "$(grep -c deprecated <<<"$err")" 1 "said once however often it is given"
run "$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -s
is "$rc:$(head -1 <<<"$err")" "1:xagent: -s is deprecated: use -O status (see NEWS)" "xagent -s: still asks (none runs: 1), and says -O status"
run "$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice --stop
like "$err" "^xagent: --stop is deprecated: use -O stop" "xagent --stop says -O stop"
run "$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -O restart
is "$rc" 64 "xagent -O with an unknown command: 64"
like "$err" "-O restart: expected status or stop" "naming the two"
run xroster -a alice add -n "Bob B" "$BOB"
is "$rc:$err" "0:xroster: -n is deprecated: use --name (see NEWS)" "xroster add -n still names, and says --name"
run xroster -a alice --format json
like "$out" '"name":"Bob B"' "the name is the one -n gave"
run xroster -a alice remove "$BOB"
run "$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -O stop -s
is "$rc:$(tail -1 <<<"$err")" "64:xagent: -O status and -O stop: one of them" \
    "xagent -O stop -s: two actions in two spellings, a usage error"

# --- an error about a value names the option as it was typed
s="must be seconds, 0.001 to 86400"
for c in "xping --wait 0:--wait 0: $s" "xping --wait=0:--wait 0: $s" \
    "xping -W 0:-W 0: $s" "xping -w0:-w 0: $s" \
    "xlisten --count 0:--count 0: too small" "xlisten -n 0:-n 0: too small" \
    "xlisten -qc0:-c 0: too small" "xlisten --cou=0:--cou 0: too small" \
    "xsend --timeout x -m x $BOB:--timeout x: not a whole number" \
    "xroster --wait x:--wait x: not a whole number" "xraw -w x:-w x: not a whole number"; do
	set -- ${c%%:*}
	tool=$1
	shift
	run "$XU_BUILD/$tool" -f "$XT_CONFIG" -a alice "$@"
	usage=64
	[ "$tool" = xping ] && usage=2	# ping(8)'s
	is "$rc:$(tail -1 <<<"$err")" "$usage:$tool: ${c#*:}" "${c%%:*}: $usage, naming ${c#*:}"
done
run "$XU_BUILD/xlisten" -f "$XT_CONFIG" -a alice -c "$(printf '1\033[2J')"
is "$rc:$err" '64:xlisten: -c 1\x1B[2J: not a whole number' "the value escaped, never raw to the terminal"
# whatever is typed is said escaped: unknown options, names of files,
# an account, a command (E: an escape, and C1's CSI)
E=$(printf 'x\033[2J\302\233')
Es='x\x1B[2J\xC2\x9B'
for t in $TOOLS; do
	run "$XU_BUILD/$t" "--$E"
	is "$(head -1 <<<"$err")" "$t: --$Es: unknown, ambiguous, or given a value it does not take" \
	    "$t: an unknown long option, escaped"
	run "$XU_BUILD/$t" "$(printf -- '-\033')"
	is "$(head -1 <<<"$err")" "$t: -\x1B: unknown option" "$t: an unknown letter, escaped"
	more=
	[ "$t" = xsend ] && more="-m x $BOB"
	run "$XU_BUILD/$t" -f "$E" -a alice $more
	usage=78
	[ "$t" = xping ] && usage=2
	is "$rc:$err" "$usage:$t: -f: $Es: a control character, or not UTF-8, in the file's name" \
	    "$t -f: a config's name it could not say as it is: refused ($usage)"
done
run xsend -a "$E" -m x "$BOB"
is "$rc:$err" "78:xsend: $XT_CONFIG: no account [$Es]" "-a: the account escaped"
run "$XU_BUILD/xroster" "$E"
is "$rc:$(head -1 <<<"$err")" "64:xroster: $Es: no such command" "xroster: a command escaped"
run xsend -a alice --cafile "$E" -m x "$BOB"
is "$rc:$err" "78:xsend: cafile: $Es: a control character, or not UTF-8, in its name" \
    "--cafile: refused by name, before it is opened"
run xsend -a alice --resource "$E" -m x "$BOB"
is "$rc:$err" "78:xsend: resource $Es: U+001B not allowed in resource" "--resource: escaped"
run xsend -a alice --unsent "$T/$E" -m x "$BOB"
is "$rc:$err" "64:xsend: --unsent: $T/$Es: a control character, or not UTF-8, in the file's name" \
    "--unsent: refused before a login, not once a message is lost"
run xlisten -a bob --download "$T/$E" -w 1
is "$rc:$err" "73:xlisten: --download: $T/$Es: a control character, or not UTF-8, in the directory's name" \
    "--download: refused (73), as a directory it cannot use"
mkdir "$T/$E"
run xsend -a alice --attach "$T/$E" --attach-name d -m x "$BOB"
is "$rc:$err" "66:xsend: $T/$Es: a directory, not a file" "--attach: a file's name escaped"
rmdir "$T/$E"
# --show-cert connects: with what logs in nowhere, a usage error
run "$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -O status --show-cert
is "$rc:$err" "64:xagent: --show-cert and -O: one at a time" "xagent -O status --show-cert: 64, no crash"
run xsend -a alice --list-queue --show-cert
is "$rc:$err" "64:xsend: --show-cert and --list-queue: one at a time" "xsend --list-queue --show-cert: 64"

# --- -a default: the keys before the first section have a name
{
	sed -n '/^\[/q;p' "$XT_CONFIG"
	printf 'jid = alice@%s\npassword = %s\n' "$XT_DOMAIN" "$XT_PASS"
	sed -n '/^\[bob\]/,$p' "$XT_CONFIG"
} >"$T/def.conf"
chmod 600 "$T/def.conf"
listen def -a bob -c 2 --format json
"$XU_BUILD/xsend" -f "$T/def.conf" -a default -m "from -a default" "$BOB"
is "$?" 0 "xsend -a default sends as the default account"
"$XU_BUILD/xsend" -f "$T/def.conf" -m "from no -a" "$BOB"
is "$?" 0 "as without -a"
listener_wait def
is "$(jq -r '.from' "$T/def.out" | cut -d/ -f1 | sort -u)" "alice@$XT_DOMAIN" "both from the default's jid"
printf '[default]\njid = x@%s\n' "$XT_DOMAIN" >>"$T/def.conf"
run "$XU_BUILD/xsend" -f "$T/def.conf" -a bob -m x "$BOB"
is "$rc" 78 "a [default] section: 78, whichever account is asked for"
like "$err" "def.conf:[0-9]+: \\[default\\] is the name of the keys before the first section" "saying why"
run "$XU_BUILD/xsend" -f "$XT_CONFIG" -a default -m x "$BOB"
is "$rc:$err" "78:xsend: no account: set jid in $XT_CONFIG, XMPP_JID, or --jid" \
    "-a default where the keys before the first section name no jid: 78"

# --- xsend -E: nothing to say is no error, and no login
dead=$("$XT_NETTOOL" freeport)
run xsend -a alice -E --port "$dead" "$BOB" </dev/null
is "$rc:$err" "0:" "-E, stdin empty: exit 0, no login (the server's port is closed)"
run xsend -a alice -E -v --port "$dead" "$BOB" </dev/null
is "$rc:$err" "0:xsend: -E: stdin is empty: nothing sent" "-v says so"
printf '\n\n\r\n' >"$T/blank"
run xsend -a alice -E -l --port "$dead" "$BOB" <"$T/blank"
is "$rc:$err" "0:" "-E -l, only empty lines: exit 0, no login"
run xsend -a alice -E --attach - --port "$dead" "$BOB" </dev/null
is "$rc:$err" "0:" "-E --attach -, stdin empty: no file either, no login"
# a line of CRs alone is empty, to -E and -E -l alike, and to -l
printf '\r\r\n\r\n\r' >"$T/crs"
run xsend -a alice -E -l --port "$dead" "$BOB" <"$T/crs"
is "$rc:$err" "0:" "-E -l, lines of CRs alone: exit 0, no login"
run xsend -a alice -E --port "$dead" "$BOB" <"$T/crs"
is "$rc:$err" "0:" "-E, the same: exit 0 too"
run xsend -a alice -l "$BOB" <"$T/crs"
is "$rc:$err" "65:xsend: stdin: no lines, nothing sent" "-l skips them: no lines (65)"
run xsend -a alice --port "$dead" "$BOB" <"$T/crs"
is "$rc:$err" "65:xsend: stdin: empty message, nothing sent" \
    "and so does xsend without -l: an empty message (65), no login"
head -c 70000 /dev/zero | tr '\0' '\n' >"$T/nls"
run xsend -a alice -E --port "$dead" "$BOB" <"$T/nls"
is "$rc:$err" "0:" "-E, 70,000 newlines: as empty as one (0, no login)"
run xsend -a alice --port "$dead" "$BOB" <"$T/nls"
is "$rc:$err" "65:xsend: stdin: empty message, nothing sent" "without -E: empty (65), not too long"
# a flood of empty lines is dropped as it is read, not held
head -c 100000000 /dev/zero | tr '\0' '\n' >"$T/flood"
timeout 60 "$XT_NETTOOL" peakrss "$T/flood.rss" "$XU_BUILD/xsend" \
    -f "$XT_CONFIG" -a alice -E -l --port "$dead" "$BOB" <"$T/flood" 2>"$T/flood.err"
is "$?:$(cat "$T/flood.err")" "0:" "-E -l, 100 MB of empty lines: exit 0, no login"
case $XU_BUILD in
*/san) echo "ok $((_n += 1)) - and memory: # SKIP not bounded under ASan";;
*)	[ "$(cat "$T/flood.rss")" -lt 16384 ]
	ok $? "in bounded memory ($(cat "$T/flood.rss") kB)";;
esac
rm -f "$T/flood"
# --queue: the queue takes what the server cannot, so stdin decides
XDG_STATE_HOME=$T/qs run xsend -a alice -l --queue --port "$dead" "$BOB" </dev/null
is "$rc" 65 "-l --queue, empty stdin, the server down: 65, as with it up"
like "$err" "stdin: no lines, nothing sent" "saying so"
is "$(XDG_STATE_HOME=$T/qs xsend -a alice --list-queue)" "" "and nothing is queued"
XDG_STATE_HOME=$T/qs run xsend -a alice -E -l --queue --port "$dead" "$BOB" </dev/null
is "$rc:$err" "0:" "with -E: 0, no login"
printf 'bad \001\n' >"$T/bad"
XDG_STATE_HOME=$T/qs run xsend -a alice -l --queue --port "$dead" "$BOB" <"$T/bad"
is "$rc" 65 "-l --queue, the server down, every line refused: 65, as with it up"
like "$err" "line 1: .*not queued" "saying which line"
is "$(XDG_STATE_HOME=$T/qs xsend -a alice --list-queue)" "" "and nothing is queued"
run xsend -a alice --port "$dead" "$BOB" </dev/null
is "$rc:$err" "65:xsend: stdin: empty message, nothing sent" "without -E, empty stdin is an error (65), before any login"
run xsend -a alice -l "$BOB" </dev/null
is "$rc:$err" "65:xsend: stdin: no lines, nothing sent" "and so with -l: the two agree"
listen e -a bob -c 3
printf 'one\n' | xsend -a alice -E "$BOB"
is "$?" 0 "-E with a message sends it"
printf '\n\nlate\n' | xsend -a alice -E -l "$BOB"
is "$?" 0 "-E -l sends the lines after the empty ones"
xsend -a alice -E -m "-m is no stdin" "$BOB" </dev/null
is "$?" 0 "-E -m: -m is sent, stdin unread"
listener_wait e
is "$(cut -f2 "$T/e.out" | tr '\n' ' ')" "one late -m is no stdin " "all three arrived"
# the empty lines -E -l drops before the login still count
{ printf '\n\n'; head -c 70000 /dev/zero | tr '\0' x; printf '\n'; } >"$T/long"
run xsend -a alice -E -l "$BOB" <"$T/long"
is "$rc:$err" "65:xsend: line 3: longer than 65536 bytes, not sent" \
    "-E -l: an overlong third line after two empty ones is line 3"
run xsend -a alice -E --flush
is "$rc" 64 "-E with --flush: a usage error"

# --- SIGHUP (the terminal or the ssh session gone) ends a tool as SIGTERM
# does; started with it ignored (nohup), the tool keeps it ignored
listen hup -a bob
eval "hpid=\$_pid_hup"
kill -HUP "$hpid"
listener_wait hup
is "$?" 0 "SIGHUP: xlisten closes and exits 0, as on SIGTERM"
like "$(cat "$T/hup.err")" "stream closed" "after closing the stream"
: >"$T/nohup.err"
(trap '' HUP; exec "$XU_BUILD/xlisten" -v -f "$XT_CONFIG" -T 10 -a bob -c 1 \
    >"$T/nohup.out" 2>"$T/nohup.err") &
npid=$!
wait_line "$T/nohup.err" "listening as"
kill -HUP "$npid"
xsend -a alice -m "still there" "$BOB"
wait "$npid"
is "$?:$(cut -f2 "$T/nohup.out")" "0:still there" "under nohup, SIGHUP is ignored: the message after it is printed"

done_testing
