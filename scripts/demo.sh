#!/usr/bin/env bash
# The README's first command.  On a fresh Debian 12 machine, as root:
# installs what cdp needs, builds and installs it, starts a PostgreSQL
# cluster of its own (its own data directory and port, no other server
# needed), loads a realistic sample and shows what cdp made of it.
# Running it again rebuilds, restarts the cluster and reloads the sample.
#
#   CDP_DEMO_DIR   data directory   (default /var/lib/postgresql/cdp-demo)
#   CDP_DEMO_PORT  port             (default 5499)
#   CDP_DEMO_PEOPLE people in the sample (default 10000)
#   CDP_DEMO_HTTP   where cdp's HTTP server listens (default 127.0.0.1:8088)
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${CDP_DEMO_DIR:-/var/lib/postgresql/cdp-demo}
PORT=${CDP_DEMO_PORT:-5499}
PEOPLE=${CDP_DEMO_PEOPLE:-10000}
HTTP=${CDP_DEMO_HTTP:-127.0.0.1:8088}
SOCKET=/var/run/postgresql

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it installs packages and the extension)" >&2
	exit 1
fi

step() { printf '\n== %s\n' "$*"; }

step "Installing dependencies"
./scripts/deps.sh

step "Building and installing cdp"
make -s clean >/dev/null
make -s COPT='-Wall -Wextra -Werror' >/dev/null
make -s install >/dev/null
echo "installed cdp $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" cdp.control) into $(pg_config --pkglibdir)"

BIN=$(pg_config --bindir)
as_pg() { runuser -u postgres -- "$@"; }

step "Starting the demo cluster ($DIR, port $PORT)"
mkdir -p "$SOCKET" && chown postgres:postgres "$SOCKET"
if [ ! -f "$DIR/PG_VERSION" ]; then
	mkdir -p "$DIR" && chown postgres:postgres "$DIR"
	as_pg "$BIN/initdb" -D "$DIR" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
	cat >>"$DIR/postgresql.conf" <<CONF
# cdp demo
port = $PORT
listen_addresses = 'localhost'
unix_socket_directories = '$SOCKET'
shared_preload_libraries = 'pg_cron,cdp'
cron.database_name = 'cdp_demo'
shared_buffers = 512MB
max_wal_size = 2GB
CONF
fi
if as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
	as_pg "$BIN/pg_ctl" -D "$DIR" -w -m fast restart -l "$DIR/server.log" >/dev/null
else
	as_pg "$BIN/pg_ctl" -D "$DIR" -w start -l "$DIR/server.log" >/dev/null
fi
echo "running: $(as_pg "$BIN/psql" -h "$SOCKET" -p "$PORT" -X -A -t -d postgres -c 'SELECT version()')"

psql_demo() { as_pg "$BIN/psql" -h "$SOCKET" -p "$PORT" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The background worker and the HTTP server are switched on by the demo
# itself, once the sample is loaded (scripts/demo.sql); until then the
# demo pins its clock.
psql_demo -d postgres -c "ALTER SYSTEM RESET cdp.database" -c "ALTER SYSTEM RESET cdp.http_listen" \
	-c "SELECT pg_reload_conf()" >/dev/null

step "Creating database cdp_demo with the extension"
psql_demo -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS cdp_demo WITH (FORCE)" -c "CREATE DATABASE cdp_demo"
psql_demo -d cdp_demo -c "CREATE EXTENSION cdp" -c "CREATE EXTENSION pg_cron"

step "Generating the sample ($PEOPLE people, deterministic)"
# The scripts are read by the server's user, who may not see this tree.
psql_demo -d cdp_demo -v people="$PEOPLE" < test/gen/sample.sql
psql_demo -d cdp_demo -v people="$PEOPLE" < scripts/demo.sql

step "HTTP collection: curl sends a Segment batch to cdp's own HTTP server ($HTTP)"
psql_demo -d postgres -c "ALTER SYSTEM SET cdp.http_listen = '$HTTP'" -c "SELECT pg_reload_conf()" >/dev/null
KEY=$(psql_demo -d cdp_demo -A -t -c "SELECT cdp.create_write_key('web')")
echo "write key for source web (shown once): $KEY"
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://$HTTP/" && break
	sleep 0.2
done
curl -s -u "$KEY:" -H 'Content-Type: application/json' "http://$HTTP/v1/batch" -d '{"batch": [
  {"type": "identify", "userId": "http-demo-1", "anonymousId": "http-anon-1", "messageId": "demo-http-1",
   "traits": {"email": "http.demo@example.com", "name": "Ada Http"}},
  {"type": "track", "event": "Order Completed", "userId": "http-demo-1", "messageId": "demo-http-2",
   "properties": {"revenue": 42}}]}'
