# t-completions: the completions in completions/, each run by its shell
# as that shell runs it: bash with Debian's bash-completion, loading one
# tool's file lazily; zsh on a pseudo-terminal, compinit and TAB
# (tests/zcomplete.zsh); fish's complete -C, autoloading from
# fish_complete_path. In each: every option of a tool's --help and no
# other (none of the deprecated spellings, xagent without --agent),
# xroster's subcommands and the options each takes, the values of the
# options that have a few, the accounts of the config, files and
# directories, nothing after --.
. tests/lib.sh

# Every case is asked of each shell: what is typed before TAB, what it
# should offer (sorted, blank-separated, each as norm makes it), a name.
cases=()
tools=()
case_() {
	cases+=("$1"$'\37'"$2"$'\37'"$3")
	case " ${tools[*]} " in *" ${1%% *} "*) ;; *) tools+=("${1%% *}");; esac
}
# norm: a word's name only: not the --opt= before a value, nor the
# directories of a path, nor a directory's trailing /
norm() {
	tr ' ' '\n' | sed -e 's/^--[a-z-]*=//' -e 's|/$||' -e 's|.*/||' |
	    sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
words() { printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# help_opts TOOL [SECTION...]: the options TOOL's --help lists, but for
# those of the SECTIONs (as "list:")
help_opts() {
	local t=$1
	shift
	"$XU_BUILD/$t" --help | awk -v skip=" $* " '
	    /^[^ ].*:$/ { in_skip = index(skip, " " $0 " ") > 0 }
	    !in_skip && match($0, /^ +-/) && RLENGTH <= 7 {
		sub(/^ +/, ""); sub(/  .*/, "")
		n = split($0, o, ", ")
		for (i = 1; i <= n; i++) { split(o[i], w, " "); print w[1] }
	    }' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# --- every option of --help, and no other
for t in xsend xlisten xraw xping xagent; do
	all=$(help_opts $t)
	like "$all" "^--account .* --help .* --version .* -a " "$t --help lists its options (as this reads them)"
	exp=$all
	# (xsend's --format goes with --list-queue only)
	[ $t = xsend ] && exp=$(words $(printf '%s\n' $all | grep -vx -- --format))
	case_ "$t -" "$exp" "$t: every option of its --help, no other"
done
case_ "xsend --list-queue --fo" "--format" "xsend --list-queue: --format too"
case_ "xroster -" "$(help_opts xroster add: import:)" \
    "xroster: before the subcommand, list's options (the default) and the common ones"
case_ "xroster list -" "$(help_opts xroster add: import:)" "xroster list: its options and the common ones"
case_ "xroster add -" "$(help_opts xroster list: import:)" "xroster add: its options and the common ones"
case_ "xroster -a bob import -" "$(help_opts xroster list: add:)" "xroster import: its options and the common ones"
case_ "xroster remove -" "$(help_opts xroster list: add: import:)" "xroster remove: the common options only"
case_ "xroster deny -" "$(help_opts xroster list: add: import:)" "xroster deny: the common options only"

# (and none of the deprecated spellings, NEWS', nor xagent's --agent:
# checked below, among all the options each shell offers a tool)
deprecated="xlisten:-n xlisten:--reconnect xroster:-n xping:-W
xping:--cert-warn xping:--cert-crit xagent:-s xagent:--status xagent:-x
xagent:--stop xagent:--agent xagent:--no-agent"

# --- xroster: subcommands first
cmds="add approve deny export import list remove subscribe unsubscribe"
case_ "xroster " "$cmds" "xroster: its subcommands"
case_ "xroster -a erin im" "import" "xroster: a subcommand after an option and its value"
case_ "xroster -w 2 l" "list" "xroster: an option's value is no subcommand"
case_ "xroster --format=json " "$cmds" "xroster: --opt=value is no subcommand either"
case_ "xroster add " "" "xroster add: no second subcommand"
case_ "xroster add --na" "--name" "xroster add --name"
case_ "xroster -a bob import --d" "--dry-run" "xroster import --dry-run"

# --- the values of the options that have a few
case_ "xsend -t " "chat groupchat headline normal" "xsend -t: the types"
case_ "xlisten --type " "chat error groupchat headline normal" "xlisten --type: the types, error too"
case_ "xsend --list-queue --format " "json text" "xsend --format: text json"
case_ "xlisten --format " "json text xml" "xlisten --format: text json xml"
case_ "xroster --format " "json text" "xroster --format: text json"
case_ "xping --format " "json prometheus text" "xping --format: text json prometheus"
case_ "xlisten --format=j" "json" "xlisten --format=: its value"
case_ "xraw --tls " "direct starttls" "--tls: starttls direct"
case_ "xsend --confirm " "client domain server" "xsend --confirm: server domain client"
case_ "xlisten --show " "away chat dnd xa" "xlisten --show: away chat dnd xa"
case_ "xsend --retry " "inf" "xsend --retry inf"
case_ "xlisten --retry " "inf" "xlisten --retry inf"
case_ "xagent -O " "status stop" "xagent -O: status stop"
case_ "xagent --control " "status stop" "xagent --control: status stop"
case_ "xping --want " "binding fast sasl2 ssdp" "xping --want: the features"
case_ "xping --want sasl2,b" "sasl2,binding" "xping --want: a list, comma-separated"
case_ "xping -w " "" "xping -w: a number, nothing to offer"
case_ "xlisten -c " "" "xlisten -c: a number, nothing to offer"

# --- files and directories
mkdir -p "$T/files/dir"
: >"$T/files/file"
for o in -f --config --cafile; do
	case_ "xraw $o $T/files/" "dir file" "$o: files"
done
case_ "xsend --attach $T/files/" "dir file" "xsend --attach: files"
case_ "xsend --unsent $T/files/" "dir file" "xsend --unsent: files"
case_ "xlisten --download $T/files/" "dir" "xlisten --download: directories only"

# --- the accounts: the -f config's sections and default; XDG's without
# -f; none for a file that is not there or not a file; read, never run
accounts=$(words default alice bob carol dave $XT_ROSTER_USERS)
case_ "xsend -f $XT_CONFIG -a " "$accounts" "-a: default and the sections of the -f config"
case_ "xroster --config=$XT_CONFIG add --account " "$accounts" \
    "--account: of the --config= config, after the subcommand"
case_ "xlisten -f $T/none -f $XT_CONFIG -a b" "bob" "-a: the last -f's"
mkdir -p "$T/xdg/xmpputils" "$T/home"
printf 'jid = me@example.org\n\n  [work] \n# [no]\n[home]\n' >"$T/xdg/xmpputils/config"
case_ "xping -a " "default home work" "-a: the XDG config's, without -f"
case_ "xagent -f $T/none -a " "" "-a: a config that is not there has none"
mkfifo "$T/fifo"
case_ "xraw -f $T/fifo -a " "" "-a: a FIFO is no config (and is not read)"
cat >"$T/evil" <<EOF
[\$(touch $T/pwned)]
[\`touch $T/pwned\`]
[x'; touch $T/pwned; ']
EOF
case_ "xsend -f $T/evil -a d" "default" "-a: a config's text is never run"
printf '[ta\tb]\n[tab]\n[esc\033]\n' >"$T/tabs"
case_ "xsend -f $T/tabs -a " "default tab" \
    "-a: a name with a control character (a tab: fish's name/description) is none"

# --- after --, no option
case_ "xsend -- -" "" "xsend: no option after --"
case_ "xroster import -- --" "" "xroster: no option after --"
case_ "xlisten -c 1 -- --f" "" "xlisten: no option after --"

# --- the shells. Each gets every case, one process a tool (bash and
# fish load the tool's own file only, as they would), HOME and XDG ours.
export HOME=$T/home XDG_CONFIG_HOME=$T/xdg XDG_DATA_HOME=$T/home/data
for t in "${tools[@]}"; do
	for c in "${cases[@]}"; do
		case $c in "$t "*) printf '%s\n' "${c%%$'\37'*}";; esac
	done >"$T/q.$t"
done

# bash: Debian's bash-completion, and the files installed as make install
# puts them (the user's directory, first); then as bash does at TAB:
# COMP_WORDS split at COMP_WORDBREAKS' = and :, the function `complete
# -p' names called with the command, the word and the one before, after
# the -D default (bash-completion's loader) when there is none yet.
bash_ask() {	# bash_ask TOOL <lines: a line of candidates each
	BASH_COMPLETION_USER_DIR=$T/bash timeout 30 bash --norc --noprofile -c '
	    . "$0" || exit 1
	    compopt() { :; }	# (how readline inserts: no readline here)
	    set -f
	    complete -p "$1" >/dev/null 2>&1 && echo "# $1: loaded before TAB" ||
		echo "# $1: not loaded yet"
	    while IFS= read -r line; do
		COMP_WORDS=()
		for p in $line; do
			while [[ $p == *[=:]* ]]; do
				w=${p%%[=:]*}
				[[ $w ]] && COMP_WORDS+=("$w")
				COMP_WORDS+=("${p:${#w}:1}")
				p=${p:${#w}+1}
			done
			[[ $p ]] && COMP_WORDS+=("$p")
		done
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_LINE=$line COMP_POINT=${#line}
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		for try in 1 2; do
			spec=$(complete -p "$1" 2>/dev/null || complete -p -D)
			f=${spec#*-F } f=${f%% *}
			COMPREPLY=()
			"$f" "$1" "$cur" "$prev"
			[ $? -eq 124 ] || break
		done
		echo ${COMPREPLY[@]}
	    done
	    complete -p "$1"' $bc "$1"
}
zsh_ask() { timeout 30 zsh -f tests/zcomplete.zsh completions/zsh; }
fish_ask() {
	PATH=$XU_BUILD:$PATH timeout 30 fish -c '
	    set -p fish_complete_path completions/fish
	    while read -l q
		echo (complete -C "$q" | cut -f1)
	    end'
}
bc=/usr/share/bash-completion/bash_completion
there() {	# there SHELL: whether it is installed (bash: and bash-completion)
	case $1 in
	bash) [ -r $bc ];;
	*) command -v $1 >/dev/null;;
	esac
}
mkdir -p "$T/bash"
cp -R completions/bash "$T/bash/completions"
for sh in bash zsh fish; do
	if ! there $sh; then
		what=$sh
		[ $sh = bash ] && what=$bc
		# CI has tests/deps.sh install them: a failure there
		if [ "${XT_NEED13:-}" = 1 ]; then
			ok 1 "$sh: $what is installed (tests/deps.sh installs it)"
		else
			ok 0 "# SKIP $sh: no $what (tests/deps.sh installs it)"
		fi
		continue
	fi
	declare -A got=()
	# (zsh: one for all tools, as compinit reads every #compdef)
	asked=("${tools[@]}")
	[ $sh = zsh ] && asked=(all) && cat "${tools[@]/#/$T/q.}" >"$T/q.all"
	for t in "${asked[@]}"; do
		${sh}_ask $t <"$T/q.$t" >"$T/r.$sh.$t"
		mapfile -t r <"$T/r.$sh.$t"
		mapfile -t q <"$T/q.$t"
		if [ $sh = bash ]; then
			is "${r[0]-}" "# $t: not loaded yet" \
			    "bash: no $t completion before its TAB"
			is "${r[-1]-}" "complete -F _xmpputils $t" \
			    "bash: completions/bash/$t, loaded alone, completes $t"
			r=("${r[@]:1:${#r[@]}-2}")
		fi
		for i in "${!q[@]}"; do got[${q[i]}]=${r[i]-(none)}; done
	done
	for c in "${cases[@]}"; do
		IFS=$'\37' read -r line exp name <<<"$c"
		is "$(printf '%s' "${got[$line]-(none)}" | norm)" "$exp" "$sh: $name"
	done
	for d in $deprecated; do
		t=${d%%:*} o=${d#*:} all=
		for line in "${!got[@]}"; do
			case $line in "$t "*" -"|"$t -") all="$all ${got[$line]}";; esac
		done
		is "$(printf '%s\n' $all | grep -cx -- "$o")" 0 "$sh: $t offers no $o"
	done
	[ -e "$T/pwned" ]
	is $? 1 "$sh: the config's [\$(touch ...)] was not run"
	rm -f "$T/pwned"
	unset got
done
done_testing
