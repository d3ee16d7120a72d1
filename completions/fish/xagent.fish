# fish completion for xagent(1); the common options are in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

__xmpputils_common xagent
complete -c xagent -f
complete -c xagent -s F -l foreground -d 'Stay in the foreground, log on stderr'
complete -c xagent -s s -l status -d "Print the running agent's state"
complete -c xagent -s x -l stop -d 'Stop the running agent gracefully'
complete -c xagent -l idle -x -d 'Exit after this many seconds without a client'
