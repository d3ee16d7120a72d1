#!/bin/bash
# run.sh SECONDS TARGET...: runs each libFuzzer target (built in $FZ,
# default build/fuzz) for SECONDS on a copy of its seeds in
# tests/fuzz/corpus/NAME, after replaying every input in
# tests/fuzz/regress/NAME (the crashes found so far, kept as tests).
# Prints TAP. A crash leaves its input in the temporary directory and
# says where: copy it into tests/fuzz/regress/NAME with the fix.
set -u
cd "$(dirname "$0")/../.."
FZ=${FZ:-build/fuzz}
seconds=$1
shift
tmp=$(mktemp -d /tmp/xmpputils-fuzz.XXXXXX)
n=0
for target in "$@"; do
	name=${target#fuzz_}
	bin=$FZ/$target
	mkdir "$tmp/$name"
	cp tests/fuzz/corpus/"$name"/* "$tmp/$name"/ 2>/dev/null
	if [ -d "tests/fuzz/regress/$name" ] &&
	    [ -n "$(ls "tests/fuzz/regress/$name")" ]; then
		n=$((n + 1))
		if "$bin" tests/fuzz/regress/"$name"/* >"$tmp/$name.regress" 2>&1; then
			echo "ok $n - $target: every past crash input passes"
		else
			echo "not ok $n - $target: a past crash is back"
			sed 's/^/#   /' "$tmp/$name.regress" | tail -30
		fi
	fi
	n=$((n + 1))
	"$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix="$tmp/$name-" "$tmp/$name" >"$tmp/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $target: ${runs:-?} inputs in $seconds s, no crash, no leak"
	else
		echo "not ok $n - $target: failed (exit $rc); input kept in $tmp"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' \
		    "$tmp/$name.log" | head -10 | sed 's/^/#   /'
		keep=1
	fi
done
echo "1..$n"
[ -z "${keep:-}" ] && rm -rf "$tmp"
exit 0
