# t-confirm: xsend --confirm client, and xlisten's delivery receipts, on
# the suite's server (across federation: t-federation.sh).
. tests/lib.sh

BOB=bob@$XT_DOMAIN
CAROL=carol@$XT_DOMAIN

# --- a listening client answers once each line is printed
listen rb -a bob -c 3 --format json
run xsend -a alice --confirm client -v -m "first" "$BOB"
is "$rc" 0 "--confirm client to an xlisten: exit 0 ($err)"
like "$(cat "$T/rb.out")" '"body":"first"' "the line was written before xsend's exit"
like "$err" "$BOB: 1 of 1 confirmed by its client" "-v says what confirmed it"
printf 'two\nthree\n' >"$T/two"
run xsend -a alice --confirm client -l "$BOB" <"$T/two"
is "$rc" 0 "-l --confirm client: exit 0"
listener_wait rb
is "$(jq -r .body "$T/rb.out" | tr '\n' ,)" "first,two,three," "every line printed, once"
is "$(jq -r .receipt_requested "$T/rb.out" | sort -u)" "true" "JSON says each asked for a receipt"

# --- no receipt: not confirmed, told apart from a bounce (69)
run xsend -a alice --confirm client -T 2 -m "offline" "$CAROL"
is "$rc" 1 "to an account with no client online: exit 1, not confirmed"
like "$err" "$CAROL: 0 of 1 confirmed by its client: not confirmed in time" "naming the recipient"
run xsend -a alice --confirm client -T 2 -m "$(printf 'two\nlines')" \
    --unsent "$T/u2l" "$CAROL"
is "$rc" 1 "a message of two lines, not confirmed: exit 1"
printf 'two\nlines\n' | cmp -s - "$T/u2l"
ok $? "--unsent holds it as read, for xsend <FILE to send again"
listen nr -a bob --no-receipts -c 1
run xsend -a alice --confirm client -T 2 -m "no receipts" "$BOB"
is "$rc" 1 "to an xlisten --no-receipts: exit 1"
listener_wait nr
like "$(cat "$T/nr.out")" "no receipts" "though the line was printed"

# --- a mix: each recipient said, --unsent gets exactly what was not confirmed
listen mx -a bob -c 4
printf 'l1\nl2\nl3\nl4\n' >"$T/four"
run xsend -a alice --confirm client -T 2 -v -l --unsent "$T/unsent" "$BOB" "$CAROL" <"$T/four"
is "$rc" 1 "bob answers, carol has no client: exit 1"
like "$err" "$BOB: 4 of 4 confirmed by its client" "bob's confirmed"
like "$err" "$CAROL: 0 of 4 confirmed by its client: not confirmed in time" "carol's not"
like "$err" "4 messages not confirmed by the recipients' clients \\(lines 1-4\\); written to --unsent" \
    "and which lines"
is "$(cat "$T/unsent")" "l1
l2
l3
l4" "--unsent holds exactly the lines not confirmed"
listener_wait mx
run xsend -a alice --confirm client -l --unsent "$T/unsent2" "$BOB" < <(true)
is "$rc" 65 "no line to send: exit 65, as without -l"
run xsend -a alice -E --confirm client -l --unsent "$T/unsent2" "$BOB" < <(true)
is "$rc" 0 "and with -E: exit 0"

# --- xlisten answers what XEP-0184 allows, and nothing else
listen rr -a bob -c 3 --resource rr
xraw -a alice -w 5 >"$T/rr.xml" 2>"$T/rr.err" <<IN &
<message to='$BOB/rr' type='error' id='e1'><body>an error</body><request xmlns='urn:xmpp:receipts'/></message>
<message to='$BOB/rr' type='chat'><body>no id</body><request xmlns='urn:xmpp:receipts'/></message>
<message to='$BOB/rr' type='chat' id='c1'><body>a chat</body><request xmlns='urn:xmpp:receipts'/></message>
IN
xp=$!
wait_line "$T/rr.xml" "<received [^>]*id='c1'"
ok $? "a chat message with an id gets its receipt"
kill "$xp" 2>/dev/null
wait "$xp" 2>/dev/null
listener_stop rr
is "$(grep -c "<received " "$T/rr.xml")" 1 \
    "and only it: none for an error, none without an id (answered in order, before c1's)"

# --- a listener with messages waiting (carol's, above, asked for
# receipts) answers them while it logs in, and still joins its room
# (all six of them: the tests after this one find carol's store empty)
listen cw -a carol -r "wait@$XT_MUC" -c 6
listener_wait cw
is "$?" 0 "xlisten with receipts to answer at login: joins, prints, exit 0"
is "$(cut -f2 "$T/cw.out" | tr '\n' ,)" 'offline,two\nlines,l1,l2,l3,l4,' \
    "every stored message, in order"

# --- rooms count by reflection at every level; the own domain at domain level
listen room -a bob -r "confirm@$XT_MUC" -c 1
run xsend -a alice --confirm client -r "confirm@$XT_MUC" -m "to the room"
is "$rc" 0 "--confirm client to a room: its reflection confirms it"
listener_wait room
listen od -a bob -c 1
run xsend -a alice --confirm domain -v -m "own domain" "$BOB"
is "$rc" 0 "--confirm domain to the own domain: the server is its domain"
like "$err" "$BOB: 1 of 1 confirmed by the server" "said so"
listener_wait od
run xsend -a alice --confirm nowhere -m x "$CAROL"
is "$rc" 64 "--confirm with an unknown level: usage, 64"

done_testing
