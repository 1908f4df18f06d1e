# Real clients: the Segment (@segment/analytics-node) and RudderStack
# (@rudderstack/rudder-sdk-node) Node SDKs, installed by make deps into
# test/node, send identify, track, page and group events to cdp's HTTP
# server (test/node/send.mjs).  Every event lands once, with its
# messageId, userId, anonymousId, traits and context, and each person's
# identifiers are stitched into one profile.  Then the server is restarted
# while the SDKs send: their retries deliver every event exactly once.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CdpHttpNode;

my $clients = $ENV{CDP_NODE_CLIENTS} // '';
BAIL_OUT('the SDKs are not installed: run make deps (test/node/node_modules)')
  unless -d "$clients/node_modules/\@segment/analytics-node"
  && -d "$clients/node_modules/\@rudderstack/rudder-sdk-node";

my ($node, $port) = start_http_node('sdks', 's1', 1);
$node->safe_psql('s1', "SELECT cdp.create_source('app')");
my $key = $node->safe_psql('s1', "SELECT cdp.create_write_key('app')");
ok($node->poll_query_until('s1', "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdp http worker'"),
	'the HTTP worker runs');

# Runs the SDKs: PREFIX, COUNT people per SDK.  Returns the harness.
sub start_sending
{
	my ($prefix, $count) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ 'node', "$clients/send.mjs", "http://127.0.0.1:$port", $key, $prefix, $count ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(180));
	return ($h, \$out, \$err);
}

# What shows that the events of PREFIX landed once each, whole.
sub landed
{
	my ($prefix) = @_;
	return $node->safe_psql('s1', qq{
		SELECT count(*) || ' events, ' || count(DISTINCT payload->>'messageId') || ' messageIds, '
		    || count(*) FILTER (WHERE payload->>'userId' LIKE '%-user' AND payload->>'anonymousId' LIKE '%-anon')
		    || ' with both ids, '
		    || count(*) FILTER (WHERE type = 'identify' AND payload->'traits'->>'email' LIKE '%\@example.com')
		    || ' identify traits, '
		    || count(DISTINCT payload->'context'->'library'->>'name') || ' libraries'
		  FROM cdp.events WHERE payload->>'messageId' LIKE '$prefix-%'});
}

# 1. Every event, once, whole.
my ($h, $out, $err) = start_sending('p1', 5);
$h->finish;
is($$out, "sent\n", 'the SDKs sent and flushed without an error') or diag($$err);
is(landed('p1'), '40 events, 40 messageIds, 40 with both ids, 10 identify traits, 2 libraries',
	'every event landed once, with its ids, traits and context');
is($node->safe_psql('s1', q{
		SELECT string_agg(DISTINCT type, ',' ORDER BY type) FROM cdp.events WHERE payload->>'messageId' LIKE 'p1-%'}),
	'group,identify,page,track', 'identify, track, page and group');
is($node->safe_psql('s1', q{
		SELECT count(*) FROM cdp.events
		 WHERE payload->>'messageId' LIKE 'p1-%-identify'
		   AND cdp.resolve(('user_id:' || (payload->>'userId'))::cdp.ident)
		     = cdp.resolve(('anonymous_id:' || (payload->>'anonymousId'))::cdp.ident)}),
	'10', 'each person stitched into one profile');

# 2. The server restarts while the SDKs send: nothing lost, nothing twice.
($h, $out, $err) = start_sending('p2', 500);
ok($node->poll_query_until('s1', "SELECT count(*) > 0 FROM cdp.events WHERE payload->>'messageId' LIKE 'p2-%'"),
	'the first events landed');
$node->restart;
$h->finish;
is($$out, "sent\n", 'after a restart mid-stream, the SDKs delivered') or diag($$err);
is(landed('p2'), '4000 events, 4000 messageIds, 4000 with both ids, 1000 identify traits, 2 libraries',
	'every event landed exactly once');
is($node->safe_psql('s1', q{
		SELECT count(*) FILTER (WHERE received_at < pg_postmaster_start_time()) > 0
		   AND count(*) FILTER (WHERE received_at > pg_postmaster_start_time()) > 0
		  FROM cdp.events WHERE payload->>'messageId' LIKE 'p2-%'}),
	't', 'some before the restart, some after');

$node->stop;
done_testing();
