# Every released version of cdp upgrades to the current one: its frozen
# install script runs against this build of the library (whose entry points
# keep the names old scripts bind), its data survive ALTER EXTENSION
# UPDATE, and the upgraded schema is the same as a fresh install of the
# current version: pg_dump --schema-only (in binary-upgrade form, which
# lists an extension's objects one by one) must match line for line, once
# OIDs and transaction ids are left out, as must the contents of the
# configuration tables.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my $current = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'cdp'");
my @released = split /\n/,
  $node->safe_psql('postgres',
	"SELECT version FROM pg_available_extension_versions WHERE name = 'cdp' AND version <> '$current' ORDER BY version"
  );
ok(@released > 0, "released versions before $current: @released");

# The schema as pg_dump sees it, without what differs between two
# databases of equal schema: OIDs, transaction ids, the session token, and
# the audit log's position (a fresh install audits the exercise below; the
# released version had no audit log when it ran).
sub schema_of
{
	my ($db) = @_;
	my ($out, $err) = run_command(
		[
			'pg_dump', '--schema-only', '--binary-upgrade',
			'-h', $node->host, '-p', $node->port, '-d', $db
		]);
	is($err, '', "pg_dump of $db ran cleanly");
	return join "\n", grep {
		!/^\\(un)?restrict /
		  && !/binary_upgrade_set_next_/
		  && !/binary_upgrade_create_empty_extension/
		  && !/^SET relfrozenxid = /
		  && !/^WHERE oid = '\d+';$/
		  && !/setval\('cdp\.audit_log_entry_id_seq'/
	} split /\n/, $out;
}

# The extension's version, its configuration tables with their dump
# conditions, and the rows its install script seeds (those a condition
# keeps out of dumps), without their creation times.
sub config_of
{
	my ($db) = @_;
	my $tables = $node->safe_psql(
		$db, q{
		SELECT string_agg(format('%s %s', x.oid::regclass, x.cond), E'\n' ORDER BY x.oid::regclass::text)
		  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, cond)
		 WHERE e.extname = 'cdp'});
	my $seeded = $node->safe_psql(
		$db, q{
		SELECT string_agg(x.oid::regclass::text, ' ' ORDER BY x.oid::regclass::text)
		  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, cond)
		 WHERE e.extname = 'cdp' AND x.cond <> ''});
	my $rows = '';
	foreach my $name (split / /, $seeded)
	{
		$rows .= "$name "
		  . $node->safe_psql($db,
			"SELECT jsonb_agg(to_jsonb(t) - 'created_at' ORDER BY to_jsonb(t)::text) FROM $name t")
		  . "\n";
	}
	return $node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'cdp'")
	  . "\n$tables\n$rows";
}

# The lines in which two texts differ, as diff -u shows them.
sub differences
{
	my ($upgraded, $fresh) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir;
	PostgreSQL::Test::Utils::append_to_file("$dir/upgraded", $upgraded);
	PostgreSQL::Test::Utils::append_to_file("$dir/fresh", $fresh);
	my ($out) = run_command([ 'diff', '-u', "$dir/upgraded", "$dir/fresh" ]);
	return $out;
}

# Data and calls of the released version, made before the update.
my $exercise = q{
	SELECT cdp.create_source('web');
	SELECT cdp.ingest_batch('web', '[
	  {"type": "identify", "userId": "u1", "anonymousId": "a1", "messageId": "m1",
	   "traits": {"email": "Ann@Example.com", "name": "Ann"}, "timestamp": "2026-11-02T10:00:00Z"},
	  {"type": "track", "event": "Order Completed", "anonymousId": "a1", "messageId": "m2",
	   "context": {"device": {"id": "D-1"}}, "timestamp": "2026-11-02T10:05:00Z"}]');
	SELECT cdp.link('email:ann@example.com', 'user_id:u9', 'same person, by phone');
};

foreach my $version (@released)
{
	my $db = "from_$version";
	my $fresh = "fresh_for_$version";
	$db =~ s/\./_/g;
	$fresh =~ s/\./_/g;

	# A fresh install given the same data (which may add partitions).
	$node->safe_psql('postgres', "CREATE DATABASE $fresh");
	$node->safe_psql($fresh, 'CREATE EXTENSION cdp');
	$node->safe_psql($fresh, $exercise);

	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION cdp VERSION '$version'");
	$node->safe_psql($db, $exercise);

	# The released version's functions run on this library.
	is( $node->safe_psql(
			$db,
			q{SELECT cdp.levenshtein('kitten', 'sitting'), cdp.jaro_winkler('martha', 'marhta')::numeric(5,4),
			         cdp.soundex('Robert'), cdp.normalize_email(' A@B.CO '), cdp.ident('email', 'X@Y.ORG'),
			         left(cdp.hash_ident('phone:+33612345678', 'meta'), 12)}),
		'3|0.9611|R163|a@b.co|email:x@y.org|8a3e7886c933',
		"$version: functions run on the new library before the update");

	$node->safe_psql($db, 'ALTER EXTENSION cdp UPDATE');
	is($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'cdp'"),
		$current, "$version updated to $current");

	# What was stored before is there, and works, after.
	is( $node->safe_psql(
			$db,
			"SELECT count(*), count(DISTINCT cdp.resolve(anchor)) FROM cdp.events; "
			  . "SELECT cdp.resolve('user_id:u9') = cdp.resolve('anonymous_id:a1'); "
			  . "SELECT cdp.profile('user_id:u1'::cdp.ident)->'traits'->>'name';"),
		"2|1\nt\nAnn",
		"$version: events, links and profiles survive the update");
	is( $node->safe_psql($db,
			"SELECT cdp.levenshtein('kitten', 'sitting'), cdp.normalize_phone('06 12 34 56 78', 'FR')"),
		'3|+33612345678',
		"$version: functions run after the update");

	is(differences(schema_of($db), schema_of($fresh)), '',
		"$version updated to $current has the schema of a fresh install");
	is(differences(config_of($db), config_of($fresh)), '',
		"$version updated to $current has the configuration of a fresh install");
}

$node->stop;
done_testing();
