#!/bin/zsh -f
# zcomplete.zsh: what an interactive zsh offers at TAB. Each line of
# stdin is typed into one zsh (compinit, DIR first in its fpath) on a
# pseudo-terminal, then TAB; prints a line for each: what it offers,
# sorted, a blank between (an empty line: nothing).
#
#   zsh -f tests/zcomplete.zsh DIR <lines
#
# The technique of zsh-capture-completion: compadd wrapped, to print each
# match that completion would add; then nothing is inserted or listed,
# and the line is killed for the next.
if [[ $1 == --inner ]]; then
	# (sourced by the zsh on the pseudo-terminal)
	PROMPT= RPROMPT= PROMPT_EOL_MARK=
	bindkey -e
	fpath=($2 $fpath)
	autoload -Uz compinit && compinit -u -D
	_zc_end() {
		compstate[insert]= compstate[list]=
		print -rn -- $'\1E\n'
	}
	# (comppostfuncs is emptied after each completion)
	_zc_complete() {
		comppostfuncs=(_zc_end)
		_main_complete "$@"
	}
	zle -C zc-complete complete-word _zc_complete
	bindkey '^I' zc-complete
	compadd() {
		# the calls that only ask (-O, -A, -D) add nothing
		if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
			builtin compadd "$@"
			return
		fi
		local -a __zc
		local __m
		builtin compadd -A __zc "$@"
		for __m in $__zc; do print -rn -- $'\1M'"$IPREFIX$__m"$'\n'; done
		builtin compadd "$@"
	}
	print -rn -- $'\1R\n'
	return
fi

zmodload zsh/zpty || exit 1
zpty z zsh -f -i || exit 1
zpty -w z "source ${(q)0:A} --inner ${(q)1:A}"
zpty -r z out $'*\1R*' || exit 1
while IFS= read -r q; do
	zpty -w -n z "$q"$'\t'
	zpty -r z out $'*\1E*' || exit 1
	# one match a line, after its mark, wherever the line starts
	print -r -- ${(j: :)${(ou)${(M)${(f)out//$'\r'/}:#*$'\1M'*}#*$'\1M'}}
	zpty -w -n z $'\C-u'
done
zpty -d z
