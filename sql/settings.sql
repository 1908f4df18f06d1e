\set SHOW_CONTEXT never
-- cdp.* settings.
SELECT name, setting, unit, context, vartype, min_val, max_val
  FROM pg_settings WHERE name LIKE 'cdp.%' ORDER BY name;
SHOW cdp.max_event_bytes;
SET cdp.max_event_bytes = '64kB';
SHOW cdp.max_event_bytes;
RESET cdp.max_event_bytes;

\set VERBOSITY sqlstate
SET cdp.max_event_bytes = 10;
-- The prefix is reserved: a misspelt setting is an error, not a silent
-- placeholder.
SET cdp.max_events_bytes = 1;
\set VERBOSITY default

-- Only superusers may change the event size limit.
CREATE ROLE cdp_settings_user;
SET ROLE cdp_settings_user;
SET cdp.max_event_bytes = 2048;
RESET ROLE;
DROP ROLE cdp_settings_user;
