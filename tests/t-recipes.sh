# t-recipes: the README's recipes, run as written. A recipe is the fenced
# block right after a line "<!-- recipe: NAME -->" in README.md; this file
# copies it out from there each run (recipe NAME), so the README cannot
# drift from what works. Each asserts what a user relies on: what arrived,
# what was printed, the exit code.
#
# They run against a Prosody of this file's own that hosts the README's
# domains on loopback: example.org (accounts monitor, ops, bot, ci), its
# rooms on conference.example.org, its HTTP upload on share.example.org.
# The tools find it through $XDG_CONFIG_HOME/xmpputils/config, whose
# default account is README's, monitor@example.org (server 127.0.0.1, our
# port, our CA), and [bot] bot@example.org. The other end (ops@example.org
# listening, sending to the bot) is the test's: lib.sh's XT_CONFIG.
#
# What the test changes, and nothing else:
#   - paths of the system's, by this table (in recipe):
#       /var/log/app.log                     $T/app.log
#       /var/lib/prometheus/node-exporter/   $T/textfile/
#       /srv/spool                           $T/spool
#   - a crontab line: the five time fields go; sh runs the rest
#   - what a recipe calls that is the user's own (backup, deploy): stubs
#     in $T/bin, first on PATH, then the tools of XU_BUILD; and what it
#     gets from elsewhere (a CI's variables) in its environment
#   - HOME is $T/home, XDG_RUNTIME_DIR $T/run
#   - a shim keeps the PID of log-errors' tail and of bot's xlisten (and
#     gives it -v), to end them and to know when the bot listens
# Blocks of systemd and Icinga are checked, not run.
. tests/lib.sh
. tests/server.sh

# --- the user's environment, nothing of the caller's
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config
export XDG_STATE_HOME=$T/home/.local/state XDG_RUNTIME_DIR=$T/run
mkdir -p -m 700 "$HOME" "$XDG_CONFIG_HOME/xmpputils" "$XDG_STATE_HOME" \
    "$XDG_RUNTIME_DIR" "$T/bin"
unset XMPP_JID XMPP_PASSWORD XMPP_AGENT_SOCK https_proxy HTTPS_PROXY \
    http_proxy no_proxy NO_PROXY

# --- the server: example.org on loopback

# rs_start: Prosody for example.org in RS_DIR, on RS_PORT (c2s) and
# RS_HTTPS (upload); the password of all its accounts is RS_PASS
rs_start() {
	local d https
	RS_DIR=$(xt_tmpdir xmpputils-recipes) || return 1
	d=$RS_DIR
	set -- $("$XT_NETTOOL" freeport 2) || return 1
	RS_PORT=$1 RS_HTTPS=$2
	RS_PASS=$(xt_password)
	https=https://localhost:$RS_HTTPS/
	mkdir -p "$d/data" "$d/run" "$d/certs"
	# (a certificate good for 90 days: the Icinga recipe warns under 21)
	XT_CERT_DAYS=90 xt_make_ca "$d" &&
	    XT_CERT_DAYS=90 xt_make_cert "$d" "$d" server example.org \
	    example.org conference.example.org localhost || return 1
	{
		cat <<EOF
-- the README's domains (tests/t-recipes.sh)
http_interfaces = { "127.0.0.1" }
https_interfaces = { "127.0.0.1" }
https_ssl = { certificate = "$d/server.pem"; key = "$d/server.key" }
VirtualHost "example.org"
Component "conference.example.org" "muc"
	muc_room_locking = false
	restrict_room_creation = false
EOF
		XU_UP_LIMIT=1048576 up_share example.org share "$https"
	} | xt_prosody_config "$d" 127.0.0.1 "$RS_PORT" "" "" \
	    '"s2s"; "dialback"; "limits"; "posix"' \
	    "certificate = \"$d/server.pem\"; key = \"$d/server.key\"" "" \
	    "$RS_HTTPS"
	xt_give "$d" "$d/server.key"
	xt_register "$d" "$RS_PASS" monitor@example.org ops@example.org \
	    bot@example.org ci@example.org || return 1
	rs_up
}

