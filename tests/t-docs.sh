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
# the options a tool's usage shows, one a line
usage_opts() { "$XU_BUILD/$1" -h | grep -o -- '--\?[a-zA-Z][a-z-]*' | sort -u; }
for t in $TOOLS; do
	# every option the usage shows: "-x" is "Fl x", "--xy" is "Fl Fl xy"
	for opt in $(usage_opts $t); do
		case $opt in
		--*) pat="Fl Fl ${opt#--}";;
		*) pat="Fl ${opt#-}";;
		esac
		grep -q -- "$pat\\( \\|$\\)" "man/$t.1"
		ok $? "man/$t.1 documents $opt"
	done
	codes="0 64 65 69 70 74 75 77 78"
	[ $t = xsend ] || codes="0 1 64 65 69 70 74 75 77 78"
	# 1: --confirm; 2: queued; 73: the queue's directory
	[ $t = xsend ] && codes="0 1 2 64 65 69 70 73 74 75 77 78"
	[ $t = xping ] && codes="0 1 2 3"	# ping(8)'s, and a plugin's
	# 1: -s finds none; 71, 73: fork, the socket; 76: an agent's protocol
	[ $t = xagent ] && codes="0 1 64 69 70 71 73 74 75 76 77 78"
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
is "$(complete_bash xlisten --re)" "--retry inf --resource --retry " \
    "bash: xlisten --retry, and --retry inf still"
is "$(complete_bash xsend --sh)" "--show-cert " "bash: the common options"
is "$(complete_bash xraw --t)" "--timeout --tls --trace " "bash: xraw's own and the common ones"
is "$(complete_bash xsend -f "$XT_CONFIG" -a '')" "alice bob carol dave $(printf '%s ' $XT_ROSTER_USERS)" \
    "bash: -a lists the accounts of the -f config"
is "$(complete_bash xroster '')" "add approve deny export import list remove subscribe unsubscribe " \
    "bash: xroster's subcommands"
is "$(complete_bash xroster -a erin im)" "import " "bash: a subcommand after an option"
is "$(complete_bash xroster import --d)" "--dry-run " "bash: xroster's options"
is "$(complete_bash xlisten --show '')" "away chat dnd xa " "bash: xlisten --show"
is "$(complete_bash xping --format '')" "json prometheus text " "bash: xping --format"
is "$(complete_bash xping --ce)" "--cert-crit --cert-warn " "bash: xping's own options"
is "$(complete_bash xagent --st)" "--status --stop " "bash: xagent's own options"
is "$(complete_bash xsend --ag)" "--agent --agent-persist " "bash: xsend --agent and --agent-persist"

# every option of every tool's usage completes, in each shell; and
# xagent, which refuses them, offers neither --agent nor --no-agent
missing() {	# missing CANDIDATES OPTION...: the options not among them
	local o m=
	for o in "${@:2}"; do grep -qxF -- "$o" <<<"$1" || m="$m $o"; done
	printf '%s' "$m"
}
f=completions/zsh/_xmpputils
zsh_opts() {	# zsh_opts TOOL: the options its case (and the arrays it uses) name
	local block
	block=$(sed -n "/^$1)\$/,/^  ;;\$/p" "$f")
	{
		printf '%s\n' "$block"
		grep -q '\$common' <<<"$block" && sed -n '/^common=(/,/^)/p' "$f"
		grep -q '\$agent' <<<"$block" && sed -n '/^agent=(/,/^)/p' "$f"
	} | grep -o -- "--\?[a-zA-Z][a-z-]*[]=[+,}']" | sed 's/.$//' | sort -u
}
for t in $TOOLS; do
	bash -c ". completions/bash/$t; complete -p $t" >/dev/null 2>&1
	ok $? "bash: the $t file registers a completion"
	opts=$(usage_opts $t)
	got=$(complete_bash $t - | tr ' ' '\n')
	is "$(missing "$got" $opts)" "" "bash: every option of $t's usage completes"
	is "$(missing "$(zsh_opts $t)" $opts)" "" "zsh: every option of $t's usage completes"
	if command -v fish >/dev/null; then
		got=$(fish -c "source completions/fish/$t.fish; complete -C '$t -'" | cut -f1)
		is "$(missing "$got" $opts)" "" "fish: every option of $t's usage completes"
	fi
done
is "$(complete_bash xagent - | tr ' ' '\n' | grep -c -- -agent)" 0 "bash: xagent offers no --agent"
is "$(zsh_opts xagent | grep -c -- -agent)" 0 "zsh: xagent offers no --agent"
if command -v zsh >/dev/null; then zsh -n "$f"; ok $? "zsh -n $f"; fi
is "$(head -1 "$f")" "#compdef $TOOLS" "$f serves every tool"
if command -v fish >/dev/null; then
	for f in completions/fish/*.fish; do fish -n "$f"; ok $? "fish -n $f"; done
	is "$(fish -c 'source completions/fish/xlisten.fish; complete -C "xlisten --format "' | cut -f1 | tr '\n' ' ')" \
	    "json text xml " "fish: xlisten --format, with the common part from xsend.fish"
	is "$(fish -c 'source completions/fish/xagent.fish; complete -C "xagent -"' | cut -f1 | grep -c -- -agent)" \
	    0 "fish: xagent offers no --agent"
fi

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
like "$alert" "^ +/opt/xu/bin/xsend --queue " "whose xsend is the installed one"
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
