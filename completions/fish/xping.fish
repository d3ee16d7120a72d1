# fish completion for xping(1); what every tool shares is in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

# --want's features, each once, after those the word has
function __xping_want
    set -l done (commandline -ct | string replace -r -- '^--want=' '' | string replace -r -- '[^,]*$' '')
    for f in sasl2 binding ssdp fast
        contains -- $f (string split -- , $done); or echo $done$f
    end
end

__xmpputils_common xping
__xmpputils_agent xping
complete -c xping -f
complete -c xping -s c -l count -x -d 'Send N pings (with --plugin, -c is still --critical: use --count)'
complete -c xping -s i -l interval -x -d 'Seconds between pings'
complete -c xping -s w -l wait -x -d 'Wait this long for each reply (with --plugin, -w is still --warning: use --wait)'
complete -c xping -l format -x -a 'text json prometheus' -d 'Output format'
complete -c xping -l trace -d 'Time the login phase by phase'
complete -c xping -l plugin -d 'A monitoring plugin: one status line, exit 0 to 3'
complete -c xping -l warning -x -d 'WARNING at this round trip (ms) or loss: RTT[,LOSS%]'
complete -c xping -l critical -x -d 'CRITICAL at this round trip (ms) or loss: RTT[,LOSS%]'
complete -c xping -l cert-warning -x -d 'WARNING when the certificate expires within DAYS'
complete -c xping -l cert-critical -x -d 'CRITICAL when it expires within DAYS'
complete -c xping -l want -x -a '(__xping_want)' -d 'WARNING unless the server offers each'
complete -c xping -l logout -d "Invalidate and delete the account's FAST tokens"
