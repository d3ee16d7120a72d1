# fish completion for xroster(1); what every tool shares is in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

# __xroster_in CMD...: whether xroster's subcommand, its first word that
# is neither option nor value ('' when there is none yet), is a CMD
function __xroster_in
    set -l tokens (commandline -opc)
    set -l sub ''
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case --
                set i (math $i + 1)
                test $i -le (count $tokens); and set sub $tokens[$i]
                break
            case -a --account -f --config -T --timeout --jid --server --port \
                --resource --cafile --tls --pin --password-fd --keepalive \
                --format -w --wait --name -g --group
                set i (math $i + 1)
            case '-*'
            case '*'
                set sub $tokens[$i]
                break
        end
        set i (math $i + 1)
    end
    contains -- $sub $argv
end

__xmpputils_common xroster
__xmpputils_agent xroster
complete -c xroster -f
set -l none "__xroster_in ''"
complete -c xroster -n $none -a list -d 'Print the roster (the default)'
complete -c xroster -n $none -a add -d 'Add contacts (or change their name and groups)'
complete -c xroster -n $none -a remove -d 'Remove contacts, and their subscriptions'
complete -c xroster -n $none -a subscribe -d 'Ask to see their presence'
complete -c xroster -n $none -a unsubscribe -d 'Stop seeing it'
complete -c xroster -n $none -a approve -d 'Let them see ours (or pre-approve)'
complete -c xroster -n $none -a deny -d 'Refuse, or revoke, their seeing ours'
complete -c xroster -n $none -a export -d 'Print the roster as JSON lines, for import'
complete -c xroster -n $none -a import -d "Add or change the contacts of stdin's JSON lines"
# before the subcommand, list's options: it is the default
set -l list "__xroster_in '' list"
complete -c xroster -n $list -l format -x -a 'text json' -d 'list: output format'
complete -c xroster -n $list -l presence -d 'list: with who is online, and how'
complete -c xroster -n $list -s w -l wait -x -d 'list --presence: wait this long for it'
complete -c xroster -n '__xroster_in add' -l name -x -d "add: the contacts' name in the roster"
complete -c xroster -n '__xroster_in add' -s g -l group -x -d 'add: a group to put them in'
complete -c xroster -n '__xroster_in add' -l subscribe -d 'add: and ask to see their presence'
complete -c xroster -n '__xroster_in import' -l dry-run -d 'import: say what would change; change nothing'
complete -c xroster -n '__xroster_in import' -l prune -d 'import: remove the contacts stdin does not have'
