# Delivery to a destination that misbehaves: a local receiver
# (test/node/receiver.mjs, on 127.0.0.1) that fails at random, answers
# slowly, throttles with 429 and Retry-After, drops connections in the
# middle of a request, and is restarted.  Every change of a connected
# segment arrives at least once, signed, in order per profile; the
# distinct idempotency keys are exactly the changes; kill -9 of the
# delivery worker and of the postmaster in the middle of a batch lose
# nothing.  A consent withdrawal and an erasure arrive as removals.  A
# destination that keeps failing is paused without holding up another.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use Time::HiRes qw(usleep);

my $clients = $ENV{CDP_NODE_CLIENTS} // '';
BAIL_OUT('node is needed: run make deps') unless -f "$clients/receiver.mjs" && `node --version` =~ /^v\d+/;

my $node = PostgreSQL::Test::Cluster->new('delivery');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'cdp'
cdp.database = 'd'
cdp.naptime = 1
max_worker_processes = 16
restart_after_crash = on
cdp.delivery_retry_delay = '100ms'
cdp.delivery_max_retry_delay = '1s'
cdp.delivery_circuit_failures = 4
cdp.delivery_circuit_pause = '2s'
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE d');
$node->safe_psql('d', q{
	CREATE EXTENSION cdp;
	SELECT cdp.create_source('app');
	SELECT cdp.create_segment('gold', $$traits->>'tier' = 'gold'$$);});

my $port = PostgreSQL::Test::Cluster::get_free_port();
my $log = "$PostgreSQL::Test::Utils::tmp_check/received.jsonl";
my $receiver;

# Starts the receiver on $port with the given misbehaviour.
sub start_receiver
{
	my (@options) = @_;
	my $out = '';
	$receiver = IPC::Run::start([ 'node', "$clients/receiver.mjs", '--port', $port, '--log', $log,
			'--secret', 'sig-key', '--lifetime', 300, @options ], '>', \$out, '2>&1');
	for (1 .. 100)
	{
		$receiver->pump_nb;
		return if $out =~ /listening/;
		usleep(50_000);
	}
	BAIL_OUT("the receiver did not start: $out");
}

sub stop_receiver
{
	$receiver->kill_kill;
	$receiver = undef;
}

# Every request the receiver accepted, in order.
sub received
{
	open(my $fh, '<', $log) or return ();
	my @lines = map { decode_json($_) } grep { /\S/ } <$fh>;
	close($fh);
	return @lines;
}

# People $from..$to, gold or not as $tier says, in consent to email marketing.
sub people
{
	my ($from, $to, $tier) = @_;
	$node->safe_psql('d', qq{
		SELECT cdp.ingest_batch('app', (SELECT jsonb_agg(jsonb_build_object(
			'type', 'identify', 'userId', 'u' || g, 'messageId', 'm' || g || '-' || '$tier',
			'traits', jsonb_build_object('tier', '$tier', 'email', 'u' || g || '\@example.com'),
			'timestamp', '2026-11-01T00:00:00Z')) FROM generate_series($from, $to) g));
		SELECT count(cdp.set_consent(p.profile_id, 'email_marketing', true, 'test'))
		  FROM cdp.profiles p WHERE p.consent_mask = 0;
		SELECT * FROM cdp.refresh_segment('gold');});
}

# Waits until the destination has nothing pending or in flight.
sub drained
{
	my ($name) = @_;
	return $node->poll_query_until('d', qq{
		SELECT pending = 0 AND in_flight = 0 FROM cdp.destination_status WHERE destination = '$name'});
}

# The changes of segment gold the destination must have received, per
# profile in order: "profile:change" strings.
sub expected_changes
{
	my $rows = $node->safe_psql('d', q{
		SELECT profile_id || ':' || change FROM cdp.segment_changes ORDER BY profile_id, change_id});
	return [ split /\n/, $rows ];
}

