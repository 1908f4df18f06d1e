# The library loads with and without shared_preload_libraries, its settings
# follow postgresql.conf and reloads, and a misspelt cdp.* setting is
# reported instead of being kept as a silent placeholder.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('load');
$node->init;
$node->start;

# Not preloaded: everything still works, loaded on first use.
$node->safe_psql('postgres', 'CREATE EXTENSION cdp');
is($node->safe_psql('postgres', "SELECT cdp.create_source('web')"), '1', 'source created without preload');
is( $node->safe_psql(
		'postgres',
		q{SELECT cdp.ingest('web', '{"type": "track", "event": "E", "userId": "u", "messageId": "m1"}') > 0}),
	't',
	'event ingested without preload');
is($node->safe_psql('postgres', "LOAD 'cdp'; SHOW cdp.max_event_bytes"), '32kB', 'default setting');

# Preloaded, with the setting in postgresql.conf.
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'cdp'\ncdp.max_event_bytes = '64kB'\n");
$node->restart;
is($node->safe_psql('postgres', 'SHOW cdp.max_event_bytes'), '64kB', 'setting read at start');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cdp.events'), '1', 'events survive a restart');

# A reload changes it.
$node->append_conf('postgresql.conf', "cdp.max_event_bytes = '128kB'\n");
$node->reload;
is($node->poll_query_until('postgres', "SELECT current_setting('cdp.max_event_bytes') = '128kB'"),
	1, 'setting changed by reload');

# A misspelt setting under the reserved prefix is reported at start.
my $log_offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "cdp.max_event_byte = 1\n");
$node->restart;
ok( $node->log_contains(
		qr/invalid configuration parameter name "cdp\.max_event_byte"/, $log_offset),
	'misspelt cdp.* setting reported');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cdp.sources'), '1', 'server runs after the warning');

$node->stop;
done_testing();
