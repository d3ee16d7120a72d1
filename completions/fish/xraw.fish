# fish completion for xraw(1); what every tool shares is in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

__xmpputils_common xraw
__xmpputils_agent xraw
complete -c xraw -f
complete -c xraw -l strict -d 'Stop at the first bad input'
complete -c xraw -s w -l wait -x -d 'After the input ends, listen SECONDS more'
complete -c xraw -l pretty -d 'Each stanza indented, a blank line between'
complete -c xraw -l trace -d 'The whole exchange, login included'
