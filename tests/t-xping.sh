# t-xping: pings through a real Prosody, ping(8)'s way; the login's
# phases; the plugin's statuses and the Prometheus output, each read by
# what would read it.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
PY=/usr/bin/python3	# Debian's, with python3-prometheus-client

# --- the own server, by default
run xping -a alice -c 3 -i 0.05
is "$rc" 0 "three pings to the own server: exit 0 ($err)"
like "$(sed -n 1p "$T/out")" "^PING $XT_DOMAIN as alice@$XT_DOMAIN/[^ ]+ via 127\\.0\\.0\\.1 port $XT_PORT: login [0-9.]+ ms$" \
    "a header: whom, as whom, via where, the login's time"
is "$(grep -cE "^reply from $XT_DOMAIN: seq=[123] time=[0-9]+\\.[0-9]{3} ms$" "$T/out")" 3 \
    "a reply line for each, ping(8)'s way"
is "$(grep -o 'seq=[0-9]*' "$T/out" | tr '\n' ' ')" "seq=1 seq=2 seq=3 " "in order"
like "$out" "--- $XT_DOMAIN xping statistics ---" "the summary's head"
like "$out" "3 sent, 3 received, 0% loss, time [0-9]+ ms" "counts and loss"
like "$out" "rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms" "and the times"

run xping -a alice -c 2 -i 0.05 -q
is "$rc" 0 "-q: exit 0"
is "$(grep -c '^reply' "$T/out")" 0 "-q: no line a ping"
like "$out" "2 sent, 2 received" "but the summary"

# --- a full JID that is online answers itself
listen bl -a bob --resource pinged
run xping -a alice -c 2 -i 0.05 "$BOB/pinged"
is "$rc" 0 "an online full JID (xlisten): exit 0 ($err)"
is "$(grep -c "^reply from $BOB/pinged: seq=" "$T/out")" 2 "replies from it"
run xping -a alice -c 1 "$BOB"
is "$rc" 0 "a bare JID: the server answers for the account"
like "$out" "reply from $BOB: seq=1" "from the bare JID"
listener_stop bl

# --- what answers with an error is no reply
run xping -a alice -c 2 -i 0.05 "$BOB/gone"
is "$rc" 1 "an offline full JID: exit 1, no reply"
is "$(grep -cE "^error from $BOB/gone: seq=[12] time=[0-9.]+ ms: service-unavailable$" "$T/out")" 2 \
    "each error reply said, with its condition"
like "$out" "2 sent, 0 received, \\+2 errors, 100% loss" "counted as errors, not received"
run xping -a alice -c 1 no-such-domain.test
is "$rc" 1 "an unknown domain: exit 1"
like "$out" "error from no-such-domain.test: seq=1 .*: (remote-server-not-found|not-allowed|service-unavailable)" \
    "with the server's reason ($out)"

# --- a silent path: pings unanswered within -w are lost
relay_start "$XT_PORT"
cat <&$rout >/dev/null &
_bg="$_bg $!"
timeout 30 "$XU_BUILD/xping" -f "$XT_CONFIG" -T 3 -a alice --port "$relayport" \
    -c 3 -i 0.3 -w 0.5 >"$T/stall.out" 2>"$T/stall.err" &
pid=$!
wait_line "$T/stall.out" "^PING "
echo stall >&$rin
wait "$pid"
rc=$?
like "$(cat "$T/stall.out")" "no reply from $XT_DOMAIN: seq=3: timed out after 0\\.5 s" \
    "a ping lost on a stalled link: said so after -w"
like "$(cat "$T/stall.out")" "3 sent, [0-2] received, [0-9]+% loss" "and counted lost"
like "$rc" "^[01]$" "exit 1 if none came back, 0 if one did ($rc)"