echo
psql_demo -d cdp_demo -c "SELECT e.type, e.event, e.payload->>'messageId' AS message_id, p.traits->>'name' AS profile_name
  FROM cdp.events e JOIN cdp.identities i ON i.ident OPERATOR(cdp.=) e.anchor JOIN cdp.profiles p USING (profile_id)
 WHERE e.payload->>'messageId' LIKE 'demo-http-%' ORDER BY 3"

step "Real clients: the Segment and RudderStack Node SDKs, and analytics.js in headless Chromium, send to the same server"
node test/node/send.mjs "http://$HTTP" "$KEY" demo-sdk 2
node test/node/browser.mjs "http://$HTTP" "$KEY" browser-demo-1 >/dev/null
psql_demo -d cdp_demo -c "SELECT payload->'context'->'library'->>'name' AS library, count(*) AS events,
       string_agg(DISTINCT type, ', ') AS types, count(DISTINCT user_id) AS people
  FROM cdp.events WHERE payload->>'messageId' LIKE 'demo-sdk-%' OR user_id = 'browser-demo-1'
 GROUP BY 1 ORDER BY 1"

step "The profile API: a website reads that person with a read token (role website, purpose personalization)"
TOKEN=$(psql_demo -d cdp_demo -A -t -c "SET client_min_messages = warning" \
	-c "DO \$\$ BEGIN CREATE ROLE website NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" \
	-c "GRANT cdp_app TO website" \
	-c "SELECT cdp.grant_purpose('website', 'personalization') AND cdp.grant_region('website', '*') IS NOT NULL" \
	-c "SELECT cdp.create_read_token('website', 'personalization')" | tail -n 1)
printf 'before consent: '
curl -s -H "Authorization: Bearer $TOKEN" "http://$HTTP/v1/profiles/user_id:http-demo-1/traits"
echo
psql_demo -d cdp_demo -A -t -c "SELECT cdp.set_consent(cdp.resolve('user_id:http-demo-1'), 'personalization', true, 'demo banner') IS NOT NULL" >/dev/null
printf 'after consent:  '
curl -s -H "Authorization: Bearer $TOKEN" "http://$HTTP/v1/profiles/user_id:http-demo-1/traits"
echo

step "Activation: big_spenders goes to a CRM webhook and a Google Customer Match audience, only in consent"
# A stand-in for the CRM and for Google: a local receiver that logs what it gets.
RECEIVED=$(mktemp /tmp/cdp-demo-received.XXXXXX)
node test/node/receiver.mjs --port 8089 --log "$RECEIVED" --secret demo-signing-secret --lifetime 120 >/dev/null &
RECEIVER=$!
trap 'kill $RECEIVER 2>/dev/null; rm -f "$RECEIVED"' EXIT
psql_demo -d cdp_demo <<'SQL'
CREATE PROCEDURE pg_temp.wait_delivered() LANGUAGE plpgsql AS $$
BEGIN
    FOR tries IN 1 .. 600 LOOP
        EXIT WHEN (SELECT sum(pending + in_flight) FROM cdp.destination_status) = 0;
        COMMIT;         -- a look per transaction: a long one would hold back pruning of the outbox
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SELECT cdp.create_destination('crm', 'webhook',
         '{"url": "http://127.0.0.1:8089/crm", "secret": "demo-signing-secret", "traits": ["firstName", "plan"]}',
         'email_marketing') AS crm,
       cdp.create_destination('google_ads', 'audience', '{"url": "http://127.0.0.1:8089/google", "platform": "google"}',
         'email_marketing') AS google_ads;
SELECT cdp.connect('crm', 'big_spenders') AS crm_queued, cdp.connect('google_ads', 'big_spenders') AS google_queued,
       (SELECT size FROM cdp.segments WHERE name = 'big_spenders') AS segment_size;
\echo '   ... (members without consent to email_marketing are not sent)'
CALL pg_temp.wait_delivered();
SELECT * FROM cdp.destination_status ORDER BY destination;
\echo '   ... one member withdraws consent: both destinations are told to remove them'
SELECT cdp.set_consent(m.profile_id, 'email_marketing', false, 'unsubscribe link') IS NOT NULL AS withdrawn
  FROM cdp.destination_members m JOIN cdp.destinations d USING (destination_id)
 WHERE d.name = 'crm' ORDER BY m.profile_id LIMIT 1;
