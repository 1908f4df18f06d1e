# The web console in a browser: Debian's Chromium, headless, driven by
# test/node/console.mjs (playwright-core), signs in with a read token by
# the link, opens every page with no console error, finds a profile by an
# identifier, accepts one pair of the review queue and rejects another (the
# accepted pair's graph then shows the link), signs out; a role without
# its purpose sees no profile, and is told why.  Screenshots of every page go to
# $CDP_ARTIFACTS/console (test/run: .test/artifacts).  Then, without a
# browser: forms without the session's secret are refused, a revoked token
# ends its sessions, and neither token nor identifier reaches the log.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use HTTP::Tiny;
use File::Path qw(make_path);
use FindBin;
use lib $FindBin::RealBin;
use CdpHttpNode;

my $clients = $ENV{CDP_NODE_CLIENTS} // '';
BAIL_OUT('playwright-core is not installed: run make deps (test/node/node_modules)')
  unless -d "$clients/node_modules/playwright-core";
BAIL_OUT('Chromium is not installed: run make deps') unless -x ($ENV{CHROMIUM} // '/usr/bin/chromium');

my ($node, $port) = start_http_node('console', 'c1', 1);
my $base = "http://127.0.0.1:$port";
$node->safe_psql('c1', q{
	SET search_path = public, cdp;
	SELECT cdp.create_source('web', 'web');
	-- ann: a user id, an e-mail and a browser; bob, carol, dave and erin: one user id each.
	SELECT cdp.ingest_batch('web', jsonb_build_object('batch', jsonb_agg(e))) FROM (
	    SELECT jsonb_build_object('type', 'identify', 'userId', 'ann', 'anonymousId', 'browser-1',
	                              'traits', jsonb_build_object('email', 'ann@example.com', 'name', 'Ann <Admin>'),
	                              'messageId', 'c-1', 'timestamp', '2026-11-01T09:00:00Z') AS e
	    UNION ALL
	    SELECT jsonb_build_object('type', 'track', 'event', CASE WHEN g % 2 = 0 THEN 'Order Completed' ELSE 'Product Viewed' END,
	                              'userId', (ARRAY['ann', 'bob', 'carol', 'dave', 'erin'])[1 + g % 5],
	                              'properties', jsonb_build_object('revenue', g),
	                              'messageId', 'c-t' || g, 'timestamp', '2026-11-0' || (1 + g % 7) || 'T10:00:00Z')
	      FROM generate_series(1, 40) g
	    UNION ALL
	    SELECT jsonb_build_object('type', 'identify', 'userId', u, 'traits', jsonb_build_object('name', initcap(u)),
	                              'messageId', 'c-i' || u, 'timestamp', '2026-11-02T09:00:00Z')
	      FROM unnest(ARRAY['bob', 'carol', 'dave', 'erin']) u) x;
	SELECT cdp.ingest_batch('web', '{"batch": [{"type": "track", "messageId": "c-bad"}]}', true);
	SELECT count(cdp.set_consent(profile_id, 'analytics', true, 'banner')) FROM cdp.profiles;
	SELECT cdp.create_segment('buyers', '{"event": "Order Completed"}');
	SELECT * FROM cdp.refresh_segment('buyers');
	SELECT cdp.create_destination('crm', 'webhook', '{"url": "http://127.0.0.1:9/hook"}', 'analytics');
	-- Two pairs for review (bob and carol, dave and erin), and one more for the forms below.
	INSERT INTO cdp.match_models (name, spec) VALUES ('people', '{}');
	INSERT INTO cdp.match_review (model_id, left_profile_id, right_profile_id, left_identity_id, right_identity_id,
	                              match_weight, probability, explanation)
	SELECT m.model_id, a.profile_id, b.profile_id, a.identity_id, b.identity_id, 4.2, 0.95,
	       jsonb_build_array(jsonb_build_object('comparison', 'prior', 'level', 'two random records match', 'weight', -9.1),
	                         jsonb_build_object('comparison', 'name', 'level', 'jaro_winkler >= 0.9',
	                                            'left_value', l, 'right_value', r, 'weight', 13.3))
	  FROM cdp.match_models m,
	       (VALUES ('bob', 'carol', 1), ('dave', 'erin', 2), ('ann', 'erin', 3)) p(l, r, o)
	  JOIN cdp.identities a ON a.ident = ('user_id:' || p.l)::cdp.ident
	  JOIN cdp.identities b ON b.ident = ('user_id:' || p.r)::cdp.ident
	 ORDER BY p.o;
	SELECT cdp.refresh_stats(true);
	CREATE ROLE console_steward IN ROLE cdp_admin;
	CREATE ROLE console_no_purpose IN ROLE cdp_admin;
	SELECT cdp.grant_purpose('console_steward', 'analytics'), cdp.grant_region('console_steward', '*'),
	       cdp.grant_region('console_no_purpose', '*');
});
my $token = $node->safe_psql('c1', "SELECT cdp.create_read_token('console_steward', 'analytics')");
my $no_purpose = $node->safe_psql('c1', "SELECT cdp.create_read_token('console_no_purpose', 'analytics')");
ok($node->poll_query_until('c1', "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdp http worker'"),
	'the HTTP worker runs');

my $shots = ($ENV{CDP_ARTIFACTS} // PostgreSQL::Test::Utils::tempdir()) . '/console';
make_path($shots);
my ($out, $err) = ('', '');
my $ran = IPC::Run::run([ 'node', "$clients/console.mjs", $base, $token, $no_purpose, 'email:ann@example.com', $shots ],
	'>', \$out, '2>', \$err, IPC::Run::timeout(300));
ok($ran, 'the browser went through the console') or diag($err);
my $r = eval { decode_json($out) } // {};
is_deeply($r->{problems}, [], 'no console error, page error or failed request');
is($r->{signedInAt}, '/console/', 'the sign-in link leads to the overview');
is(join(',', map { "$_:$r->{statuses}{$_}" } sort keys %{ $r->{statuses} // {} }),
	'destinations:200,overview:200,profile:200,profiles:200,profiles-without-purpose:200,review:200,segment:200,segments:200,sources:200',
	'every page answers 200');
my $ann = $node->safe_psql('c1', q{SELECT cdp.resolve('email:ann@example.com')});
is($r->{foundAt}, "/console/profiles/$ann", 'the search by e-mail finds its profile');
is($r->{profileIdentifiers}, 3, 'its identity graph shows its three identifiers');
like($r->{accepted}{after} // '', qr/accepted by console_steward/, 'a pair is accepted');
like($r->{rejected}{after} // '', qr/rejected by console_steward/, 'another is rejected');
is($node->safe_psql('c1', q{
		SELECT string_agg(status || ' ' || coalesce(decided_by, '-'), ', ' ORDER BY review_id) FROM cdp.match_review}),
	'accepted console_steward, rejected console_steward, pending -', 'the decisions are recorded, as the signed-in role');
is($node->safe_psql('c1', q{
		SELECT cdp.resolve('user_id:bob') = cdp.resolve('user_id:carol') AND cdp.resolve('user_id:dave') <> cdp.resolve('user_id:erin')}),
	't', 'the accepted pair is one profile now, the rejected pair two');
ok(($r->{matchLinks} // 0) >= 1, 'the accepted pair\'s graph shows the link');
like($r->{matchLinkTitle} // '', qr/^match, .*probability 0\.95/, 'and why it exists');
is($r->{signedOutAt}, '/console/login', 'signing out leads to the sign-in page');
is($r->{afterSignOut}, '/console/login', 'and the session is over');
is($r->{noPurposeRows}, 0, 'a role without the purpose sees no profile');
like($r->{noPurposeText} // '', qr/may not see this page \(for purpose analytics\)/, 'and is told why');
is($r->{tokenInLaterUrls}, 2, 'a token is in no URL but its sign-in link');
is($r->{identifierInUrls}, 0, 'the identifier searched is in no URL');
ok(-s "$shots/$_.png", "a screenshot of $_")
  for qw(overview sources profiles profile segments segment review review-pair destinations profiles-without-purpose);

# Without a browser: the forms' secret, and revoking.
my $http = HTTP::Tiny->new(max_redirect => 0);
my $login = $http->get("$base/console/login?token=$token");
my ($cookie) = ($login->{headers}{'set-cookie'} // '') =~ /^(cdp_console=[^;]+)/;
ok(defined $cookie, 'the sign-in link sets the session cookie');
like($login->{headers}{'set-cookie'} // '', qr/HttpOnly; SameSite=Strict/, 'HttpOnly and SameSite=Strict');
my $pending = $node->safe_psql('c1', "SELECT review_id FROM cdp.match_review WHERE status = 'pending'");
my %form = (headers => { Cookie => $cookie, 'Content-Type' => 'application/x-www-form-urlencoded' });
is($http->request('POST', "$base/console/review/$pending", { %form, content => 'decision=accept' })->{status},
	403, 'a decision without the form secret is refused');
is($http->request('POST', "$base/console/review/$pending", { %form, content => 'decision=accept&csrf=guess' })->{status},
	403, 'and with a wrong one');
is($http->request('POST', "$base/console/logout", \%form)->{status}, 403, 'signing out needs it too');
is($node->safe_psql('c1', "SELECT status FROM cdp.match_review WHERE review_id = $pending"), 'pending',
	'the pair is still pending');
my $page = $http->get("$base/console/", { headers => { Cookie => $cookie } });
is($page->{status}, 200, 'the session works');
like($page->{headers}{'content-security-policy'} // '', qr/default-src 'none'/, 'pages may run no script');
is($http->get("$base/console/login?token=cdpr_unknown")->{status}, 401, 'an unknown token is refused');
# Hostile requests.
is($http->get("$base/console/profiles%ff%fe", { headers => { Cookie => $cookie } })->{status}, 400,
	'a path that is not UTF-8: 400');
is($http->get("$base/console/profiles?before=%ff", { headers => { Cookie => $cookie } })->{status}, 400,
	'an argument that is not UTF-8: 400');
is($http->get("$base/console/", { headers => { Cookie => 'cdp_console=forged;;' } })->{headers}{location},
	'/console/login', 'a forged cookie leads to the sign-in page');
is($http->request('POST', "$base/console/profiles", { %form, content => 'x' x 600_000 })->{status}, 413,
	'a form over 500 KB: 413');
is($http->request('PUT', "$base/console/")->{status}, 405, 'other methods: 405');

# A dead letter, sent again from the destinations page with the page's form.
$node->safe_psql('c1', q{
	INSERT INTO cdp.dead_letters (delivery_id, destination_id, profile_id, segment_id, change, reason, changed_at,
	                              idempotency_key, created_at, attempts, last_status, last_error)
	SELECT 1000000, d.destination_id, m.profile_id, m.segment_id, 'entered', 'segment', now(),
	       gen_random_uuid(), now(), 10, 500, 'HTTP 500'
	  FROM cdp.destinations d, cdp.segment_members m WHERE d.name = 'crm' LIMIT 1});
my $destinations = $http->get("$base/console/destinations", { headers => { Cookie => $cookie } })->{content} // '';
my ($csrf) = $destinations =~ /action="\/console\/destinations\/redeliver"><input type="hidden" name="csrf" value="([0-9a-f]+)"/;
ok(defined $csrf, 'a destination with a dead letter offers to redeliver');
is($http->request('POST', "$base/console/destinations/redeliver",
		{ %form, content => "csrf=$csrf&destination=crm" })->{status}, 303, 'redelivering answers 303');
is($node->safe_psql('c1', q{
		SELECT (SELECT count(*) FROM cdp.dead_letters) || ' '
		       || (SELECT count(*) FROM cdp.audit_log WHERE action = 'redeliver' AND detail->>'deliveries' = '1')}),
	'0 1', 'the dead letter is back in the outbox (the delivery worker takes it from there), and audited');
$node->safe_psql('c1', "SELECT cdp.revoke_read_token('$token')");
is($http->get("$base/console/", { headers => { Cookie => $cookie } })->{headers}{location},
	'/console/login', 'revoking the token ends its sessions');

# The server's log, less the statements this script ran itself (which
# name the tokens and identifiers).
my $log = join '', grep { !/^\S+ \S+ UTC \[\d+\] 010_console\.pl / }
  split /(?=^\d{4}-\d\d-\d\d )/m, slurp_file($node->logfile);
unlike($log, qr/\Q$token\E|\Q$no_purpose\E|ann\@example\.com|cdps_/, 'no token, session or identifier in the log');
ok(!$node->log_contains(qr/terminated by signal/), 'no process crashed');
$node->stop;
done_testing();
