#!/bin/bash
# run.sh: every test. The C unit tests first, then the integration tests,
# all against one real Prosody this script starts on loopback and stops
# at the end, even when a test fails. Ends with "N passed, N failed", and
# ", N skipped" when tests were skipped (TAP's "# SKIP": a test, or a whole
# file's "1..0 # SKIP why"), after the list of what was skipped and why.
#
#   tests/run.sh [tests/t-name.sh ...]      (default: all of tests/t-*.sh)
set -u
cd "$(dirname "$0")/.."
XU_BUILD=$(cd "${XU_BUILD:-build}" && pwd) || exit 1
XT_NETTOOL=$XU_BUILD/nettool
XT_BIN=$(pwd)
export XU_BUILD XT_NETTOOL XT_BIN

pass=0
fail=0
skip=0
skipped=

# FAST tokens (and whatever else a tool keeps in its state directory)
# go to one of the run's own, never the user's
XDG_STATE_HOME=$(mktemp -d "${TMPDIR:-/tmp}/xmpputils-state.XXXXXX") || exit 1
export XDG_STATE_HOME

# Runs one TAP producer, shows its output, and counts its results; a test
# that dies before its plan is done counts what it skipped as failed.
run_tap() {
	local name=$1 out planned got ok notok
	shift
	echo "# $name"
	out=$("$@" 2>&1)
	printf '%s\n' "$out"
	ok=$(printf '%s\n' "$out" | grep -c '^ok ')
	notok=$(printf '%s\n' "$out" | grep -c '^not ok ')
	planned=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9]*\)\( *#.*\)\{0,1\}$/\1/p' | head -1)
	got=$((ok + notok))
	# a skip is no pass: counted apart, and said again at the end
	sk=$(printf '%s\n' "$out" | grep -iE '^(ok [0-9]+.*|1\.\.0) *# *SKIP')
	if [ -n "$sk" ]; then
		skip=$((skip + $(printf '%s\n' "$sk" | wc -l)))
		ok=$((ok - $(printf '%s\n' "$sk" | grep -c '^ok ')))
		skipped="$skipped$(printf '%s\n' "$sk" |
		    sed "s/^\(ok \|1\.\.0\)/# skipped: $name: &/")
"
	fi
	if [ -z "$planned" ]; then
		echo "# $name: no plan: counted as one failure"
		notok=$((notok + 1))
	elif [ "$got" -ne "$planned" ]; then
		echo "# $name: ran $got of $planned tests: counted as one failure"
		notok=$((notok + 1))
	fi
	pass=$((pass + ok))
	fail=$((fail + notok))
}

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	tests=("$XU_BUILD"/test_* tests/t-*.sh)
fi

trap 'rm -rf "$XDG_STATE_HOME"' EXIT
need_server=0
for t in "${tests[@]}"; do
	case $t in *.sh) need_server=1;; esac
done

if [ $need_server -eq 1 ]; then
	. tests/server.sh
	trap 'server_stop; rm -rf "$XDG_STATE_HOME"' EXIT
	if ! server_start; then
		echo "# could not start the test Prosody"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "# Prosody on 127.0.0.1:$XT_PORT, in $XT_DIR"
fi

for t in "${tests[@]}"; do
	case $t in
	*.sh) run_tap "$(basename "$t")" bash "$t";;
	*) run_tap "$(basename "$t")" "$t";;
	esac
done

printf '%s' "$skipped"
# the last line is always "N passed, N failed"; skips are said above it
[ "$skip" -gt 0 ] && echo "# $skip skipped (listed above): neither passed nor failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
