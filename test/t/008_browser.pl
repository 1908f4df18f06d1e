# analytics.js in a browser: Debian's Chromium, headless, runs a page that
# loads @segment/analytics-next's browser bundle (from test/node, with its
# settings inline: no CDN) and identifies, tracks, pages and groups one
# person, sending to cdp's HTTP server from another origin
# (test/node/browser.mjs).  The events land once each, with analytics.js's
# messageIds, ids, traits and context; the person's user id and anonymous
# id are stitched into one profile; the page sees no error.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use FindBin;
use lib $FindBin::RealBin;
use CdpHttpNode;

my $clients = $ENV{CDP_NODE_CLIENTS} // '';
BAIL_OUT('analytics.js or playwright-core is not installed: run make deps (test/node/node_modules)')
  unless -d "$clients/node_modules/\@segment/analytics-next/dist/umd"
  && -d "$clients/node_modules/playwright-core";
BAIL_OUT('Chromium is not installed: run make deps') unless -x ($ENV{CHROMIUM} // '/usr/bin/chromium');

my ($node, $port) = start_http_node('browser', 'b1', 1);
$node->safe_psql('b1', "SELECT cdp.create_source('web')");
my $key = $node->safe_psql('b1', "SELECT cdp.create_write_key('web')");
ok($node->poll_query_until('b1', "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdp http worker'"),
	'the HTTP worker runs');

my ($out, $err) = ('', '');
my $ran = IPC::Run::run([ 'node', "$clients/browser.mjs", "http://127.0.0.1:$port", $key, 'ann' ],
	'>', \$out, '2>', \$err, IPC::Run::timeout(180));
ok($ran, 'the browser ran the page') or diag($err);
my $result = eval { decode_json($out) } // {};
is_deeply($result->{problems}, [], 'no console error, page error or failed request');
is(join(',', @{ $result->{delivered} // [] }), 'ok,ok,ok,ok', 'analytics.js delivered its four events');
my @ids = @{ $result->{messageIds} // [] };
is(scalar(@ids), 4, 'four messageIds');
my $anonymous = $result->{anonymousId} // '';
like($anonymous, qr/^[0-9a-f-]{36}$/, 'analytics.js made an anonymousId');

my $id_list = join(',', map { "'$_'" } grep { /^[A-Za-z0-9-]+$/ } @ids);
$id_list = "''" if $id_list eq '';
is($node->safe_psql('b1', qq{
		SELECT string_agg(type || ' ' || coalesce(event, '-') || ' ' || (payload->>'userId') || ' '
		                  || (payload->>'anonymousId' = '$anonymous') || ' '
		                  || (occurred_at = '2026-11-01T00:00:00Z'), '; '
		                  ORDER BY type)
		  FROM cdp.events WHERE payload->>'messageId' IN ($id_list)}),
	'group - ann true true; identify - ann true true; page Home ann true true; track Product Viewed ann true true',
	'each event landed once, with its type, name, ids and pinned time');
is($node->safe_psql('b1', qq{
		SELECT (payload->'traits'->>'email') || ' ' || (payload->'traits'->>'plan') || ' '
		       || (payload->'context'->'library'->>'name') || ' ' || (payload->'context'->'page'->>'path')
		       || ' ' || (payload ? 'writeKey')
		  FROM cdp.events WHERE type = 'identify' AND payload->>'messageId' IN ($id_list)}),
	'ann@example.com pro analytics.js / false', 'the identify kept its traits and context, not the write key');
is($node->safe_psql('b1', qq{
		SELECT cdp.resolve('user_id:ann'::cdp.ident) = cdp.resolve(('anonymous_id:' || '$anonymous')::cdp.ident)}),
	't', 'the user id and the anonymous id are one person');
ok(!$node->log_contains(qr/terminated by signal/), 'no process crashed');

$node->stop;
done_testing();