# --- a signal ends an endless run with its summary
timeout 30 "$XU_BUILD/xping" -f "$XT_CONFIG" -a alice -i 0.02 >"$T/int.out" 2>&1 &
pid=$!
wait_line "$T/int.out" "seq=3 "
kill -INT "$pid"
wait "$pid"
is "$?" 0 "SIGINT ends an endless run: exit 0 (replies came)"
like "$(cat "$T/int.out")" "[0-9]+ sent, [0-9]+ received" "with the summary"
timeout 30 "$XU_BUILD/xping" -f "$XT_CONFIG" -a alice -i 0.02 2>"$T/head.err" | head -2 >/dev/null
is "${PIPESTATUS[0]}" 0 "xping | head -2: ends, exit 0 ($(cat "$T/head.err"))"

# --- --trace: the login, phase by phase
run xping -a alice -c 1 --trace
is "$rc" 0 "--trace: exit 0"
for ph in dns tcp stream starttls tls stream_tls sasl stream_auth bind sm total; do
	like "$out" "^$ph +[0-9]+\\.[0-9]{3}( |$)" "--trace lists $ph with milliseconds"
done
like "$out" "^tls .* TLSv1\\.[23] [A-Z0-9_-]+$" "the TLS version and cipher"
like "$out" "certificate: subject CN=$XT_DOMAIN; issuer CN=xmpputils test CA; expires in [0-9]+ days?" \
    "the certificate's subject, issuer and days left"
like "$out" "^stream +[0-9.]+  features: starttls\\(required\\)$" "the features before TLS"
like "$out" "^stream_tls .*features: mechanisms\\([A-Z0-9,-]*SCRAM-SHA-1" "the mechanisms offered"
like "$out" "^sasl +[0-9.]+  SCRAM-SHA-1 \\(SASL, no channel binding, SSDP not offered\\)$" \
    "the one chosen, and how: RFC 6120's SASL, Prosody 0.12 binds nothing"
auth=$(printf '%s\n' "$out" | grep '^stream_auth ')
like "$auth" "features: .*bind\\(required\\)" "what the authenticated stream offers: bind"
like "$auth" "features: .*sm:3" "and stream management (in any order)"
run xping -a dave -c 1 --trace --tls direct --port "$XT_TLS_PORT"
is "$rc" 0 "--trace with direct TLS, no stream management: exit 0 ($err)"
like "$out" "^tls " "a TLS phase"
ok $(printf '%s\n' "$out" | grep -cE '^(starttls|stream|sm) ') "and no STARTTLS, first stream or sm phase"
run xping -a alice --port "$("$XT_NETTOOL" freeport)" --trace
is "$rc" 2 "--trace, no server: exit 2"
like "$out" "^tcp +[0-9]+\\.[0-9]{3}  failed: connect to 127\\.0\\.0\\.1 port [0-9]+: Connection refused" \
    "the table says where it failed, and why"

# --- a server that misbehaves after the login (tests/badserver.c)
# bad MODE ARGS...: xping ARGS as alice against a badserver in MODE; sets
# rc, out and err as run does
bad() {
	local mode=$1 fd
	shift
	rm -f "$T/bad.port"
	mkfifo "$T/bad.port"
	"$XU_BUILD/badserver" "$mode" "$XT_DIR/server.pem" "$XT_DIR/server.key" \
	    >"$T/bad.port" &
	_bg="$_bg $!"
	exec {fd}<"$T/bad.port"
	read -r port <&$fd
	run xping -a alice --port "$port" "$@"
	exec {fd}<&-
}
bad evilerror -c 1 --trace
is "$rc" 2 "a stream error right after the login: exit 2"
is "$(printf '%s\n' "$out" | grep -c 'policy-violation (csi \\xC2\\x9B2J del \\x7F rlo \\xE2\\x80\\xAEevil)$')" 1 \
    "--trace: its text escaped once, as on stderr ($err)"
