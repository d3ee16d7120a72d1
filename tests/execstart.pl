#!/usr/bin/perl
# execstart.pl UNIT [X=VALUE...]: runs UNIT's ExecStart= as systemd's
# service manager would, for tests/t-units.sh: there is no user manager
# in a test run. As systemd (systemd.service(5), systemd.exec(5)):
# continuation lines are joined, EnvironmentFile= ("-": may be missing)
# is loaded into the environment, the command line is split into words
# (quotes), the specifiers %X (the X=VALUE arguments, and %%) are
# expanded in each word once split, then $$ and ${NAME}. Exits as the
# command did. What the units here do not use (C escapes, $NAME alone,
# ${NAME:-...}, prefixes, several commands) is refused rather than half
# emulated: exit 125 and why.
use strict;
use warnings;

my ($unit, @spec) = @ARGV;
my %spec = ('%' => '%');
for (@spec) { /^(\w)=(.*)$/s or refuse("not X=VALUE: $_"); $spec{$1} = $2; }

sub refuse { print STDERR "execstart.pl: $_[0]\n"; exit 125; }

open(my $fh, '<', $unit) or refuse("$unit: $!");
my $text = do { local $/; <$fh> };
$text =~ s/\\\n/ /g;		# a continuation: the backslash becomes a space
my (%key, $section);
for (split /\n/, $text) {
	next if /^\s*([#;]|$)/;
	if (/^\[(.*)\]$/) { $section = $1; next; }
	/^(\w+)=(.*)$/ or refuse("$unit: cannot read: $_");
	next unless ($section // '') eq 'Service';
	my ($k, $v) = ($1, $2);
	refuse("$unit: two $k=: not emulated")
	    if exists $key{$k} && $k =~ /^(ExecStart|EnvironmentFile)$/;
	$key{$k} = $v;
}
defined $key{ExecStart} or refuse("$unit: no ExecStart=");
exists $key{$_} and refuse("$_=: not emulated") for qw(Environment ExecStartPre);

# specifiers: once, in one word, never in what they expand to
sub specifiers {
	my $w = shift;
	$w =~ s{%(.)}{ exists $spec{$1} ? $spec{$1} : refuse("no value for %$1") }ge;
	return $w;
}

if (defined(my $f = $key{EnvironmentFile})) {
	my $optional = $f =~ s/^-//;
	$f = specifiers($f);
	if (open(my $env, '<', $f)) {
		while (<$env>) {
			chomp;
			next if /^\s*([#;]|$)/;
			refuse("$f: not emulated: $_") if /\\/;
			/^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$/ or refuse("$f: cannot read: $_");
			my ($k, $v) = ($1, $2);
			$v = $1 if $v =~ /^"(.*)"$/ || $v =~ /^'(.*)'$/;
			$ENV{$k} = $v;
		}
	} elsif (!$optional) {
		# systemd starts nothing then, and says only this
		print STDERR "Failed to load environment files: $!\n";
		exit 1;
	}
}

# words: whitespace apart, quotes group (anywhere in a word) and go
my $line = $key{ExecStart};
refuse("a prefix: not emulated") if $line =~ /^[-@:+!]/;
refuse("a backslash (C escape): not emulated") if $line =~ /\\/;
my @words;
while ($line =~ /\S/) {
	$line =~ s/^\s+//;
	my $w = '';
	my $bare = 1;
	while ($line ne '' && $line !~ /^\s/) {
		if ($line =~ s/^'([^']*)'// || $line =~ s/^"([^"]*)"//) {
			$w .= $1;
			$bare = 0;
		} elsif ($line =~ s/^([^\s'"]+)//) {
			$w .= $1;
		} else {
			refuse("an unbalanced quote");
		}
	}
	refuse("several commands (;): not emulated") if $bare && $w eq ';';
	push @words, specifiers($w);
}

# then, at exec time, the environment: $$ is $, ${NAME} its value
sub dollar {
	my ($what, $name) = @_;
	return '$' if $what eq '$';
	refuse("not emulated: \$$what") unless defined $name;
	return $ENV{$name} // '';
}
for my $w (@words) {
	refuse("\$NAME alone (split into words): not emulated: $w")
	    if $w =~ /^\$[A-Za-z_]\w*$/;
	$w =~ s/\$(\$|\{([A-Za-z_]\w*)\}|\{[^\}]*\})/dollar($1, $2)/ge;
}
exec { $words[0] } @words or refuse("$words[0]: $!");
