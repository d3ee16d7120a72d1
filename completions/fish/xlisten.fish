# fish completion for xlisten(1); what every tool shares is in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

__xmpputils_common xlisten
__xmpputils_agent xlisten
complete -c xlisten -f
complete -c xlisten -s r -l room -x -d 'Join ROOM (as NICK) and print what is said there'
complete -c xlisten -s t -l type -x -a 'chat normal headline groupchat error' -d 'Only messages of TYPE'
complete -c xlisten -l from -x -d 'Only messages from JID'
complete -c xlisten -l all -d 'Every stanza, not only messages (json or xml)'
complete -c xlisten -l download -x -a '(__fish_complete_directories)' -d 'Save the files messages share into DIR'
complete -c xlisten -l max-size -x -d 'The largest file to save (k, M, G)'
complete -c xlisten -l max-time -x -d 'The longest a download may take'
complete -c xlisten -s c -l count -x -d 'Exit after N messages'
complete -c xlisten -s w -l wait -x -d 'Exit after SECONDS'
complete -c xlisten -l retry -x -a inf -d 'Log in again N times if the connection is lost'
complete -c xlisten -l format -x -a 'text json xml' -d 'Output format'
complete -c xlisten -l no-receipts -d "Never answer a sender's receipt request"
complete -c xlisten -l priority -x -d "The presence's priority, -128 to 127"
complete -c xlisten -l show -x -a 'away chat dnd xa' -d 'Presence show'
complete -c xlisten -l status -x -d "The presence's status text"