like "$err" 'policy-violation \(csi \\xC2\\x9B2J del \\x7F rlo \\xE2\\x80\\xAEevil\)$' "(stderr)"
said=${err#*stream error: }
bad evilerror -c 1 --trace --format json
is "$(jq -r 'select(.type == "login") | .error' <<<"$out" | sed 's/.*stream error: //')" \
    "$said" "--format json --trace: the same text, once escaped"

# a server without stream management has no sm phase: one that fails
# right after bind failed in no phase of the login (the table's "failed")
bad streamerror -c 1 --trace
is "$(printf '%s\n' "$out" | awk '{ print $1 }' | tr '\n' ' ')" \
    "phase dns tcp stream starttls tls certificate: stream_tls sasl stream_auth bind failed total " \
    "a stream error after bind, no stream management: no sm phase ($out)"
like "$out" "^failed +127\\.0\\.0\\.1 port [0-9]+: stream error: system-shutdown \\(going down for a test\\)$" \
    "the reason on a line of its own"
bad streamerror -c 1 --trace --format json
is "$(jq -r 'select(.type == "login") | [.phases[] | .phase + (if .failed then "!" else "" end)] | join(" ")' <<<"$out")" \
    "dns tcp stream starttls tls stream_tls sasl stream_auth bind" "--format json: the same phases, none failed"

# --- a stream lost in the middle of a check: badserver's shutdownafter
# answers three pings, then shuts down (system-shutdown) in the same
# write. Every format says the stream failed, after how many, and why;
# the 17 pings never sent are lost. -i 0.3: the fourth would wait that
# long after the third, whose answer comes in a millisecond.
gone='127\.0\.0\.1 port [0-9]+: stream error: system-shutdown \(going down for a test\)'
bad shutdownafter --count 20 -i 0.3 --plugin
is "$rc" 2 "--plugin: the stream lost after 3 of 20 pings: CRITICAL, replies or not"
like "$out" "^XMPP CRITICAL - $XT_DOMAIN: the stream failed after 3 of 20 pings sent, 3 answered: $gone; rtt [0-9.]+ ms, 85% loss, login [0-9.]+ ms[|]" \
    "how many were sent and answered, and why it ended, on the status line ($out)"
like "$out" "[|]rtt=[0-9.]+ms;;;0 loss=85%;" "loss counts the pings never sent"
bad shutdownafter --count 20 -i 0.3
is "$rc" 2 "text: exit 2"
like "$out" "^3 sent, 3 received, 17 unsent, 85% loss, time [0-9]+ ms$" "text: the pings never sent, in the loss"
like "$out" "^the stream failed after 3 of 20 pings sent, 3 answered: $gone$" "text: and why they were not"
bad shutdownafter --count 20 -i 0.3 --format json
is "$(jq -r 'select(.type == "summary") | "\(.sent) \(.received) \(.unsent) \(.loss_percent) \(.stream_failed | test("system-shutdown"))"' <<<"$out")" \
    "3 3 17 85 true" "json: sent, received, unsent, loss, and why"
bad shutdownafter --count 20 -i 0.3 --format prometheus
is "$("$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families as p
m = {s.name: s.value for f in p(sys.stdin.read()) for s in f.samples}
print(m["xmpp_probe_success"], m["xmpp_ping_sent"], m["xmpp_ping_received"], m["xmpp_ping_unsent"])' <<<"$out" 2>&1)" \
    "0.0 3.0 3.0 17.0" "prometheus: the probe failed; sent, received, unsent"

# the same through the real server, its connection cut once the login
# is over (by the relay of the stall above: new connections pass)
timeout 30 "$XU_BUILD/xping" -f "$XT_CONFIG" -T 10 -a alice -v --port "$relayport" \
    --plugin --count 20 -i 0.2 >"$T/cut.out" 2>"$T/cut.err" &
pid=$!
wait_line "$T/cut.err" "stream management enabled"
echo cut >&$rin
wait "$pid"
is "$?" 2 "--plugin, the connection cut after the login: CRITICAL ($(cat "$T/cut.err"))"
out=$(cat "$T/cut.out")
like "$out" "^XMPP CRITICAL - $XT_DOMAIN: the stream failed (before the first ping|after [0-9]+ of 20 pings sent, [0-9]+ answered): 127\\.0\\.0\\.1 port $relayport: [^;|]*(lost|closed)" \
    "saying so on the status line ($out)"
answered=$(sed -n 's/.* of 20 pings sent, \([0-9]*\) answered.*/\1/p' <<<"$out")
like "$out" "[|]rtt=[^ ]* loss=$(( (20 - ${answered:-0}) * 100 / 20 ))%;" \
    "its loss counts every ping of the 20 that got no answer"

# a signal before the pings are done: the check did not finish, and
# the status line says so
timeout 30 "$XU_BUILD/xping" -f "$XT_CONFIG" -T 10 -a alice -v --plugin --count 50 -i 0.1 \
    >"$T/sig.out" 2>"$T/sig.err" &
pid=$!
wait_line "$T/sig.err" "stream management enabled"
kill -TERM "$pid"
wait "$pid"
is "$?" 3 "--plugin, SIGTERM in the middle of the check: UNKNOWN"
like "$(cat "$T/sig.out")" "^XMPP UNKNOWN - $XT_DOMAIN: interrupted (before the first ping|after [0-9]+ of 50 pings sent, [0-9]+ answered)[;,]" \
    "saying so, and after how many pings"

# --- a server that accepts and never answers: the failed phase and the
# whole login take the time they took (-T 1), in every format
mkfifo "$T/hole.in" "$T/hole.port"
"$XT_NETTOOL" blackhole <"$T/hole.in" >"$T/hole.port" &
_bg="$_bg $!"
exec {hole}>"$T/hole.in"
read -r holeport <"$T/hole.port"
for f in text json prometheus plugin; do	# at once: a second in all
	case $f in plugin) set -- --plugin;; *) set -- --format $f --trace;; esac
	timeout 30 "$XU_BUILD/xping" -f "$XT_CONFIG" -a alice -T 1 \
	    --port "$holeport" "$@" >"$T/hole.$f" 2>"$T/hole.$f.err" &
	eval "hole_$f=\$!"
