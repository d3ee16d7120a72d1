# t-docs: man pages lint clean and read right, and answer for every
# option, section, exit code and config key the tools have; the
# README's Install is enough; make install puts everything where PREFIX
# and DESTDIR say. (The completions' tests are t-completions.sh's.)
. tests/lib.sh

for m in man/*.[1-9]; do
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1)
	is "$out" "" "mandoc -Tlint $m is clean"
done

# Rendered, quotes, parentheses and brackets pair up: what mdoc gets
# wrong (a macro that runs on to the end of its line) shows only there.
# tests/unbalanced.pl says what it checks; first, that it catches these.
cat >"$T/bad.1" <<'EOF'
.Dd January 1, 2026
.Dt BAD 1
.Os
.Sh NAME
.Nm bad
.Nd bad
.Sh DESCRIPTION
.Pq Ql a , Ql b .
.Pp
.Fl r Ar room Ns Op / Ns Ar nick , Fl Fl room Ar room
.Pp
(An aside) that ends twice).
.Pp
A quoted
.Ql \&[
or
.Ql \(dq
is an example, not an opening.
EOF
is "$(mandoc -T utf8 "$T/bad.1" | perl tests/unbalanced.pl bad | sed -n 's/^bad: //p')" \
    "$(printf '%s:\n' "‘ inside ‘" "a space inside word[...]" ") with nothing open")" \
    "the render check catches nested quotes, word[ with a space, a stray )"
for m in man/*.[1-9]; do
	out=$(mandoc -T utf8 "$m" | perl tests/unbalanced.pl "$m")
	ok $? "$m rendered: quotes, parentheses and brackets pair up" "$out"
done

# SEE ALSO: every page names every other
for m in man/*.[1-9]; do
	see=$(sed -n '/^\.Sh SEE ALSO/,/^\.Sh/s/^\.Xr \([^ ]*\) \([0-9]\).*/\1.\2/p' "$m")
	missing=
	for o in man/*.[1-9]; do
		[ "$o" = "$m" ] || grep -qxF "${o#man/}" <<<"$see" ||
		    missing="$missing ${o#man/}"
	done
	is "$missing" "" "$m: SEE ALSO names every other page"
done

# README's Install: the apt-get line has what make needs (the Debian
# package of each pkg-config module the Makefile uses), and it names
# every tool and its page
inst=$(sed -n '/^## Install/,/^## [^I]/p' README.md)
for mod in $(sed -n 's/^PKGS = //p; s/^HEADER_PKGS = //p' Makefile); do
	pkg=$(dpkg -S "$(pkg-config --path "$mod")" 2>/dev/null | cut -d: -f1)
	[ -n "$pkg" ] || continue	# built from source here: nothing to name
	grep -q "^sudo apt-get install .* $pkg\( \|\$\)" <<<"$inst"
	ok $? "README's apt-get line has $pkg (for $mod)"
done
for t in $(sed -n 's/^TOOLS = //p' Makefile); do
	grep -qF "\`$t\`" <<<"$inst" && grep -qF "\`$t(1)\`" <<<"$inst"
	ok $? "README's Install names $t and $t(1)"
done
TOOLS=$(sed -n 's/^TOOLS = //p' Makefile)

# A page's section NAME, lines continued with a backslash joined
section() {	# section PAGE NAME
	sed -e ':a' -e '/\\$/{N' -e 's/\\\n//' -e 'ba' -e '}' "$1" |
	    awk -v s=".Sh $2" '/^\.Sh /{ on = ($0 == s); next } on'
}
# the options --help describes (its first column), one a line
help_opts() { "$XU_BUILD/$1" --help | cut -c1-27 | grep '^ *-' |
    grep -o -- '--\?[a-zA-Z][a-zA-Z-]*' | sort -u; }
# the options of -h's usage, and of mdoc text, "-qv" as "-q" and "-v"
split_opts() { sed 's/^-\([a-zA-Z]\)\([a-zA-Z]\)/-\1\n-\2/; s/^-\([a-zA-Z]\)\n-\([a-zA-Z]\)\([a-zA-Z]\)$/-\1\n-\2\n-\3/'; }
usage_opts() { "$XU_BUILD/$1" -h | grep -o -- '--\?[a-zA-Z][a-z-]*' |
    split_opts | sort -u; }
mdoc_opts() { sed 's/\\&//g' | grep -o 'Fl Fl [a-z-]*\|Fl [A-Za-z]*' | sed 's/^Fl Fl /--/; s/^Fl /-/' |
    grep -x -- '--\?[a-zA-Z][a-zA-Z-]*' | split_opts | sort -u; }
# what is in the first list and not in the second, on one line
minus() { comm -23 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | grep . | tr '\n' ' '; }

# The sections every tool's page has, in this order (mdoc's for its
# own, ours where mdoc has none); other sections may come between
sections="NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT_FORMAT ENVIRONMENT FILES EXIT_STATUS EXAMPLES SEE_ALSO"
for t in $TOOLS; do
	m=man/$t.1
	got=$(sed -n 's/^\.Sh //p' "$m" | tr ' ' _ | grep -xF "$(tr ' ' '\n' <<<"$sections")" | tr '\n' ' ')
	is "$got" "$sections " "$m has the sections, in order"

	# the SYNOPSIS is the usage: the same options, no more (an old
	# spelling is not in it), no fewer
	syn=$(section "$m" SYNOPSIS | mdoc_opts)
	use=$(usage_opts $t)
	is "$(minus "$use" "$syn")" "" "$m SYNOPSIS has every option of $t -h"
	is "$(minus "$syn" "$use")" "" "$m SYNOPSIS has no option $t -h lacks"

	# OPTIONS: an item for every option --help lists, short and long,
	# and none for an option it does not
	items=$(section "$m" OPTIONS | grep '^\.It ' | mdoc_opts)
	help=$(help_opts $t)
	for opt in $help; do
		grep -qxF -- "$opt" <<<"$items"
		ok $? "$m OPTIONS has an item for $opt"
	done
	is "$(minus "$items" "$help")" "" "$m OPTIONS has no item for an option $t --help lacks"

	# DEPRECATED: each old spelling NEWS lists for the tool
	dep=$(section "$m" DEPRECATED | mdoc_opts)
	for opt in $(sed -n "s/^| $t | \\([^|]*\\) |.*/\\1/p" NEWS |
	    grep -o -- '--\?[a-zA-Z][a-zA-Z-]*' | sort -u); do
		grep -qxF -- "$opt" <<<"$dep"
		ok $? "$m DEPRECATED names $opt, as NEWS does"
	done

	codes="0 64 65 69 70 74 75 77 78"
	[ $t = xsend ] || codes="0 1 64 65 69 70 74 75 77 78"
	# 1: --confirm; 2: queued; 66: a file to attach; 73: the queue's directory
	[ $t = xsend ] && codes="0 1 2 64 65 66 69 70 73 74 75 77 78"
	[ $t = xping ] && codes="0 1 2 3"	# ping(8)'s, and a plugin's
	# 1: -O status finds none; 71, 73: fork, the socket; 76: an agent's protocol
	[ $t = xagent ] && codes="0 1 64 69 70 71 73 74 75 76 77 78"
	for code in $codes; do
		grep -q "^\\.It $code\$" "$m"
		ok $? "$m documents exit code $code"
	done
