# The profile API (src/http/http_profiles.c): GET /v1/profiles/... with a
# read token that stands for a role and a purpose.  A person who consented
# to the purpose is shown (the profile, its traits, segments and events);
# one who did not, one unknown and a path that is no identifier are all
# the same 404; tokens missing, unknown or revoked are 401.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use FindBin;
use lib $FindBin::RealBin;
use CdpHttpNode;

my ($node, $port) = start_http_node('profile_api', 'p1', 1);
$node->safe_psql('p1', q{
	SELECT cdp.create_source('web');
	SELECT cdp.ingest_batch('web', '[
		{"type": "identify", "userId": "alice", "messageId": "a1", "timestamp": "2026-11-01T00:00:00Z",
		 "traits": {"name": "Alice", "email": "alice@example.com"}},
		{"type": "track", "userId": "alice", "event": "Order Completed", "messageId": "a2",
		 "timestamp": "2026-11-02T00:00:00Z", "properties": {"revenue": 12}},
		{"type": "track", "userId": "alice", "event": "Product Viewed", "messageId": "a3",
		 "timestamp": "2026-11-03T00:00:00Z"},
		{"type": "identify", "userId": "bob", "messageId": "b1", "timestamp": "2026-11-01T00:00:00Z",
		 "traits": {"name": "Bob"}}]');
	SELECT cdp.set_consent(cdp.resolve('user_id:alice'), 'personalization', true, 'banner');
	CREATE ROLE site NOLOGIN;
	GRANT cdp_app TO site;
	SELECT cdp.grant_purpose('site', 'personalization'), cdp.grant_region('site', '*');
});
my $token = $node->safe_psql('p1', "SELECT cdp.create_read_token('site', 'personalization')");
like($token, qr/^cdpr_[0-9a-f]{64}$/, 'a read token is made');
my ($ret, $stdout, $stderr) = $node->psql('p1', "SELECT cdp.create_read_token(current_user, 'personalization')");
like($stderr, qr/must be subject to row security/, 'a superuser cannot be a read token\'s role');

# GETs path; returns "status body".
sub get
{
	my ($path, @curl) = @_;
	my ($out, $err);
	IPC::Run::run([ 'curl', '-s', '--path-as-is', '-w', '\n%{http_code}', '--max-time', '30', @curl,
			"http://127.0.0.1:$port$path" ], '>', \$out, '2>', \$err);
	my @lines = split /\n/, ($out // '');
	my $status = pop @lines // '';
	return "$status " . join("\n", @lines);
}
my @bearer = ('-H', "Authorization: Bearer $token");

ok($node->poll_query_until('p1', "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'cdp http worker'"),
	'the HTTP worker runs');
my $up = 0;
for (my $i = 0; $i < 100 && !$up; $i++)
{
	$up = get('/v1/profiles/user_id:alice', @bearer) =~ /^200 /;
	usleep(100_000) unless $up;
}
ok($up, 'a consenting person is shown');
like(get('/v1/profiles/user_id:alice', @bearer), qr/^200 \{.*"traits": \{"name": "Alice"/, 'the golden record');
like(get('/v1/profiles/user_id:alice/traits', '-u', "$token:"), qr/^200 \{"name": "Alice", "email": "alice\@example.com"\}$/,
	'its traits (the token as the Basic user also works)');
is(get('/v1/profiles/user_id:alice/segments', @bearer), '200 []', 'its segments');
like(get('/v1/profiles/user_id:alice/events?limit=1', @bearer),
	qr/^200 \[\{"type": "track", "event": "Product Viewed", "event_id": \d+, "properties": null, "occurred_at": "2026-11-03T00:00:00\+00:00"\}\]$/,
	'its latest event (limit=1)');

# The same 404 for what may not be seen, what is not known, what is no identifier.
my $not_found = '404 {"error": "not found"}';
is(get('/v1/profiles/user_id:bob', @bearer), $not_found, 'a person without consent: 404');
is(get('/v1/profiles/user_id:carol', @bearer), $not_found, 'an unknown person: 404, the same');
is(get('/v1/profiles/nonsense', @bearer), $not_found, 'no identifier: 404');
is(get('/v1/profiles/../../etc/passwd', @bearer), $not_found, 'a path traversal: 404');
is(get('/v1/profiles/', @bearer), $not_found, 'no identifier at all: 404');
is(get('/v1/profiles/user_id:alice/events?limit=0', @bearer),
	'400 {"error": "limit must be a whole number from 1 to 1000"}', 'a bad limit: 400');

# Tokens.
is(get('/v1/profiles/user_id:alice'), '401 {"error": "missing or unknown read token"}', 'no token: 401');
is(get('/v1/profiles/user_id:alice', '-H', 'Authorization: Bearer cdpr_0000'),
	'401 {"error": "missing or unknown read token"}', 'an unknown token: 401');
$node->safe_psql('p1', "SELECT cdp.revoke_read_token('$token')");
is(get('/v1/profiles/user_id:alice', @bearer), '401 {"error": "missing or unknown read token"}', 'a revoked token: 401');

# A read changes nothing: the worker's role and purpose stay its own.
is($node->safe_psql('p1', "SELECT count(*) FROM cdp.events"), '4', 'nothing was written');
ok(!$node->log_contains(qr/terminated by signal/), 'no process crashed');

$node->stop;
done_testing();
