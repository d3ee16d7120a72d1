# lib.sh: what every integration test sources. TAP on stdout, one line a
# behaviour; tests/run.sh counts the lines.
#
# Each test file runs with: XU_BUILD (the binaries), the XT_* variables of
# tests/server.sh (a Prosody already up), and T, a scratch directory.

set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/xmpputils-t.XXXXXX")
trap 'xt_cleanup' EXIT
_n=0
_bg=

xt_cleanup() {
	local p
	for p in $_bg; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}

# The plan comes last: a test file that dies early prints none, and
# tests/run.sh counts that as a failure.
done_testing() { echo "1..$_n"; }

ok() {	# ok STATUS NAME [DIAGNOSTIC...]
	local status=$1 name=$2
	shift 2
	_n=$((_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $_n - $name"
	else
		echo "not ok $_n - $name"
		local d
		for d in "$@"; do printf '%s\n' "$d" | sed 's/^/#   /'; done
	fi
}

is() {	# is ACTUAL EXPECTED NAME
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3" "expected: $2" "     got: $1"; fi
}

like() {	# like TEXT PATTERN NAME: TEXT matches the grep -E PATTERN
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3" "expected to match: $2" "got: $1"; fi
}

# The tools, pointed at the test server's accounts: at "$XT_CONFIG" as it
# is when they run, so a test may point them, run and listen at another
# config by setting it (t-federation.sh: XT_CONFIG=$FED_CONFIG).
xsend() { "$XU_BUILD/xsend" -f "$XT_CONFIG" -T 10 "$@"; }
xlisten() { "$XU_BUILD/xlisten" -f "$XT_CONFIG" -T 10 "$@"; }
xraw() { "$XU_BUILD/xraw" -f "$XT_CONFIG" -T 10 "$@"; }
xroster() { "$XU_BUILD/xroster" -f "$XT_CONFIG" -T 10 "$@"; }
xping() { "$XU_BUILD/xping" -f "$XT_CONFIG" -T 10 "$@"; }

# run CMD...: sets rc, out and err; never hangs past 30 s. The tools'
# names run them as the functions above do.
run() {
	case $1 in
	xsend|xlisten|xraw|xroster|xping) set -- "$XU_BUILD/$1" -f "$XT_CONFIG" -T 10 "${@:2}";;
	esac
	timeout 30 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# listen NAME ARGS...: starts xlisten in the background and returns once it
# says it is listening (it prints that with -v, after its presence and any
# room joins are confirmed). Output goes to $T/NAME.out, stderr to
# $T/NAME.err; listener_wait NAME waits for it to exit and returns its code.
listen() {
	local name=$1 line fd
	shift
	mkfifo "$T/$name.fifo"
	timeout 120 "$XU_BUILD/xlisten" -v -f "$XT_CONFIG" -T 10 "$@" \
	    >"$T/$name.out" 2>"$T/$name.fifo" &
	eval "_pid_$name=$!"
	_bg="$_bg $!"
	exec {fd}<"$T/$name.fifo"
	: >"$T/$name.err"
	while IFS= read -r -t 30 line <&$fd; do
		printf '%s\n' "$line" >>"$T/$name.err"
		case $line in *"listening as"*)
			# keep draining stderr so xlisten never blocks on it
			cat <&$fd >>"$T/$name.err" &
			eval "_cat_$name=$!"
			exec {fd}<&-
			return 0;;
		esac
	done
	exec {fd}<&-
	echo "# listener $name did not start:" >&2
	sed 's/^/#   /' "$T/$name.err" >&2
	return 1
}

listener_wait() {
	local pid rc
	eval "pid=\$_pid_$1"
	wait "$pid"
	rc=$?
	eval "wait \$_cat_$1" 2>/dev/null
	return $rc
}

listener_stop() {	# SIGTERM, then wait
	local pid
	eval "pid=\$_pid_$1"
	kill -TERM "$pid" 2>/dev/null
	listener_wait "$1"
}

# forger_start NAME ACCOUNT [OPTION...]: starts tests/forger.c, a hostile
# contact, as ACCOUNT (resource NAME) and returns once it forges. Its
# stdout goes to $T/NAME.out, its stderr to $T/NAME.err; a line written
# to the descriptor in $forger_in makes it forge again (one forger at a
# time). forger_stop NAME ends it (SIGTERM) and returns its exit code.
forger_start() {
	local name=$1 acct=$2
	shift 2
	mkfifo "$T/$name.in"
	timeout 300 "$XU_BUILD/forger" "$@" "$XT_CONFIG" "$acct" "$name" \
	    <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	eval "_pid_$name=$!"
	_bg="$_bg $!"
	exec {forger_in}>"$T/$name.in"
	wait_line "$T/$name.err" "forging as" && return 0
	echo "# forger $name did not start:" >&2
	sed 's/^/#   /' "$T/$name.err" >&2
	return 1
}

forger_stop() {
	local pid rc
	eval "pid=\$_pid_$1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	exec {forger_in}>&-
	return $rc
}

# agent_start NAME ACCOUNT [OPTION...]: xagent -F -v in the background
# ($XAGENT if set: a copy elsewhere), its log in $T/NAME.err; returns
# once it listens, with its PID in $agent. agents_stop ends every agent
# so started (SIGTERM) and waits for it: a file calls it in its trap.
_agents=
agent_start() {
	local name=$1 acct=$2
	shift 2
	: >"$T/$name.err"
	"${XAGENT:-$XU_BUILD/xagent}" -F -v -f "$XT_CONFIG" -T 10 -a "$acct" \
	    "$@" 2>>"$T/$name.err" &
	agent=$!
	_agents="$_agents $agent"
	wait_line "$T/$name.err" "holding .* for its tools" || {
		echo "# agent $name did not start:"
		sed 's/^/#   /' "$T/$name.err"
		return 1
	}
}

agents_stop() {
	local p
	for p in $_agents; do kill -TERM "$p" 2>/dev/null; done
	for p in $_agents; do wait "$p" 2>/dev/null; done
}

# wait_line FILE PATTERN [COUNT]: waits (60 s at most) until FILE holds
# COUNT lines (1) matching the grep pattern; tail -f follows it with
# inotify, so this waits on the event, not in a loop of sleeps.
wait_line() {
	local fifo="$T/wait_line.$RANDOM" rc pid
	mkfifo "$fifo"
	timeout 60 tail -n +1 -f "$1" >"$fifo" &
	pid=$!
	# (not -q: it would end at the first match, whatever COUNT says)
	[ "$(grep -m "${3:-1}" -c -- "$2" <"$fifo")" -ge "${3:-1}" ]
	rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$fifo"
	return $rc
}

# relay_start PORT: a relay (tests/nettool.c) to 127.0.0.1:PORT; sets
# relayport, and rin and rout, the descriptors to command it ("cut",
# "stall", "mute") and to read its reports ("conn N", "muted BYTES") on
relay_start() {
	mkfifo "$T/relay.in" "$T/relay.out"
	"$XT_NETTOOL" relay "$1" <"$T/relay.in" >"$T/relay.out" &
	_bg="$_bg $!"
	exec {rin}>"$T/relay.in"
	exec {rout}<"$T/relay.out"
	read -r relayport <&$rout
}

# mitm_start NAME [OPTION...]: tests/mitm.py, a TLS man in the middle the
# client trusts, in front of Prosody 13's direct TLS port (server13_start),
# with X13_MITM_CERT; OPTIONs are mitm.py's: --strip-plus, --strip-sasl2,
# --strip-fast, --starttls. Sets mitmport; what it did (stripped, and the
# mechanism the client chose) is in $T/NAME.err. mitm_stop NAME ends it.
mitm_start() {
	local name=$1 fd
	shift
	mkfifo "$T/$name.port"
	python3 "$XT_BIN/tests/mitm.py" --upstream "$X13_TLS_PORT" \
	    --cert "$X13_MITM_CERT" --key "$X13_MITM_KEY" --cafile "$X13_CA" \
	    "$@" >"$T/$name.port" 2>"$T/$name.err" &
	eval "_pid_$name=$!"
	_bg="$_bg $!"
	exec {fd}<"$T/$name.port"
	mitmport=
	read -r -t 20 mitmport <&$fd
	exec {fd}<&-
	[ -n "$mitmport" ] && return 0
	echo "# mitm $name did not start:" >&2
	sed 's/^/#   /' "$T/$name.err" >&2
	return 1
}

mitm_stop() {
	local pid
	eval "pid=\$_pid_$1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
