#!/bin/bash
# demo.sh: the main job end to end. A throwaway Prosody on loopback; bob
# listens with xlisten; alice sends with xsend, which exits 0 only once
# the server has confirmed delivery; bob's line appears; all stopped.
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
show "xlisten -a bob -n 2 &"
"$XU_BUILD/xlisten" -f "$XT_CONFIG" -a bob -n 2 -v >"$out/bob" 2>"$out/err" &
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

wait "$bob"
rc=$?
say "What bob's xlisten printed (FROM<TAB>BODY, one line a message), exit $rc:"
sed 's/^/    /' "$out/bob"
n=$(wc -l <"$out/bob")
say "Stopping Prosody."
if [ "$rc" -eq 0 ] && [ "$n" -eq 2 ]; then
	echo "demo: OK: both messages delivered and confirmed"
else
	echo "demo: FAILED"
	exit 1
fi
