# fish completion for xsend(1), and what every tool shares: the other
# tools' files load this one, so each works when fish loads it alone

# The accounts of the config (the last -f on the line, else the XDG one):
# `default' and its [section]s. The file is read, never run; a missing
# or unreadable one (or a FIFO) has none. A name with a control character
# is none: a tab would split it into a name and a description.
function __xmpputils_accounts
    set -l file (set -q XDG_CONFIG_HOME; and echo $XDG_CONFIG_HOME; or echo $HOME/.config)/xmpputils/config
    set -l tokens (commandline -opc)
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case --
                break
            case -f --config
                set i (math $i + 1)
                test $i -le (count $tokens); and set file $tokens[$i]
            case '--config=*'
                set file (string replace -- --config= '' $tokens[$i])
            case '-f?*'
                set file (string sub -s 3 -- $tokens[$i])
        end
        set i (math $i + 1)
    end
    string match -q -- '~/*' $file; and set file $HOME/(string sub -s 3 -- $file)
    test -f $file -a -r $file; or return
    echo default
    string match -rg '^\s*\[([^[:cntrl:]]+)\]\s*$' <$file
end

function __xmpputils_common -a cmd
    complete -c $cmd -s a -l account -x -a '(__xmpputils_accounts)' -d "The config's account NAME"
    complete -c $cmd -s f -l config -r -F -d 'The config'
    complete -c $cmd -l jid -x -d 'Log in as JID'
    complete -c $cmd -l server -x -a '(__fish_print_hostnames)' -d 'Connect to HOST, not the SRV records'
    complete -c $cmd -l port -x -d 'Connect to PORT (5222; 5223 with --tls direct)'
    complete -c $cmd -l resource -x -d 'The resource to bind'
    complete -c $cmd -l password-fd -x -d 'Read the password from descriptor FD'
    complete -c $cmd -l no-fast -d 'No FAST token: neither use nor keep one'
    complete -c $cmd -l keepalive -x -d 'Probe a silent connection after SECONDS'
    complete -c $cmd -l tls -x -a 'starttls direct' -d 'How TLS starts'
    complete -c $cmd -l cafile -r -F -d 'Trust the CA certificates in FILE'
    complete -c $cmd -l pin -x -d "Trust the server's key with this hash only"
    complete -c $cmd -l show-cert -d "Print the server's certificate and its pin, and stop"
    complete -c $cmd -l insecure -d 'Accept any certificate (loud)'
    complete -c $cmd -l insecure-plaintext -d 'Allow a login without TLS (loud)'
    complete -c $cmd -s T -l timeout -x -d 'The longest any one step may take'
    complete -c $cmd -s v -l verbose -d 'Say what happens on stderr; -vv: the XML too'
    complete -c $cmd -s q -l quiet -d 'Say less: only results and errors (xping: only the summary)'
    complete -c $cmd -s h -d 'The short usage'
    complete -c $cmd -l help -d 'Every option'
    complete -c $cmd -l version -d 'The version'
end

# xagent is the agent: it refuses these
function __xmpputils_agent -a cmd
    complete -c $cmd -l agent -d 'Go through a running xagent; none is an error'
    complete -c $cmd -l no-agent -d 'Log in ourselves even if an xagent runs'
end

__xmpputils_common xsend
__xmpputils_agent xsend
complete -c xsend -f
complete -c xsend -s m -l message -x -d 'Send TEXT'
complete -c xsend -s l -l lines -d 'Each line of stdin is a message'
complete -c xsend -s E -l if-nonempty -d 'Stdin empty: no login, nothing sent, exit 0'
complete -c xsend -s s -l subject -x -d "The messages' subject"
complete -c xsend -s t -l type -x -a 'chat normal headline groupchat' -d 'Message type'
complete -c xsend -l attach -r -F -d 'Upload FILE and share its URL'
complete -c xsend -l attach-name -x -d 'The name the --attach before it is shared under'
complete -c xsend -s r -l room -x -d 'Join ROOM (as NICK) and send there'
complete -c xsend -l confirm -x -a 'server domain client' -d 'How far delivery must be confirmed'
complete -c xsend -l retry -x -a inf -d 'Log in again N times if the connection is lost'
complete -c xsend -l unsent -r -F -d 'Write what was not confirmed to FILE'
complete -c xsend -l queue -d 'Keep on disk what cannot go now (exit 2)'
complete -c xsend -l no-queue -d 'Do not, whatever the config says'
complete -c xsend -l flush -d 'Send what the queue holds, oldest first'
complete -c xsend -l list-queue -d 'Print what the queue holds; no login'
complete -c xsend -l format -x -a 'text json' -n '__fish_seen_argument -l list-queue' -d '--list-queue as text or json'
complete -c xsend -l agent-persist -x -d 'Start an xagent that stays SECONDS idle'
