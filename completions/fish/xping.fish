# fish completion for xping(1); the common options are in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

__xmpputils_common xping
__xmpputils_agent xping
complete -c xping -f
complete -c xping -s c -l count -x -d 'Stop after this many pings (--plugin: -c is the critical threshold)'
complete -c xping -s i -l interval -x -d 'Seconds between pings'
complete -c xping -s q -l quiet -d 'Only the header and the summary'
complete -c xping -s W -l wait -x -d 'Seconds to wait for each answer'
complete -c xping -l format -x -a 'text json prometheus' -d 'Output format'
complete -c xping -l trace -d 'Time the login, phase by phase'
complete -c xping -l plugin -d 'Run as a Nagios/Icinga plugin'
complete -c xping -s w -l warning -x -d 'With --plugin: WARNING above RTT ms[,LOSS%]'
complete -c xping -l cert-warn -x -d 'With --plugin: WARNING when the certificate expires within DAYS'
complete -c xping -l cert-crit -x -d 'With --plugin: CRITICAL when the certificate expires within DAYS'
complete -c xping -l want -x -a 'sasl2 binding ssdp fast' -d 'With --plugin: WARNING for a login without these'
complete -c xping -l logout -d "Invalidate the account's FAST tokens at the server, delete them"
