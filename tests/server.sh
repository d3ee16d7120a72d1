# server.sh: a throwaway Prosody on loopback, for the tests, the demo and
# the benchmarks. Source it, then:
#
#   server_start      make a temporary directory, a CA and a certificate,
#                     a config, accounts; start Prosody; wait for its port
#   server_stop       stop that Prosody (by its PID) and remove the directory
#   fed_start         two more Prosodys that federate (server to server); see
#                     there. Not started by tests/run.sh: a test calls it
#   fed_stop          stop those two (by their PIDs), remove their directory
#   server13_start    a Prosody 13 with SASL2, Bind2, FAST and SSDP (from the
#                     cache of tests/deps.sh); see there. A test calls it
#   server13_stop     stop it (by its PID), remove its directory
#   upload_start [LIMIT_BYTES]
#                     a Prosody with HTTP File Upload (XEP-0363) on its
#                     hosts, over HTTPS and plain HTTP; see there. A test
#                     or the bench calls it
#   upload_stop       stop it and its relay (by their PIDs), remove its
#                     directory
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

# xt_make_ca DIR: a test CA, DIR/ca.pem and its key DIR/ca.key. It and
# the certificates below last XT_CERT_DAYS days (2): t-recipes.sh checks
# with the README's thresholds for expiry, 21 days and 7.
xt_make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/ca.key" -out "$1/ca.pem" -days "${XT_CERT_DAYS:-2}" \
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
	    -CAkey "$ca/ca.key" -CAserial "$d/ca.srl" -CAcreateserial \
	    -days "${XT_CERT_DAYS:-2}" \
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