# rs_up: starts it (again), and waits until it listens
rs_up() {
	xt_prosody_bg "$RS_DIR"
	RS_PID=$xt_pid
	xt_prosody_wait "$RS_DIR" "$RS_PORT" "$RS_HTTPS"
}

# rs_down: stops it, gracefully
rs_down() { xt_prosody_kill TERM "$RS_PID"; RS_PID=; }

rs_stop() {
	[ -n "${RS_PID:-}" ] && rs_down
	[ -n "${RS_DIR:-}" ] && [ -z "${XT_KEEP:-}" ] && rm -rf "$RS_DIR"
}

# agent_pid [-a NAME]: the PID of the account's agent, if one runs
agent_pid() {
	"$XU_BUILD/xagent" "$@" -O status 2>/dev/null | sed -n 's/^pid //p'
}

# the agents the recipes start (in the background, in our
# XDG_RUNTIME_DIR) are stopped at the end whatever happens, by their PIDs
RS_PID=
recipes_cleanup() {
	local p
	for p in $(agent_pid) $(agent_pid -a bot); do kill -TERM "$p"; done
	agents_stop
	rs_stop
	xt_cleanup
}
trap recipes_cleanup EXIT
rs_start || { echo "# could not start Prosody for example.org"; exit 1; }
echo "# Prosody for example.org on 127.0.0.1:$RS_PORT, in $RS_DIR"

# README's config, pointed at our server
umask 077
{
	printf 'jid = monitor@example.org\npassword = %s\n' "$RS_PASS"
	printf 'server = 127.0.0.1\nport = %s\ncafile = %s\n' "$RS_PORT" \
	    "$RS_DIR/ca.pem"
	xt_account bot bot@example.org "$RS_PASS"
} >"$XDG_CONFIG_HOME/xmpputils/config"
# the test's side: ops@example.org, who gets the alerts
XT_CONFIG=$T/ops.config
{
	printf 'server = 127.0.0.1\nport = %s\ncafile = %s\n' "$RS_PORT" \
	    "$RS_DIR/ca.pem"
	xt_account ops ops@example.org "$RS_PASS"
} >"$XT_CONFIG"
umask 022
PATH=$T/bin:$XU_BUILD:$PATH

# the user's own commands, as the recipes call them: a backup that fails
# when BACKUP_RC says, a deploy that works
for b in backup backup.sh; do
	printf '#!/bin/sh\necho "dumping db1"\n[ "${BACKUP_RC:-0}" = 0 ] && exit 0\necho "pg_dump: error: connection to server failed" >&2\nexit "$BACKUP_RC"\n' \
	    >"$T/bin/$b"
