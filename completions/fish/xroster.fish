# fish completion for xroster(1); the common options are in xsend.fish
functions -q __xmpputils_common; or source (status dirname)/xsend.fish

set -l __xroster_cmds list add remove subscribe unsubscribe approve deny export import
__xmpputils_common xroster
__xmpputils_agent xroster
complete -c xroster -f
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'list' -d 'Print the roster'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'add' -d 'Add or change contacts'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'remove' -d 'Remove contacts'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'subscribe' -d 'Ask for their presence'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'unsubscribe' -d 'Stop receiving their presence'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'approve' -d 'Let them see our presence'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'deny' -d 'Refuse or cancel their subscription'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'export' -d 'Print the roster as JSON lines'
complete -c xroster -n "not __fish_seen_subcommand_from $__xroster_cmds" -a 'import' -d 'Make the roster match JSON lines on stdin'
complete -c xroster -l format -x -a 'text json' -d 'list: output format'
complete -c xroster -l presence -d 'list: who is online'
complete -c xroster -s w -l wait -x -d 'list --presence: seconds to wait'
complete -c xroster -s n -l name -x -d 'add: the contact name'
complete -c xroster -s g -l group -x -d 'add: a group (repeat for more)'
complete -c xroster -l subscribe -d 'add: and subscribe'
complete -c xroster -l dry-run -d 'import: print the changes, make none'
complete -c xroster -l prune -d 'import: remove what the input lacks'