done
for f in text json prometheus plugin; do eval "wait \$hole_$f"; eval "hole_rc_$f=\$?"; done
exec {hole}>&-
is "$hole_rc_text" 2 "a server that never answers: exit 2"
like "$(cat "$T/hole.text")" "^stream +(9[0-9]{2}|[1-4][0-9]{3})\\.[0-9]{3}  failed: .*timed out after 1 s" \
    "--trace: the phase it hung in, with the second it took"
is "$(awk '$1 == "total" { print ($2 >= 900 && $2 < 10000) }' "$T/hole.text")" 1 \
    "and the whole login's real time, not the phases' that ended"
is "$(jq -r '[.success, (.phases[-1] | .phase, .failed, .ms >= 900), .total_ms >= 900, (.error | test("timed out"))] | join(" ")' "$T/hole.json")" \
    "false stream true true true true" \
    "--format json --trace: the login object says so too"
is "$("$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families as p
m = {s.labels.get("phase"): s.value for f in p(sys.stdin.read()) for s in f.samples if s.name == "xmpp_login_seconds"}
print(m.get("stream", 0) >= 0.9, m["total"] >= 0.9)' <"$T/hole.prometheus")" "True True" \
    "--format prometheus: the phase it failed in, and the total, as they took"
is "$hole_rc_plugin" 2 "--plugin: CRITICAL"
like "$(cat "$T/hole.plugin")" "^XMPP CRITICAL - $XT_DOMAIN: login failed: .*timed out after 1 s waiting for the login, after (9[0-9]{2}|1[0-9]{3})\\.[0-9] ms[|]login=U;;;0$" \
    "its real time on the status line; login=U, as the login never finished"

# --- --format json: one object per ping, then the summary
run xping -a alice -c 2 -i 0.05 --format json --trace
is "$rc" 0 "--format json: exit 0"
printf '%s\n' "$out" | jq -e . >/dev/null
ok $? "every line is JSON"
is "$(printf '%s\n' "$out" | jq -r .type | tr '\n' ' ')" "login ping ping summary " \
    "a login object (--trace), a ping each, a summary"
is "$(printf '%s\n' "$out" | jq -r 'select(.type=="ping") | "\(.seq) \(.result) \(.time_ms > 0)"' | tr '\n' ,)" \
    "1 reply true,2 reply true," "each ping's seq, result and time"
