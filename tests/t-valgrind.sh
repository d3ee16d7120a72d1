# t-valgrind: the tools under valgrind: no leaks, no invalid accesses, on
# the paths users take, failures included. (Not with SANITIZE=1: ASan
# and valgrind do not mix, and ASan covers that build.)
. tests/lib.sh

case $XU_BUILD in */san) echo "1..0 # SKIP under SANITIZE=1"; exit 0;; esac

vg() {	# vg EXPECTED-RC NAME TOOL ARGS...
	local want=$1 name=$2 tool=$3
	shift 3
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --log-file="$T/vg.log" "$XU_BUILD/$tool" -f "$XT_CONFIG" -T 20 "$@" \
	    >/dev/null 2>"$T/vg.err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s "$T/vg.log" ]; then
		ok 0 "valgrind: $name"
	else
		ok 1 "valgrind: $name" "exit $rc, wanted $want" "$(cat "$T/vg.log" "$T/vg.err")"
	fi
}

listen v -a bob -n 3
vg 0 "xsend -m" xsend -a alice -m "one" "bob@$XT_DOMAIN"
vg 0 "xsend -l to a room and a JID" xsend -a alice -l \
    -r "ops@$XT_MUC" "bob@$XT_DOMAIN" < <(seq 2)
listener_wait v
vg 1 "xlisten in a room, --format xml, -w" xlisten -a carol -w 1 \
    -r "ops@$XT_MUC" --format xml
vg 69 "xsend, a bounce" xsend -a alice -m x "nobody@$XT_DOMAIN"
XMPP_PASSWORD=bad vg 77 "xsend, a wrong password" xsend \
    --jid "alice@$XT_DOMAIN" -m x "bob@$XT_DOMAIN"
vg 69 "xsend, no server" xsend -a alice --port "$("$XT_NETTOOL" freeport)" \
    -m x "bob@$XT_DOMAIN"
vg 65 "xsend, refused input" xsend -a alice "bob@$XT_DOMAIN" < <(printf 'a\001')

done_testing
