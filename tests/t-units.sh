# t-units: the systemd user units as make install puts them, their
# ExecStart= run as the user's manager would run it (tests/execstart.pl:
# a test run has no user manager). xmpputils-alert@.service tells the
# JIDs of alert.env that a unit failed, from the account it names or the
# default one, whatever the unit's name holds; it fails loudly with no
# one to tell; with the server down it queues (exit 2, a success of the
# unit), and xmpputils-flush@.service sends it once the server is back.
# Only systemctl is a stub: it prints a known status.
. tests/lib.sh

san=
case $XU_BUILD in */san) san=SANITIZE=1;; esac
make -s install $san PREFIX="$T/inst" >"$T/install.log" 2>&1
ok $? "make install PREFIX=\$T/inst" "$(cat "$T/install.log")"
U=$T/inst/lib/systemd/user
ALERT=$U/xmpputils-alert@.service

ALICE=alice@$XT_DOMAIN
BOB=bob@$XT_DOMAIN
CAROL=carol@$XT_DOMAIN
HOST=$(hostname)
# agents and queues of this file's own, never the user's
XDG_RUNTIME_DIR=$T/run
XDG_STATE_HOME=$T/state
mkdir -m 700 "$XDG_RUNTIME_DIR" "$XDG_STATE_HOME"
export XDG_RUNTIME_DIR XDG_STATE_HOME
unset XMPP_AGENT_SOCK

# the stub: says what it was asked, prints the status, exits 3 as
# systemctl status does for a unit that is not active
mkdir "$T/bin"
cat >"$T/bin/systemctl" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/systemctl.args"
cat "$T/status.txt"
exit 3
EOF
chmod 755 "$T/bin/systemctl"
PATH=$T/bin:$PATH
cat >"$T/status.txt" <<'EOF'
× backup.service - Nightly backup
     Loaded: loaded (/home/u/.config/systemd/user/backup.service; static)
     Active: failed (Result: exit-code) since Tue 2026-12-01 03:00:05 UTC
    Process: 4242 ExecStart=/home/u/bin/backup "$HOME" (code=exited, status=1/FAILURE)

Dec 01 03:00:01 db1 backup[4242]: rsync: link_stat "/srv/data" failed: No such file or directory (2)
Dec 01 03:00:05 db1 systemd[1234]: backup.service: Failed with result 'exit-code'.
EOF
status=$(cat "$T/status.txt")