is "$(printf '%s\n' "$out" | jq -r 'select(.type=="summary") | "\(.sent) \(.received) \(.loss_percent) \(.rtt_ms.avg > 0)"')" \
    "2 2 0 true" "the summary's counts"
is "$(printf '%s\n' "$out" | jq -r 'select(.type=="login") | [.phases[].phase] | join(" ")')" \
    "dns tcp stream starttls tls stream_tls sasl stream_auth bind sm" "the login's phases"
run xping -a alice -c 1 --format json "$BOB/gone"
is "$(printf '%s\n' "$out" | jq -r 'select(.type=="ping") | "\(.result) \(.error)"')" \
    "error service-unavailable" "an error reply in JSON"

# --- --format prometheus, read by Prometheus' own parser
run xping -a alice -c 2 -i 0.05 --format prometheus
is "$rc" 0 "--format prometheus: exit 0"
cat >"$T/prom.py" <<'PY'
import sys, time
from prometheus_client.parser import text_string_to_metric_families
m = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        m[(s.name, tuple(sorted(s.labels.items())))] = s.value
def get(name, **labels):
    return m[(name, tuple(sorted(labels.items())))]
t = sys.argv[1]
print("success", get("xmpp_probe_success", target=t))
print("sent", get("xmpp_ping_sent", target=t), "received", get("xmpp_ping_received", target=t))
print("rtt", get("xmpp_ping_rtt_seconds", target=t, stat="avg") > 0)
print("phases", " ".join(l[0][1] for (n, l) in m if n == "xmpp_login_seconds"))
print("total", get("xmpp_login_seconds", phase="total") > 0)
exp = [v for (n, l), v in m.items() if n == "xmpp_cert_expiry_timestamp_seconds"]
print("cert", len(exp) == 1 and exp[0] > time.time())
PY
"$PY" "$T/prom.py" "$XT_DOMAIN" <"$T/out" >"$T/prom.txt" 2>&1
is "$?" 0 "the Prometheus parser reads it ($(cat "$T/prom.txt"))"
is "$(cat "$T/prom.txt")" "success 1.0
sent 2.0 received 2.0
rtt True
phases dns tcp stream starttls tls stream_tls sasl stream_auth bind sm total
total True
cert True" "probe success, counts, rtt, login phases, certificate expiry"
run xping -a alice --format prometheus --port "$("$XT_NETTOOL" freeport)"
is "$rc" 2 "prometheus, no server: exit 2"
is "$(printf '%s\n' "$out" | "$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families as p
print([s.value for f in p(sys.stdin.read()) for s in f.samples if s.name == "xmpp_probe_success"])')" \
    "[0.0]" "but still the metrics: xmpp_probe_success 0"

# --- --plugin: a check for Nagios and its kin
perf_ok() {	# the perfdata after '|', as the development guidelines define it
	printf '%s\n' "$1" | "$PY" -c '
import re, sys
line = sys.stdin.read().rstrip("\n")
assert "\n" not in line, "one line"
status, perf = line.split("|", 1)
rx = re.compile(r"^([^ =\x27]+|\x27[^\x27]+\x27)=(U|-?[0-9.]+(us|ms|s|%|B|KB|MB|TB|c)?)(;([0-9.:~@-]*)){0,4}$")
labels = []
for item in perf.split(" "):
    m = rx.match(item)
    assert m, item
    labels.append(m.group(1))
print(" ".join(labels))'
}
run xping -a alice --plugin --warning 5000 --critical 10000
is "$rc" 0 "--plugin within thresholds: exit 0 (OK)"
like "$out" "^XMPP OK - $XT_DOMAIN: rtt [0-9.]+ ms, 0% loss, login [0-9.]+ ms, certificate expires in [0-9]+ days?\\|" \
    "one status line"
is "$(perf_ok "$out")" "rtt loss login cert_days" "parseable perfdata: rtt, loss, login, cert_days"
like "$out" "\\|rtt=[0-9.]+ms;5000;10000;0 " "rtt with its thresholds"
run xping -a alice --plug -c 10000 -w 5000
is "$rc:$(cut -c1-8 "$T/out")" "0:XMPP OK " "--plug, getopt's abbreviation, is --plugin too (its old -c, -w thresholds)"
is "$(cat "$T/err")" "$(printf '%s\n' \
    "xping: -w with --plugin is deprecated: use --warning (see NEWS)" \
    "xping: -c with --plugin is deprecated: use --critical (see NEWS)")" \
    "the old -w and -c of --plugin still work for a release, and say what replaces them"
