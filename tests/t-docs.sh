# t-docs: man pages lint clean and read right, completions load and
# complete, the README's Install is enough, and make install puts
# everything where PREFIX and DESTDIR say.
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
for mod in $(sed -n 's/^PKGS = //p' Makefile); do
	pkg=$(dpkg -S "$(pkg-config --path "$mod")" 2>/dev/null | cut -d: -f1)
	[ -n "$pkg" ] || continue	# built from source here: nothing to name
	grep -q "^sudo apt-get install .* $pkg\( \|\$\)" <<<"$inst"
	ok $? "README's apt-get line has $pkg (for $mod)"
done
for t in $(sed -n 's/^TOOLS = //p' Makefile); do
	grep -qF "\`$t\`" <<<"$inst" && grep -qF "\`$t(1)\`" <<<"$inst"
	ok $? "README's Install names $t and $t(1)"
done
for t in xsend xlisten xraw xroster xping; do
	# every option the usage shows: "-x" is "Fl x", "--xy" is "Fl Fl xy"
	for opt in $("$XU_BUILD/$t" -h | grep -o -- '--\?[a-zA-Z][a-z-]*' | sort -u); do
		case $opt in
		--*) pat="Fl Fl ${opt#--}";;
		*) pat="Fl ${opt#-}";;
		esac
		grep -q -- "$pat\\( \\|$\\)" "man/$t.1"
		ok $? "man/$t.1 documents $opt"
	done
	codes="0 64 65 69 70 74 75 77 78"
	[ $t = xsend ] || codes="0 1 64 65 69 70 74 75 77 78"
	[ $t = xsend ] && codes="0 1 64 65 69 70 74 75 77 78"	# 1: --confirm
	[ $t = xping ] && codes="0 1 2 3"	# ping(8)'s, and a plugin's
	for code in $codes; do
		grep -q "^\\.It $code\$" "man/$t.1"
		ok $? "man/$t.1 documents exit code $code"
	done
done

# bash: complete as the shell would
complete_bash() {	# complete_bash WORDS...: the candidates for the last word
	bash -c '. completions/bash/xsend; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	    _xmpputils; printf "%s\n" "${COMPREPLY[@]}"' bash "$@" | sort | tr '\n' ' '
}
is "$(complete_bash xsend -t '')" "chat groupchat headline normal " "bash: xsend -t types"
is "$(complete_bash xlisten --format '')" "json text xml " "bash: xlisten --format"
is "$(complete_bash xlisten --fo)" "--format " "bash: xlisten long options"
is "$(complete_bash xsend --tls '')" "direct starttls " "bash: --tls modes"
is "$(complete_bash xsend --retry '')" "inf " "bash: xsend --retry inf"
is "$(complete_bash xlisten --re)" "--reconnect --resource --retry " \
    "bash: xlisten --retry, and --reconnect still"
is "$(complete_bash xsend --sh)" "--show-cert " "bash: the common options"
is "$(complete_bash xraw --t)" "--timeout --tls --trace " "bash: xraw's own and the common ones"
is "$(complete_bash xsend -f "$XT_CONFIG" -a '')" "alice bob carol dave $(printf '%s ' $XT_ROSTER_USERS)" \
    "bash: -a lists the accounts of the -f config"
bash -c '. completions/bash/xlisten; complete -p xlisten' >/dev/null 2>&1
ok $? "bash: the xlisten file registers a completion too"
bash -c '. completions/bash/xraw; complete -p xraw' >/dev/null 2>&1
ok $? "bash: so does the xraw file"
bash -c '. completions/bash/xroster; complete -p xroster' >/dev/null 2>&1
ok $? "bash: and the xroster file"
is "$(complete_bash xroster '')" "add approve deny export import list remove subscribe unsubscribe " \
    "bash: xroster's subcommands"
is "$(complete_bash xroster -a erin im)" "import " "bash: a subcommand after an option"
is "$(complete_bash xroster import --d)" "--dry-run " "bash: xroster's options"
is "$(complete_bash xlisten --show '')" "away chat dnd xa " "bash: xlisten --show"
bash -c '. completions/bash/xping; complete -p xping' >/dev/null 2>&1
ok $? "bash: and the xping file"
is "$(complete_bash xping --format '')" "json prometheus text " "bash: xping --format"
is "$(complete_bash xping --ce)" "--cert-crit --cert-warn " "bash: xping's own options"
f=completions/zsh/_xmpputils
if command -v zsh >/dev/null; then zsh -n "$f"; ok $? "zsh -n $f"; fi
is "$(head -1 "$f")" "#compdef xsend xlisten xraw xroster xping" "$f serves every tool"
if command -v fish >/dev/null; then
	for f in completions/fish/*.fish; do fish -n "$f"; ok $? "fish -n $f"; done
	is "$(fish -c 'source completions/fish/xlisten.fish; complete -C "xlisten --format "' | cut -f1 | tr '\n' ' ')" \
	    "json text xml " "fish: xlisten --format, with the common part from xsend.fish"
fi

# make install and uninstall, with DESTDIR and PREFIX
san=
case $XU_BUILD in */san) san=SANITIZE=1;; esac
make -s install $san DESTDIR="$T/root" PREFIX=/opt/xu >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/opt/xu"
for f in bin/xsend bin/xlisten share/man/man1/xsend.1 share/man/man1/xlisten.1 \
    share/man/man5/xmpputils.conf.5 share/man/man7/xmpputils.7 \
    share/bash-completion/completions/xsend \
    share/bash-completion/completions/xlisten \
    share/zsh/site-functions/_xmpputils \
    share/fish/vendor_completions.d/xsend.fish \
    share/fish/vendor_completions.d/xlisten.fish \
    bin/xraw share/man/man1/xraw.1 share/bash-completion/completions/xraw \
    share/fish/vendor_completions.d/xraw.fish \
    bin/xroster share/man/man1/xroster.1 \
    share/bash-completion/completions/xroster \
    share/fish/vendor_completions.d/xroster.fish \
    bin/xping share/man/man1/xping.1 share/bash-completion/completions/xping \
    share/fish/vendor_completions.d/xping.fish; do
	[ -f "$T/root/opt/xu/$f" ]
	ok $? "installed /opt/xu/$f"
done
"$T/root/opt/xu/bin/xsend" --version >/dev/null
ok $? "the installed xsend runs"
make -s uninstall $san DESTDIR="$T/root" PREFIX=/opt/xu >>"$T/install.log" 2>&1
is "$(find "$T/root" -type f | wc -l)" 0 "make uninstall removes every file"

done_testing