# conf NAME [PORT]: a config directory, $T/NAME (the manager's
# XDG_CONFIG_HOME, %E), with xmpputils/config: the test's accounts, alice
# the default one too, at PORT if given; alert.env is the caller's
conf() {
	mkdir -p "$T/$1/xmpputils"
	{
		printf 'jid = %s\npassword = %s\n' "$ALICE" "$XT_PASS"
		if [ $# -gt 1 ]; then sed "s/^port = .*/port = $2/" "$XT_CONFIG"
		else cat "$XT_CONFIG"; fi
	} >"$T/$1/xmpputils/config"
	chmod 600 "$T/$1/xmpputils/config"
}
# unit FILE CONF X=VALUE...: FILE's ExecStart as its manager would run
# it, with %E and XDG_CONFIG_HOME $T/CONF, %H the host; rc, out, err
unit() {
	local f=$1 c=$T/$2
	shift 2
	XDG_CONFIG_HOME=$c run perl tests/execstart.pl "$f" E="$c" H="$HOST" "$@"
}
# got NAME TOKEN: waits for the message whose subject holds TOKEN at
# listener NAME (a JSON line), stops it, and prints that message
got() {
	wait_line "$T/$1.out" "$2" || echo "# $1: no message with $2" >&2
	listener_stop "$1"
	jq -c --arg t "$2" 'select(.subject // "" | contains($t))' "$T/$1.out"
}
# field MSG KEY: the message's KEY
field() { printf '%s\n' "$1" | jq -r ".$2"; }

sed -n '/^ExecStart=/,/[^\\]$/p' "$ALERT" | grep -qF "$T/inst/bin/xsend --queue"
ok $? "the installed alert unit runs the installed xsend, inside its sh -c"
grep -qx 'SuccessExitStatus=2' "$ALERT"
ok $? "the alert unit takes exit 2 (queued) as a success"

# --- a unit whose name is shell code: told to two JIDs, from alice
conf a
printf '# whom to tell\nXMPPUTILS_ALERT_TO=%s %s\nXMPPUTILS_ALERT_ACCOUNT=alice\n' \
    "$BOB" "$CAROL" >"$T/a/xmpputils/alert.env"
name="-t-units-1 it's \"x\" \$(touch $T/pwn1) \`touch $T/pwn2\`; touch $T/pwn3 |"
name="$name touch $T/pwn4 & >$T/pwn5.service"
listen bob1 -a bob --format json
listen carol -a carol --format json
unit "$ALERT" a i="$name"
is "$rc" 0 "the alert: exit 0, delivered" "$err"
is "$(cat "$T/systemctl.args" 2>/dev/null)" \
    "$(printf '%s\n' --user status --no-pager --lines=20 -- "$name")" \
    "systemctl --user status --no-pager --lines=20 -- and the name, one argument"
m=$(got bob1 t-units-1)
is "$(field "$m" subject)" "$name failed on $HOST" "bob: the subject is UNIT failed on HOST"
is "$(field "$m" body)" "$status" "bob: the message is the unit's status"
like "$(field "$m" from)" "^$ALICE/" "from the account of XMPPUTILS_ALERT_ACCOUNT"
m=$(got carol t-units-1)
is "$(field "$m" subject)" "$name failed on $HOST" "carol, the second JID, too"
is "$(ls "$T" | grep -c pwn)" 0 "nothing in the unit's name ran as shell code"

# --- the default account, when alert.env names none
conf d
printf 'XMPPUTILS_ALERT_TO=%s\n' "$BOB" >"$T/d/xmpputils/alert.env"
listen bob2 -a bob --format json
unit "$ALERT" d i=t-units-2.service
is "$rc" 0 "no XMPPUTILS_ALERT_ACCOUNT: exit 0" "$err"
m=$(got bob2 t-units-2)
is "$(field "$m" subject)" "t-units-2.service failed on $HOST" "bob got it"
like "$(field "$m" from)" "^$ALICE/" "from the default account"

# --- no one to tell: the unit fails (78), saying why; nothing is sent
conf none
rm -f "$T/systemctl.args"
unit "$ALERT" none i=t-units-3.service
is "$rc" 78 "no alert.env: exit 78, a failure of the unit"
is "$err" "xmpputils-alert: nobody to tell that t-units-3.service failed: cannot read $T/none/xmpputils/alert.env" \
    "saying so, naming the file"
conf empty
printf '# nobody yet\nXMPPUTILS_ALERT_ACCOUNT=alice\n' >"$T/empty/xmpputils/alert.env"
unit "$ALERT" empty i=t-units-3.service
is "$rc" 78 "an alert.env without XMPPUTILS_ALERT_TO: exit 78"
is "$err" "xmpputils-alert: nobody to tell that t-units-3.service failed: no XMPPUTILS_ALERT_TO= in $T/empty/xmpputils/alert.env" \
    "saying so"
test ! -e "$T/systemctl.args"
ok $? "neither asked systemctl, nor sent"
is "$(find "$XDG_STATE_HOME" -name entry | wc -l)" 0 "nor queued"

# --- the server down: queued (exit 2); the flush unit sends it later
conf down "$("$XT_NETTOOL" freeport 1)"
cp "$T/a/xmpputils/alert.env" "$T/down/xmpputils/alert.env"
unit "$ALERT" down i=t-units-4.service
is "$rc" 2 "the server down: exit 2, queued" "$err"
like "$err" "queued \(entry " "xsend says it queued it"
XDG_CONFIG_HOME=$T/down run "$T/inst/bin/xsend" -a alice --list-queue --format json
is "$(printf '%s\n' "$out" | jq -r '"\(.subject)|\(.to | join(" "))"')" \
    "t-units-4.service failed on $HOST|$BOB $CAROL" \
    "in alice's queue: the subject, for both JIDs"
# (carol listens too: a stored copy would reach the next test's carol)
listen bob4 -a bob --format json
listen carol4 -a carol --format json
unit "$U/xmpputils-flush@.service" a i=alice
is "$rc" 0 "the server back: xmpputils-flush@alice.service's ExecStart: exit 0" "$err"
m=$(got bob4 t-units-4)
is "$(field "$m" subject)" "t-units-4.service failed on $HOST" "bob got the queued alert"
is "$(field "$m" body)" "$status" "with the status"
m=$(got carol4 t-units-4)
is "$(field "$m" subject)" "t-units-4.service failed on $HOST" "and carol"

# --- a status xsend would refuse as it is: over 64 KiB (journal lines
# may be 48 KiB each), with terminal escapes; cut, cleaned, sent
conf big
printf 'XMPPUTILS_ALERT_TO=%s\n' "$BOB" >"$T/big/xmpputils/alert.env"
# (a journal line of 40,000 "×", two bytes each, begun where the cut
# at 60000 bytes splits one)
printf '\303\227 big.service - Chatty\n\033[31mred\033[0m\ttabbed\n' >"$T/status.txt"
h=$(LC_ALL=C sed 's/[[:cntrl:]]//g' "$T/status.txt" | wc -c)
[ $(( (60000 - h) % 2 )) -eq 1 ] || printf 'a' >>"$T/status.txt"
{ head -c 40000 /dev/zero | sed 's/\x0/\xc3\x97/g'; echo; } >>"$T/status.txt"
LC_ALL=C sed 's/[[:cntrl:]]//g' "$T/status.txt" | head -c 60000 |
    iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1
is "$?" 1 "(the cut at 60000 bytes splits a character)"
listen bob5 -a bob --format json
unit "$ALERT" big i=t-units-5.service
is "$rc" 0 "an 80 KB status with escapes: exit 0, delivered" "$err"
m=$(got bob5 t-units-5)
body=$(field "$m" body)
is "$(printf '%s\n' "$body" | sed -n 2p)" "[31mred[0mtabbed" \
    "its control characters dropped, the rest kept"
n=$(printf '%s' "$body" | wc -c)
[ "$n" -gt 59990 ] && [ "$n" -lt 60000 ]
ok $? "cut below 60000 bytes ($n)"
printf '%s' "$body" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1
ok $? "at a whole UTF-8 character"
# a status xsend refuses even so (a C1 control): the alert, saying so
printf 'x.service\n\302\205 NEL\n' >"$T/status.txt"
listen bob6 -a bob --format json
unit "$ALERT" big i=t-units-6.service
is "$rc" 0 "a status with a C1 control: exit 0" "$err"
like "$err" "xsend: stdin: .*" "xsend said why it refused the status"
m=$(got bob6 t-units-6)
is "$(field "$m" subject)" "t-units-6.service failed on $HOST" "the alert still came"
is "$(field "$m" body)" "Its status could not be sent: see systemctl --user status." \
    "saying the status could not be sent"

done_testing
