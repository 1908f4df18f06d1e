# The background worker: with shared_preload_libraries = 'cdp' and
# cdp.database set, the launcher keeps a worker for each listed database
# that has the extension, and the worker does what ingestion leaves
# (deferred stitching here) without anyone calling a function.  Killing
# the worker, or the whole server, in the middle of a batch loses nothing;
# a reload picks up another database; DROP EXTENSION and DROP DATABASE
# work while it runs.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('worker');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'cdp'\ncdp.database = 'w1'\ncdp.naptime = 1\ncdp.stats_interval = 1\nmax_worker_processes = 16\nrestart_after_crash = on\n");
$node->start;

ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdp launcher'"),
	'the launcher runs');

foreach my $db ('w1', 'w2')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION cdp');
	$node->safe_psql($db, "SELECT cdp.create_source('web')");
}
$node->safe_psql('w1', q{
	SELECT cdp.create_segment('gold', $$traits->>'tier' = 'gold'$$);
	SELECT cdp.set_segment_realtime('gold', true)});

# Ingests people $from..$to, stitching deferred to the worker, in batches
# of 10,000 (one transaction each).
sub ingest
{
	my ($db, $from, $to) = @_;
	for (my $lo = $from; $lo <= $to; $lo += 10000)
	{
		my $hi = $lo + 9999 > $to ? $to : $lo + 9999;
		$node->safe_psql($db, qq{
			SET cdp.inline_stitching = off;
			SELECT cdp.ingest_batch('web', (SELECT jsonb_agg(jsonb_build_object(
				'type', 'identify', 'userId', 'u' || g, 'anonymousId', 'a' || g,
				'traits', jsonb_build_object('tier', CASE WHEN g % 3 = 0 THEN 'gold' ELSE 'basic' END),
				'messageId', 'm' || g, 'timestamp', '2026-11-01T00:00:00Z'))
				FROM generate_series($lo, $hi) g))});
	}
}

# What shows whether every event of $db is stitched: events queued, events
# whose identifier does not resolve, identities, profiles; stitched(N) is
# what it must be for N people of two identities each.
sub stitch_counts
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT (SELECT count(*) FROM cdp.stitch_queue) || ' queued, '
		    || (SELECT count(*) FROM cdp.events WHERE cdp.resolve(anchor) IS NULL) || ' unresolved, '
		    || (SELECT count(*) FROM cdp.identities) || ' identities, '
		    || (SELECT count(*) FROM cdp.profiles) || ' profiles'});
}

sub stitched
{
	my ($people) = @_;
	return sprintf('0 queued, 0 unresolved, %d identities, %d profiles', 2 * $people, $people);
}

# Whether the real-time segment 'gold' of $db has become exactly its
# people with the gold tier (a third of them), waiting for the jobs worker.
sub gold_right
{
	my ($db, $people) = @_;
	my $gold = int($people / 3);
	return $node->poll_query_until($db, qq{
		SELECT count(*) = $gold FROM cdp.segment_members m JOIN cdp.segments s USING (segment_id)
		 WHERE s.name = 'gold'
		   AND NOT EXISTS (SELECT FROM (
			     (SELECT profile_id FROM cdp.profiles WHERE traits->>'tier' = 'gold'
			      EXCEPT SELECT profile_id FROM cdp.segment_members WHERE segment_id = s.segment_id)
			     UNION ALL
			     (SELECT profile_id FROM cdp.segment_members WHERE segment_id = s.segment_id
			      EXCEPT SELECT profile_id FROM cdp.profiles WHERE traits->>'tier' = 'gold')) d)});
}

# The pid of a stitch worker busy with $db's batches, or '' when none is
# seen within the time-out.  Read in the same query that sees it busy: a
# worker leaves after two seconds of work and the launcher starts another,
# so a second look could find none.
sub busy_worker
{
	my ($db) = @_;
	my $pid = '';
	for (my $i = 0; $i < 10 * $PostgreSQL::Test::Utils::timeout_default && $pid eq ''; $i++)
	{
		$pid = $node->safe_psql('postgres', qq{
			SELECT pid FROM pg_stat_activity
			 WHERE backend_type = 'cdp stitch worker' AND datname = '$db' AND state = 'active' LIMIT 1});
		usleep(100_000) if $pid eq '';
	}
	return $pid;
}

# 1. It starts and works: events ingested are stitched by the worker.
ingest('w1', 1, 2000);
ok($node->poll_query_until('w1', 'SELECT count(*) = 0 FROM cdp.stitch_queue'), 'the worker drained the queue');
is(stitch_counts('w1'), stitched(2000), 'every event ingested is stitched');
ok(gold_right('w1', 2000), 'the real-time segment is kept right');
is($node->safe_psql('w1', "SELECT string_agg(kind, ',' ORDER BY kind) FROM cdp.worker_processes() WHERE process = 'worker' AND runs > 0 AND failures = 0"),
	'delivery,jobs,stitch', 'the stitch, jobs and delivery workers ran without failing');
is($node->safe_psql('w1', "SELECT string_agg(job || ':' || (worker_state IS NOT NULL), ',' ORDER BY job) FROM cdp.worker_status"),
	'computed_traits:true,matches:true,profiles:true,retention:true,scores:true,segments:true,stats:true,stitch:true',
	'each job shows the worker that runs it');
