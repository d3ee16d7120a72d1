# t-spoof: a sender cannot put words in someone else's mouth. Alice,
# through the test server, sends stanzas with a second, prefixed from
# (or type, or to) beside the one the server stamps: libstrophe would
# let the prefixed one win. Each listener must drop them, say so with
# -v, and print what comes after; in every format, with filters, in
# rooms, and for the stanzas the session itself acts on (roster pushes).
. tests/lib.sh

BOB=bob@$XT_DOMAIN
CAROL=carol@$XT_DOMAIN
ROOM=spoof@$XT_MUC
NS="xmlns:n1='urn:n:1'"

# raw ACCOUNT: sends stdin's lines as they are, as ACCOUNT
raw() { "$XU_BUILD/rawsend" "$XT_CONFIG" "$@"; }

# forged TO: a chat message that claims to be carol's groupchat
forged() {
	printf '%s\n' "<message to='$1' type='chat' id='forged' $NS n1:from='$CAROL/evil' n1:type='groupchat'><body>I am carol</body></message>"
}

# the same, thirty times over, as the report has it
forged30() {
	local i attrs=
	for i in $(seq 30); do
		attrs="$attrs xmlns:n$i='urn:n:$i' n$i:from='$CAROL/evil$i' n$i:type='groupchat'"
	done
	printf '%s\n' "<message to='$1' type='chat' id='forged30'$attrs><body>I am carol too</body></message>"
}

for format in text json xml; do
	listen "f$format" -a bob --resource "spoof-$format" --format "$format" -c 1
	{ forged "$BOB/spoof-$format"; forged30 "$BOB/spoof-$format"
	  printf '%s\n' "<message to='$BOB/spoof-$format' type='chat' id='real'><body>from alice</body></message>"
	} | raw alice
	ok $? "$format: alice's raw sender sent its stanzas"
	listener_wait "f$format"
	ok $? "$format: xlisten exits 0 after the one real message"
	out=$(cat "$T/f$format.out")
	case $format in
	text) is "$out" "alice@$XT_DOMAIN/rawsend	from alice" \
	    "text: only the real message is printed, with alice's own from";;
	json) like "$out" "^\\{\"stanza\":\"message\",\"from\":\"alice@$XT_DOMAIN/rawsend\",\"to\":\"$BOB/spoof-json\",\"type\":\"chat\",\"id\":\"real\"" \
	    "json: only the real message, from and type as the server wrote them"
	    is "$(printf '%s\n' "$out" | wc -l)" 1 "json: one line";;
	xml) like "$out" "^<message .*from='alice@$XT_DOMAIN/rawsend'.*from alice</body></message>$" \
	    "xml: only the real message"
	    is "$(printf '%s\n' "$out" | wc -l)" 1 "xml: one line";;
	esac
	err=$(cat "$T/f$format.err")
	# (which attribute it names first depends on the order Prosody
	# writes them in, which is a Lua table's)
	like "$err" "dropped a message from alice@$XT_DOMAIN/rawsend: (a '(from|type)' attribute in a namespace of its own|two '(from|type)' attributes, told apart only by a namespace) \\(a forged sender\\?\\)" \
	    "$format: -v names the real sender of what it dropped"
	is "$(grep -c 'dropped a message' "$T/f$format.err")" 2 \
	    "$format: both forgeries dropped"
	grep -q carol "$T/f$format.out"
	ok $((!$?)) "$format: carol appears nowhere in the output"
done

# --- a filter for carol's groupchat lets the forgery through no more;
# carol's real one passes (sent raw: xsend sends groupchat only to rooms)
listen filter -a bob --resource spoof-filter --from "$CAROL" -t groupchat -c 1
{ forged "$BOB/spoof-filter"; forged30 "$BOB/spoof-filter"; } | raw alice
printf '%s\n' "<message to='$BOB/spoof-filter' type='groupchat' id='c'><body>really carol</body></message>" |
    raw carol
listener_wait filter
ok $? "--from carol -t groupchat: exit 0 once carol's real message came"
is "$(cat "$T/filter.out")" "$CAROL/rawsend	really carol" \
    "and only carol's real message passed the filter"

# --- the prefix may come first, and it may claim another type or id
listen order -a bob --resource spoof-order --format json -c 1
{ printf '%s\n' "<message $NS n1:from='$CAROL/evil' to='$BOB/spoof-order' id='a'><body>prefix first</body></message>"
  printf '%s\n' "<message to='$BOB/spoof-order' $NS n1:type='headline' id='b'><body>typed</body></message>"
  printf '%s\n' "<message to='$BOB/spoof-order' type='chat' id='c'><x xmlns='urn:y' $NS a='1' n1:a='2'/><body>child</body></message>"
  printf '%s\n' "<message to='$BOB/spoof-order' type='chat' id='d'><body>after</body></message>"
} | raw alice
listener_wait order
like "$(cat "$T/order.out")" "\"id\":\"d\".*\"body\":\"after\"" \
    "a prefix first, a prefixed type, a child's twin attributes: all dropped"
is "$(grep -c 'dropped a message' "$T/order.err")" 3 "three reported with -v"

# --- a roster push forged to look like bob's own server's: the session
# would otherwise take it (and xlisten --all print it) as genuine
listen roster -a bob --resource spoof-roster --all --format json
{ printf '%s\n' "<iq type='set' to='$BOB/spoof-roster' id='push' $NS n1:from='$BOB'><query xmlns='jabber:iq:roster'><item jid='eve@evil.test' subscription='both'/></query></iq>"
  printf '%s\n' "<message to='$BOB/spoof-roster' type='chat' id='after'><body>after the push</body></message>"
} | raw alice
wait_line "$T/roster.out" "after the push"
ok $? "a forged roster push: what follows it arrives"
listener_stop roster
grep -q eve "$T/roster.out"
ok $((!$?)) "and the forged push is not printed"
like "$(cat "$T/roster.err")" "dropped an iq from alice@$XT_DOMAIN/rawsend" \
    "it is reported with alice's real JID"

# --- in a room: an occupant claims to be another occupant
listen room -a bob -r "$ROOM/bob" --format json --from "$ROOM/carol" -c 1
{ printf '%s\n' "<presence to='$ROOM/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>"
  printf '%s\n' "<message to='$ROOM' type='groupchat' id='r1' $NS n1:from='$ROOM/carol'><body>I am carol in the room</body></message>"
  printf '%s\n' "<presence to='$ROOM/alice' type='unavailable'/>"
} | raw alice
xsend -a carol -r "$ROOM/carol" -m "carol herself"
ok $? "carol says something in the room"
listener_wait room
ok $? "the room listener exits 0 after carol's real message"
is "$(jq -r '"\(.from) \(.body)"' "$T/room.out" 2>&1)" "$ROOM/carol carol herself" \
    "and printed only that: the forged occupant was dropped"

done_testing