done
printf '#!/bin/sh\necho "deploying to $1"\n' >"$T/bin/deploy"
chmod 755 "$T/bin"/*

# recipe NAME: the block right after "<!-- recipe: NAME -->", with the
# paths of the table above substituted
recipe() {
	awk -v m="<!-- recipe: $1 -->" '
	    $0 == m { at = 1; next }
	    at == 1 && /^```/ { at = 2; next }
	    at == 1 { exit }
	    at == 2 && /^```$/ { exit }
	    at == 2 { print }' README.md |
	    sed -e "s|/var/log/app\\.log|$T/app.log|g" \
	    -e "s|/var/lib/prometheus/node-exporter/|$T/textfile/|g" \
	    -e "s|/srv/spool|$T/spool|g"
}

# cron [N]: standard input's Nth crontab line (1), its time fields dropped
cron() {
	grep -v -e '^#' -e '^$' | sed -n "${1:-1}p" | sed -E 's/^([^ ]+ +){5}//'
}

# sends as README's sender (the default account), and as ops
msend() { "$XU_BUILD/xsend" -T 10 "$@"; }
osend() { "$XU_BUILD/xsend" -f "$XT_CONFIG" -a ops -T 10 "$@"; }

# mark NAME: a message from README's sender, sent now and waited for at
# listener NAME, which is then stopped: whatever the recipe sent before
# it, from the same account, was printed before it
mark() {
	msend -m "marker" ops@example.org || echo "# mark $1: xsend failed"
	wait_line "$T/$1.out" "	marker$" || echo "# mark $1: never arrived"
	listener_stop "$1"
}
# bodies NAME: the texts listener NAME printed (text format), but the
# marker's
bodies() { cut -f2- "$T/$1.out" | grep -vx marker; }

# --- the recipes, each where README has it
names="cron-failure cron-if-nonempty onfailure-dropin onfailure-env log-errors ci-room bot
agent-session disco-features icinga-command icinga-check prometheus-cron
queue-outage"
is "$(sed -n 's/^<!-- recipe: \(.*\) -->$/\1/p' README.md | sort | tr '\n' ' ')" \
    "$(printf '%s\n' $names | sort | tr '\n' ' ')" \
    "README's recipes are the ones this file runs"
empty=
for n in $names; do [ -n "$(recipe "$n")" ] || empty="$empty $n"; done
is "$empty" "" "each marker is right before its block"

# --- cron-failure: a failed backup sends its text and its log; a backup
# that works, nothing
line=$(recipe cron-failure | cron)
mkdir -m 700 "$T/dl"
listen fail -a ops --format json --download "$T/dl"
BACKUP_RC=1 run sh -c "$line"
is "$rc:$err" 0: "cron-failure: a failed backup: the alert's exit is 0, silent"
wait_line "$T/fail.out" '"oob"'
listener_stop fail
is "$(jq -r .body "$T/fail.out" | head -1)" "backup failed on $(hostname)" \
    "cron-failure: the text first"
path=$(jq -r '.oob[0].path // empty' "$T/fail.out")
cmp -s "$path" "$HOME/backup.log" && grep -q 'pg_dump: error' "$path"
ok $? "cron-failure: then the log, the same bytes, stderr too (${path:-none})"
listen works -a ops
BACKUP_RC=0 run sh -c "$line"
is "$rc:$out$err" 0: "cron-failure: a backup that works: exit 0, silent"
mark works

# --- cron-if-nonempty: nothing stale, nothing sent (and no login); a
# stale file, its path
line=$(recipe cron-if-nonempty | cron)
mkdir -m 700 "$T/spool"
touch "$T/spool/fresh"
listen spool -a ops
run sh -c "$line -v --port $("$XT_NETTOOL" freeport)"
is "$rc:$err" "0:xsend: -E: stdin is empty: nothing sent" \
    "cron-if-nonempty: nothing found: exit 0, nothing sent, no login (its port closed)"
touch -d '2 hours ago' "$T/spool/stale"
run sh -c "$line"
is "$rc:$out$err" 0: "cron-if-nonempty: a stale file: exit 0, silent"
mark spool
is "$(bodies spool)" "$T/spool/stale" "cron-if-nonempty: the stale file's path, and only that"
is "$(bodies works)" "" "cron-failure: and nothing is sent"

# --- onfailure-dropin, onfailure-env: checked, not run (the unit's own
# test runs it): the variables are the ones the unit reads, the drop-in
# one systemd takes
env=$(recipe onfailure-env | grep -v '^#')
bad=$(printf '%s\n' "$env" | grep -v '^[A-Z_][A-Z0-9_]*=[^ ]')
is "$bad" "" "onfailure-env: only lines KEY=VALUE, as EnvironmentFile= reads"
vars=$(printf '%s\n' "$env" | cut -d= -f1 | sort)
unit=systemd/xmpputils-alert@.service
reads=$(grep -o 'XMPPUTILS_ALERT_[A-Z_]*' "$unit" | sort -u)
is "$(comm -23 <(echo "$vars") <(echo "$reads"))" "" \
    "onfailure-env: every variable is one $unit reads"
like "$vars" "XMPPUTILS_ALERT_TO" "onfailure-env: whom to tell is there"
if command -v systemd-analyze >/dev/null; then
	u=$T/units
	mkdir -p "$u/backup.service.d"
	printf '[Service]\nType=oneshot\nExecStart=/bin/false\n' >"$u/backup.service"
	recipe onfailure-dropin >"$u/backup.service.d/alert.conf"
	cp "$unit" "$u/"
	out=$(SYSTEMD_UNIT_PATH=$u: systemd-analyze --user verify \
	    "$u/backup.service" 2>&1)
	is "$?:$out" 0: "onfailure-dropin: systemd-analyze verify takes it, without a word"
else
	ok 0 "onfailure-dropin: systemd-analyze verify # SKIP no systemd-analyze"
fi

# --- log-errors: each ERROR line arrives as it is written, and no other;
# xsend exits 0 once tail ends. (tail through a shim that keeps its PID:
# the recipe's, only there; wait_line's is the real one.)
mkdir "$T/shim-tail"
printf '#!/bin/sh\necho $$ >>"%s"\nexec "%s" "$@"\n' "$T/tail.pid" \
    "$(command -v tail)" >"$T/shim-tail/tail"
chmod 755 "$T/shim-tail/tail"
: >"$T/app.log"
: >"$T/tail.pid"
listen errs -a ops
PATH=$T/shim-tail:$PATH sh -c "$(recipe log-errors)" >"$T/errs.run" 2>&1 &
errs=$!
printf 'INFO start\nERROR disk full\nINFO still up\nERROR db1 down\n' >>"$T/app.log"
wait_line "$T/errs.out" "	ERROR" 2
ok $? "log-errors: the first two ERROR lines arrive while tail runs"
printf 'WARN slow\nERROR db1 still down\n' >>"$T/app.log"
wait_line "$T/errs.out" "	ERROR" 3
wait_line "$T/tail.pid" .
kill -TERM "$(head -1 "$T/tail.pid")"
wait "$errs"
ok $? "log-errors: tail ended, xsend exits 0" "$(cat "$T/errs.run")"
mark errs
is "$(bodies errs)" "$(printf 'ERROR disk full\nERROR db1 down\nERROR db1 still down')" \
    "log-errors: exactly the ERROR lines arrived, in order"

# --- ci-room: the room gets it, from the nick ci, as the CI's account
listen room -a ops -r builds@conference.example.org/ops --format json
CI_PROJECT_PATH=acme/web CI_COMMIT_REF_NAME=main CI_COMMIT_SHORT_SHA=1a2b3c4d \
    CI_PIPELINE_URL=https://git.example.org/acme/web/-/pipelines/42 \
    XMPP_JID=ci@example.org XMPP_PASSWORD=$RS_PASS \
    run sh -c "$(recipe ci-room)"
is "$rc:$err" 0: "ci-room: exit 0, silent"
wait_line "$T/room.out" '"groupchat"'
listener_stop room
is "$(jq -r 'select(.type == "groupchat") | [.from, .subject, .body] | join("|")' "$T/room.out")" \
    "builds@conference.example.org/ci|acme/web: pipeline failed|main at 1a2b3c4d: https://git.example.org/acme/web/-/pipelines/42" \
    "ci-room: the room passed it on, from ci, with its subject"

# --- bot: it answers each command, through its agent. (Its xlisten
# through a shim that keeps its PID and adds -v, whose "listening as"
# says the bot is ready.)
mkdir "$T/shim-bot"
printf '#!/bin/sh\necho $$ >>"%s"\nexec "%s" -v "$@" 2>>"%s"\n' \
    "$T/bot.pid" "$XU_BUILD/xlisten" "$T/bot.err" >"$T/shim-bot/xlisten"
chmod 755 "$T/shim-bot/xlisten"
: >"$T/bot.pid"
: >"$T/bot.err"
PATH=$T/shim-bot:$PATH sh -c "$(recipe bot)" >"$T/bot.run" 2>&1 &
bot=$!
wait_line "$T/bot.err" "listening as"
ok $? "bot: its xlisten listens through the agent"
# ops asks and listens on one session, an agent's: the bot answers the
# full JID that asked, and a session of xsend's own may be gone by then
agent_start opsagent ops
listen answers -a ops --agent
for c in ping uptime hello; do osend -m "$c" bot@example.org; done
wait_line "$T/answers.out" "^bot@example.org/" 3
listener_stop answers
agents_stop
is "$(cut -f2 "$T/answers.out" | sed 's/.*load average.*/(uptime)/')" \
    "$(printf 'pong\n(uptime)\nunknown command; try ping or uptime')" \
    "bot: pong to ping, the uptime to uptime, a hint to the rest"
