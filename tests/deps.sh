#!/bin/sh
# deps.sh: make sure Debian's packages that the build, the tests and the
# demo need are installed. As root, installs what is missing; otherwise
# prints the exact apt-get line and fails.
#
# Then Prosody 13 (with prosody-modules, for SASL2, Bind2 and FAST) and
# go-sendxmpp 0.14 from bookworm-backports: downloaded and unpacked into
# a cache, never installed (Debian's Prosody 0.12 stays the suite's main
# server). apt runs on a private state of its own there: the system's
# sources, lists and package cache are left alone. The cache is
#   $X13_CACHE, else /var/cache/xmpputils-tests as root, else
#   ${XDG_CACHE_HOME:-$HOME/.cache}/xmpputils-tests
# and holds root/ (the unpacked packages), bin/prosody13 and
# bin/prosodyctl13 (Prosody's own scripts, pointed at root/), and a stamp
# saying what is there. Without the network this warns, loudly, and
# succeeds: the tests that need Prosody 13 then skip, and say so.
#
#   tests/deps.sh            install, fetch, unpack (quick when done)
#   tests/deps.sh --cache    print the cache's directory, do nothing else
#   tests/deps.sh --only PKG...  install only these (tests/deb.sh's tools)
PKGS="gcc make pkg-config libc6-dev libstrophe-dev libexpat1-dev libssl-dev
libidn-dev libbsd-dev libjansson-dev libcurl4-openssl-dev curl prosody lua-unbound openssl jq mandoc valgrind
python3 python3-prometheus-client bash-completion zsh fish
clang libclang-rt-14-dev
lua5.4 lua-expat lua-filesystem lua-sec lua-socket lua-bitop libicu72"
# (clang and its libFuzzer runtime, for tests/fuzz: Debian 12's clang is 14;
# Prometheus' own parser reads xping's output in tests/t-xping.sh;
# tests/t-completions.sh runs the completions in bash (under Debian's
# bash-completion, which loads them), zsh and fish: it skips a shell that
# is missing, and fails instead in CI (XT_NEED13=1);
# lua5.4 and the Lua libraries below it are what Prosody 13 runs on)

# What is fetched from bookworm-backports. A pinned version gone from the
# archive (backports keeps only the newest) falls back to the newest, with
# a warning: the suite runs on, and the pin here wants updating.
P13_PKGS="prosody=13.0.1-1~bpo12+1
prosody-modules=0.0~hg20250402.f315edc39f3d+dfsg-1~bpo12+1
go-sendxmpp=0.14.1-1~bpo12+1"

install_debian() {
	missing=
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages; install them with:" >&2
		echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
		return 1
	fi
	echo "deps.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# The prosody package would start the system service: it is not
	# ours and the tests never use it, so keep it from starting here.
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
	return $rc
}

x13_cache() {
	if [ -n "${X13_CACHE:-}" ]; then
		echo "$X13_CACHE"
	elif [ "$(id -u)" -eq 0 ]; then
		echo /var/cache/xmpputils-tests
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/xmpputils-tests"
	fi
}

warn13() {
	{
		echo "deps.sh: ************************************************"
		echo "deps.sh: WARNING: no Prosody 13 from bookworm-backports:"
		printf '%s\n' "$@" | sed 's/^/deps.sh:   /'
		echo "deps.sh: the tests that need it (SASL2, Bind2, FAST) will SKIP"
		echo "deps.sh: ************************************************"
	} >&2
}

# apt13 ARGS...: apt-get on the cache's private state: bookworm-backports
# its only source, its own lists and package cache; the system's dpkg
# status is only read
apt13() {
	apt-get -q -o Dir::Etc::sourcelist="$C/apt/bpo.sources" \
	    -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$C/apt/lists" \
	    -o Dir::Cache="$C/apt/cache" \
	    -o APT::Sandbox::User="$(id -un)" "$@"
}

# fetch13: the .debs of P13_PKGS into $C/apt/debs
fetch13() {
	mkdir -p "$C/apt/lists/partial" "$C/apt/cache/archives/partial" \
	    "$C/apt/debs" || return 1
	cat >"$C/apt/bpo.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# (--error-on=any: else a source that cannot be reached is a warning)
	apt13 update --error-on=any >"$C/apt/update.log" 2>&1 || {
		warn13 "apt-get update of bookworm-backports failed:" \
		    "$(tail -3 "$C/apt/update.log")"
		return 1
	}
	rm -f "$C/apt/debs"/*.deb
	for p in $P13_PKGS; do
		(cd "$C/apt/debs" && apt13 download "$p") \
		    >>"$C/apt/download.log" 2>&1 && continue
		echo "deps.sh: WARNING: $p is not in bookworm-backports" \
		    "(any more?): taking its newest; update the pin" >&2
		(cd "$C/apt/debs" && apt13 download "${p%%=*}") \
		    >>"$C/apt/download.log" 2>&1 || {
			warn13 "apt-get download ${p%%=*} failed:" \
			    "$(tail -3 "$C/apt/download.log")"
			return 1
		}
	done
}

# unpack13: root/ from the .debs, and the two scripts in bin/
unpack13() {
	local d
	rm -rf "$C/root.new" "$C/bin.new"
	mkdir -p "$C/root.new" "$C/bin.new" || return 1
	for d in "$C/apt/debs"/*.deb; do
		dpkg-deb -x "$d" "$C/root.new" || return 1
	done
	for d in prosody prosodyctl; do
		# (the paths Debian's build wrote in, pointed at root/)
		sed -e "s|^CFG_SOURCEDIR=.*|CFG_SOURCEDIR='$C/root/usr/lib/prosody';|" \
		    -e "s|^CFG_PLUGINDIR=.*|CFG_PLUGINDIR='$C/root/usr/lib/prosody/modules/';|" \
		    -e "s|^CFG_CONFIGDIR=.*|CFG_CONFIGDIR='$C/root/etc/prosody';|" \
		    "$C/root.new/usr/bin/$d" >"$C/bin.new/${d}13" || return 1
		grep -q "^CFG_SOURCEDIR='$C/root/" "$C/bin.new/${d}13" || {
			warn13 "usr/bin/$d has no CFG_SOURCEDIR line to point"
			return 1
		}
	done
	chmod 755 "$C/bin.new"/*
	# Prosody runs as the prosody user: it must read all of it
	chmod -R a+rX "$C/root.new" "$C/bin.new" || return 1
	rm -rf "$C/root" "$C/bin"
	mv "$C/root.new" "$C/root" && mv "$C/bin.new" "$C/bin"
}

prosody13() {
	C=$(x13_cache)
	# quick when done: the stamp names what was asked for
	if [ -x "$C/bin/prosody13" ] && [ -f "$C/stamp" ] &&
	    [ "$(cat "$C/stamp")" = "$P13_PKGS" ]; then
		return 0
	fi
	(umask 022; mkdir -p "$C") || { warn13 "cannot make $C"; return 0; }
	chmod 755 "$C"
	echo "deps.sh: fetching Prosody 13 from bookworm-backports into $C" >&2
	(umask 022; fetch13 && unpack13) || {
		rm -f "$C/stamp"
		return 0
	}
	printf '%s\n' "$P13_PKGS" >"$C/stamp"
	echo "deps.sh: Prosody $(cat "$C/root/usr/lib/prosody/prosody.version")" \
	    "in $C" >&2
}

if [ "${1:-}" = --cache ]; then
	x13_cache
	exit 0
fi
if [ "${1:-}" = --only ]; then
	shift
	PKGS="$*"
	install_debian
	exit
fi
install_debian || exit 1
prosody13
exit 0
