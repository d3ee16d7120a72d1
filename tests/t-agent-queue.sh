# t-agent-queue: xagent sends the account's queue (xsend --queue) when
# its session comes up: at its first login and after each reconnect, by
# "xsend --flush --agent" through itself. A Prosody of this file's own
# (it is stopped and started again), a state directory of its own (the
# queue is there), agents of its own.
. tests/lib.sh
. tests/server.sh
server_start || { echo "# could not start a Prosody of our own"; exit 1; }

XDG_STATE_HOME=$(mktemp -d "$T/state.XXXXXX")
export XDG_STATE_HOME
unset XMPP_AGENT_SOCK
XDG_RUNTIME_DIR=$(mktemp -d "$T/run.XXXXXX")
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR

trap 'agents_stop; server_stop; xt_cleanup' EXIT

BOB=bob@$XT_DOMAIN

# release: lets the stand-in xsend of section 5 go on (if it waits)
release() { timeout 10 sh -c 'echo released >"$1"' sh "$FAKE_FIFO"; }

# gone PID: waits (20 s at most) for a process that is not our child
gone() { timeout 20 tail -s 0.1 --pid="$1" -f /dev/null; }

# status FIELD: that line of xagent -s, for alice's agent
status() { "$XU_BUILD/xagent" -O status -f "$XT_CONFIG" -a alice | sed -n "s/^$1 //p"; }

# --- 1. the server down: xsend --queue keeps the message
server_kill TERM
run xsend -a alice --queue --no-agent -m "queued while down" "$BOB"
is "$rc" 2 "xsend --queue with the server down: exit 2" "$err"
run xsend -a alice --list-queue
like "$out" "	$BOB	queued while down\$" "--list-queue shows it"

# --- 2. the agent's first login sends it, through the agent
server_run
listen r1 -a bob --retry inf
agent_start ag alice
ag=$agent
wait_line "$T/r1.out" "queued while down"
ok $? "the agent's first login: bob receives the queued message"
wait_line "$T/ag.err" "queue flush (pid [0-9]*) exited 0"
ok $? "the agent's log: the flush exited 0" "$(cat "$T/ag.err")"
like "$(cat "$T/ag.err")" \
    "queue flush \\(pid [0-9]+\\): $XU_BUILD/xsend --flush --agent --jid alice@$XT_DOMAIN -f $(realpath "$XT_CONFIG") -a alice$" \
    "the log says what it ran: the xsend beside xagent"
run xsend -a alice --list-queue
is "$rc:$out" "0:" "the queue is empty"
like "$(status relayed)" "^[1-9]" "the flush went through the agent"

# --- 3. a reconnect sends what was queued during the outage
server_kill TERM
wait_line "$T/ag.err" "reconnecting in"
run xsend -a alice --queue --no-agent -m "queued during the outage" "$BOB"
is "$rc" 2 "xsend --queue during the outage: exit 2" "$err"
server_run
wait_line "$T/r1.out" "queued during the outage"
ok $? "the agent reconnects and flushes: bob receives it"
wait_line "$T/ag.err" "queue flush (pid [0-9]*) exited 0" 2
ok $? "the agent's log: the second flush exited 0" "$(cat "$T/ag.err")"
run xsend -a alice --list-queue
is "$rc:$out" "0:" "the queue is empty again"

# --- 4. nothing queued: no flush. -s is served by the loop, after the
# check at the login
kill -TERM "$ag"
wait "$ag"
agent_start ag2 alice
ag=$agent
status pid >/dev/null
is "$(grep -c "queue flush" "$T/ag2.err")" 0 "an empty queue: no flush"
kill -TERM "$ag"
wait "$ag"
listener_stop r1