# xt_prosody_config DIR ADDR C2S TLS S2S DISABLED SSL [HTTP HTTPS]:
# DIR/prosody.cfg.lua, what every test Prosody shares, then its standard
# input (the server's own settings and hosts). It listens on ADDR alone:
# c2s (STARTTLS) on the ports C2S, direct TLS on TLS, s2s on S2S, HTTP and
# HTTPS on those (each a Lua list's items; empty or absent: none); DISABLED
# is its modules_disabled, SSL its ssl table, braces aside.
xt_prosody_config() {
	local d=$1 addr=$2 c2s=$3 tls=$4 s2s=$5 off=$6 ssl=$7 http=${8:-} \
	    https=${9:-}
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
http_ports = { $http }
https_ports = { $https }
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
# the data of DIR's Prosody (which need not be running); with
# XT_PROSODYCTL's prosodyctl if set (Prosody 13's, for its own stores)
xt_register() {
	local d=$1 pass=$2 u ctl=${XT_PROSODYCTL:-prosodyctl}
	shift 2
	for u; do
		$XT_AS_PROSODY "$ctl" --config "$d/prosody.cfg.lua" \
		    register "${u%@*}" "${u#*@}" "$pass" \
		    >>"$d/run/prosodyctl.log" 2>&1 || {
			xt_log "server.sh: $ctl register $u failed:"
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

# xt_closes: the redirections that close every descriptor of this shell
# above 2, for a server started in the background: it outlives what the
# test opens and must hold none of it (a pipe's write end held there would
# keep its reader from ever ending)
xt_closes() {
	local fd closes=
	for fd in /proc/$$/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && closes="$closes $fd>&-"
	done
	printf '%s\n' "$closes"
}

# xt_prosody_bg DIR [PROSODY]: starts Prosody (PROSODY: another one, such
# as Prosody 13's script) on DIR's config, in the background; sets xt_pid
# to its PID
xt_prosody_bg() {
	eval "\$XT_AS_PROSODY \"\${2:-prosody}\" --config \"\$1/prosody.cfg.lua\" \
	    -F >>\"\$1/run/prosody.out\" 2>&1 $(xt_closes) &"
	xt_pid=$!
}

# xt_prosody_wait DIR [ADDR:]PORT...: waits until DIR's Prosody listens on
# each; if it does not within 20 s, shows its log and fails
xt_prosody_wait() {
	local d=$1
	shift
	"$XT_NETTOOL" waitport "$@" 20 && return 0
	xt_log "server.sh: Prosody did not come up; its log:"
	cat "$d/run/prosody.out" "$d/run/prosody.log" >&2 2>/dev/null
	return 1
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

# --- a federated pair: fed_start, fed_stop
#
# fed_start starts two more Prosodys that federate, server to server, over
# loopback: FED_A (fed-a.test) and FED_B (fed-b.test). Each listens on an
# address of its own, 127.R1.R2.2 and 127.R1.R2.3 with R1 and R2 drawn at
# random, since both take s2s on port 5269 (and so do those of another test
# run on the machine, such as a SANITIZE=1 one at the same time). They find
# each other through FED_DIR/hosts, read by libunbound (Prosody reads no
# /etc/hosts); any other name under .test, such as no-such-domain.test, is
# NXDOMAIN at once (RFC 6761: a zone of unbound's own), and anything else
# is asked of nobody but a closed port on 127.0.0.1. They authenticate each
# other by certificate alone (s2s_secure_auth; no dialback), certificates
# signed by the suite's CA (XT_CA, when XT_DIR holds its key; else a CA of
# FED_DIR's). Sets and exports:
#   FED_A FED_B             the two domains
#   FED_A_ADDR FED_B_ADDR   their addresses
#   FED_A_PORT FED_B_PORT   their c2s ports (STARTTLS); s2s is on 5269
#   FED_A_PID FED_B_PID     their Prosodys
#   FED_A_LOG FED_B_LOG     their Prosodys' logs
#   FED_DIR                 the temporary directory: a/ and b/, one for
#                           each Prosody, and the hosts file
#   FED_CA                  the CA that signed both servers' certificates
#   FED_PASS                the password of every account
#   FED_CONFIG              a client config with the accounts a-alice,
#                           a-bob, a-carol (alice@fed-a.test...) and b-alice,
#                           b-bob, b-carol (alice@fed-b.test...), each with
#                           its server, port and cafile
#   FED_START_MS            how long fed_start took, in milliseconds
# A test that calls fed_start stops the pair on its way out:
#   trap 'fed_stop; xt_cleanup' EXIT
FED_A=fed-a.test
FED_B=fed-b.test
FED_USERS="alice bob carol"

# fed_pick: FED_A_ADDR and FED_B_ADDR at random, and a c2s port each;
# fails if any of those ports or 5269 is taken on its address
fed_pick() {
	local r1=$((SRANDOM % 254 + 1)) r2=$((SRANDOM % 254 + 1))
	FED_A_ADDR=127.$r1.$r2.2 FED_B_ADDR=127.$r1.$r2.3
	set -- $("$XT_NETTOOL" freeport 2)
	FED_A_PORT=${1:-} FED_B_PORT=${2:-}
	[ -n "$FED_B_PORT" ] || return 1
	"$XT_NETTOOL" canbind "$FED_A_ADDR:$FED_A_PORT" "$FED_A_ADDR:5269" \
	    "$FED_B_ADDR:$FED_B_PORT" "$FED_B_ADDR:5269"
}

# fed_config a|b DOMAIN ADDR PORT: that Prosody's config
fed_config() {
	local d=$FED_DIR/$1
	xt_prosody_config "$d" "$3" "$4" "" 5269 '"dialback"; "limits"; "posix"' \
	    "certificate = \"$d/server.pem\"; key = \"$d/server.key\"; cafile = \"$FED_CA\"" <<FED
-- s2s on: the other of the pair is trusted by its certificate alone, one
-- from FED_CA (no dialback: it is disabled above)
s2s_secure_auth = true
s2s_require_encryption = true
-- names from the test's own hosts file, not /etc's
unbound = {
	hoststxt = "$FED_DIR/hosts"; resolvconf = false;
	forward = "127.0.0.1@1"; options = { ["do-not-query-localhost"] = "no" };
}

VirtualHost "$2"
FED
}

# fed_configs: the hosts file, both Prosodys' configs and FED_CONFIG, for
# the addresses and ports fed_pick chose
fed_configs() {
	local u
	printf '127.0.0.1 localhost\n%s %s\n%s %s\n' \
	    "$FED_A_ADDR" "$FED_A" "$FED_B_ADDR" "$FED_B" >"$FED_DIR/hosts"
	fed_config a "$FED_A" "$FED_A_ADDR" "$FED_A_PORT"
	fed_config b "$FED_B" "$FED_B_ADDR" "$FED_B_PORT"
	umask 077
	{
		echo "# xmpputils accounts on a federated pair (tests/server.sh)"
		for u in $FED_USERS; do
			xt_account "a-$u" "$u@$FED_A" "$FED_PASS" server \
			    "$FED_A_ADDR" port "$FED_A_PORT" cafile "$FED_CA"
		done
		for u in $FED_USERS; do
			xt_account "b-$u" "$u@$FED_B" "$FED_PASS" server \
			    "$FED_B_ADDR" port "$FED_B_PORT" cafile "$FED_CA"
		done
	} >"$FED_CONFIG"
	umask 022
}

# fed_up LOG ADDR PORT: whether the Prosody of LOG listens on ADDR's c2s
# PORT and on 5269 itself: a listener found there could be another's, one
# that took the port since fed_pick looked (Prosody then says "Failed to
# open server port" and goes on without it). Prosody logs the line a line
# at a time, right after it binds a service's ports.
fed_up() {
	# (one line each: this address is new to the log)
	[ "$(grep -cF -e "Activated service 'c2s' on [$2]:$3" \
	    -e "Activated service 's2s' on [$2]:5269" "$1")" -eq 2 ] && return 0
	xt_log "server.sh: a port on $2 was not ours:"
	grep -F "portmanager" "$1" >&2
	return 1
}

# fed_wait: waits for both Prosodys' four ports; fails if either does not
# come up, or did not bind them all
fed_wait() {
	xt_prosody_wait "$FED_DIR/a" "$FED_A_ADDR:$FED_A_PORT" \
	    "$FED_A_ADDR:5269" &&
	    xt_prosody_wait "$FED_DIR/b" "$FED_B_ADDR:$FED_B_PORT" \
	    "$FED_B_ADDR:5269" &&
	    fed_up "$FED_A_LOG" "$FED_A_ADDR" "$FED_A_PORT" &&
	    fed_up "$FED_B_LOG" "$FED_B_ADDR" "$FED_B_PORT"
}

# fed_both CMD ARGS_A -- ARGS_B: CMD ARGS_A and CMD ARGS_B at once (half
# the time on two cores); fails if either does
fed_both() {
	local cmd=$1 a=() pid rc
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	"$cmd" "${a[@]}" &
	pid=$!
	"$cmd" "$@"
	rc=$?
	wait "$pid" && [ "$rc" -eq 0 ]
}

fed_start() {
	local t0=${EPOCHREALTIME/./} cadir try up= registered=
	FED_DIR=$(xt_tmpdir xmpputils-fed) || return 1
	FED_PASS=$(xt_password)
	FED_CONFIG=$FED_DIR/config
	FED_A_LOG=$FED_DIR/a/run/prosody.log FED_B_LOG=$FED_DIR/b/run/prosody.log
	FED_A_PID= FED_B_PID=
	if [ -r "${XT_DIR:-}/ca.key" ]; then
		cadir=$XT_DIR
	else
		cadir=$FED_DIR
		xt_make_ca "$cadir" || { xt_log "server.sh: openssl failed"; return 1; }
	fi
	FED_CA=$cadir/ca.pem
	mkdir -p "$FED_DIR/a/data" "$FED_DIR/a/run" "$FED_DIR/b/data" \
	    "$FED_DIR/b/run"
	fed_both xt_make_cert "$cadir" "$FED_DIR/a" server "$FED_A" -- \
	    "$cadir" "$FED_DIR/b" server "$FED_B" ||
	    { xt_log "server.sh: openssl failed"; return 1; }
	xt_give "$FED_DIR/a" "$FED_DIR/a/server.key"
	xt_give "$FED_DIR/b" "$FED_DIR/b/server.key"
	for try in 1 2 3; do
		fed_pick || continue
		fed_configs
		# (before the servers start: with them, on two cores, the
		# registrations take longer than the servers save)
		if [ -z "$registered" ]; then
			fed_both xt_register "$FED_DIR/a" "$FED_PASS" \
			    $(printf "%s@$FED_A " $FED_USERS) -- \
			    "$FED_DIR/b" "$FED_PASS" \
			    $(printf "%s@$FED_B " $FED_USERS) || break
			registered=1
		fi
		xt_prosody_bg "$FED_DIR/a"
		FED_A_PID=$xt_pid
		xt_prosody_bg "$FED_DIR/b"
		FED_B_PID=$xt_pid
		fed_wait && { up=1; break; }
		xt_log "server.sh: fed_start: try $try failed; again elsewhere"
		fed_kill
	done
	[ -n "$up" ] || {
		xt_log "server.sh: fed_start: no pair came up (see above)"
		fed_kill
		return 1
	}
	FED_START_MS=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	export FED_A FED_B FED_A_ADDR FED_B_ADDR FED_A_PORT FED_B_PORT \
	    FED_A_PID FED_B_PID FED_A_LOG FED_B_LOG FED_DIR FED_CA FED_PASS \
	    FED_CONFIG FED_START_MS
}

fed_kill() {
	xt_prosody_kill TERM "${FED_A_PID:-}"
	xt_prosody_kill TERM "${FED_B_PID:-}"
	FED_A_PID= FED_B_PID=
}

fed_stop() {
	fed_kill
	if [ -n "${FED_DIR:-}" ] && [ -z "${XT_KEEP:-}" ]; then
		rm -rf "$FED_DIR"
	fi
}

# --- Prosody 13, for modern login: server13_start, server13_stop
#
# server13_start starts a Prosody 13 (tests/deps.sh unpacked it from
# bookworm-backports into a cache: never installed) with SASL2 (XEP-0388),
# Bind2 (XEP-0386), FAST (XEP-0484) and SSDP (XEP-0474) on loopback, one
# port for STARTTLS and one for direct TLS, and four hosts on them:
#   X13_DOMAIN   xmpputils.test: sasl2, sasl2_bind2, sasl2_sm, sasl2_fast,
#                sasl_ssdp, and stream management as server_start's has;
#                passwords stored for SCRAM-SHA-1
#   X13_SHA256   sha256.xmpputils.test: the same, passwords stored for
#                SCRAM-SHA-256, which is then what it offers (-PLUS too)
#   X13_NOSSDP   nossdp.xmpputils.test: as X13_DOMAIN, without SSDP
#   X13_CLASSIC  classic.xmpputils.test: without SASL2 and its modules:
#                classic SASL, Prosody 13's
# One certificate names them all; tls_server_end_point_hash is the hex of
# the SHA-256 of its DER (13.0.1's "auto" works on a first connection
# only). X13_FAST_TTL and X13_FAST_MIN_TTL, when set, are
# sasl2_fast_token_ttl and sasl2_fast_token_min_ttl, in seconds (Prosody's
# defaults: 21 days, 1 day), for a test that wants tokens to expire.
#
# Sets and exports:
#   X13_DIR       the temporary directory (config, data; run/: the logs)
#   X13_PORT      c2s with STARTTLS, on 127.0.0.1
#   X13_TLS_PORT  c2s with direct TLS (XEP-0368), on 127.0.0.1
#   X13_PID       the Prosody
#   X13_LOG       its log (XT_LOGLEVEL=debug for more)
#   X13_CA        the CA certificate that signed its certificate: XT_CA
#                 when XT_DIR holds the CA's key, else one of X13_DIR's
#   X13_CADIR     where that CA's key is, for xt_make_cert
#   X13_CERT      the server's certificate; X13_CERT_HASH, the hex SHA-256
#                 of its DER
#   X13_MITM_CERT X13_MITM_KEY  another certificate for the four hosts,
#                 from the same CA: a man in the middle the client trusts
#                 (tests/mitm.py)
#   X13_PASS      the password of every account
#   X13_CONFIG    an xmpputils config (server 127.0.0.1, port X13_PORT,
#                 cafile X13_CA) with the accounts
#                   alice bob carol                          X13_DOMAIN
#                   s256-alice s256-bob s256-carol           X13_SHA256
#                   nossdp-alice nossdp-bob nossdp-carol     X13_NOSSDP
#                   classic-alice classic-bob classic-carol  X13_CLASSIC
#                 (the JIDs' local parts are alice, bob and carol on each)
#   X13_PROSODY X13_PROSODYCTL  Prosody 13's two scripts, in the cache
#   X13_DOMAIN X13_SHA256 X13_NOSSDP X13_CLASSIC
#
# Without Prosody 13 in the cache (deps.sh had no network), server13_start
# returns 2 and sets X13_WHY, and a test skips; server13_skip does it all:
# it starts the server, or prints a skipping plan and exits. XT_NEED13=1
# (the CI's) makes that a failure instead. A test that starts it stops it
# on its way out:
#   trap 'server13_stop; xt_cleanup' EXIT
X13_DOMAIN=xmpputils.test
X13_SHA256=sha256.xmpputils.test
X13_NOSSDP=nossdp.xmpputils.test
X13_CLASSIC=classic.xmpputils.test
X13_USERS="alice bob carol"

# x13_cache: where tests/deps.sh puts Prosody 13 (it says)
x13_cache() { sh "$XT_BIN/tests/deps.sh" --cache; }

# x13_available: whether Prosody 13 is there; X13_WHY says why not
x13_available() {
	local c
	c=$(x13_cache)
	X13_PROSODY=$c/bin/prosody13 X13_PROSODYCTL=$c/bin/prosodyctl13
	X13_WHY=
	[ -x "$X13_PROSODY" ] && [ -x "$X13_PROSODYCTL" ] && return 0
	X13_WHY="no Prosody 13 in $c (tests/deps.sh fetches it from bookworm-backports: no network when it ran?)"
	return 1
}

# x13_prosody_config: X13_DIR/prosody.cfg.lua
x13_prosody_config() {
	local d=$X13_DIR ttl=
	local sasl2='"sasl2"; "sasl2_bind2"; "sasl2_sm"; "sasl2_fast"'
	[ -n "${X13_FAST_TTL:-}" ] &&
	    ttl="sasl2_fast_token_ttl = $X13_FAST_TTL"
	[ -n "${X13_FAST_MIN_TTL:-}" ] &&
	    ttl="$ttl
sasl2_fast_token_min_ttl = $X13_FAST_MIN_TTL"
	xt_prosody_config "$d" 127.0.0.1 "$X13_PORT" "$X13_TLS_PORT" "" \
	    '"s2s"; "dialback"; "limits"; "posix"' \
	    "certificate = \"$d/server.pem\"; key = \"$d/server.key\"" <<EOF
-- Prosody 13, for modern login (tests/server.sh's server13_start)
tls_server_end_point_hash = "$X13_CERT_HASH"
$ttl

VirtualHost "$X13_DOMAIN"
	modules_enabled = { $sasl2; "sasl_ssdp" }
VirtualHost "$X13_SHA256"
	modules_enabled = { $sasl2; "sasl_ssdp" }
	password_hash = "SHA-256"
VirtualHost "$X13_NOSSDP"
	modules_enabled = { $sasl2 }
VirtualHost "$X13_CLASSIC"
EOF
}

x13_client_config() {
	local u h
	umask 077
	{
		cat <<EOF
# xmpputils accounts on Prosody 13 (tests/server.sh's server13_start)
server = 127.0.0.1
port = $X13_PORT
cafile = $X13_CA
EOF
		for h in "=$X13_DOMAIN" "s256-=$X13_SHA256" \
		    "nossdp-=$X13_NOSSDP" "classic-=$X13_CLASSIC"; do
			for u in $X13_USERS; do
				xt_account "${h%%=*}$u" "$u@${h#*=}" "$X13_PASS"
			done
		done
	} >"$X13_CONFIG"
	umask 022
}

# x13_certs: the CA (XT_DIR's when it has one), the server's certificate,
# the man in the middle's, and the hash of the server's
x13_certs() {
	local hosts="$X13_DOMAIN $X13_SHA256 $X13_NOSSDP $X13_CLASSIC"
	if [ -r "${XT_DIR:-}/ca.key" ]; then
		X13_CADIR=$XT_DIR
	else
		X13_CADIR=$X13_DIR
		xt_make_ca "$X13_CADIR" || return 1
	fi
	X13_CA=$X13_CADIR/ca.pem
	X13_CERT=$X13_DIR/server.pem
	X13_MITM_CERT=$X13_DIR/mitm.pem X13_MITM_KEY=$X13_DIR/mitm.key
	xt_make_cert "$X13_CADIR" "$X13_DIR" server "$X13_DOMAIN" $hosts &&
	    xt_make_cert "$X13_CADIR" "$X13_DIR" mitm "$X13_DOMAIN" $hosts ||
	    return 1
	# (RFC 5929: SHA-256 for a certificate signed with ecdsa-with-SHA256)
	X13_CERT_HASH=$(openssl x509 -in "$X13_CERT" -outform DER |
	    openssl dgst -sha256 -hex | sed 's/^.*= *//')
	[ ${#X13_CERT_HASH} -eq 64 ]
}

server13_start() {
	local u users=
	if ! x13_available; then
		[ "${XT_NEED13:-}" = 1 ] || return 2
		xt_log "server.sh: $X13_WHY; XT_NEED13=1: a failure"
		return 1
	fi
	X13_DIR=$(xt_tmpdir xmpputils-p13) || return 1
	set -- $("$XT_NETTOOL" freeport 2) || return 1
	X13_PORT=$1 X13_TLS_PORT=$2
	X13_PASS=$(xt_password)
	X13_CONFIG=$X13_DIR/config
	X13_LOG=$X13_DIR/run/prosody.log
	X13_PID=
	# (certs/: Prosody 13 looks there, and logs an error when it is not)
	mkdir -p "$X13_DIR/data" "$X13_DIR/run" "$X13_DIR/certs"
	x13_certs || { xt_log "server.sh: openssl failed"; return 1; }
	x13_prosody_config
	x13_client_config
	xt_give "$X13_DIR" "$X13_DIR/server.key"
	# (the config first: the SHA-256 host keeps SCRAM-SHA-256 keys for
	# accounts registered once it says so)
	for u in $X13_USERS; do
		users="$users $u@$X13_DOMAIN $u@$X13_SHA256 $u@$X13_NOSSDP"
		users="$users $u@$X13_CLASSIC"
	done
	XT_PROSODYCTL=$X13_PROSODYCTL xt_register "$X13_DIR" "$X13_PASS" \
	    $users || return 1
	xt_prosody_bg "$X13_DIR" "$X13_PROSODY"
	X13_PID=$xt_pid
	if ! xt_prosody_wait "$X13_DIR" "$X13_PORT" "$X13_TLS_PORT"; then
		server13_stop
		return 1
	fi
	export X13_DIR X13_PORT X13_TLS_PORT X13_PID X13_LOG X13_CA X13_CADIR \
	    X13_CERT X13_CERT_HASH X13_MITM_CERT X13_MITM_KEY X13_PASS \
	    X13_CONFIG X13_PROSODY X13_PROSODYCTL X13_DOMAIN X13_SHA256 \
	    X13_NOSSDP X13_CLASSIC
}

# server13_skip: server13_start; without Prosody 13, the plan of a
# skipped test file, and exit
server13_skip() {
	server13_start
	case $? in
	0) return 0;;
	2) echo "1..0 # SKIP $X13_WHY"; exit 0;;
	*) echo "# server13_start failed"; exit 1;;
	esac
}

server13_stop() {
	xt_prosody_kill TERM "${X13_PID:-}"
	X13_PID=
	if [ -n "${X13_DIR:-}" ] && [ -z "${XT_KEEP:-}" ]; then
		rm -rf "$X13_DIR"
	fi
}

# --- HTTP File Upload (XEP-0363): upload_start, upload_stop
#
# upload_start [LIMIT_BYTES] starts a Prosody 0.12 of its own (directory,
# ports, CA) whose hosts each have, or lack, an upload service: a
# Component share.HOST of Prosody's core mod_http_file_share, which
# mod_disco lists in HOST's disco#items (a subdomain's component is). Its
# HTTP server listens on 127.0.0.1 only, HTTPS and plain; the slots' URLs
# name localhost, and every component is told to answer for it
# (http_host), each under a path of its own (http_paths). The hosts:
#   files.test   share.files.test: slots up to LIMIT_BYTES (default 8 MiB,
#                8388608), PUT and GET over https://localhost:XU_UP_HTTPS/
#   plain.test   share.plain.test: the same over plain http, XU_UP_HTTP
#   stall.test   share.stall.test: its URLs name a relay (tests/nettool.c)
#                in front of the HTTPS port that passes 1 MiB (1048576
#                bytes) of what each connection's client sends, then
#                stalls it, both ways, and keeps it open: a PUT that hangs
#                (the client's socket buffer still takes some MB more:
#                curl saw 3.8 MB of 5 MB go out before it stopped)
#   picky.test   share.picky.test: image/png only; a slot for anything
#                else is refused (not-acceptable, "File type not allowed")
#   broken.test  share.broken.test: its URLs have a path the HTTP server
#                does not serve, so a PUT gets a 404
#   bare.test    no upload service at all
# Messages between the hosts are delivered within the one Prosody (no
# s2s): alice@stall.test reaches bob@files.test.
#
# Sets and exports:
#   XU_UP_DIR     the temporary directory (config, data; run/: the logs,
#                 and relay.out, the relay's "conn N" and "stalled N")
#   XU_UP_PID     the Prosody; XU_UP_RELAY_PID, the relay
#   XU_UP_PORT    c2s with STARTTLS, on 127.0.0.1
#   XU_UP_HTTPS   the HTTPS port; XU_UP_HTTP, the plain HTTP one;
#                 XU_UP_RELAY, the stalling relay's
#   XU_UP_CA      the CA that signed the server's certificate (for every
#                 host and DNS:localhost)
#   XU_UP_CONFIG  an xmpputils config (0600; server 127.0.0.1, port
#                 XU_UP_PORT, cafile XU_UP_CA) with the accounts
#                   alice bob    alice@ and bob@files.test
#                   plain stall picky broken bare
#                                alice@ the host of that name (.test)
#   XU_UP_PASS    the password of every account (alice and bob on each
#                 host)
#   XU_UP_LIMIT   the size limit of files.test's service, in bytes (the
#                 other services have the same)
# A test that starts it stops it on its way out:
#   trap 'upload_stop; xt_cleanup' EXIT
XU_UP_HOSTS="files.test plain.test stall.test picky.test broken.test bare.test"
XU_UP_STALL=1048576

# up_share HOST PATH URL [OPTION...]: the upload component of HOST, its
# routes under PATH on localhost, URL its slots' base
up_share() {
	local host=$1 path=$2 url=$3 opt
	shift 3
	cat <<EOF
Component "share.$host" "http_file_share"
	http_host = "localhost"
	http_paths = { file_share = "/$path" }
	http_external_url = "$url"
	http_file_share_size_limit = $XU_UP_LIMIT
	-- (the default, 10 times the limit a day, would stop the bench)
	http_file_share_daily_quota = $((XU_UP_LIMIT * 1000))
EOF
	for opt; do printf '\t%s\n' "$opt"; done
}

up_prosody_config() {
	local d=$XU_UP_DIR h tls https=https://localhost:$XU_UP_HTTPS/
	tls="certificate = \"$d/server.pem\"; key = \"$d/server.key\""
	{
		cat <<EOF
-- HTTP File Upload (tests/server.sh's upload_start)
http_interfaces = { "127.0.0.1" }
https_interfaces = { "127.0.0.1" }
https_ssl = { $tls }
-- No http_max_content_size: it bounds the bodies Prosody buffers (10 MiB
-- by default), and mod_http_file_share streams a larger one to its file
-- as it comes (a 50 MB PUT passes). One smaller is buffered whole first.
-- Its HTTP takes about 3.4 MB/s on loopback, HTTPS or not: it reads 8 kB
-- an event-loop turn and waits a millisecond between (network_settings'
-- read_size and min_wait change nothing), so an upload's rate is bound
-- by the server, not by the client.

EOF
		for h in $XU_UP_HOSTS; do printf 'VirtualHost "%s"\n' "$h"; done
		up_share files.test files "$https"
		up_share plain.test plain "http://localhost:$XU_UP_HTTP/"
		up_share stall.test stall "https://localhost:$XU_UP_RELAY/"
		up_share picky.test picky "$https" \
		    'http_file_share_allowed_file_types = { "image/png" }'
		up_share broken.test broken "${https}nothere/"
	} | xt_prosody_config "$d" 127.0.0.1 "$XU_UP_PORT" "" "" \
	    '"s2s"; "dialback"; "limits"; "posix"' "$tls" "$XU_UP_HTTP" \
	    "$XU_UP_HTTPS"
}

up_client_config() {
	local h
	umask 077
	{
		cat <<EOF
# xmpputils accounts with HTTP File Upload (tests/server.sh's upload_start)
server = 127.0.0.1
port = $XU_UP_PORT
cafile = $XU_UP_CA
EOF
		xt_account alice "alice@files.test" "$XU_UP_PASS"
		xt_account bob "bob@files.test" "$XU_UP_PASS"
		for h in plain stall picky broken bare; do
			xt_account "$h" "alice@$h.test" "$XU_UP_PASS"
		done
	} >"$XU_UP_CONFIG"
	umask 022
}

# up_relay: the relay that stalls, on XU_UP_RELAY. Its stdin is a FIFO it
# holds open itself, both ends (<>), so it never reads an end there and
# lives until upload_stop; a test may still write commands to it.
up_relay() {
	local d=$XU_UP_DIR
	mkfifo "$d/run/relay.in" || return 1
	eval "\"\$XT_NETTOOL\" relay \"\$XU_UP_HTTPS\" --listen \"\$XU_UP_RELAY\" \
	    --stall-after \"\$XU_UP_STALL\" <>\"\$d/run/relay.in\" \
	    >\"\$d/run/relay.out\" 2>\"\$d/run/relay.err\" $(xt_closes) &"
	XU_UP_RELAY_PID=$!
}

upload_start() {
	local h users=
	XU_UP_LIMIT=${1:-8388608}
	XU_UP_DIR=$(xt_tmpdir xmpputils-up) || return 1
	set -- $("$XT_NETTOOL" freeport 4) || return 1
	XU_UP_PORT=$1 XU_UP_HTTPS=$2 XU_UP_HTTP=$3 XU_UP_RELAY=$4
	XU_UP_PASS=$(xt_password)
	XU_UP_CA=$XU_UP_DIR/ca.pem
	XU_UP_CONFIG=$XU_UP_DIR/config
	XU_UP_PID= XU_UP_RELAY_PID=
	# (certs/: Prosody looks there for localhost's, and logs an error
	# when it is not)
	mkdir -p "$XU_UP_DIR/data" "$XU_UP_DIR/run" "$XU_UP_DIR/certs"
	xt_make_ca "$XU_UP_DIR" &&
	    xt_make_cert "$XU_UP_DIR" "$XU_UP_DIR" server files.test \
	    localhost $XU_UP_HOSTS ||
	    { xt_log "server.sh: openssl failed"; return 1; }
	up_prosody_config
	up_client_config
	xt_give "$XU_UP_DIR" "$XU_UP_DIR/server.key"
	for h in $XU_UP_HOSTS; do users="$users alice@$h bob@$h"; done
	xt_register "$XU_UP_DIR" "$XU_UP_PASS" $users || return 1
	up_relay || return 1
	xt_prosody_bg "$XU_UP_DIR"
	XU_UP_PID=$xt_pid
	if ! xt_prosody_wait "$XU_UP_DIR" "$XU_UP_PORT" "$XU_UP_HTTPS" \
	    "$XU_UP_HTTP" "$XU_UP_RELAY"; then
		upload_stop
		return 1
	fi
	export XU_UP_DIR XU_UP_PID XU_UP_RELAY_PID XU_UP_PORT XU_UP_HTTPS \
	    XU_UP_HTTP XU_UP_RELAY XU_UP_CA XU_UP_CONFIG XU_UP_PASS XU_UP_LIMIT
}

# up_xml TEXT: TEXT as an XML attribute's value (in single quotes) has it
up_xml() {
	printf '%s' "$1" |
	    sed "s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/'/\&apos;/g"
}

# up_unxml: standard input with the XML entities Prosody writes undone
up_unxml() {
	sed "s/&lt;/</g; s/&gt;/>/g; s/&quot;/\"/g; s/&apos;/'/g; s/&amp;/\&/g"
}

# up_slot ACCOUNT SERVICE NAME SIZE TYPE: asks SERVICE (share.files.test)
# for a slot, as ACCOUNT of XU_UP_CONFIG, with build/xraw; prints the PUT
# URL, the Authorization header's value and the GET URL, one a line. A
# refusal: the server's error stanza on stderr, and 1.
up_slot() {
	local out put auth get
	out=$(printf "<iq type='get' to='%s'><request xmlns='urn:xmpp:http:upload:0' filename='%s' size='%s' content-type='%s'/></iq>\n" \
	    "$2" "$(up_xml "$3")" "$4" "$(up_xml "$5")" |
	    "${XU_BUILD:-build}/xraw" -f "$XU_UP_CONFIG" -T 10 -a "$1")
	put=$(printf '%s\n' "$out" | sed -n "s/.*<put url='\([^']*\)'.*/\1/p")
	auth=$(printf '%s\n' "$out" |
	    sed -n "s/.*<header name='Authorization'>\([^<]*\)<.*/\1/p")
	get=$(printf '%s\n' "$out" | sed -n "s/.*<get url='\([^']*\)'.*/\1/p")
	if [ -z "$put" ] || [ -z "$get" ]; then
		printf '%s\n' "${out:-up_slot: no answer from $2}" >&2
		return 1
	fi
	printf '%s\n%s\n%s\n' "$put" "$auth" "$get" | up_unxml
}

upload_stop() {
	xt_prosody_kill TERM "${XU_UP_PID:-}"
	xt_prosody_kill TERM "${XU_UP_RELAY_PID:-}"
	XU_UP_PID= XU_UP_RELAY_PID=
	if [ -n "${XU_UP_DIR:-}" ] && [ -z "${XT_KEEP:-}" ]; then
		rm -rf "$XU_UP_DIR"
	fi
}
