# fish completion for xraw(1); the common options are in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

__xmpputils_common xraw
__xmpputils_agent xraw
complete -c xraw -f
complete -c xraw -l pretty -d 'Indent what arrives, a blank line between stanzas'
complete -c xraw -l strict -d 'Stop at the first bad input'
complete -c xraw -l trace -d 'Show the XML both ways, the login too'
complete -c xraw -s w -l wait -x -d 'After the input, wait (and listen) this many seconds'