kill -TERM "$(head -1 "$T/bot.pid")"
wait "$bot"
ok $? "bot: its xlisten ended, the pipeline ends" "$(cat "$T/bot.run")"
run "$XU_BUILD/xagent" -a bot -O stop
is "$rc" 0 "bot: its agent stops ($err)"

# --- agent-session: one login, three sends through it, its status, stop
listen deploys -a ops
VERSION=2.4.1 run sh -c "$(recipe agent-session)"
is "$rc:$err" 0: "agent-session: exit 0, silent"
like "$out" "^jid monitor@example\\.org/" "agent-session: the status names the agent's JID"
like "$out" "relayed 3" "agent-session: and says all three sends went through it"
mark deploys
is "$(bodies deploys)" \
    "$(printf 'deployed 2.4.1 to %s\n' web1 web2 web3)" \
    "agent-session: the three messages arrived, in order"
run "$XU_BUILD/xagent" -O status
is "$rc" 1 "agent-session: the agent has stopped"

# --- disco-features: the server's features, one a line
run sh -c "$(recipe disco-features)"
is "$rc" 0 "disco-features: exit 0 ($err)"
printf '%s\n' "$out" | grep -qxF urn:xmpp:ping
ok $? "disco-features: urn:xmpp:ping is among them" "$out"
is "$(printf '%s\n' "$out" | grep -c "[<>' ]")" 0 \
    "disco-features: a feature a line, no XML"

# --- icinga-command: checked, not run: its options are xping's, and the
# command line it builds (the host example.org) is icinga-check's
# icinga_line: the command line of the CheckCommand on stdin, its
# arguments in order, the positional one (skip_key) last
icinga_line() {
	awk -v host=example.org '
	    /^ *command = / { split($0, a, "\""); cmd = a[2] " " a[4] }
	    /^ *"-[^"]*" = "\$[a-z_]*\$"$/ {
		split($0, a, "\""); key[++n] = a[2]; var[n] = a[4] }
	    /^ *value = / { split($0, a, "\""); pos = a[2] }
	    /^ *vars\./ {
		v = $0; sub(/^[^=]*= */, "", v); gsub(/"/, "", v)
		sub(/^ *vars\./, "$"); sub(/ .*/, "$"); val[$0] = v }
	    END {
		val["$host.name$"] = host
		line = cmd
		for (i = 1; i <= n; i++) line = line " " key[i] " " val[var[i]]
		while (pos in val) pos = val[pos]
		print line " " pos }'
}
obj=$(recipe icinga-command)
help=$("$XU_BUILD/xping" --help 2>&1)
missing=
for o in $(printf '%s\n' "$obj" | sed -n 's/^ *"\(-[^"]*\)" = .*/\1/p'); do
	printf '%s\n' "$help" | grep -q -- "$o\\b" || missing="$missing $o"