done

# xmpputils(7): one exit-code table has every code a tool's page has
all=$(section man/xmpputils.7 'EXIT STATUS' | sed -n 's/^\.It \([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p' | sort -u)
for t in $TOOLS; do
	codes=$(section man/$t.1 'EXIT STATUS' | sed -n 's/^\.It \([0-9][0-9]*\)$/\1/p' | sort -u)
	is "$(minus "$codes" "$all")" "" "xmpputils.7's exit table has every code of $t.1"
done
# and its vocabulary has each letter of every --help, with its long name
vocab=$(section man/xmpputils.7 'COMMON OPTIONS' | grep '^\.It ')
for pair in $(for t in $TOOLS; do "$XU_BUILD/$t" --help; done |
    sed -n 's/^  \(-[a-zA-Z]\), \(--[a-z-]*\).*/\1,\2/p' | sort -u); do
	short=${pair%%,*} long=${pair#*,}
	grep "Fl ${short#-}\\( \\|\$\\)" <<<"$vocab" | grep -q "Fl Fl ${long#--}\\( \\|\$\\)"
	ok $? "xmpputils.7's vocabulary has $short as $long"
done

# xmpputils.conf(5) has an item for each key lib/account.c takes, and
# none for a key it does not
keys=$(sed -n '/^static const struct key keys\[\] = {/,/^};/s/^\t{ "\([a-z_0-9]*\)".*/\1/p' lib/account.c | sort)
items=$(section man/xmpputils.conf.5 KEYS | sed -n 's/^\.It \(Ic .*\)/\1/p' |
    grep -o 'Ic [a-z_0-9]*' | cut -c4- | sort -u)
[ "$(wc -l <<<"$keys")" -gt 15 ]
ok $? "lib/account.c's key table read ($(echo $keys))"
for k in $keys; do
	grep -qxF "$k" <<<"$items"
	ok $? "xmpputils.conf.5 has an item for the key $k"
done
is "$(minus "$items" "$keys")" "" "xmpputils.conf.5 has no item for a key lib/account.c lacks"

# make install and uninstall, with DESTDIR and PREFIX
san=
case $XU_BUILD in */san) san=SANITIZE=1;; esac
make -s install $san DESTDIR="$T/root" PREFIX=/opt/xu >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/opt/xu" "$(cat "$T/install.log")"
# what it must put, from the repository: a mode and a path a line
{
	for t in $TOOLS; do echo "755 bin/$t"; done
	for m in man/*.[1-9]; do echo "644 share/man/man${m##*.}/${m#man/}"; done
	for f in completions/bash/*; do echo "644 share/bash-completion/completions/${f##*/}"; done
	for f in completions/zsh/*; do echo "644 share/zsh/site-functions/${f##*/}"; done
	for f in completions/fish/*; do echo "644 share/fish/vendor_completions.d/${f##*/}"; done
	for f in systemd/*; do echo "644 lib/systemd/user/${f##*/}"; done
	echo "644 share/doc/xmpputils/NEWS"
} | sed 's| | opt/xu/|' | sort -k2 >"$T/expected"
find "$T/root" -type f -printf '%m %P\n' | sort -k2 >"$T/installed"
is "$(cut -d' ' -f2 "$T/installed")" "$(cut -d' ' -f2 "$T/expected")" \
    "make install puts every file, and no other, where PREFIX says" \
    "$(diff <(cut -d' ' -f2 "$T/expected") <(cut -d' ' -f2 "$T/installed"))"
