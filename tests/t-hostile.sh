# t-hostile: a server gone bad (tests/badserver.c, with the test server's
# certificate) gets a clear error, a non-zero exit within the timeout,
# and bounded memory from every tool. Peak RSS is asserted under 24 MB:
# the tools idle at about 8 MB, and a 50 MB stanza must not be kept.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
RSS_MAX=24576	# kB
T_OUT=3		# the tools' --timeout in this file, in seconds

# hostile MODE TOOL ARGS...: runs TOOL (with alice's account and -T 3)
# against a badserver in MODE; sets rc, err, ms (how long it took), kb
# (its peak RSS) and report (what the server says it sent)
hostile() {
	local mode=$1 tool=$2 start fd
	shift 2
	rm -f "$T/bad.out"
	mkfifo "$T/bad.out"
	"$XU_BUILD/badserver" "$mode" "$XT_DIR/server.pem" \
	    "$XT_DIR/server.key" >"$T/bad.out" &
	_bg="$_bg $!"
	exec {fd}<"$T/bad.out"
	read -r port <&$fd
	start=$(date +%s%N)
	timeout 60 "$XT_NETTOOL" peakrss "$T/rss" "$XU_BUILD/$tool" \
	    -f "$XT_CONFIG" -a alice -T "$T_OUT" --port "$port" "$@" \
	    >"$T/out" 2>"$T/err"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	err=$(cat "$T/err")
	kb=$(cat "$T/rss" 2>/dev/null || echo 0)
	read -r -t 30 report <&$fd
	exec {fd}<&-
}

# bounded BOUND_S WHAT: the run took at most BOUND_S seconds, RSS bounded.
# A bound tells giving up from hanging (timeout 60), with room for a slow,
# loaded machine under ASan: how fast is bench/'s to measure
bounded() {
	[ "$ms" -le $(($1 * 1000)) ]
	ok $? "$2: within ${1} s (${ms} ms)"
	case $XU_BUILD in
	*/san)	# ASan's shadow memory and quarantine, not the tool's
		_n=$((_n + 1))
		echo "ok $_n - $2: peak RSS ${kb} kB # SKIP not bounded under ASan";;
	*)	[ "$kb" -gt 0 ] && [ "$kb" -le $RSS_MAX ]
		ok $? "$2: peak RSS ${kb} kB, under $RSS_MAX kB";;
	esac
}

# --- a TLS handshake that never ends: the login's timeout
hostile tlshang xsend -m hi "$BOB"
is "$rc" 75 "TLS handshake never answered: xsend exits 75"
like "$err" "timed out after $T_OUT s" "and says it timed out ($err)"
bounded $((T_OUT + 12)) "TLS hang"

# --- SASL that never answers
hostile saslhang xlisten
is "$rc" 75 "SASL never answered: xlisten exits 75"
like "$err" "timed out after $T_OUT s waiting for" "and says what it waited for"
bounded $((T_OUT + 12)) "SASL hang"

# --- XML that is not well-formed, after login
for tool in xlisten xsend; do
	case $tool in xsend) set -- -m hi "$BOB";; *) set --;; esac
	hostile malformed $tool "$@"
	is "$rc" 69 "malformed XML: $tool exits 69"
	like "$err" "not well-formed" "and says the server's XML is broken ($err)"
	bounded $((T_OUT + 12)) "malformed XML, $tool"
done

# --- a stream error, with the server's text
hostile streamerror xlisten
is "$rc" 75 "a stream error (system-shutdown): xlisten exits 75, worth a retry"
like "$err" "system-shutdown.*going down for a test" \
    "and passes on the condition and the server's text ($err)"
bounded $((T_OUT + 12)) "stream error"

# --- a server's words that would drive a terminal: escaped on stderr
hostile evilerror xlisten
is "$rc" 69 "a stream error with terminal controls in its text: exit 69"
like "$err" 'policy-violation \(csi \\xC2\\x9B2J del \\x7F rlo \\xE2\\x80\\xAEevil\)' \
    "its text is passed on escaped ($err)"
LC_ALL=C grep -q "$(printf '[\177]\|\302\233\|\342\200\256')" "$T/err"
ok $((!$?)) "and not one of those characters raw"

# --- a 50 MB stanza: refused at 1 MB, not buffered
hostile huge xlisten
is "$rc" 69 "a 50 MB stanza: xlisten exits 69"
like "$err" "more than 1024 kB without the end of a stanza" "and says why"
bounded $((T_OUT + 12)) "50 MB stanza"
sent=${report#sent }
sent=${sent%% *}
[ -n "$sent" ] && [ "$sent" -lt $((50 * 1024 * 1024)) ]
ok $? "it stopped reading: the server got only ${sent:-?} bytes of its 50 MB out"

# xraw prints what the server sends: the same limits hold for it
hostile huge xraw -w 30 </dev/null
is "$rc" 69 "a 50 MB stanza: xraw exits 69"
like "$err" "more than 1024 kB without the end of a stanza" "and says why"
hostile malformed xraw -w 30 </dev/null
is "$rc" 69 "malformed XML: xraw exits 69"
# and xping's --trace, which shows what the server offered
hostile huge xping -c 1 --trace
is "$rc" 2 "a 50 MB stanza: xping exits 2, as ping(8) on an error"
like "$err" "more than 1024 kB without the end of a stanza" "and says why"
hostile malformed xping -c 1 --plugin
is "$rc" 2 "malformed XML: CRITICAL for the plugin"
like "$(cat "$T/out")" "^XMPP CRITICAL - .*(login failed|the stream failed [^:]*): .*not well-formed" "with the reason on its status line"

# --- a stanza drip-fed a byte a second: the wait for the confirmation
# is bounded, bytes or not
hostile drip xsend -m hi "$BOB"
is "$rc" 75 "a drip-fed stanza: xsend exits 75"
like "$err" "timed out after $T_OUT s" "and says it timed out ($err)"
bounded $((T_OUT + 12)) "drip-fed stanza"

# --- the same once online: only --keepalive can tell it from a slow
# link, and a sign of life is a whole element, not a byte
hostile dripafter xlisten --keepalive 1
is "$rc" 75 "a drip-fed stanza while listening: xlisten --keepalive 1 exits 75"
like "$err" "no answer in 1 s: the connection is dead" "and says the link is dead ($err)"
bounded 15 "drip-fed stanza, xlisten --keepalive 1"

done_testing