like "$out" "\\|rtt=[0-9.]+ms;5000;10000;0 " "as the thresholds they were"
run xping -a alice --plugin --warning 5000 -w 1
is "$rc" 3 "--plugin with -w and --warning: UNKNOWN, not a guess"
run xping -a alice --plugin --warning 0 --critical 10000
is "$rc" 1 "rtt above -w: exit 1 (WARNING)"
like "$out" "^XMPP WARNING - $XT_DOMAIN: rtt [0-9.]+ ms > 0 ms" "saying why"
run xping -a alice --plugin --warning 0 --critical 0
is "$rc" 2 "rtt above -c: exit 2 (CRITICAL)"
like "$out" "^XMPP CRITICAL - " "CRITICAL"
run xping -a alice --plugin --cert-warning 100000 --cert-critical 0
is "$rc" 1 "a certificate inside --cert-warning: WARNING"
like "$out" "certificate expires in [0-9]+ days? \\(< 100000\\)" "saying so"
like "$out" " cert_days=[0-9]+;100000:;0:$" "cert_days with its thresholds, as ranges"
run xping -a alice --plugin --cert-critical 100000
is "$rc" 2 "inside --cert-critical: CRITICAL"
run xping -a alice --plugin --count 2 -i 0.05 --warning 5000,10% --critical 10000,50% "$BOB/gone"
is "$rc" 2 "no reply: CRITICAL"
like "$out" "^XMPP CRITICAL - $BOB/gone: no reply: service-unavailable; 100% loss" "with the reason"
is "$(perf_ok "$out")" "rtt loss login cert_days" "perfdata still parseable"
like "$out" "\\|rtt=U;5000;10000;0 loss=100%;" "no reply, no round trip: rtt=U, not 0"

# --- an entity's error text is no perfdata of its own
evil='down|rtt=0.001ms;1;2;0 cert_days=999;30:;7:'$'\n''more'$'\xe2\x80\xa8''end'
"$XU_BUILD/iqtool" "$XT_CONFIG" bob refuser refuse undefined-condition "$evil" 1 \
    >"$T/refuse.out" 2>"$T/refuse.err" &
_bg="$_bg $!"
wait_line "$T/refuse.err" serving
run xping -a alice --plugin "$BOB/refuser"
is "$rc" 2 "a ping answered with an error: CRITICAL"
is "$(printf '%s\n' "$out" | wc -l)" 1 "one line, whatever the error's text holds"
is "$(perf_ok "$out")" "rtt loss login cert_days" "the perfdata are ours alone ($out)"
like "$out" "no reply: undefined-condition \\(down¦rtt=0\\.001ms;1;2;0 cert_days=999;30:;7:\\\\nmore\\\\xE2\\\\x80\\\\xA8end\\); 100% loss" \
    "its text still readable: '|' a broken bar, line breaks escaped"
run xping -a alice --plugin --port "$("$XT_NETTOOL" freeport)"
is "$rc" 2 "a login failure: CRITICAL"
like "$out" "^XMPP CRITICAL - $XT_DOMAIN: login failed: connect to 127\\.0\\.0\\.1 port [0-9]+: Connection refused" \
    "with the reason on the status line"
run xping -a alice --plugin --warning bogus
is "$rc" 3 "a bad threshold: exit 3 (UNKNOWN)"
is "$out" "XMPP UNKNOWN - --warning bogus: not a round-trip time in ms" \
    "its status line says why: Nagios shows no stderr"
