#!/bin/sh
# deb.sh: `make deb`. Builds the Debian package (debian/) from a copy of
# the checkout's files as they are now, committed or not, but not what
# .gitignore names (build/), so the checkout stays as it was; then
# checks it:
#   - lintian: no error, no warning;
#   - no maintainer scripts: installing it enables nothing (no user
#     unit for every user) and runs nothing;
#   - its files are what `make install` puts in with debian/rules' DIRS,
#     the man pages gzipped, plus the copyright and changelog debhelper
#     adds, with the same modes;
#   - unpacked (dpkg-deb -x, nothing installed), each tool runs
#     --version and says the package's version, and each man page
#     renders with man(1) without a warning.
# The packaging tools and Build-Depends are installed as tests/deps.sh
# does (root: apt-get; else the line to run). Out: build/deb/*.deb, the
# .buildinfo and .changes beside them, build/deb/build.log. On failure
# build/deb/src (the copy, built) stays to look at.
set -eu
cd "$(dirname "$0")/.."
# the package is the same however make deb was called (make -j4 deb,
# make deb PREFIX=/opt, an exported BINDIR): its make gets nothing of it
unset MAKEFLAGS MFLAGS MAKELEVEL DESTDIR PREFIX BINDIR MANDIR BASHCOMPDIR \
    ZSHCOMPDIR FISHCOMPDIR SYSTEMDUSERDIR SANITIZE
D=build/deb
TOOLS="dpkg-dev debhelper lintian fakeroot build-essential man-db"

die() {
	echo "deb.sh: $*" >&2
	exit 1
}

# Build-Depends, names only (versions are dpkg-checkbuilddeps' to check);
# debhelper-compat is debhelper's, in TOOLS
build_deps() {
	sed -n '/^Build-Depends:/,/^[^ #]/{s/^Build-Depends://;/^[^ ]/d;p;}' \
	    debian/control | tr ',' '\n' |
	    sed 's/[(|].*//; s/[[:space:]]//g; /^$/d; /^debhelper-compat$/d'
}

# the work tree's files but the ignored ones (a tarball: all but build/)
copy_tree() {
	mkdir -p "$D/src"
	if [ -e .git ]; then
		# (--ignore-failed-read: a file deleted and not yet committed)
		git ls-files -z --cached --others --exclude-standard |
		    tar --null -T - --ignore-failed-read -cf - 2>/dev/null
	else
		tar --exclude=./build -cf - .
	fi | tar -xf - -C "$D/src"
}

build() {
	echo "deb.sh: dpkg-buildpackage in $D/src (log: $D/build.log)" >&2
	(cd "$D/src" && dpkg-buildpackage -us -uc -b -jauto) \
	    >"$D/build.log" 2>&1 || {
		tail -30 "$D/build.log" >&2
		die "dpkg-buildpackage failed: $D/build.log"
	}
}

# "mode path" of each entry under $1, as `tar -tv` of the .deb says them
tree_list() {
	(cd "$1" && find . -mindepth 1 -printf '%M %P\n') | sort -k2
}

# what make install puts in, the man pages as dh_compress leaves them,
# and /usr/share/doc/xmpputils from debhelper
expected() {
	rm -rf "$C/inst"
	# shellcheck disable=SC2046,SC2016
	make -s -C "$D/src" install DESTDIR="$PWD/$C/inst" $(make -s \
	    -C "$D/src" -f debian/rules --eval 'dirs: ; @echo $(DIRS)' dirs) \
	    >&2
	mkdir -p "$C/inst/usr/share/doc/xmpputils"
	cp "$D/src/debian/copyright" "$C/inst/usr/share/doc/xmpputils/"
	gzip -9n <"$D/src/debian/changelog" \
	    >"$C/inst/usr/share/doc/xmpputils/changelog.gz"
	find "$C/inst/usr/share/man" -type f -exec gzip -9n {} +
	# (NEWS stays uncompressed: debian/rules says so)
	tree_list "$C/inst"
}

actual() {
	dpkg-deb --fsys-tarfile "$1" | tar -tvf - |
	    awk '$6 != "./" { sub(/^\.\//, "", $6); sub(/\/$/, "", $6);
		print $1, $6 }' | sort -k2
}

# the control archive holds the control file and md5sums, no script
quiet() {
	dpkg-deb -e "$1" "$C/control"
	[ "$(ls "$C/control")" = "$(printf 'control\nmd5sums')" ] ||
	    die "maintainer scripts in the package: in $C/control"
}

# each tool, unpacked, says the package's version
runs() {
	v=$(dpkg-deb -f "$1" Version)
	dpkg-deb -x "$1" "$C/root"
	for t in "$C/root/usr/bin"/*; do
		[ "$("$t" --version | awk '{ print $NF; exit }')" = "${v%-*}" ] ||
		    die "${t##*/} --version: not ${v%-*}: $("$t" --version 2>&1)"
	done
}

# each man page renders, without a warning from groff
renders() {
	for m in "$C/root/usr/share/man"/man*/*; do
		[ -n "$(MANWIDTH=80 man --warnings -P cat -l "$m" \
		    2>"$C/man.err")" ] || die "man -l ${m#"$C"/root}: nothing"
		[ ! -s "$C/man.err" ] ||
		    die "man -l ${m#"$C"/root}: $(cat "$C/man.err")"
	done
}

# shellcheck disable=SC2046,SC2086
tests/deps.sh --only $TOOLS $(build_deps)
rm -rf "$D"
copy_tree
build
deb=$(ls "$D"/xmpputils_*.deb)
C=$D/check
mkdir -p "$C"

echo "deb.sh: lintian $D/*.changes" >&2
lintian --fail-on error,warning --display-info "$D"/*.changes ||
    die "lintian: errors or warnings above"
expected >"$C/expected"
actual "$deb" >"$C/actual"
diff -u "$C/expected" "$C/actual" >&2 ||
    die "the package's files (+) are not make install's (-)"
quiet "$deb"
runs "$deb"
renders
rm -rf "$C" "$D/src"
echo "deb.sh: ok: $deb ($(stat -c %s "$deb") bytes)"