is "$(cat "$T/installed")" "$(cat "$T/expected")" \
    "the tools 0755, the rest 0644" "$(diff "$T/expected" "$T/installed")"
for t in $TOOLS; do
	is "$("$T/root/opt/xu/bin/$t" --version 2>&1)" "$("$XU_BUILD/$t" --version)" \
	    "the installed $t runs (--version)"
done
# the installed pages name the units and NEWS where they went
grep -q '^\.It Pa /opt/xu/lib/systemd/user/xmpputils-flush\.timer$' \
    "$T/root/opt/xu/share/man/man1/xsend.1"
ok $? "the installed xsend(1) names the units under PREFIX"
is "$(grep -l /usr/local/ "$T"/root/opt/xu/share/man/man*/* | wc -l)" 0 \
    "no installed page names /usr/local when PREFIX is /opt/xu"
# the units run the tools installed, for the account their instance names
u=$T/root/opt/xu/lib/systemd/user
is "$(sed -n 's/^ExecStart=//p' "$u/xagent.service")" "/opt/xu/bin/xagent -F" \
    "xagent.service runs the installed xagent, for the default account"
is "$(sed -n 's/^ExecStart=//p' "$u/xagent@.service")" "/opt/xu/bin/xagent -F -a %i" \
    "xagent@.service runs it for the account of its instance"
is "$(sed -n 's/^ExecStart=//p' "$u/xmpputils-flush.service")" "/opt/xu/bin/xsend --flush" \
    "xmpputils-flush.service flushes with the installed xsend, the default account"
is "$(sed -n 's/^ExecStart=//p' "$u/xmpputils-flush@.service")" "/opt/xu/bin/xsend --flush -a %i" \
    "xmpputils-flush@.service flushes the account of its instance"
# the alert's ExecStart= (continuation lines and all): /bin/sh, and in
# its script the installed xsend
alert=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$u/xmpputils-alert@.service")
like "$alert" "^ExecStart=/bin/sh -c " "xmpputils-alert@.service runs a sh -c script"
like "$alert" "tell\\(\\) \\{ /opt/xu/bin/xsend --queue " "whose xsend is the installed one"
is "$(grep -l /usr/local "$u"/*)" "" "no unit names /usr/local any more"
if command -v systemd-analyze >/dev/null; then
	# as systemd would load them (an instance of the template, as a
	# file: through a link, a bad key goes unsaid), with the tools
	# under DESTDIR in ExecStart, which it checks, and the page named
	mkdir -m 0700 "$T/run" "$T/units"
	for n in xagent.service xmpputils-flush.service xmpputils-flush.timer; do
		sed "s|/opt/xu/|$T/root/opt/xu/|g" "$u/$n" >"$T/units/$n"
		sed "s|/opt/xu/|$T/root/opt/xu/|g" "$u/${n%.*}@.${n##*.}" \
		    >"$T/units/${n%.*}@work.${n##*.}"
	done
	sed "s|/opt/xu/|$T/root/opt/xu/|g" "$u/xmpputils-alert@.service" \
	    >"$T/units/xmpputils-alert@foo.service.service"
	out=$(cd "$T/units" && MANPATH=$T/root/opt/xu/share/man \
	    XDG_RUNTIME_DIR=$T/run systemd-analyze verify --user \
	    ./xagent.service ./xagent@work.service \
	    ./xmpputils-flush.service ./xmpputils-flush@work.service \
	    ./xmpputils-flush.timer ./xmpputils-flush@work.timer \
	    ./xmpputils-alert@foo.service.service 2>&1)
	ok $? "systemd-analyze verify the installed units" "$out"
	is "$out" "" "systemd-analyze has nothing to say of them"
	is "$(ls "$T/units" | wc -l)" "$(ls systemd | wc -l)" "it verified every unit"
fi
make -s uninstall $san DESTDIR="$T/root" PREFIX=/opt/xu >>"$T/install.log" 2>&1
ok $? "make uninstall DESTDIR=... PREFIX=/opt/xu" "$(cat "$T/install.log")"
is "$(find "$T/root" -type f -printf '%P\n')" "" "make uninstall removes every file"

done_testing
