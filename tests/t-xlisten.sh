# t-xlisten: -n and -w, filters, formats, signals and a closed stdout.
. tests/lib.sh

BOB=bob@$XT_DOMAIN

# -w with nothing arriving: exit 1, nothing printed
run xlisten -a bob -w 1
is "$rc" 1 "-w 1 with no message exits 1"
is "$out" "" "and prints nothing"

# -w with a message: exit 0 once -n is reached, long before -w runs out
listen waited -a bob -w 60 -c 1
xsend -a alice -m "within the wait" "$BOB"
listener_wait waited
is "$?" 0 "-w 60 -c 1 exits 0 as soon as the message is printed"
is "$(cut -f2 "$T/waited.out")" "within the wait" "and printed it"

# -n stops after exactly COUNT messages
listen two -a bob -c 2
xsend -a alice -l "$BOB" <<'EOF2'
first
second
third
EOF2
listener_wait two
is "$(cut -f2 "$T/two.out" | tr '\n' ,)" "first,second," "-n 2 prints exactly two"
# The third came while xlisten was leaving: it neither printed nor
# acknowledged it, so the server kept it for the next login, once.
listen third -a bob -c 1 -w 30
listener_wait third
is "$(cut -f2 "$T/third.out")" "third" "what -n left unprinted is printed next time"
run xlisten -a bob -w 1
is "$rc:$out" "1:" "and what was printed is not printed again"

# -n in a room: the room still lets us go cleanly after the count
listen roomn -a carol -r "ops@$XT_MUC/carol" -c 1
xsend -a alice -r "ops@$XT_MUC" -l <<'EOF2'
room one
room two
EOF2
listener_wait roomn
is "$?:$(cut -f2 "$T/roomn.out")" "0:room one" "-n 1 in a room exits 0 after one"

# --from and -t filter
listen filtered -a bob -c 1 --from "carol@$XT_DOMAIN" -t headline
xsend -a alice -t headline -m "from alice" "$BOB"
xsend -a carol -t chat -m "chat from carol" "$BOB"
xsend -a carol -t headline -m "headline from carol" "$BOB"
listener_wait filtered
is "$(cut -f2 "$T/filtered.out")" "headline from carol" \
    "--from and -t print only what matches both"

# --format xml: one stanza a line, even for a multi-line body
listen xml -a bob -c 1 --format xml
printf 'two\nlines & <markup>' | xsend -a alice "$BOB"
listener_wait xml
is "$(wc -l <"$T/xml.out")" 1 "--format xml: one line per stanza"
like "$(cat "$T/xml.out")" "^<message .*<body>two&#10;lines &amp; &lt;markup&gt;</body>.*</message>$" \
    "the body escaped, the newline as a character reference"

# JSON that jq accepts, control characters escaped
listen ctl -a bob -c 1 --format json
# (sent raw: xsend itself refuses DEL and C1)
printf "<message to='%s' type='chat' id='ctl'><body>del \177 c1 \302\205 tab\t end</body></message>\n" "$BOB" |
    "$XU_BUILD/rawsend" "$XT_CONFIG" alice
listener_wait ctl
jq -e . "$T/ctl.out" >/dev/null
ok $? "jq parses the JSON line"
like "$(cat "$T/ctl.out")" '"body":"del \\u007f c1 \\u0085 tab\\t end"' \
    "DEL, C1 and tab are escaped in JSON"
is "$(jq -r '[.stanza, .type, .to, (.id|type), .thread, .subject, .delay] | map(tostring) | join(" ")' "$T/ctl.out")" \
    "message chat $BOB string null null null" "every field is present, null when absent"

listen ctltext -a bob -c 1
printf "<message to='%s' type='chat' id='ctl'><body>del \177 c1 \302\205</body></message>\n" "$BOB" |
    "$XU_BUILD/rawsend" "$XT_CONFIG" alice
listener_wait ctltext
is "$(cut -f2 "$T/ctltext.out")" 'del \x7F c1 \xC2\x85' \
    "text format: terminal control characters escaped"

# U+2028 and U+2029: Python's splitlines(), JavaScript and log shippers
# end a line there, so every format escapes them, reversibly
lsep=$(printf '\342\200\250') psep=$(printf '\342\200\251')
for f in text json xml; do
	listen "sep$f" -a bob -c 1 --format $f
	xsend -a alice -m "line${lsep}sep${psep}para" "$BOB"
	listener_wait "sep$f"
	is "$(grep -cF -e "$lsep" -e "$psep" "$T/sep$f.out")" 0 \
	    "--format $f: no raw U+2028 or U+2029"
done
is "$(cut -f2 "$T/septext.out")" 'line\xE2\x80\xA8sep\xE2\x80\xA9para' \
    "text: their bytes as \\xHH"
is "$(printf '%b' "$(cut -f2 "$T/septext.out")")" "line${lsep}sep${psep}para" \
    "which printf %b restores"
like "$(cat "$T/sepjson.out")" '"body":"line\\u2028sep\\u2029para"' "json: \\u2028, \\u2029"
is "$(jq -r .body "$T/sepjson.out")" "line${lsep}sep${psep}para" "which jq reads back"
like "$(cat "$T/sepxml.out")" '<body>line&#x2028;sep&#x2029;para</body>' \
    "xml: character references"

# --all: presence too, here bob's own, with his priority
listen all -a bob -c 1 --all --format json --priority 7 -t chat
listener_wait all
jq -e 'select(.stanza == "presence")' "$T/all.out" >/dev/null
ok $? "--all prints presence"
like "$(cat "$T/all.out")" '<priority>7</priority>' "--priority is sent"

# SIGTERM: a clean close and exit 0
listen term -a bob
listener_stop term
is "$?" 0 "SIGTERM exits 0"
like "$(cat "$T/term.err")" "stream closed" "after closing the stream"

# A closed stdout ends xlisten quietly: xlisten | head -1
mkfifo "$T/head.out"
head -1 <"$T/head.out" >"$T/head.got" &
headpid=$!
listen head -a bob
xsend -a alice -l "$BOB" <<'EOF2'
one
two
three
EOF2
listener_wait head
is "$?" 0 "xlisten | head -1 exits 0 once head has gone"
wait $headpid
is "$(cut -f2 "$T/head.got")" "one" "head got the first line"
is "$(grep -v -e 'logged in' -e 'listening as' -e 'stream' "$T/head.err")" "" \
    "and xlisten said nothing about it"

done_testing
