# fish completion for xlisten(1)
function __xmpputils_accounts
    set -l file (set -q XDG_CONFIG_HOME; and echo $XDG_CONFIG_HOME; or echo $HOME/.config)/xmpputils/config
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens))
        if contains -- $tokens[$i] -f --config; and test $i -lt (count $tokens)
            set file $tokens[(math $i + 1)]
        end
    end
    test -r $file; and sed -n 's/^[[:space:]]*\[\([^]]*\)\][[:space:]]*$/\1/p' $file
end

complete -c xlisten -f
complete -c xlisten -l all -d 'Print every stanza, presence and iq too'
complete -c xlisten -s n -l count -x -d 'Exit after this many messages'
complete -c xlisten -l format -x -a 'text json xml' -d 'Output format'
complete -c xlisten -l from -x -d 'Only from this JID'
complete -c xlisten -l priority -x -d 'Presence priority'
complete -c xlisten -s r -l room -x -d 'Join a MUC room'
complete -c xlisten -s t -l type -x -a 'chat normal headline groupchat error' -d 'Only this message type'
complete -c xlisten -s w -l wait -x -d 'Exit after this many seconds'
complete -c xlisten -s a -l account -x -a '(__xmpputils_accounts)' -d 'Account section of the config'
complete -c xlisten -s f -l config -r -F -d 'Config file'
complete -c xlisten -s T -l timeout -x -d 'Seconds each step may take'
complete -c xlisten -s v -l verbose -d 'Report progress; twice for the XML'
complete -c xlisten -l jid -x -d 'Account JID'
complete -c xlisten -l server -x -a '(__fish_print_hostnames)' -d 'Host to connect to'
complete -c xlisten -l port -x -d 'Port'
complete -c xlisten -l resource -x -d 'Resource to bind'
complete -c xlisten -l cafile -r -F -d 'CA certificates'
complete -c xlisten -s h -l help -d 'Usage'
complete -c xlisten -l version -d 'Version'
