# t-muc: groupchat through a real MUC room, seen by another occupant.
. tests/lib.sh

ROOM=ops@$XT_MUC

listen room -a carol -r "$ROOM/carol" -c 2
xsend -a alice -r "$ROOM" -m "deploy finished"
ok $? "xsend -r joins the room, sends, and exits 0"
printf 'disk full\non db1' | xsend -a alice -r "$ROOM/alerts" -s "alert"
ok $? "xsend -r ROOM/NICK with a subject"
listener_wait room
ok $? "the other occupant's xlisten got both"
is "$(sed -n 1p "$T/room.out")" "$ROOM/alice	deploy finished" \
    "sent from the room under alice's nick"
is "$(sed -n 2p "$T/room.out")" "$ROOM/alerts	disk full\\non db1" \
    "a multi-line body under the chosen nick"

# -l into a room: every line, in order, each confirmed by the room
seq 100 | sed 's/^/room line /' >"$T/lines"
listen burst -a carol -r "$ROOM/carol" -c 100
xsend -a alice -l -r "$ROOM" <"$T/lines"
ok $? "xsend -l -r sends 100 lines and exits 0"
listener_wait burst
cut -f2 "$T/burst.out" | cmp -s - "$T/lines"
ok $? "the occupant got all 100, in order"

# A room and a person at once.
listen both -a bob -c 1
listen both_room -a carol -r "$ROOM/carol" -c 1
xsend -a alice -r "$ROOM" -m "to room and bob" "bob@$XT_DOMAIN"
ok $? "xsend to a room and a JID at once"
listener_wait both
listener_wait both_room
is "$(cut -f2 "$T/both.out")/$(cut -f2 "$T/both_room.out")" \
    "to room and bob/to room and bob" "both got it"

# The room says no: a nick someone else holds.
listen holder -a carol -r "$ROOM/taken" -w 60
run xsend -a alice -r "$ROOM/taken" -m "never sent"
is "$rc" 69 "joining under a nick someone holds exits 69"
like "$err" "room $ROOM: cannot join as taken: conflict" "and says why"
listener_stop holder
is "$(cat "$T/holder.out")" "" "the room's occupant got nothing from it"

run xsend -a alice -r "not a room" -m x
is "$rc" 65 "a malformed room is bad input: exit 65"

# xlisten in the room prints its JSON with the room as sender
listen json -a carol -r "$ROOM/carol" -c 1 --format json
xsend -a alice -r "$ROOM" -m "json in a room"
listener_wait json
is "$(jq -r '.type + " " + .from + " " + .body' "$T/json.out")" \
    "groupchat $ROOM/alice json in a room" "JSON: type groupchat, from the occupant"

# As many rooms as -r allows (16), with xlisten's own handler and the
# rooms' beside it: every room joined, every room's message taken.
rooms=()
for i in $(seq 1 16); do rooms+=(-r "many$i@$XT_MUC/carol"); done
listen many -a carol "${rooms[@]}" -c 16
ok $? "xlisten joins 16 rooms at once"
srooms=()
for i in $(seq 1 16); do srooms+=(-r "many$i@$XT_MUC"); done
run xsend -a alice "${srooms[@]}" -m "to sixteen rooms"
is "$rc" 0 "xsend sends to 16 rooms at once and exits 0 ($err)"
listener_wait many
ok $? "the listener in 16 rooms got its 16 messages"
is "$(cut -f1 "$T/many.out" | sort -V | tr '\n' ' ')" \
    "$(for i in $(seq 1 16); do printf 'many%s@%s/alice ' $i "$XT_MUC"; done)" \
    "one from each of the 16 rooms"

done_testing