# --- 5. the child, as a stand-in xsend beside a copy of xagent sees
# itself: its arguments (the config made absolute), the agent's socket,
# stdin /dev/null, no other descriptor, no signal blocked, SIGPIPE not
# ignored. It closes its output, waits on a FIFO until released, then
# exits 3: its end is seen, not only its output's.
mkdir "$T/bin"
cp "$XU_BUILD/xagent" "$T/bin/xagent"
# (Perl: a shell clears the signal mask it was given; Perl keeps it)
cat >"$T/bin/xsend" <<'EOF'
#!/usr/bin/perl
opendir(my $fds, "/proc/self/fd") or die;
my @fds = sort { $a <=> $b } grep { /^\d+$/ } readdir($fds);
open(my $st, "<", "/proc/self/status") or die;
my @sig = grep { /^Sig(Blk|Ign):/ } <$st>;
open(my $out, ">", $ENV{FAKE_OUT}) or die;
print $out "args: @ARGV\n", "sock: $ENV{XMPP_AGENT_SOCK}\n",
    "stdin: ", readlink("/proc/self/fd/0"), "\n",
    "stderr: ", readlink("/proc/self/fd/2") =~ s/:.*//r, "\n",
    "fds: @fds\n", @sig, "pid: $$\n";
close($out);
$| = 1;
print "a word for the log\n";
print STDERR "and one on stderr\n";
close(STDOUT);
close(STDERR);
open(my $wait, "<", $ENV{FAKE_FIFO}) or die;
my $line = <$wait>;
exit 3;
EOF
chmod +x "$T/bin/xsend"
FAKE_OUT=$T/fake.out FAKE_FIFO=$T/release
export FAKE_OUT FAKE_FIFO
mkfifo "$FAKE_FIFO"
run xsend -a carol --queue --no-agent --port "$("$XT_NETTOOL" freeport)" \
    -m "to a closed port" "$BOB"
is "$rc" 2 "carol's message queued (a closed port)" "$err"
CONF=$(realpath "$XT_CONFIG")
cd "${XT_CONFIG%/*}"
XAGENT=$T/bin/xagent XT_CONFIG=${XT_CONFIG##*/} agent_start fake carol
fake=$agent
cd "$XT_BIN"
wait_line "$T/fake.err" "and one on stderr"
ok $? "what the child writes, stdout and stderr, goes into the agent's log" \
    "$(cat "$T/fake.err")"
grep -q "a word for the log" "$T/fake.err"
ok $? "its stdout too"
is "$(sed -n 's/^args: //p' "$T/fake.out")" \
    "--flush --agent --jid carol@$XT_DOMAIN -f $CONF -a carol" \
    "xsend --flush --agent --jid JID -f CONFIG (absolute) -a NAME"
is "$(sed -n 's/^sock: //p' "$T/fake.out")" \
    "$XDG_RUNTIME_DIR/xmpputils/carol@$XT_DOMAIN" "XMPP_AGENT_SOCK: the agent's socket"
is "$(sed -n 's/^stdin: //p' "$T/fake.out")" /dev/null "stdin: /dev/null"
is "$(sed -n 's/^stderr: //p' "$T/fake.out")" pipe "stderr: a pipe to the agent"
is "$(sed -n 's/^fds: //p' "$T/fake.out")" "0 1 2 3" \
    "no descriptor of the agent's (3 lists them)"
is "$(sed -n 's/^SigBlk:\t*//p' "$T/fake.out")" 0000000000000000 \
    "no signal blocked"
ign=$(sed -n 's/^SigIgn:\t*//p' "$T/fake.out")
[ -n "$ign" ] && [ $((0x$ign & (1 << 12))) -eq 0 ]
ok $? "SIGPIPE not ignored (xagent ignores it; the child gets the default)" \
    "SigIgn: $ign"
child=$(sed -n 's/^pid: //p' "$T/fake.out")
release
wait_line "$T/fake.err" "queue flush (pid $child) exited 3"
ok $? "the log says how the child ended" "$(cat "$T/fake.err")"

# --- 6. the agent ends while a flush runs: not waited for, left alone
kill -TERM "$fake"
wait "$fake"
XAGENT=$T/bin/xagent agent_start fake2 carol
fake=$agent
wait_line "$T/fake2.err" "and one on stderr"
child=$(sed -n 's/^pid: //p' "$T/fake.out")
kill -TERM "$fake"
gone "$fake"
ok $? "the agent stops at once, a flush running"
wait "$fake"
is "$?" 0 "SIGTERM: exit 0"
like "$(cat "$T/fake2.err")" "queue flush \(pid $child\) still running: left" \
    "and says it left it running"
kill -0 "$child" 2>/dev/null
ok $? "the flush child runs on"
release
gone "$child"
ok $? "and ends when it will"

done_testing
