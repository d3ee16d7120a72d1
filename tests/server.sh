# server.sh: a throwaway Prosody on loopback, for the tests, the demo and
# the benchmarks. Source it, then:
#
#   server_start      make a temporary directory, a CA and a certificate,
#                     a config, accounts; start Prosody; wait for its port
#   server_stop       stop that Prosody (by its PID) and remove the directory
#
# server_start sets, for the caller:
#   XT_DIR      the temporary directory (Prosody's config, data and log)
#   XT_PORT     the c2s port (STARTTLS) on 127.0.0.1
#   XT_TLS_PORT the c2s port with direct TLS (XEP-0368)
#   XT_DOMAIN   the host with stream management (xmpputils.test)
#   XT_NOSM     a second host on the same port without stream management
#   XT_MUC      the MUC component
#   XT_CA       the CA certificate that signed the server's certificate
#   XT_WRONG    a host whose certificate names another host
#   XT_EXPIRED  a host whose certificate expired in 2020
#   XT_CONFIG   an xmpputils config file with accounts alice, bob, carol
#               (on XT_DOMAIN) and dave (on XT_NOSM), cafile set, and
#               those of XT_ROSTER_USERS (XT_DOMAIN), for t-xroster.sh
#   XT_PASS     the password of every account
#
# Never the system service: the config, data, log and ports are all ours.

XT_BIN=$(cd "${XT_BIN:-.}" && pwd)
XT_NETTOOL=${XT_NETTOOL:-$XT_BIN/tests/nettool}
XT_DOMAIN=xmpputils.test
XT_NOSM=nosm.xmpputils.test
XT_MUC=conference.xmpputils.test
XT_WRONG=wronghost.test
XT_EXPIRED=expired.test
XT_ROSTER_USERS="erin frank grace heidi ivan judy kate"

xt_log() { printf '%s\n' "$*" >&2; }

# Prosody refuses to run as root; run it as the user the package made.
# (A prefix, not a function: a simple command in the background makes $!
# Prosody's own PID.)
XT_AS_PROSODY=
[ "$(id -u)" -eq 0 ] &&
    XT_AS_PROSODY="setpriv --reuid=prosody --regid=prosody --init-groups --"

xt_make_certs() {
	d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
	    -subj "/CN=xmpputils test CA" >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/server.key" -out "$d/server.csr" \
	    -subj "/CN=$XT_DOMAIN" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=DNS:%s,DNS:%s,DNS:%s\n' \
	    "$XT_DOMAIN" "$XT_NOSM" "$XT_MUC" >"$d/san.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 2 \
	    -extfile "$d/san.ext" -out "$d/server.pem" >/dev/null 2>&1 || return 1
	# for XT_WRONG: a good certificate, for some other name
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/wrong.key" -out "$d/wrong.csr" \
	    -subj "/CN=somebody-else.test" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=DNS:somebody-else.test\n' >"$d/wrong.ext"
	openssl x509 -req -in "$d/wrong.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -days 2 -extfile "$d/wrong.ext" \
	    -out "$d/wrong.pem" >/dev/null 2>&1 || return 1
	# for XT_EXPIRED: the right name, but 2020's; openssl ca can backdate
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/expired.key" -out "$d/expired.csr" \
	    -subj "/CN=$XT_EXPIRED" >/dev/null 2>&1 || return 1
	mkdir "$d/cadb" && : >"$d/cadb/index.txt" && echo 1000 >"$d/cadb/serial"
	cat >"$d/cadb/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $d/cadb/index.txt
new_certs_dir = $d/cadb
serial = $d/cadb/serial
default_md = sha256
policy = any
[any]
commonName = supplied
[ext]
subjectAltName = DNS:$XT_EXPIRED
EOF
	openssl ca -batch -config "$d/cadb/ca.cnf" -cert "$d/ca.pem" \
	    -keyfile "$d/ca.key" -in "$d/expired.csr" -out "$d/expired.pem" \
	    -startdate 20200101000000Z -enddate 20200102000000Z \
	    -extensions ext -notext >/dev/null 2>&1
}

