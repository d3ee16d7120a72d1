# t-xroster: the roster through a real Prosody, each change checked from
# the other side too. Only XT_ROSTER_USERS' rosters change here.
. tests/lib.sh

D=$XT_DOMAIN
ERIN=erin@$D FRANK=frank@$D GRACE=grace@$D HEIDI=heidi@$D IVAN=ivan@$D
JUDY=judy@$D

# sub ACCOUNT JID: the SUBSCRIPTION column of JID in ACCOUNT's roster
sub() { xroster -a "$1" | awk -F '\t' -v j="$2" '$1 == j { print $3 }'; }

# --- an empty roster, and bad input
run xroster -a erin
is "$rc.$out" "0." "an empty roster: exit 0, nothing printed ($err)"
run xroster -a erin list --format json
is "$rc.$out" "0." "list --format json: the same"

run xroster -a erin add 'bad@@x'
is "$rc" 65 "a malformed JID: exit 65"
like "$err" "^xroster: bad@@x: " "naming the argument ($err)"
run xroster -a erin remove "$FRANK/phone"
is "$rc" 65 "a full JID: exit 65, a contact is a bare JID"
run xroster -a erin frobnicate
is "$rc" 64 "an unknown subcommand: exit 64"
like "$err" "frobnicate: no such command" "said ($err)"
run xroster -a erin add
is "$rc" 64 "add without a JID: exit 64"
is "$(head -1 <<<"$err")" "xroster: add: no JID given" "saying what is missing"
run xroster -a erin export "$FRANK"
is "$rc.$(head -1 <<<"$err")" "64.xroster: export: takes no JID: $FRANK" \
    "a JID where none is taken: exit 64, said"
run xroster -a erin list --prune
is "$rc" 64 "an option of another subcommand: exit 64"
run xroster -a erin add --name "$(printf 'bell\a')" "$FRANK"
is "$rc" 65 "a control character in a name: exit 65 ($err)"
run xroster -a erin add -g "$(printf '\377')" "$FRANK"
is "$rc" 65 "invalid UTF-8 in a group: exit 65 ($err)"
# XML would hand these back as a space (a name is an attribute) or a
# newline (a carriage return in a group): the roster would never match
run xroster -a erin add --name "$(printf 'a\nb')" "$FRANK"
is "$rc.$err" "65.xroster: --name: byte 2: control character U+000A, which would come back as a space" \
    "a newline in a name: exit 65, said why"
run xroster -a erin add --name "$(printf 'a\tb')" "$FRANK"
is "$rc" 65 "a tab in a name: exit 65 ($err)"
run xroster -a erin add -g "$(printf 'a\rb')" "$FRANK"
is "$rc" 65 "a carriage return in a group: exit 65 ($err)"
is "$err" "xroster: -g: byte 2: control character U+000D, which would come back as a newline" "said why"
printf '{"jid":"%s"}\n{"jid":"%s","name":"a\\nb"}\n' "$GRACE" "$FRANK" >"$T/nl.json"
run xroster -a erin import <"$T/nl.json"
is "$rc.$out" "65." "a newline in an imported name: exit 65, nothing done"
is "$err" "xroster: stdin:2: name: control character U+000A, which would come back as a space" \
    "naming the line and why"
is "$(xroster -a erin)" "" "the roster is unchanged"

# --- a change the server refuses
run xroster -a erin add "$ERIN"
is "$rc" 1 "adding our own JID: refused, exit 1"
like "$err" "add $ERIN: refused: not-allowed" "with the condition ($err)"
run xroster -a erin remove "$JUDY"
is "$rc" 1 "removing who is not there: exit 1"
like "$err" "item-not-found" "with the condition ($err)"