# What the receiver got: per profile, the changes in order of first
# arrival of each key, and whether every request was signed.
sub received_changes
{
	my (%seen, %first, $unsigned, @order);
	foreach my $request (received())
	{
		$unsigned++ unless $request->{signed};
		foreach my $item (@{ $request->{body}{batch} // [] })
		{
			next if $item->{reason} && $item->{reason} ne 'segment' && $item->{reason} ne 'connected';
			next if $seen{ $item->{idempotency_key} }++;
			push @order, "$item->{profile_id}:$item->{change}";
		}
	}
	my @sorted = map { $_->[1] } sort { $a->[0] <=> $b->[0] } map { [ (split /:/)[0], $_ ] } @order;
	return (\@sorted, scalar(keys %seen), $unsigned // 0);
}

# 1. A receiver that misbehaves in every way, restarted in the middle.
start_receiver('--fail', 0.15, '--slow', 0.1, '--slow-ms', 300, '--throttle', 0.1, '--drop', 0.1, '--seed', 7);
$node->safe_psql('d', qq{
	SELECT cdp.create_destination('crm', 'webhook',
		'{"url": "http://127.0.0.1:$port/crm", "secret": "sig-key", "batch_size": 25,
		  "max_attempts": 100, "timeout": 2}', 'email_marketing');
	SELECT cdp.connect('crm', 'gold');});
people(1, 200, 'gold');
people(101, 300, 'basic');
stop_receiver();
start_receiver('--fail', 0.15, '--slow', 0.1, '--slow-ms', 300, '--throttle', 0.1, '--drop', 0.1, '--seed', 8);
people(201, 400, 'gold');
ok(drained('crm'), 'a misbehaving receiver gets everything in the end');
my ($got, $keys, $unsigned) = received_changes();
my $want = expected_changes();
is_deeply($got, $want, 'every change arrived, in order per profile');
is($keys, scalar(@$want), 'the distinct idempotency keys are the changes');
is($unsigned, 0, 'every request was signed with the secret');
is($node->safe_psql('d', q{SELECT dead_lettered FROM cdp.destination_status WHERE destination = 'crm'}),
	'0', 'nothing was given up');
cmp_ok(scalar(received()), '<', 2 * scalar(@$want), 'requests are batched');

# 2. kill -9 of the delivery worker while requests are in flight (the
# receiver is slow): the server restarts, the worker sends them again.
stop_receiver();
start_receiver('--slow', 1, '--slow-ms', 1500, '--seed', 9);
people(401, 500, 'gold');
ok($node->poll_query_until('d', q{SELECT in_flight > 0 FROM cdp.destination_status WHERE destination = 'crm'}),
	'requests are in flight');
my $pid = $node->safe_psql('d', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'cdp delivery worker'});
ok($pid, 'the delivery worker runs');
kill 'KILL', $pid if $pid;
stop_receiver();
start_receiver('--fail', 0.1, '--seed', 10);
ok(drained('crm'), 'after kill -9 of the delivery worker, everything is delivered');
($got, $keys) = received_changes();
$want = expected_changes();
is_deeply($got, $want, 'after kill -9 of the delivery worker, nothing is lost and order is kept');
is($keys, scalar(@$want), 'after kill -9 of the delivery worker, the keys are the changes');

# 3. kill -9 of the postmaster in the middle of a batch.
stop_receiver();
start_receiver('--slow', 1, '--slow-ms', 1500, '--seed', 11);
people(501, 600, 'gold');
ok($node->poll_query_until('d', q{SELECT in_flight > 0 FROM cdp.destination_status WHERE destination = 'crm'}),
	'requests are in flight again');
kill 'KILL', $node->{_pid};
# The children notice the postmaster's death and leave; then it can start
# again, once the dead postmaster's pid file is gone (as an init system
# would find it).
for (1 .. 100)
{
	last unless `pgrep -f "postgres: delivery"`;
	usleep(100_000);
}
unlink($node->data_dir . '/postmaster.pid');
$node->_update_pid(0);
stop_receiver();
start_receiver('--fail', 0.1, '--seed', 12);
$node->start;
ok(drained('crm'), 'after kill -9 of the postmaster, everything is delivered');
($got, $keys) = received_changes();
$want = expected_changes();
is_deeply($got, $want, 'after kill -9 of the postmaster, nothing is lost and order is kept');
is($keys, scalar(@$want), 'after kill -9 of the postmaster, the keys are the changes');

# 4. A withdrawal and an erasure arrive as removals; nothing else of them.
my $withdrawn = $node->safe_psql('d', q{SELECT cdp.resolve('user_id:u1')});
my $forgotten = $node->safe_psql('d', q{SELECT cdp.resolve('user_id:u2')});
$node->safe_psql('d', qq{
	SELECT cdp.set_consent($withdrawn, 'email_marketing', false, 'test');
	SELECT cdp.forget($forgotten, 'request');});
ok(drained('crm'), 'the removals are delivered');
my @removals = grep { ($_->{reason} // '') =~ /^(consent_withdrawn|forgotten)$/ }
  map { @{ $_->{body}{batch} // [] } } received();
my %removed = map { ("$_->{profile_id}:$_->{reason}" => $_) } @removals;
ok($removed{"$withdrawn:consent_withdrawn"}, 'the withdrawal reached the destination as a removal');
ok($removed{"$forgotten:forgotten"}, 'the erasure reached the destination as a removal');
ok(!exists $removed{"$forgotten:forgotten"}{identifiers} && !exists $removed{"$forgotten:forgotten"}{traits},
	'the removal of a forgotten person carries no identifier or trait');

# 5. A destination that keeps failing (nothing listens) is paused by the
# circuit breaker; the other one is not held up.
my $dead_port = PostgreSQL::Test::Cluster::get_free_port();
$node->safe_psql('d', qq{
	SELECT cdp.create_destination('down', 'webhook', '{"url": "http://127.0.0.1:$dead_port/", "timeout": 1}',
		'email_marketing');
	SELECT cdp.connect('down', 'gold');});
ok($node->poll_query_until('d', q{SELECT paused_until IS NOT NULL FROM cdp.destinations WHERE name = 'down'}),
	'a destination that keeps failing is paused');
like($node->safe_psql('d', q{SELECT last_error FROM cdp.destination_status WHERE destination = 'down'}),
	qr/connect/i, 'its last error says why');
people(601, 650, 'gold');
ok(drained('crm'), 'the other destination is not held up');
$node->safe_psql('d', q{SELECT cdp.drop_destination('down')});

stop_receiver();
$node->stop;
done_testing();
