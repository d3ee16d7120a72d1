#!/bin/bash
# demo.sh: the main job end to end, and every tool once. A throwaway
# Prosody on loopback; bob listens with xlisten; alice sends with xsend,
# which exits 0 only once the server has confirmed delivery, and again
# through an xagent; bob's lines appear. xping, xraw and xroster ask the
# server. Then the server goes down, an alert is queued (exit 2), the
# server comes back and a flush delivers it; all stopped.
set -u
cd "$(dirname "$0")/.."
XU_BUILD=$(cd "${XU_BUILD:-build}" && pwd) || exit 1
XT_NETTOOL=$XU_BUILD/nettool
XT_BIN=$(pwd)
. tests/server.sh

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

trap 'server_stop; [ -n "${out:-}" ] && rm -rf "$out"' EXIT
say "Starting a throwaway Prosody on 127.0.0.1 (its own CA, config and accounts)..."
server_start || exit 1
echo "Prosody $(prosodyctl about 2>/dev/null | sed -n 's/^Prosody \(.*\)/\1/p' | head -1) is up on port $XT_PORT; accounts alice, bob, carol."
echo "The config the tools read ($XT_CONFIG):"
sed "s/$XT_PASS/(random)/" "$XT_CONFIG" | sed -n '1,9p' | sed 's/^/    /'

out=$(mktemp -d)
mkfifo "$out/err"
say "bob listens:"
show "xlisten -a bob -c 3 &"
"$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -c 3 -v >"$out/bob" 2>"$out/err" &
bob=$!
exec 3<"$out/err"
while IFS= read -r -t 20 line <&3; do
	case $line in *"listening as"*) echo "    ($line)"; break;; esac
done
cat <&3 >/dev/null &

say "alice sends an alert, and knows it arrived:"
show "xsend -a alice -m 'disk /var is 95% full on db1' bob@$XT_DOMAIN; echo \"exit \$?\""
"$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -m 'disk /var is 95% full on db1' "bob@$XT_DOMAIN"
echo "exit $?"
say "and pipes a log into it, a message per line as lines come:"
show "printf 'backup started\\n' | xsend -a alice -l bob@$XT_DOMAIN; echo \"exit \$?\""
printf 'backup started\n' | "$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice -l "bob@$XT_DOMAIN"
echo "exit $?"

# the agent's socket in the demo's own runtime directory, never the user's
mkdir -m 0700 "$out/run"
export XDG_RUNTIME_DIR=$out/run
say "xagent logs in once and lends its session; a send through it costs no login:"
show "xagent -a alice"
"$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice | sed 's/^/    (socket) /'
show "xsend -a alice --agent -m 'sent through the agent' bob@$XT_DOMAIN; echo \"exit \$?\""
"$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --agent -m 'sent through the agent' \
    "bob@$XT_DOMAIN"
arc=$?
echo "exit $arc"
show "xagent -a alice -O status | head -3"
"$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -O status | head -3 | sed 's/^/    /'
show "xagent -a alice -O stop"
"$XU_BUILD/xagent" -f "$XT_CONFIG" -a alice -O stop
src=$?

wait "$bob"
rc=$?
say "What bob's xlisten printed (FROM<TAB>BODY, one line a message), exit $rc:"
sed 's/^/    /' "$out/bob"
n=$(wc -l <"$out/bob")

say "xping: the server's round trip, as ping(8) would say it:"
show "xping -a alice -c 2 -i 0.2"
"$XU_BUILD/xping" -f "$XT_CONFIG" -a alice -c 2 -i 0.2 | sed 's/^/    /'
prc=${PIPESTATUS[0]}
show "xping -a alice --plugin --warning 200 --critical 500   # for Icinga"
"$XU_BUILD/xping" -f "$XT_CONFIG" -a alice --plugin --warning 200 \
    --critical 500 | cut -d'|' -f1 | sed 's/^/    /'

say "xraw: a stanza in, the server's answer out (a service discovery query):"
q="<iq type='get' to='$XT_DOMAIN' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
show "echo \"$q\" | xraw -a alice | grep -o \"var='[^']*'\" | head -4"
echo "$q" | "$XU_BUILD/xraw" -f "$XT_CONFIG" -a alice >"$out/disco"
xrc=$?
grep -o "var='[^']*'" "$out/disco" | head -4 | sed 's/^/    /'

say "xroster: alice adds bob, and lists her roster with who is online:"
show "xroster -a alice add --name Bob bob@$XT_DOMAIN && xroster -a alice --presence -w 1"
"$XU_BUILD/xroster" -f "$XT_CONFIG" -a alice add --name Bob "bob@$XT_DOMAIN" &&
    "$XU_BUILD/xroster" -f "$XT_CONFIG" -a alice --presence -w 1 | sed 's/^/    /'
rrc=${PIPESTATUS[0]}

# the queue lives in the demo's own state directory, never the user's
export XDG_STATE_HOME=$out/state
say "The server goes down; a cron job's alert is kept on disk, not lost:"
server_kill TERM
show "xsend --queue -a alice -m 'backup failed on db1' bob@$XT_DOMAIN; echo \"exit \$?\""
"$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --queue -m 'backup failed on db1' \
    "bob@$XT_DOMAIN"
qrc=$?
echo "exit $qrc (queued, not yet delivered)"
show "xsend -a alice --list-queue"
"$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --list-queue | sed 's/^/    /'

say "The server is back; the timer's flush delivers it:"
server_run || exit 1
mkfifo "$out/err2"
"$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -c 1 -v >"$out/bob2" 2>"$out/err2" &
bob=$!
exec 4<"$out/err2"
while IFS= read -r -t 20 line <&4; do
	case $line in *"listening as"*) break;; esac
done
cat <&4 >/dev/null &
show "xsend -a alice --flush; echo \"exit \$?\""
"$XU_BUILD/xsend" -f "$XT_CONFIG" -a alice --flush
frc=$?
echo "exit $frc"
wait "$bob"
rc2=$?
say "What bob's xlisten printed, exit $rc2:"
sed 's/^/    /' "$out/bob2"
n2=$(wc -l <"$out/bob2")
say "Stopping Prosody."
if [ "$rc" -eq 0 ] && [ "$n" -eq 3 ] && [ "$arc" -eq 0 ] && [ "$src" -eq 0 ] &&
    [ "$prc" -eq 0 ] && [ "$xrc" -eq 0 ] && [ "$rrc" -eq 0 ] &&
    [ "$qrc" -eq 2 ] && [ "$frc" -eq 0 ] && [ "$rc2" -eq 0 ] && [ "$n2" -eq 1 ]; then
	echo "demo: OK: every tool answered; every message delivered and confirmed, the queued one once the server was back"
else
	echo "demo: FAILED"
	exit 1
fi