run xroster -a heidi add "$HEIDI" "$JUDY"
is "$rc" 1 "one JID refused of two: exit 1"
is "$(xroster -a heidi | cut -f1)" "$JUDY" "the other was still added"
run xroster -a heidi unsubscribe "$ERIN" "$JUDY"
is "$rc" 0 "unsubscribe from two not subscribed to: done already, exit 0 ($err)"
run xroster -a heidi subscribe "$HEIDI" "$JUDY"
is "$rc" 1 "subscribing to ourselves and judy: exit 1"
like "$err" "subscribe $HEIDI: not done" "ourselves: not done, said ($err)"
is "$(sub heidi "$JUDY")" "none+ask" "judy: asked"
xroster -a heidi remove "$JUDY"

# --- add: a name and groups, escaped. (A tab in a name is refused, as
# Prosody would write it back raw in the attribute, where XML makes it a
# space: the tab is tested in a group, which is element text.)
run xroster -a erin add --name 'Frank F, back\slash' -g 'a,b' -g "$(printf 'tab\there')" "$FRANK"
is "$rc" 0 "add with a name and two groups: exit 0 ($err)"
run xroster -a erin
is "$out" "$(printf '%s\t%s\tnone\ta\\x2Cb,tab\\there' "$FRANK" 'Frank F, back\\slash')" \
    "list: backslash and tab escaped, a comma in a group as \\x2C"
run xroster -a erin --format json
is "$(jq -r '.name' <<<"$out")" 'Frank F, back\slash' "JSON: the name as it is"
is "$(jq -c '[.jid, .subscription, .ask, .groups]' <<<"$out")" \
    "[\"$FRANK\",\"none\",null,[\"a,b\",\"tab\\there\"]]" "JSON: jid, subscription, ask, groups"
run xroster -a erin add -g Friends "$FRANK"
is "$(xroster -a erin | cut -f2,4)" "$(printf '%s\tFriends' 'Frank F, back\\slash')" \
    "add again with -g: groups replaced, the name kept"

# --- subscribe, and the contact approves: both sides see it
# (-n 2: the first is frank's own presence, reflected)
listen fr -a frank --all --format json -c 2
run xroster -a erin subscribe "$FRANK"
is "$rc" 0 "subscribe: exit 0 ($err)"
listener_wait fr
is "$(jq -r 'select(.type == "subscribe") | .from' "$T/fr.out")" "$ERIN" \
    "frank's client got erin's request"
is "$(sub erin "$FRANK")" "none+ask" "erin's roster: none, asked"
run xroster -a frank approve "$ERIN"
is "$rc" 0 "approve: exit 0 ($err)"
is "$(sub frank "$ERIN")" "from" "frank's roster: from"
is "$(sub erin "$FRANK")" "to" "erin's roster: to"

# --- add --subscribe, and a deny
run xroster -a grace add --subscribe "$HEIDI"
is "$rc" 0 "add --subscribe: exit 0 ($err)"
is "$(sub grace "$HEIDI")" "none+ask" "the item is there, asked"
run xroster -a heidi deny "$GRACE"
is "$rc" 0 "deny: exit 0 ($err)"
is "$(sub grace "$HEIDI")" "none" "grace's request is no longer pending"
is "$(sub heidi "$GRACE")" "" "and heidi's roster has no grace"

# --- approve before any request: a pre-approval, the server stores it
run xroster -a grace approve "$ERIN"
is "$rc" 0 "approve with no request: pre-approved, exit 0 ($err)"
is "$(sub grace "$ERIN")" "none" "grace's roster holds erin, as none"
run xroster -a erin subscribe "$GRACE"
is "$rc" 0 "erin subscribes to grace ($err)"
is "$(sub grace "$ERIN")" "from" "the pre-approval met the request: grace's roster says from"
# (Prosody 0.12 leaves erin's item asked then: an approval again tells her)
xroster -a grace approve "$ERIN"
is "$(sub erin "$GRACE")" "to" "grace approves: erin's roster says to"
is "$(sub grace "$ERIN")" "from" "grace's roster: from"

