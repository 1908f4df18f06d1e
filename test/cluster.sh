# Sourced by test/run and test/bench/run: a private installation of this
# build of cdp and a throwaway cluster running from it.
#
# The server finds its share and lib directories relative to its own
# executable, so copies of postgres and pg_ctl beside links to everything
# else make an installation that sees this build of cdp and leaves the
# system's PostgreSQL alone.  As root, the server runs as postgres.
#
# After cluster_start: $work (temporary directory, removed on exit),
# $inst$bindir (the private bin directory), $server_user, conn=(psql
# connection options) and as_server (runs a command as the server user).

PG_CONFIG=${PG_CONFIG:-pg_config}
bindir=$($PG_CONFIG --bindir)
sharedir=$($PG_CONFIG --sharedir)
pkglibdir=$($PG_CONFIG --pkglibdir)
pgxs_src=$(dirname "$(dirname "$($PG_CONFIG --pgxs)")")

work=$(mktemp -d /tmp/cdp-test.XXXXXX)
chmod 755 "$work"
inst=$work/inst
server_user=$(id -un)
as_server() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	server_user=postgres
	as_server() { runuser -u postgres -- "$@"; }
fi
conn=(--host="$work" --port=5432 --user="$server_user")

cluster_cleanup() {
	if [ -f "$work/data/postmaster.pid" ]; then
		as_server "$inst$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
	fi
	[ -n "${keep_log:-}" ] && [ -f "$work/server.log" ] && cp "$work/server.log" "$keep_log"
	rm -rf "$work"
}
trap cluster_cleanup EXIT

# private_install LOG: installs this build into $inst; false on failure.
private_install() {
	make -s --no-print-directory install DESTDIR="$inst" >"$1" 2>&1 || return 1
	mkdir -p "$inst$bindir" "$inst$sharedir" "$inst$pkglibdir"
	cp "$bindir/postgres" "$bindir/pg_ctl" "$inst$bindir/"
	for f in "$bindir"/*; do
		[ -e "$inst$bindir/$(basename "$f")" ] || ln -s "$f" "$inst$bindir/"
	done
	cp -rsn "$sharedir/." "$inst$sharedir/"
	cp -rsn "$pkglibdir/." "$inst$pkglibdir/"
}

# server_wrap COMMAND...: the private installation's server runs under
# COMMAND (valgrind, say).  The binary moves aside to postgres.bin and a
# script that runs it under COMMAND takes its name; pg_ctl and the server
# still find everything relative to that directory.
server_wrap() {
	local real=$inst$bindir/postgres.bin
	mv "$inst$bindir/postgres" "$real"
	{
		echo '#!/bin/bash'
		printf 'exec'
		printf ' %q' "$@" "$real"
		echo ' "$@"'
	} >"$inst$bindir/postgres"
	chmod 755 "$inst$bindir/postgres"
}

# cluster_start LOG [SETTING...]: initdb and start; false on failure.  With
# CDP_TEST_CLOCK set ('2031-07-01 08:00:00'), the server's clock starts
# there (libfaketime) and runs on.
cluster_start() {
	local log=$1
	shift
	mkdir -p "$work/data" && chown "$server_user" "$work/data" "$work"
	as_server "$bindir/initdb" -D "$work/data" -A trust -E UTF8 --locale=C.UTF-8 >"$log" 2>&1 || return 1
	{
		echo "port = 5432"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$work'"
		echo "shared_preload_libraries = 'pg_cron,cdp'"
		echo "cron.database_name = 'postgres'"
		echo "fsync = off"
		echo "max_connections = 40"
		echo "max_prepared_transactions = 4"
		printf '%s\n' "$@"
	} >>"$work/data/postgresql.conf"
	local clock=()
	if [ -n "${CDP_TEST_CLOCK:-}" ]; then
		# The library itself, not the faketime command: that one keeps its
		# state in shared memory that goes when it exits, after pg_ctl.
		# Monotonic clocks stay true, or pg_ctl's waits would not end.
		clock=(timeout 120 env LD_PRELOAD="$(echo /usr/lib/*/faketime/libfaketime.so.1)"
			FAKETIME="@$CDP_TEST_CLOCK" FAKETIME_DONT_FAKE_MONOTONIC=1)
	fi
	as_server "${clock[@]}" "$inst$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >>"$log" 2>&1
}

cluster_stop() {
	as_server "$inst$bindir/pg_ctl" -D "$work/data" -w stop >/dev/null
}