xt_write_prosody_config() {
	d=$1
	cat >"$d/prosody.cfg.lua" <<EOF
-- written by tests/server.sh for one test run
daemonize = false
pidfile = "$d/run/prosody.pid"
data_path = "$d/data"
plugin_paths = {}
log = { { levels = { min = "${XT_LOGLEVEL:-info}" }, to = "file", filename = "$d/run/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $XT_PORT }
c2s_direct_tls_ports = { $XT_TLS_PORT }
s2s_ports = {}
component_ports = {}
http_ports = {}
https_ports = {}
modules_enabled = {
	"roster"; "saslauth"; "tls"; "disco"; "ping"; "presence";
	"message"; "iq"; "carbons"; "smacks"; "offline"; "time"; "version";
}
-- No s2s: a message to a remote domain is bounced at once, which makes
-- the bounce tests deterministic. No mod_limits: its 10 kb/s default
-- would throttle the burst tests.
modules_disabled = { "s2s"; "dialback"; "limits"; "posix" }
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
storage = "internal"
ssl = { certificate = "$d/server.pem"; key = "$d/server.key" }
smacks_hibernation_time = 60
-- offline messages live in an archive, 10,000 items at most by default:
-- the burst tests store more while the receiver is away
storage_archive_item_limit = 100000

VirtualHost "$XT_DOMAIN"
VirtualHost "$XT_NOSM"
	modules_disabled = { "smacks" }
VirtualHost "$XT_WRONG"
	ssl = { certificate = "$d/wrong.pem"; key = "$d/wrong.key" }
VirtualHost "$XT_EXPIRED"
	ssl = { certificate = "$d/expired.pem"; key = "$d/expired.key" }
Component "$XT_MUC" "muc"
	muc_room_locking = false
	restrict_room_creation = false
EOF
}

xt_write_client_config() {
	d=$1
	umask 077
	cat >"$d/config" <<EOF
# xmpputils accounts for one test run (tests/server.sh)
server = 127.0.0.1
port = $XT_PORT
cafile = $d/ca.pem

[alice]
jid = alice@$XT_DOMAIN
password = $XT_PASS

[bob]
jid = bob@$XT_DOMAIN
password = $XT_PASS

[carol]
jid = carol@$XT_DOMAIN
password = $XT_PASS

[dave]
jid = dave@$XT_NOSM
password = $XT_PASS
EOF
	# xroster's own: t-xroster.sh changes their rosters, no one else's
	for u in $XT_ROSTER_USERS; do
		printf '\n[%s]\njid = %s@%s\npassword = %s\n' \
		    "$u" "$u" "$XT_DOMAIN" "$XT_PASS" >>"$d/config"
	done
	umask 022
}

server_start() {
	# as root, /tmp: the prosody user must reach the directory, and a
	# TMPDIR under /root would not let it
	if [ "$(id -u)" -eq 0 ]; then
		XT_DIR=$(mktemp -d /tmp/xmpputils-test.XXXXXX) || return 1
	else
		XT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xmpputils-test.XXXXXX") || return 1
	fi
	chmod 755 "$XT_DIR"
	set -- $("$XT_NETTOOL" freeport 2) || return 1
	XT_PORT=$1 XT_TLS_PORT=$2
	XT_PASS=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	XT_CA=$XT_DIR/ca.pem
	XT_CONFIG=$XT_DIR/config
	mkdir -p "$XT_DIR/data" "$XT_DIR/run"
	xt_make_certs "$XT_DIR" || { xt_log "server.sh: openssl failed"; return 1; }
	xt_write_prosody_config "$XT_DIR"
	xt_write_client_config "$XT_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R prosody:prosody "$XT_DIR/data" "$XT_DIR/run"
		chown prosody "$XT_DIR/server.key" "$XT_DIR/wrong.key" \
		    "$XT_DIR/expired.key"
	fi
	for u in alice@$XT_DOMAIN bob@$XT_DOMAIN carol@$XT_DOMAIN dave@$XT_NOSM \
	    $(printf "%s@$XT_DOMAIN " $XT_ROSTER_USERS); do
		$XT_AS_PROSODY prosodyctl --config "$XT_DIR/prosody.cfg.lua" \
		    register "${u%@*}" "${u#*@}" "$XT_PASS" \
		    >>"$XT_DIR/run/prosodyctl.log" 2>&1 || {
			xt_log "server.sh: prosodyctl register $u failed:"
			cat "$XT_DIR/run/prosodyctl.log" >&2
			return 1
		}
	done
	server_run || return 1
	export XT_DIR XT_PORT XT_TLS_PORT XT_DOMAIN XT_NOSM XT_MUC XT_WRONG \
	    XT_EXPIRED XT_CA XT_CONFIG XT_PASS XT_PID XT_ROSTER_USERS
}

# server_run: starts Prosody on the set-up directory and waits for it.
server_run() {
	# Prosody outlives what the test opens: it must hold none of it (a
	# pipe's write end held here would keep its reader from ever ending)
	local fd closes=
	for fd in /proc/$$/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && closes="$closes $fd>&-"
	done
	eval "\$XT_AS_PROSODY prosody --config \"\$XT_DIR/prosody.cfg.lua\" -F \
	    >>\"\$XT_DIR/run/prosody.out\" 2>&1 $closes &"
	XT_PID=$!
	if ! "$XT_NETTOOL" waitport "$XT_PORT" 20 ||
	    ! "$XT_NETTOOL" waitport "$XT_TLS_PORT" 20; then
		xt_log "server.sh: Prosody did not come up; its log:"
		cat "$XT_DIR/run/prosody.out" "$XT_DIR/run/prosody.log" >&2 2>/dev/null
		server_stop
		return 1
	fi
	export XT_PID
}

# server_kill SIGNAL: stops Prosody with SIGNAL (TERM: gracefully; KILL:
# as a crash would), keeping its directory for server_run.
server_kill() {
	if [ -n "${XT_PID:-}" ]; then
		kill -"$1" "$XT_PID" 2>/dev/null
		wait "$XT_PID" 2>/dev/null
		XT_PID=
	fi
}

server_stop() {
	if [ -n "${XT_PID:-}" ]; then
		kill "$XT_PID" 2>/dev/null
		wait "$XT_PID" 2>/dev/null
		XT_PID=
	fi
	if [ -n "${XT_DIR:-}" ] && [ -z "${XT_KEEP:-}" ]; then
		rm -rf "$XT_DIR"
	fi
}
