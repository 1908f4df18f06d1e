# Shared by the HTTP tests (005_http, 006_sdks, 007_profile_api): a
# cluster with cdp preloaded that serves one database over HTTP on a free
# port of 127.0.0.1.
package CdpHttpNode;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;

our @EXPORT = qw(start_http_node);

# start_http_node(NAME, DB, WORKERS): a started cluster whose database DB
# (made, with the extension) is served by WORKERS HTTP workers; returns
# the node and the port.
sub start_http_node
{
	my ($name, $db, $workers) = @_;
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'cdp'\ncdp.database = '$db'\ncdp.naptime = 1\n"
		  . "cdp.http_listen = '127.0.0.1:$port'\ncdp.http_workers = $workers\n"
		  . "max_worker_processes = 16\n");
	$node->start;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION cdp');
	return ($node, $port);
}

1;
