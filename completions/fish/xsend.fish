# fish completion for xsend(1); xlisten.fish shares what is common

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

function __xmpputils_common -a cmd
    complete -c $cmd -s a -l account -x -a '(__xmpputils_accounts)' -d 'Account section of the config'
    complete -c $cmd -s f -l config -r -F -d 'Config file'
    complete -c $cmd -s T -l timeout -x -d 'Seconds each step may take'
    complete -c $cmd -s v -l verbose -d 'Report progress; twice for the XML'
    complete -c $cmd -l jid -x -d 'Account JID'
    complete -c $cmd -l server -x -a '(__fish_print_hostnames)' -d 'Host to connect to'
    complete -c $cmd -l port -x -d 'Port'
    complete -c $cmd -l resource -x -d 'Resource to bind'
    complete -c $cmd -l cafile -r -F -d 'CA certificates'
    complete -c $cmd -l tls -x -a 'starttls direct' -d 'How TLS starts'
    complete -c $cmd -l pin -x -d 'Accept only this public key'
    complete -c $cmd -l password-fd -x -d 'Read the password from this descriptor'
    complete -c $cmd -l show-cert -d 'Print the server certificate and its pin'
    complete -c $cmd -l keepalive -x -d 'Seconds of silence before asking for a sign of life'
    complete -c $cmd -l no-fast -d 'Use and keep no FAST token: log in with the password'
    complete -c $cmd -l insecure -d 'Accept any certificate (dangerous)'
    complete -c $cmd -l insecure-plaintext -d 'Allow no TLS at all (dangerous)'
    complete -c $cmd -s h -l help -d 'Usage'
    complete -c $cmd -l version -d 'Version'
end

# which agent to use: every tool's choice but xagent's own
function __xmpputils_agent -a cmd
    complete -c $cmd -l agent -d "Go through the account's agent (xagent), or fail"
    complete -c $cmd -l no-agent -d 'Never go through an agent: log in'
end

__xmpputils_common xsend
__xmpputils_agent xsend
complete -c xsend -s l -l lines -d 'Send each stdin line as it arrives'
complete -c xsend -s m -l message -x -d 'Message text'
complete -c xsend -s q -l quiet -d 'No progress bar for an upload'
complete -c xsend -l attach -r -F -d 'Upload a file and send a message that shares it'
complete -c xsend -l attach-name -x -d 'The name the file before goes by'
complete -c xsend -s r -l room -x -d 'Join a MUC room and send there'
complete -c xsend -s s -l subject -x -d 'Subject'
complete -c xsend -s t -l type -x -a 'chat normal headline groupchat' -d 'Message type'
complete -c xsend -l retry -x -a inf -d 'Logins to try each outage (inf: no limit)'
complete -c xsend -l unsent -r -F -d 'Write what was not confirmed here'
complete -c xsend -l confirm -x -a 'server domain client' -d 'How far delivery must be confirmed'
complete -c xsend -l agent-persist -x -d 'Start an agent if none runs, to idle this many seconds'
complete -c xsend -l queue -d 'Keep what cannot go now in the queue (exit 2)'
complete -c xsend -l no-queue -d 'Queue nothing, whatever the config says'
complete -c xsend -l flush -d 'Send what the queue holds, oldest first'
complete -c xsend -l list-queue -d 'Print what the queue holds'
complete -c xsend -l format -x -a 'text json' -d 'Output format of --list-queue'
