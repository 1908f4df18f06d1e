# Stitching locks only the part of the identity graph it changes
# (src/identity/graph_lock.c): the profiles it reads and the identifiers
# it creates.  A prepared transaction keeps its stitch's locks, which
# stops one stitcher in the middle: sessions stitching other people go
# on, a session that meets a profile being merged or an identifier being
# created waits for it and then stitches into what it finds, and a change
# to the whole graph waits for every stitch.  Then four sessions ingest
# events that chain one small crowd of people together, and the graph
# they leave is exactly what a rebuild from its links makes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('stitch_locks');
$node->init;
$node->append_conf('postgresql.conf', "max_prepared_transactions = 2\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION cdp;
	SELECT cdp.create_source('web');
	CREATE FUNCTION ev(message_id text, anon text, email text) RETURNS boolean
		LANGUAGE sql AS $$ SELECT cdp.ingest('web',
			jsonb_build_object('type', 'identify', 'messageId', message_id,
			                   'timestamp', '2026-11-01T00:00:00Z', 'anonymousId', anon)
			|| CASE WHEN email IS NULL THEN '{}'
			        ELSE jsonb_build_object('traits', jsonb_build_object('email', email)) END) > 0 $$;
	CREATE FUNCTION people() RETURNS text LANGUAGE sql AS $$
		SELECT string_agg(members, ' | ' ORDER BY members) FROM (
			SELECT string_agg(cdp.ident_value(ident), ' ' ORDER BY cdp.ident_value(ident)) AS members
			  FROM cdp.identities GROUP BY profile_id) p $$;
});

my $seq = 0;

sub empty_graph
{
	$node->safe_psql('postgres', q{
		TRUNCATE cdp.identities, cdp.identity_edges, cdp.profiles, cdp.profile_aliases, cdp.merge_log,
		         cdp.trait_values, cdp.events, cdp.ingested_messages;
	});
}

# Starts from three people: a; b and c@; d.  Then stitches $held_sql's
# events in a transaction that it prepares, keeping its locks.
sub hold_stitch
{
	my ($held_sql) = @_;
	empty_graph();
	$seq++;
	$node->safe_psql('postgres', qq{
		SELECT ev('s$seq-1', 'a', NULL), ev('s$seq-2', 'b', 'c\@example.com'), ev('s$seq-3', 'd', NULL);
	});
	$node->safe_psql('postgres', "BEGIN; $held_sql; PREPARE TRANSACTION 'held'");
}

# With $held_sql's stitch held, runs $sql in a session of its own, which
# must wait for a lock of class $class (2 the graph lock, 3 an
# identifier, 4 a profile); then lets the held stitch commit, and checks
# that the people are $people once both are done.
sub meets_held_stitch
{
	my ($held_sql, $sql, $class, $people, $name) = @_;
	hold_stitch($held_sql);
	my $session = $node->background_psql('postgres');
	$session->query_until(qr/sent/, "\\echo sent\n$sql;\n");
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM pg_locks WHERE NOT granted AND locktype = 'advisory' AND objsubid = $class"),
		"$name: waits for the lock of class $class");
	$node->safe_psql('postgres', "COMMIT PREPARED 'held'");
	$session->quit;
	is($node->safe_psql('postgres', 'SELECT people()'), $people, $name);
}

# Stitching other people goes on while a stitch holds its locks.
hold_stitch("SELECT ev('m1', 'a', 'c\@example.com')");
is( $node->safe_psql('postgres',
		"SET statement_timeout = '20s'; SELECT ev('m2', 'x', 'y\@example.com')"),
	't', 'other people stitch beside a held stitch');
$node->safe_psql('postgres', "COMMIT PREPARED 'held'");
is($node->safe_psql('postgres', 'SELECT people()'),
	'a b c@example.com | d | x y@example.com', 'both stitches are in');

# A session meeting the profile of c@, which the held stitch merges into
# a's, waits for it, then joins d to the merged profile.
meets_held_stitch("SELECT ev('m1', 'a', 'c\@example.com')", "SELECT ev('m2', 'd', 'c\@example.com')", 4,
	'a b c@example.com d', 'a stitch that met a merge retries into the merged profile');

# A session meeting the identifier n@, which the held stitch creates in
# a's profile, waits for it, then joins d to that profile.
meets_held_stitch("SELECT ev('m1', 'a', 'n\@example.com')", "SELECT ev('m2', 'd', 'n\@example.com')", 3,
	'a d n@example.com | b c@example.com', 'a stitch that met a new identifier joins its profile');

# A change to the whole graph waits for every stitch, and sees it.
meets_held_stitch("SELECT ev('m1', 'a', 'n\@example.com')",
	"SELECT cdp.unlink('anonymous_id:a', 'email:n\@example.com')", 2,
	'a | b c@example.com | d | n@example.com', 'unlink waited for the stitch and undid its link');

# Four sessions, 20,000 events that each join two of 3,000 identifiers
# (an anonymous id and an email), chaining people into ever larger
# profiles: no session fails or deadlocks, and a rebuild of the graph from
# its links moves nothing.
empty_graph();
$node->pgbench(
	'--no-vacuum --client=4 --jobs=4 --transactions=500',
	0,
	[qr{actually processed: 2000/2000}],
	[qr{^$}],
	'four sessions stitch overlapping people at once',
	{
		'chain' => q{
\set a random(1, 1500)
\set e random(1, 1500)
SELECT cdp.ingest_batch('web', (SELECT jsonb_agg(jsonb_build_object(
    'type', 'identify', 'messageId', md5(:client_id || '-' || random()::text || g),
    'timestamp', '2026-11-01T00:00:00Z',
    'anonymousId', 'a' || ((:a * g) % 1500),
    'traits', jsonb_build_object('email', 'e' || ((:e + g * 7) % 1500) || '@example.com')))
  FROM generate_series(1, 10) g));
}
	});
is($node->safe_psql('postgres', 'SELECT count(*) FROM cdp.events'), '20000', 'every event ingested');
is( $node->safe_psql('postgres', q{
		SELECT count(*) FROM cdp.events e, unnest(e.identifiers) x
		 WHERE NOT EXISTS (SELECT 1 FROM cdp.identities i WHERE i.ident OPERATOR(cdp.=) x)}),
	'0', 'every identifier stitched');
is( $node->safe_psql('postgres', q{
		SELECT count(*) FROM cdp.identities i
		 WHERE NOT EXISTS (SELECT 1 FROM cdp.profiles p WHERE p.profile_id = i.profile_id)}),
	'0', 'every identity has its profile');
is( $node->safe_psql('postgres', q{
		SELECT count(*) FROM cdp.profiles p
		 WHERE NOT EXISTS (SELECT 1 FROM cdp.identities i WHERE i.profile_id = p.profile_id)}),
	'0', 'no profile is left empty');
is( $node->safe_psql('postgres', q{
		SELECT r->>'identities_moved' || ' ' || (r->>'profiles_merged') || ' ' || (r->>'profiles_split_off')
		  FROM cdp.restitch() r}),
	'0 0 0', 'the graph is what a rebuild from its links makes');

$node->stop;
done_testing();
