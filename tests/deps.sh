#!/bin/sh
# deps.sh: make sure Debian's packages that the build, the tests and the
# demo need are installed. As root, installs what is missing; otherwise
# prints the exact apt-get line and fails.
PKGS="gcc make pkg-config libc6-dev libstrophe-dev libexpat1-dev libssl-dev
libidn-dev libbsd-dev libjansson-dev prosody lua-unbound openssl jq mandoc valgrind
python3 python3-prometheus-client zsh fish
clang libclang-rt-14-dev"
# (clang and its libFuzzer runtime, for tests/fuzz: Debian 12's clang is 14;
# Prometheus' own parser reads xping's output in tests/t-xping.sh; zsh and
# fish check the completions in tests/t-docs.sh, which skips them without)

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The prosody package would start the system service: it is not ours and
# the tests never use it, so keep it from starting here.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	policy=1
fi
apt-get update -qq >&2 &&
    apt-get install -y -qq --no-install-recommends $missing >&2
rc=$?
[ -n "$policy" ] && rm -f /usr/sbin/policy-rc.d
exit $rc