CALL pg_temp.wait_delivered();
SELECT destination, delivered, failed, dead_lettered, lag FROM cdp.destination_status ORDER BY destination;
SQL
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const crm = lines.filter((l) => l.path === "/crm"), google = lines.filter((l) => l.path === "/google");
const items = crm.flatMap((l) => l.body.batch);
console.log(`the CRM got ${crm.length} requests with ${items.length} changes, every one signed: ${crm.every((l) => l.signed)}`);
console.log("one of them:", JSON.stringify(items.find((i) => i.change === "entered")));
console.log("the removal:", JSON.stringify(items.find((i) => i.reason === "consent_withdrawn")));
const ops = google.flatMap((l) => l.body.operations);
console.log(`Google got ${google.length} requests: ${ops.filter((o) => o.create).length} adds, ${ops.filter((o) => o.remove).length} removes, e.g.`,
            JSON.stringify(ops[0]));
' "$RECEIVED"

step "Dashboards: the BI history tables a Metabase or Grafana reads (cdp.stats_*, kept by the worker every 5 minutes)"
psql_demo -d cdp_demo <<'SQL'
SELECT r - 'seconds' AS refreshed FROM cdp.refresh_stats() r;
\echo '   ... events per week and source (by when they happened, UTC):'
SELECT date_trunc('week', day)::date AS week, source, sum(events) AS events
  FROM cdp.stats_events_daily GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT 8;
\echo '   ... identity resolution: events that named a person, and profiles today:'
SELECT round(100.0 * sum(identified_events) / sum(events), 1) AS identified_pct,
       (SELECT known_profiles FROM cdp.stats_identity_daily ORDER BY day DESC LIMIT 1) AS known_profiles,
       (SELECT profiles FROM cdp.stats_profiles_daily ORDER BY day DESC LIMIT 1) AS profiles,
       (SELECT sum(merged) FROM cdp.stats_profiles_daily) AS merged_ever
  FROM cdp.stats_identity_daily;
\echo '   ... today: segments, consent to e-mail marketing by region, deliveries:'
SELECT segment, size, entered, exited FROM cdp.stats_segments_daily
 WHERE day = (SELECT max(day) FROM cdp.stats_segments_daily) ORDER BY segment;
SELECT coalesce(region, '(none)') AS region, profiles, round(100.0 * granted / profiles, 1) AS consent_pct
  FROM cdp.stats_consent_daily
 WHERE purpose = 'email_marketing' AND day = (SELECT max(day) FROM cdp.stats_consent_daily) ORDER BY region;
SELECT destination, delivered, failed, queued, dead_letters FROM cdp.stats_destinations_daily
 WHERE day = (SELECT max(day) FROM cdp.stats_destinations_daily) ORDER BY destination;
SQL

step "The web console, served by the HTTP worker: a data steward's token (cdp_admin, for e-mail marketing)"
CONSOLE_TOKEN=$(psql_demo -d cdp_demo -A -t -c "SET client_min_messages = warning" \
	-c "DROP ROLE IF EXISTS cdp_demo_steward" -c "CREATE ROLE cdp_demo_steward IN ROLE cdp_admin" \
	-c "SELECT cdp.grant_purpose('cdp_demo_steward', 'email_marketing') AND cdp.grant_region('cdp_demo_steward', '*') IS NOT NULL" \
	-c "SELECT cdp.create_read_token('cdp_demo_steward', 'email_marketing')" | tail -n 1)
CONSOLE_URL="http://$HTTP/console/login?token=$CONSOLE_TOKEN"
JAR=$(mktemp /tmp/cdp-demo-console.XXXXXX)
for page in "" sources profiles segments review destinations; do
	curl -s -L -c "$JAR" -b "$JAR" -o /tmp/cdp-demo-page.html -w "GET /console/$page: %{http_code}, %{size_download} bytes, " \
		"$([ -z "$page" ] && echo "$CONSOLE_URL" || echo "http://$HTTP/console/$page")"
	grep -o '<h1>[^<]*</h1>' /tmp/cdp-demo-page.html | sed 's/<[^>]*>//g'
done
rm -f "$JAR" /tmp/cdp-demo-page.html

cat <<MSG

== Done
Connect:   runuser -u postgres -- psql -h $SOCKET -p $PORT -d cdp_demo
     or:   psql "host=localhost port=$PORT dbname=cdp_demo user=postgres"
HTTP:      POST http://$HTTP/v1/batch (Segment HTTP API; write key: SELECT cdp.create_write_key('web'))
Console:   $CONSOLE_URL
           (opens a session as cdp_demo_steward; a new link: SELECT cdp.create_read_token('cdp_demo_steward', 'email_marketing'))
Stop:      runuser -u postgres -- $BIN/pg_ctl -D $DIR stop
Remove:    the above, then rm -rf $DIR
MSG
