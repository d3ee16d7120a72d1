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

# xt_make_ca DIR: a test CA, DIR/ca.pem and its key DIR/ca.key
xt_make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/ca.key" -out "$1/ca.pem" -days 2 \
	    -subj "/CN=xmpputils test CA" >/dev/null 2>&1
}

# xt_make_cert CADIR DIR NAME CN [DNS...]: DIR/NAME.pem and DIR/NAME.key, a
# certificate for CN with the DNS names (CN's alone if none) as its
# subjectAltName, signed by the CA of xt_make_ca CADIR
xt_make_cert() {
	local ca=$1 d=$2 name=$3 cn=$4 san
	shift 4
	[ $# -gt 0 ] || set -- "$cn"
	san=$(printf ',DNS:%s' "$@")
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$name.key" -out "$d/$name.csr" \
	    -subj "/CN=$cn" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=%s\n' "${san#,}" >"$d/$name.ext"
	openssl x509 -req -in "$d/$name.csr" -CA "$ca/ca.pem" \
	    -CAkey "$ca/ca.key" -CAserial "$d/ca.srl" -CAcreateserial -days 2 \
	    -extfile "$d/$name.ext" -out "$d/$name.pem" >/dev/null 2>&1
}

xt_make_certs() {
	d=$1
	xt_make_ca "$d" || return 1
	xt_make_cert "$d" "$d" server "$XT_DOMAIN" \
	    "$XT_DOMAIN" "$XT_NOSM" "$XT_MUC" || return 1
	# for XT_WRONG: a good certificate, for some other name
	xt_make_cert "$d" "$d" wrong somebody-else.test || return 1
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

# xt_prosody_config DIR ADDR C2S TLS S2S DISABLED SSL: DIR/prosody.cfg.lua,
# what every test Prosody shares, then its standard input (the server's own
# settings and hosts). It listens on ADDR alone: c2s (STARTTLS) on the
# ports C2S, direct TLS on TLS, s2s on S2S (each a Lua list's items; empty:
# none); DISABLED is its modules_disabled, SSL its ssl table, braces aside.
xt_prosody_config() {
	local d=$1 addr=$2 c2s=$3 tls=$4 s2s=$5 off=$6 ssl=$7
	cat >"$d/prosody.cfg.lua" <<EOF
-- written by tests/server.sh for one test run
daemonize = false
pidfile = "$d/run/prosody.pid"
data_path = "$d/data"
plugin_paths = {}
log = { { levels = { min = "${XT_LOGLEVEL:-info}" }, to = "file", filename = "$d/run/prosody.log" } }
interfaces = { "$addr" }
c2s_ports = { $c2s }
c2s_direct_tls_ports = { $tls }
s2s_ports = { $s2s }
component_ports = {}
http_ports = {}
https_ports = {}
modules_enabled = {
	"roster"; "saslauth"; "tls"; "disco"; "ping"; "presence";
	"message"; "iq"; "carbons"; "smacks"; "offline"; "time"; "version";
}
-- No mod_limits (disabled here): its 10 kb/s default would throttle the
-- burst tests.
modules_disabled = { $off }
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
storage = "internal"
ssl = { $ssl }
smacks_hibernation_time = 60
-- offline messages live in an archive, 10,000 items at most by default:
-- the burst tests store more while the receiver is away
storage_archive_item_limit = 100000

EOF
	cat >>"$d/prosody.cfg.lua"
}

xt_write_prosody_config() {
	d=$1
	xt_prosody_config "$d" 127.0.0.1 "$XT_PORT" "$XT_TLS_PORT" "" \
	    '"s2s"; "dialback"; "limits"; "posix"' \
	    "certificate = \"$d/server.pem\"; key = \"$d/server.key\"" <<EOF
-- No s2s (disabled above): a message to a remote domain is bounced at
-- once, which makes the bounce tests deterministic.
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

# xt_account NAME JID PASSWORD [KEY VALUE]...: the section of a client
# config for one account, on standard output
xt_account() {
	local name=$1 jid=$2 pass=$3
	shift 3
	printf '\n[%s]\njid = %s\npassword = %s\n' "$name" "$jid" "$pass"
	while [ $# -ge 2 ]; do
		printf '%s = %s\n' "$1" "$2"
		shift 2
	done
}

xt_write_client_config() {
	d=$1
	umask 077
	{
		cat <<EOF
# xmpputils accounts for one test run (tests/server.sh)
server = 127.0.0.1
port = $XT_PORT
cafile = $d/ca.pem
EOF
		for u in alice bob carol; do
			xt_account "$u" "$u@$XT_DOMAIN" "$XT_PASS"
		done
		xt_account dave "dave@$XT_NOSM" "$XT_PASS"
		# xroster's own: t-xroster.sh changes their rosters, no one else's
		for u in $XT_ROSTER_USERS; do
			xt_account "$u" "$u@$XT_DOMAIN" "$XT_PASS"
		done
	} >"$d/config"
	umask 022
}

# xt_tmpdir NAME: makes and prints a new directory for a test Prosody; as
# root, in /tmp: the prosody user must reach the directory, and a TMPDIR
# under /root would not let it
xt_tmpdir() {
	local d
	if [ "$(id -u)" -eq 0 ]; then
		d=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
	else
		d=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || return 1
	fi
	chmod 755 "$d" && printf '%s\n' "$d"
}

xt_password() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# xt_give DIR KEY...: as root, DIR's data and run directories and the
# private keys to the prosody user, whom Prosody runs as
xt_give() {
	[ "$(id -u)" -eq 0 ] || return 0
	local d=$1
	shift
	chown -R prosody:prosody "$d/data" "$d/run" && chown prosody "$@"
}

# xt_register DIR PASSWORD USER@HOST...: the accounts, with PASSWORD, in
# the data of DIR's Prosody (which need not be running)
xt_register() {
	local d=$1 pass=$2 u
	shift 2
	for u; do
		$XT_AS_PROSODY prosodyctl --config "$d/prosody.cfg.lua" \
		    register "${u%@*}" "${u#*@}" "$pass" \
		    >>"$d/run/prosodyctl.log" 2>&1 || {
			xt_log "server.sh: prosodyctl register $u failed:"
			cat "$d/run/prosodyctl.log" >&2
			return 1
		}
	done
}

server_start() {
	XT_DIR=$(xt_tmpdir xmpputils-test) || return 1
	set -- $("$XT_NETTOOL" freeport 2) || return 1
	XT_PORT=$1 XT_TLS_PORT=$2
	XT_PASS=$(xt_password)
	XT_CA=$XT_DIR/ca.pem
	XT_CONFIG=$XT_DIR/config
	mkdir -p "$XT_DIR/data" "$XT_DIR/run"
	xt_make_certs "$XT_DIR" || { xt_log "server.sh: openssl failed"; return 1; }
	xt_write_prosody_config "$XT_DIR"
	xt_write_client_config "$XT_DIR"
	xt_give "$XT_DIR" "$XT_DIR/server.key" "$XT_DIR/wrong.key" \
	    "$XT_DIR/expired.key"
	xt_register "$XT_DIR" "$XT_PASS" alice@$XT_DOMAIN bob@$XT_DOMAIN \
	    carol@$XT_DOMAIN dave@$XT_NOSM \
	    $(printf "%s@$XT_DOMAIN " $XT_ROSTER_USERS) || return 1
	server_run || return 1
	export XT_DIR XT_PORT XT_TLS_PORT XT_DOMAIN XT_NOSM XT_MUC XT_WRONG \
	    XT_EXPIRED XT_CA XT_CONFIG XT_PASS XT_PID XT_ROSTER_USERS
}

# xt_prosody_bg DIR: starts Prosody on DIR's config, in the background;
# sets xt_pid to its PID
xt_prosody_bg() {
	# Prosody outlives what the test opens: it must hold none of it (a
	# pipe's write end held here would keep its reader from ever ending)
	local fd closes=
	for fd in /proc/$$/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && closes="$closes $fd>&-"
	done
	eval "\$XT_AS_PROSODY prosody --config \"\$1/prosody.cfg.lua\" -F \
	    >>\"\$1/run/prosody.out\" 2>&1 $closes &"
	xt_pid=$!
}

# xt_prosody_wait DIR [ADDR:]PORT...: waits until DIR's Prosody listens on
# each; if it does not within 20 s, shows its log and fails
xt_prosody_wait() {
	local d=$1 p
	shift
	for p; do
		"$XT_NETTOOL" waitport "$p" 20 && continue
		xt_log "server.sh: Prosody did not come up; its log:"
		cat "$d/run/prosody.out" "$d/run/prosody.log" >&2 2>/dev/null
		return 1
	done
}

# xt_prosody_kill SIGNAL PID: stops one Prosody of ours, and reaps it
xt_prosody_kill() {
	[ -n "$2" ] || return 0
	kill -"$1" "$2" 2>/dev/null
	wait "$2" 2>/dev/null
}

# server_run: starts Prosody on the set-up directory and waits for it.
server_run() {
	xt_prosody_bg "$XT_DIR"
	XT_PID=$xt_pid
	if ! xt_prosody_wait "$XT_DIR" "$XT_PORT" "$XT_TLS_PORT"; then
		server_stop
		return 1
	fi
	export XT_PID
}

# server_kill SIGNAL: stops Prosody with SIGNAL (TERM: gracefully; KILL:
# as a crash would), keeping its directory for server_run.
server_kill() {
	xt_prosody_kill "$1" "${XT_PID:-}"
	XT_PID=
}

server_stop() {
	server_kill TERM
	if [ -n "${XT_DIR:-}" ] && [ -z "${XT_KEEP:-}" ]; then
		rm -rf "$XT_DIR"
	fi
}