ok($node->poll_query_until('w1', q{
	SELECT (SELECT sum(events) FROM cdp.stats_events_daily) = (SELECT count(*) FROM cdp.events)}),
	'the worker keeps the history tables (every cdp.stats_interval)');

# 2. kill -9 of the worker in the middle of its batches: the server
# restarts every process (crash recovery); the work is taken up again.
ingest('w1', 2001, 60000);
my $pid = busy_worker('w1');
isnt($pid, '', 'the worker is busy');
kill 'KILL', $pid if $pid;
ok($node->poll_query_until('w1', 'SELECT count(*) = 0 FROM cdp.stitch_queue'),
	'after kill -9 of the worker, the queue is drained');
is(stitch_counts('w1'), stitched(60000), 'after kill -9 of the worker, every event is stitched once');
ok(gold_right('w1', 60000), 'after kill -9 of the worker, the real-time segment is right');

# 3. An immediate shutdown of the whole server in the middle of a batch.
ingest('w1', 60001, 90000);
busy_worker('w1');
$node->stop('immediate');
$node->start;
ok($node->poll_query_until('w1', 'SELECT count(*) = 0 FROM cdp.stitch_queue'),
	'after an immediate shutdown, the queue is drained');
is(stitch_counts('w1'), stitched(90000), 'after an immediate shutdown, every event is stitched once');
ok(gold_right('w1', 90000), 'after an immediate shutdown, the real-time segment is right');

# 4. A reload picks up a second database; both are served at once.
ingest('w2', 1, 1000);
is($node->safe_psql('w2', 'SELECT count(*) FROM cdp.stitch_queue'), '1000', 'w2 is not served yet');
$node->append_conf('postgresql.conf', "cdp.database = 'w1, w2'\n");
$node->reload;
ingest('w1', 90001, 91000);
ok($node->poll_query_until('w2', 'SELECT count(*) = 0 FROM cdp.stitch_queue'), 'after SIGHUP, w2 is served');
ok($node->poll_query_until('w1', 'SELECT count(*) = 0 FROM cdp.stitch_queue'), 'and w1 still is');
is(stitch_counts('w2'), stitched(1000), 'w2: every event is stitched');
is(stitch_counts('w1'), stitched(91000), 'w1: every event is stitched');

# 5. DROP EXTENSION while the worker runs: the worker stops looking, the
# launcher keeps going, CREATE EXTENSION is noticed again.
ingest('w2', 1001, 30000);
busy_worker('w2');
$node->safe_psql('w2', 'DROP EXTENSION cdp');
ok($node->poll_query_until('w1',
		"SELECT bool_and(state = 'no extension') FROM cdp.worker_processes() WHERE database = (SELECT oid FROM pg_database WHERE datname = 'w2')"),
	'after DROP EXTENSION the worker reports no extension');
$node->safe_psql('w2', 'CREATE EXTENSION cdp');
$node->safe_psql('w2', "SELECT cdp.create_source('web')");
ingest('w2', 1, 500);
ok($node->poll_query_until('w2', 'SELECT count(*) = 0 FROM cdp.stitch_queue'),
	'after CREATE EXTENSION the database is served again');

# 6. DROP DATABASE while the worker runs: it goes (the worker leaves when
# idle, within PostgreSQL's five seconds of waiting for other sessions).
ingest('w2', 501, 20000);
my $dropped = 0;
for (my $try = 0; $try < 30 && !$dropped; $try++)
{
	my ($ret) = $node->psql('postgres', 'DROP DATABASE w2');
	$dropped = ($ret == 0);
}
ok($dropped, 'DROP DATABASE while the worker runs');
ingest('w1', 91001, 92000);
ok($node->poll_query_until('w1', 'SELECT count(*) = 0 FROM cdp.stitch_queue'), 'w1 is still served');

# 7. Scores are kept by the worker: a fitted purchase model's scores
# appear with nobody calling a function, and follow a new purchase.
# Purchases are dated from the clock, so the test holds on any date.
sub purchase
{
	my ($id, $days_ago) = @_;
	$node->safe_psql('w1', qq{
		SELECT cdp.ingest('web', jsonb_build_object('type', 'track', 'event', 'Worker Purchase',
			'userId', 'buyer-' || ($id % 3), 'messageId', 'buy-$id',
			'timestamp', to_char((now() - interval '$days_ago days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
			'properties', jsonb_build_object('revenue', 10 + $id)))});
}
purchase($_, 200 - 20 * $_) for 0 .. 8;
$node->safe_psql('w1', q{
	SELECT cdp.create_purchase_model('worker_buy', 'Worker Purchase', prefix => 'wb_');
	SELECT cdp.fit_score_model('worker_buy') IS NOT NULL});
ok($node->poll_query_until('w1', q{SELECT count(*) = 3 FROM cdp.profiles WHERE computed ? 'wb_p_alive'}),
	'the worker scored the three buyers');
my $before = $node->safe_psql('w1', q{
	SELECT computed->>'wb_expected_purchases_365d' FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:buyer-1')});
purchase(10, 1);
ok($node->poll_query_until('w1', qq{
	SELECT computed->>'wb_expected_purchases_365d' <> '$before' FROM cdp.profiles
	 WHERE profile_id = cdp.resolve('user_id:buyer-1')}), 'a new purchase is scored');

ok(!$node->log_contains(qr/server process .* was terminated by signal 11/), 'no process crashed');

$node->stop;
done_testing();
