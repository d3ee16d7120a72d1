# fish completion for xagent(1); what every tool shares is in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

# (xagent is the agent: no --agent, no --no-agent)
__xmpputils_common xagent
complete -c xagent -f
complete -c xagent -s F -l foreground -d 'Stay in the foreground (as systemd runs it)'
complete -c xagent -l idle -x -d 'Exit after SECONDS without a client'
complete -c xagent -s O -l control -x -a 'status stop' -d 'Ask the running agent: status, stop'
complete -c xagent -l format -x -a 'text json' -d '-O status as text or json'
