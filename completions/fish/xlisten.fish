# fish completion for xlisten(1); the common options are in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

__xmpputils_common xlisten
__xmpputils_agent xlisten
complete -c xlisten -f
complete -c xlisten -l all -d 'Print every stanza, presence and iq too'
complete -c xlisten -l download -x -a '(__fish_complete_directories)' -d 'Save the files messages link to into this directory'
complete -c xlisten -l max-size -x -d 'The largest file --download saves (k, M, G)'
complete -c xlisten -l max-time -x -d 'The longest a --download may take, in seconds'
complete -c xlisten -s n -l count -x -d 'Exit after this many messages'
complete -c xlisten -l format -x -a 'text json xml' -d 'Output format'
complete -c xlisten -l from -x -d 'Only from this JID'
complete -c xlisten -l priority -x -d 'Presence priority'
complete -c xlisten -l reconnect -d 'The same as --retry inf'
complete -c xlisten -l retry -x -a inf -d 'Logins to try each outage (inf: no limit)'
complete -c xlisten -s r -l room -x -d 'Join a MUC room'
complete -c xlisten -l show -x -a 'away chat dnd xa' -d 'Presence show'
complete -c xlisten -l status -x -d 'Presence status message'
complete -c xlisten -s t -l type -x -a 'chat normal headline groupchat error' -d 'Only this message type'
complete -c xlisten -s w -l wait -x -d 'Exit after this many seconds'
complete -c xlisten -l no-receipts -d 'Answer no request for a delivery receipt'