# --- --presence: one contact online with a status, one offline, and one
# (judy, none) whose presence erin cannot receive
xroster -a erin add "$JUDY"
listen fp -a frank --show away --status "$(printf 'in a\tmeeting')" --priority 3
# -w 20: it must end as soon as both are heard from, not at -w
start=$SECONDS
run xroster -a erin list --presence -w 20
is "$rc" 0 "--presence: exit 0 ($err)"
ok $((SECONDS - start >= 15)) "it ended once every contact was heard from ($((SECONDS - start)) s)"
like "$(grep "^$FRANK" <<<"$out" | cut -f3,6-)" "^to	away	in a\\\\tmeeting	3$" \
    "frank online: show, status (escaped), priority"
is "$(grep "^$GRACE" <<<"$out" | cut -f3,6)" "$(printf 'to\toffline')" "grace offline"
is "$(grep "^$JUDY" <<<"$out" | cut -f3,6)" "$(printf 'none\tunknown')" \
    "judy, whose presence erin does not receive: unknown, not offline"
run xroster -a erin list --presence --format json -w 20
is "$(jq -c "select(.jid == \"$FRANK\") | .resources | map([.show, .status, .priority])" <<<"$out")" \
    '[["away","in a\tmeeting",3]]' "JSON: a resources array"
is "$(jq -c "select(.jid == \"$GRACE\") | .resources" <<<"$out")" "[]" \
    "JSON: offline is no resources"
is "$(jq -c "select(.jid == \"$JUDY\") | .resources" <<<"$out")" "null" \
    "JSON: unknown is null"
listener_stop fp
xroster -a erin remove "$JUDY"

# --- export | import into a fresh account
run xroster -a erin export
is "$rc" 0 "export: exit 0"
cp "$T/out" "$T/erin.json"
is "$(wc -l <"$T/erin.json")" 2 "export: a line an item"
run xroster -a ivan import --dry-run <"$T/erin.json"
is "$rc" 0 "import --dry-run: exit 0 ($err)"
is "$out" "$(printf 'add\t%s\nsubscribe\t%s\nadd\t%s\nsubscribe\t%s' \
    "$FRANK" "$FRANK" "$GRACE" "$GRACE")" "it says what it would do"
is "$(xroster -a ivan)" "" "and does nothing"
run xroster -a ivan import <"$T/erin.json"
is "$rc" 0 "import: exit 0 ($err)"
is "$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')" "add subscribe add subscribe " \
    "it printed each change"
xroster -a frank approve "$IVAN" && xroster -a grace approve "$IVAN"
ok $? "frank and grace approve ivan's requests"
is "$(xroster -a ivan export)" "$(cat "$T/erin.json")" \
    "ivan's export is erin's: names, groups, subscriptions"
run xroster -a ivan import <"$T/erin.json"
is "$rc.$out" "0." "imported again: nothing to change"
xroster -a ivan add --name extra "$JUDY"
run xroster -a ivan import --prune --dry-run <"$T/erin.json"
is "$out" "$(printf 'remove\t%s' "$JUDY")" "--prune --dry-run: what the file lacks"
run xroster -a ivan import --prune <"$T/erin.json"
is "$rc" 0 "--prune: exit 0 ($err)"
is "$(xroster -a ivan export)" "$(cat "$T/erin.json")" "and removed it"

# a bad line: nothing changes, whatever the good lines said
printf '{"jid":"%s","name":"new"}\n{"jid":"x@@y"}\n' "$FRANK" >"$T/bad.json"
run xroster -a ivan import <"$T/bad.json"
is "$rc" 65 "a malformed import line: exit 65"
like "$err" "^xroster: stdin:2: " "naming the line ($err)"
is "$(xroster -a ivan export)" "$(cat "$T/erin.json")" "and nothing changed"

# --- unsubscribe, then remove
run xroster -a erin unsubscribe "$FRANK"
is "$rc" 0 "unsubscribe: exit 0 ($err)"
is "$(sub erin "$FRANK")" "none" "erin's roster: none"
is "$(sub frank "$ERIN")" "none" "frank's roster: none"
run xroster -a erin remove "$FRANK"
is "$rc" 0 "remove: exit 0 ($err)"
is "$(xroster -a erin | cut -f1)" "$GRACE" "frank is gone from erin's roster"

done_testing
