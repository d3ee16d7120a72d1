# t-agentconn: a tool that finds an agent talks to it over the connection
# that found it: one connection to the agent for each tool it serves.
. tests/lib.sh

BOB=bob@$XT_DOMAIN

# A stand-in agent that never answers: it counts the connections made to
# its socket (those still waiting to be accepted too) until its standard
# input closes, then prints the count.
mkfifo "$T/fake.in"
perl -MIO::Socket::UNIX -MIO::Select -e '
	my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM(),
	    Local => $ARGV[0], Listen => 16) or die "listen: $!";
	$| = 1;
	print "ready\n";
	my $sel = IO::Select->new($l, \*STDIN);
	my ($n, @held) = (0);
	for (;;) {
		for my $h ($sel->can_read) {
			if ($h == $l) {
				push @held, $l->accept;
				$n++;
			} elsif (sysread(STDIN, my $b, 64) == 0) {
				$l->blocking(0);
				while (my $c = $l->accept) { $n++ }
				print "$n connections\n";
				exit 0;
			}
		}
	}' "$T/agent.sock" <"$T/fake.in" >"$T/fake.out" 2>&1 &
fake=$!
_bg="$_bg $fake"
exec {fake_in}>"$T/fake.in"
wait_line "$T/fake.out" ready

run env XMPP_AGENT_SOCK="$T/agent.sock" "$XU_BUILD/xsend" -f "$XT_CONFIG" \
    -T 1 -a alice --agent -m "never sent" "$BOB"
is "$rc" 75 "an agent that never welcomes: 75, as for no answer in time"
exec {fake_in}>&-
wait "$fake"
is "$(tail -1 "$T/fake.out")" "1 connections" \
    "xsend connected to the agent once, not once to look and once to talk"

done_testing