run xping -a alice --plugin --no-such-option
is "$rc" 3 "a bad option under --plugin: UNKNOWN"
like "$out" "^XMPP UNKNOWN - --no-such-option: unknown" "with a status line that says so"
run xping -a alice --plugin --count 0
is "$rc:$out" "3:XMPP UNKNOWN - --count 0: too small" "a bad count, from the library's parser: the same, named as given"
run "$XU_BUILD/xping" --plugin -f /nonexistent
is "$rc" 3 "a missing config file: UNKNOWN, not CRITICAL"
like "$out" "^XMPP UNKNOWN - .*/nonexistent: No such file or directory$" \
    "the real reason on the status line ($out)"
run "$XU_BUILD/xping" --plugin -f "$T/no"$'\n'"such"
is "$rc:$out" "3:XMPP UNKNOWN - -f: $T/no\\nsuch: a control character, or not UTF-8, in the file's name" \
    "a line break in what a message quotes: the whole message, the break as \\n"
run xping -a alice --plugin one.test two.test
is "$rc:$out" "3:XMPP UNKNOWN - two.test: one target at most" \
    "a bad command line's message, not the synopsis after it"
printf 'jid = alice@%s\npasword = x\n' "$XT_DOMAIN" >"$T/typo.conf"
chmod 600 "$T/typo.conf"
run "$XU_BUILD/xping" -f "$T/typo.conf" --plugin
is "$rc:$out" "3:XMPP UNKNOWN - $T/typo.conf:2: unknown key 'pasword'" \
    "a config error: UNKNOWN, with the file's line"
run xping -a alice --plugin --cafile /nonexistent/ca.pem
like "$rc:$out" "^3:XMPP UNKNOWN - $XT_DOMAIN: cafile /nonexistent/ca.pem: No such file" \
    "an unreadable cafile: the same"
printf 'jid = x@%s\npassword = x\nserver = 127.0.0.1\nport = %s\ncafile = %s\n' \
    "$XT_EXPIRED" "$XT_PORT" "$XT_CA" >"$T/expired.conf"
chmod 600 "$T/expired.conf"
run "$XU_BUILD/xping" -f "$T/expired.conf" --plugin
is "$rc" 2 "an expired certificate: CRITICAL"
like "$out" "^XMPP CRITICAL - $XT_EXPIRED: login failed: certificate .*not trusted" "saying so"

# --- stdout that cannot be written: 74, said, whatever the output
for mode in "-c 1" "-c 1 -q" "-c 1 --trace" "-c 1 --format json" \
    "-c 1 --format json --trace" "--format prometheus" "--plugin"; do
	xping -a alice $mode >/dev/full 2>"$T/full.err"
	is "$?:$(cat "$T/full.err")" "74:xping: stdout: No space left on device" \
	    "xping $mode >/dev/full: exit 74, saying why"
done
# the same for what ends --plugin before its check: a bad option,
# threshold, count or target (their message first, then stdout's)
for mode in "--bogus" "-w bad" "--count 0" "bad@@jid"; do
	xping -a alice --plugin $mode >/dev/full 2>"$T/full.err"
	is "$?:$(sed -n '$p' "$T/full.err")" "74:xping: stdout: No space left on device" \
	    "xping --plugin $mode >/dev/full: exit 74, saying why"
done

# --- bad input
run xping -a alice -c 1 'bad@@jid'
is "$rc" 2 "a malformed target: exit 2, as ping(8)"
like "$err" "target bad@@jid: " "naming it"
run xping -a alice -c 0
is "$rc" 2 "-c 0: exit 2"
run xping -a alice -i nonsense
is "$rc" 2 "a bad interval: exit 2"
run xping -a alice --bogus
is "$rc" 2 "an unknown option: exit 2"
run xping -a alice --warning 10
is "$rc" 2 "--warning without --plugin: exit 2"
run xping -a alice -c 1 -w 10
is "$rc" 0 "-w is the wait for each reply, as --wait"
run xping -a alice -c 1 -W 10
is "$rc:$err" "0:xping: -W is deprecated: use -w (see NEWS)" "-W, its old spelling, works for a release and says so"
run xping -a alice -c 1 -w 10 --wait 10
is "$rc" 2 "-w and --wait at once: exit 2"
run xping -a alice --format yaml
is "$rc" 2 "an unknown format: exit 2"

done_testing