done
is "$missing" "" "icinga-command: every argument is an option of xping --help"
check=$(recipe icinga-check | grep -v '^#')
is "$(printf '%s\n' "$obj" | icinga_line)" "/usr/local/bin/$check" \
    "icinga-command: the command line it builds is icinga-check's"

# --- icinga-check: OK and exit 0 on the test server, the status line
# as the README shows it (but its figures); CRITICAL and 2 under a tight
# --critical
run sh -c "$check"
is "$rc" 0 "icinga-check: exit 0 (OK)"
like "$out" '^XMPP OK - example\.org: .*[|]rtt=[0-9.]+ms;200;500;0 loss=0%;20;60;0;100 login=[0-9.]+s;;;0 cert_days=[0-9]+;21:;7:$' \
    "icinga-check: the plugin's line, status and perfdata"
sample=$(recipe icinga-check | sed -n 's/^# //p')
is "$(printf '%s\n' "$out" | sed 's/[0-9][0-9.]*/N/g')" \
    "$(printf '%s\n' "$sample" | sed 's/[0-9][0-9.]*/N/g')" \
    "icinga-check: README's sample output is the real one, figures aside"
tight=$(printf '%s\n' "$check" | sed 's/--warning [^ ]*/--warning 0/; s/--critical [^ ]*/--critical 0/')
run sh -c "$tight"
is "$rc" 2 "icinga-check: --critical 0: exit 2"
like "$out" "^XMPP CRITICAL - example\\.org: " "icinga-check: --critical 0: CRITICAL"

