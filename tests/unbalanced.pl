# unbalanced.pl NAME: reads a man page rendered by mandoc -T utf8 on
# stdin and prints each paragraph whose quotes, parentheses or brackets
# do not pair up, as "NAME: what: the paragraph"; exits 1 if any.
#
# What mdoc gets wrong shows in the rendered text, not in the source:
# an .Op or .Ql that runs to the end of its line takes the punctuation
# after it in ("-r room[/nick, --room room[/nick]]"), a quote macro
# inside another nests the quotes. So, per paragraph (a display is
# one):
#   - ( [ { and the typographic quotes close in order;
#   - a quote is not opened again inside itself (‘a ‘b’’);
#   - a bracket that opens inside a word (room[/nick]) is that word's
#     optional part, which has no space in it;
#   - straight double quotes come in pairs.
# A quoted bracket or quote on its own (‘[’, ‘"’) is an example of it,
# not an opening: those are left out.
use strict;
use warnings;

binmode STDIN, ':encoding(UTF-8)';
binmode STDOUT, ':encoding(UTF-8)';

my $name = shift // 'stdin';
my %pair = ('(' => ')', '[' => ']', '{' => '}',
    "\x{2018}" => "\x{2019}", "\x{201c}" => "\x{201d}");
my %opener = reverse %pair;
my $bad = 0;

local $/ = '';	# a paragraph at a time
while (my $p = <STDIN>) {
	$p =~ s/.\x08//g;	# bold and underline overstrikes
	my $why = check($p) or next;
	$p =~ s/\s+\z//;
	print "$name: $why:\n$p\n";
	$bad = 1;
}
exit $bad;

sub check {
	my ($p) = @_;
	my @open;	# [character, opened inside a word]
	my $prev = ' ';
	my $mark = qr/[][(){}"\x{2018}\x{2019}\x{201c}\x{201d}]/;

	$p =~ s/\x{2018}$mark\x{2019}|\x{201c}$mark\x{201d}//g;
	for my $c (split //, $p) {
		my $before = $prev;
		$prev = $c;
		return "a space inside word[...]"
		    if $c =~ /\s/ && grep { $_->[1] } @open;
		if (exists $pair{$c}) {
			return "$c inside $c"
			    if $c =~ /[\x{2018}\x{201c}]/ &&
			    grep { $_->[0] eq $c } @open;
			push @open, [$c, $c eq '[' && $before =~ /\w/];
		} elsif (exists $opener{$c}) {
			return "$c with nothing open" unless @open;
			my $o = (pop @open)->[0];
			return "$o closed by $c" if $o ne $opener{$c};
		}
	}
	return "$open[-1][0] not closed" if @open;
	my $dq = () = $p =~ /"/g;
	return "an odd number of \"" if $dq % 2;
	return;
}
