# t-config: where a tool finds its account, and its password.
. tests/lib.sh

BOB=bob@$XT_DOMAIN
ALICE=alice@$XT_DOMAIN

# Where the config lives: XDG_CONFIG_HOME, else ~/.config
mkdir -p "$T/xdg/xmpputils" "$T/home/.config/xmpputils"
cp "$XT_CONFIG" "$T/xdg/xmpputils/config"
cp "$XT_CONFIG" "$T/home/.config/xmpputils/config"
listen found -a bob -c 3
XDG_CONFIG_HOME=$T/xdg "$XU_BUILD/xsend" -a alice -m "via XDG" "$BOB"
ok $? "the config under \$XDG_CONFIG_HOME/xmpputils is found"
env -u XDG_CONFIG_HOME HOME=$T/home "$XU_BUILD/xsend" -a alice -m "via HOME" "$BOB"
ok $? "without XDG_CONFIG_HOME, ~/.config/xmpputils/config"

# The environment names the account; the file gives the server
XMPP_JID=$ALICE XMPP_PASSWORD=$XT_PASS xsend -m "via the environment" "$BOB"
ok $? "XMPP_JID and XMPP_PASSWORD"
listener_wait found
is "$(cut -f2 "$T/found.out" | tr '\n' ,)" "via XDG,via HOME,via the environment," \
    "all three arrived"

# password_file, and --resource
printf '%s\nthe second line is not part of it\n' "$XT_PASS" >"$T/pw"
chmod 600 "$T/pw"
cat >"$T/pwfile" <<EOF
server = 127.0.0.1
port = $XT_PORT
cafile = $XT_CA
jid = $ALICE
password_file = $T/pw
EOF
listen pwfile -a bob -c 1
"$XU_BUILD/xsend" -f "$T/pwfile" --resource cron -m "via password_file" "$BOB"
ok $? "password_file: the password is its first line"
listener_wait pwfile
is "$(cut -f1 "$T/pwfile.out")" "$ALICE/cron" "--resource names the sending resource"

# No password anywhere: the terminal is asked, and nothing echoes
cat >"$T/nopw" <<EOF
server = 127.0.0.1
port = $XT_PORT
cafile = $XT_CA
jid = $ALICE
EOF
listen prompt -a bob -c 1
"$XU_BUILD/ptyrun" "Password for" "$XT_PASS" \
    "$XU_BUILD/xsend" -f "$T/nopw" -m "typed at the prompt" "$BOB" \
    >"$T/prompt.tty"
ok $? "with no password configured, xsend asks on the terminal"
listener_wait prompt
is "$(cut -f2 "$T/prompt.out")" "typed at the prompt" "and logs in with the answer"
like "$(cat "$T/prompt.tty")" "Password for $ALICE:" "the prompt names the account"
if grep -q "$XT_PASS" "$T/prompt.tty"; then
	ok 1 "the password is not echoed"
else
	ok 0 "the password is not echoed"
fi

# A password meant for one JID never goes out with another
XMPP_JID=bob@$XT_DOMAIN run xsend -m x "$ALICE" </dev/null
is "$rc" 78 "XMPP_JID of someone else: the file's password is not used"

# A config that is not a file is said to be that, not a mode to chmod
# (/dev/null is root's and anyone's to write). The last -f counts, so
# these win over run's own.
run xsend -f /dev/null -a alice -m x "$BOB"
is "$rc.$err" "78.xsend: /dev/null: not a regular file" "-f /dev/null: exit 78, not a regular file"
run xroster -f "$T" -a kate
is "$rc.$err" "78.xroster: $T: not a regular file" "-f DIRECTORY: the same"
run "$XU_BUILD/xroster" -f <(cat "$XT_CONFIG") -T 10 -a kate
is "$rc" 0 "a pipe still is a config: -f <(...) ($err)"

# --jid naming the section's own account (its case, a resource aside)
# keeps its password; another account's JID does not get it
run xsend -a alice --jid "ALICE@$(printf %s "$XT_DOMAIN" | tr a-z A-Z)" -t headline -m "case" "$BOB" </dev/null
is "$rc" 0 "-a alice --jid ALICE@DOMAIN: the same account, its password ($err)"
run xsend -a alice --jid "alice@$XT_DOMAIN/myres" -v -t headline -m "res" "$BOB" </dev/null
is "$rc" 0 "--jid with a resource: the same account"
like "$err" "logged in as alice@$XT_DOMAIN/myres" "and bound to that resource"
run xsend -a alice --jid "bob@$XT_DOMAIN" -t headline -m "other" "$BOB" </dev/null
is "$rc" 78 "another account's JID: alice's password is not sent for it"
like "$err" "no password for bob@$XT_DOMAIN" "said so"

# -v never prints the password, not even at -vv
listen verbose -a carol -c 1
run xsend -a alice -vv -m "verbose" "carol@$XT_DOMAIN"
is "$rc" 0 "xsend -vv works"
listener_wait verbose
like "$err" "SENT: <auth .*>\\[redacted\\]</auth>" "the SASL exchange is redacted"
if grep -q "$XT_PASS" "$T/err"; then
	ok 1 "no password in -vv output"
else
	ok 0 "no password in -vv output"
fi

done_testing