# --- prometheus-cron: the file is in place, with the probe's metrics
mkdir "$T/textfile"
prom=$T/textfile/xmpp.prom
promline=$(recipe prometheus-cron | cron)
run sh -c "$promline"
is "$rc:$out$err" 0: "prometheus-cron: exit 0, silent"
grep -qx 'xmpp_probe_success{target="example.org"} 1' "$prom"
ok $? "prometheus-cron: xmpp_probe_success 1 in $prom"
is "$(grep -c '^xmpp_ping_rtt_seconds{target="example.org",stat="[a-z]*"} [0-9.e-]*$' "$prom")" 4 \
    "prometheus-cron: the round trip's four figures"
grep -q '^xmpp_login_seconds{phase="total"} ' "$prom" &&
    grep -q '^xmpp_cert_expiry_timestamp_seconds{' "$prom"
ok $? "prometheus-cron: the login's time and the certificate's expiry"
is "$(ls "$T/textfile")" xmpp.prom "prometheus-cron: no .tmp left behind"

# --- queue-outage: the server down when the backup fails; the alert
# waits in the queue; the flush line says nothing while the server is
# away, and delivers once it is back. (The last recipe: the server goes
# down.)
alert=$(recipe queue-outage | cron 1)
flush=$(recipe queue-outage | cron 2)
rs_down
BACKUP_RC=1 run sh -c "$alert"
is "$rc" 2 "queue-outage: the server down: the alert's exit is 2, queued"
like "$err" "queued" "queue-outage: stderr (cron's mail) says it is queued"
run sh -c "$flush"
is "$rc:$out$err" 0: "queue-outage: the flush line, the server still down: silent"
# and meanwhile node_exporter reads the probe's failure, not the last success
run sh -c "$promline"
grep -qx 'xmpp_probe_success{target="example.org"} 0' "$prom"
ok $? "prometheus-cron: the server down: xmpp_probe_success 0 in place"
rs_up || { echo "# the server did not come back"; exit 1; }
listen queued -a ops
run sh -c "$flush"
is "$rc:$out$err" 0: "queue-outage: the flush line, the server back: silent"
mark queued
is "$(bodies queued)" "backup failed on $(hostname)" \
    "queue-outage: the alert arrived, once"
run "$XU_BUILD/xsend" --list-queue
is "$rc:$out" 0: "queue-outage: and left the queue"

done_testing
