-- Segments and computed traits: definitions (SQL, or JSON rules compiled
-- by src/segments/rule_compile.c), materialized membership with its
-- entered / exited changes, and incremental refresh from the log of
-- changed profiles (cdp.profile_changes) and the times windowed results
-- lapse (cdp.profile_rechecks).

-- The evaluation time ----------------------------------------------------

CREATE FUNCTION cdp.segment_now() RETURNS timestamptz
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_segment_now';
COMMENT ON FUNCTION cdp.segment_now() IS
    'the time segments and computed traits are evaluated at: the setting cdp.segment_now, else now()';

-- How rules read jsonb values (never raising on what clients sent) -------

CREATE FUNCTION cdp.rule_numeric(value jsonb) RETURNS numeric
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_rule_numeric';
COMMENT ON FUNCTION cdp.rule_numeric(jsonb) IS
    'a JSON number, or a string holding a decimal number, as numeric; otherwise NULL';

CREATE FUNCTION cdp.rule_timestamptz(value jsonb) RETURNS timestamptz
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_rule_timestamptz';
COMMENT ON FUNCTION cdp.rule_timestamptz(jsonb) IS
    'a string holding an ISO 8601 timestamp (no offset: UTC) as timestamptz; otherwise NULL';

CREATE FUNCTION cdp.rule_text(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN pg_catalog.jsonb_typeof(value) OPERATOR(pg_catalog.=) 'string'
                THEN value OPERATOR(pg_catalog.#>>) '{}' END
$$;
COMMENT ON FUNCTION cdp.rule_text(jsonb) IS 'a JSON string as text; otherwise NULL';

CREATE FUNCTION cdp.rule_boolean(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN pg_catalog.jsonb_typeof(value) OPERATOR(pg_catalog.=) 'boolean'
                THEN value::pg_catalog.bool END
$$;
COMMENT ON FUNCTION cdp.rule_boolean(jsonb) IS 'a JSON boolean as boolean; otherwise NULL';

-- Compilers ---------------------------------------------------------------

CREATE FUNCTION cdp.compile_segment_rule(name text, rule jsonb,
        OUT condition text, OUT condition_full text, OUT lapse text, OUT lapse_rows text,
        OUT segment_ids integer[], OUT computed_ids integer[], OUT incremental boolean)
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cdp_compile_segment_rule';
COMMENT ON FUNCTION cdp.compile_segment_rule(text, jsonb) IS
    'the SQL condition on a profile row p a JSON segment rule stands for, and when its result may lapse';
REVOKE ALL ON FUNCTION cdp.compile_segment_rule(text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.compile_computed_trait(rule jsonb, OUT value text, OUT value_full text,
        OUT value_empty text, OUT lapse text, OUT lapse_rows text)
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cdp_compile_computed_trait';
COMMENT ON FUNCTION cdp.compile_computed_trait(jsonb) IS
    'the SQL jsonb value on a profile row p a computed trait rule stands for, and when it may lapse';
REVOKE ALL ON FUNCTION cdp.compile_computed_trait(jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.segment_sql_condition(definition text,
        OUT condition text, OUT incremental boolean)
    LANGUAGE c IMMUTABLE
    AS 'MODULE_PATHNAME', 'cdp_segment_sql_condition';
COMMENT ON FUNCTION cdp.segment_sql_condition(text) IS
    'the SQL condition on a profile row p a SQL segment definition stands for';

-- Tables ------------------------------------------------------------------

-- Profiles whose segment membership or computed traits may have changed,
-- with the transaction that changed them: a refresh takes the rows its
-- previous snapshot could not see.
CREATE SEQUENCE cdp.profile_changes_seq_seq AS bigint CACHE 100;
CREATE TABLE cdp.profile_changes (
    xid             xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    profile_id      bigint NOT NULL,
    events_changed  boolean NOT NULL DEFAULT true,
    seq             bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.profile_changes_seq_seq'),
    logged_at       timestamptz NOT NULL DEFAULT pg_catalog.now()
);
ALTER SEQUENCE cdp.profile_changes_seq_seq OWNED BY cdp.profile_changes.seq;
CREATE INDEX profile_changes_xid_idx ON cdp.profile_changes (xid);
COMMENT ON TABLE cdp.profile_changes IS
    'profiles touched (events, traits, merges, splits) by each transaction, until every segment and computed trait has seen them';
COMMENT ON COLUMN cdp.profile_changes.seq IS
    'order of writing within a transaction: what a refresh saw of its own transaction''s rows';
COMMENT ON COLUMN cdp.profile_changes.logged_at IS
    'start of the transaction that logged the change: how long it has waited (cdp.worker_job_lag())';
COMMENT ON COLUMN cdp.profile_changes.events_changed IS
    'the profile''s events may have changed (new events, merges, splits); false: only its row (traits, computed, region), which computed traits do not read';
SELECT pg_catalog.pg_extension_config_dump('cdp.profile_changes', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.profile_changes_seq_seq', '');

CREATE TABLE cdp.computed_traits (
    trait_id            serial PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    rule                jsonb NOT NULL,
    value_sql           text NOT NULL,
    value_full          text NOT NULL,
    value_empty         text,
    lapse               text,
    lapse_rows          text,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    refreshed_snapshot  pg_snapshot,
    refreshed_xid       xid8,
    refreshed_seq       bigint,
    refreshed_at        timestamptz,
    evaluated_at        timestamptz,
    CONSTRAINT computed_traits_name_check
        CHECK (pg_catalog.length(name) OPERATOR(pg_catalog.<=) 128 AND name OPERATOR(pg_catalog.~) '^[^[:cntrl:]]+$')
);
COMMENT ON TABLE cdp.computed_traits IS
    'event aggregates kept per profile in cdp.profiles.computed (cdp.create_computed_trait)';
SELECT pg_catalog.pg_extension_config_dump('cdp.computed_traits', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.computed_traits_trait_id_seq', '');

-- Predictive models whose scores are kept in cdp.profiles.computed, like
-- computed traits (their functions: src/scoring/score_models.sql).
CREATE TABLE cdp.score_models (
    model_id            serial PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    kind                text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['purchase', 'propensity'])),
    spec                jsonb NOT NULL,
    outputs             text[] NOT NULL,
    owner               regrole NOT NULL DEFAULT CURRENT_USER::regrole,
    fitted              jsonb,
    fitted_at           timestamptz,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    refreshed_snapshot  pg_snapshot,
    refreshed_xid       xid8,
    refreshed_seq       bigint,
    refreshed_at        timestamptz,
    evaluated_at        timestamptz,
    CONSTRAINT score_models_name_check
        CHECK (pg_catalog.length(name) OPERATOR(pg_catalog.<=) 128 AND name OPERATOR(pg_catalog.~) '^[^[:cntrl:]]+$')
);
COMMENT ON TABLE cdp.score_models IS
    'predictive models (cdp.create_purchase_model, cdp.create_propensity_model), their last fit, and the keys of cdp.profiles.computed their scores are kept in';
COMMENT ON COLUMN cdp.score_models.owner IS 'whose rights a propensity model''s feature query runs with';
SELECT pg_catalog.pg_extension_config_dump('cdp.score_models', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.score_models_model_id_seq', '');

CREATE TABLE cdp.segments (
    segment_id          serial PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    definition          text NOT NULL,
    kind                text NOT NULL,
    condition           text NOT NULL,
    condition_full      text NOT NULL,
    lapse               text,
    lapse_rows          text,
    segment_ids         integer[] NOT NULL DEFAULT '{}',
    computed_ids        integer[] NOT NULL DEFAULT '{}',
    incremental         boolean NOT NULL,
    size                bigint NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    refreshed_snapshot  pg_snapshot,
    refreshed_xid       xid8,
    refreshed_seq       bigint,
    refreshed_at        timestamptz,
    evaluated_at        timestamptz,
    cron_job            bigint,
    realtime            boolean NOT NULL DEFAULT false,
    CONSTRAINT segments_realtime_check CHECK (incremental OR NOT realtime),
    CONSTRAINT segments_kind_check CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['sql', 'rule'])),
    CONSTRAINT segments_name_check
        CHECK (pg_catalog.length(name) OPERATOR(pg_catalog.<=) 128 AND name OPERATOR(pg_catalog.~) '^[^[:cntrl:]]+$')
);
COMMENT ON TABLE cdp.segments IS
    'audiences: a SQL or JSON rule definition, its compiled condition, and the state of its last refresh';
COMMENT ON COLUMN cdp.segments.definition IS 'as given: the SQL text, or the JSON rule';
COMMENT ON COLUMN cdp.segments.condition IS 'the SQL condition on the profile row p (cdp.explain_segment shows it)';
COMMENT ON COLUMN cdp.segments.condition_full IS
    'the same condition for a refresh of every profile: set-based over all events';
COMMENT ON COLUMN cdp.segments.lapse IS
    'when, per profile, the result may next change by time alone (NULL: never)';
COMMENT ON COLUMN cdp.segments.lapse_rows IS
    'the same for every profile at once: a query of (profile_id, due)';
COMMENT ON COLUMN cdp.segments.incremental IS
    'refreshed from changed profiles; false for SELECT definitions and time-dependent SQL, always refreshed in full';
COMMENT ON COLUMN cdp.segments.realtime IS
    'refreshed by the background jobs (cdp.run_pending()) as profiles change; false: by hand or cdp.schedule_segment()';
SELECT pg_catalog.pg_extension_config_dump('cdp.segments', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.segments_segment_id_seq', '');

CREATE TABLE cdp.segment_members (
    segment_id  integer NOT NULL REFERENCES cdp.segments ON DELETE CASCADE,
    profile_id  bigint NOT NULL,
    entered_at  timestamptz NOT NULL,
    PRIMARY KEY (segment_id, profile_id)
);
CREATE INDEX segment_members_profile_id_idx ON cdp.segment_members (profile_id);
COMMENT ON TABLE cdp.segment_members IS 'who is in each segment now, and since when';
SELECT pg_catalog.pg_extension_config_dump('cdp.segment_members', '');

CREATE TABLE cdp.segment_changes (
    change_id   bigserial PRIMARY KEY,
    segment_id  integer NOT NULL REFERENCES cdp.segments ON DELETE CASCADE,
    profile_id  bigint NOT NULL,
    change      text NOT NULL,
    changed_at  timestamptz NOT NULL,
    CONSTRAINT segment_changes_change_check
        CHECK (change OPERATOR(pg_catalog.=) ANY (ARRAY['entered', 'exited']))
);
CREATE INDEX segment_changes_segment_id_idx ON cdp.segment_changes (segment_id, change_id);
COMMENT ON TABLE cdp.segment_changes IS
    'every entry into and exit from a segment, in order (the activation outbox)';
SELECT pg_catalog.pg_extension_config_dump('cdp.segment_changes', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.segment_changes_change_id_seq', '');

CREATE TABLE cdp.segment_sizes (
    segment_id    integer NOT NULL REFERENCES cdp.segments ON DELETE CASCADE,
    refreshed_at  timestamptz NOT NULL,
    evaluated_at  timestamptz NOT NULL,
    size          bigint NOT NULL,
    entered       bigint NOT NULL,
    exited        bigint NOT NULL,
    full_refresh  boolean NOT NULL
);
CREATE INDEX segment_sizes_segment_id_idx ON cdp.segment_sizes (segment_id, refreshed_at);
COMMENT ON TABLE cdp.segment_sizes IS 'the size of each segment after each refresh (for dashboards)';
SELECT pg_catalog.pg_extension_config_dump('cdp.segment_sizes', '');

-- When a profile's result for a segment or computed trait may next change
-- by time alone.
CREATE TABLE cdp.profile_rechecks (
    kind        text NOT NULL,
    target_id   integer NOT NULL,
    profile_id  bigint NOT NULL,
    recheck_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, target_id, profile_id),
    CONSTRAINT profile_rechecks_kind_check
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['segment', 'computed']))
);
CREATE INDEX profile_rechecks_due_idx ON cdp.profile_rechecks (kind, target_id, recheck_at);
COMMENT ON TABLE cdp.profile_rechecks IS
    'when each profile''s windowed segment membership or computed trait is next due for re-evaluation';
SELECT pg_catalog.pg_extension_config_dump('cdp.profile_rechecks', '');

-- Logging changed profiles ------------------------------------------------

-- Takes the stitching lock for the rest of the transaction (C:
-- src/identity/stitch.c).  Defining the first segment or computed trait
-- holds it, so that every stitch either commits before the definition
-- (and the first, full, refresh sees it) or sees the definition and logs.
CREATE FUNCTION cdp.hold_stitching() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cdp_hold_stitching';
REVOKE ALL ON FUNCTION cdp.hold_stitching() FROM PUBLIC;

-- Whether anything reads cdp.profile_changes: an incremental segment, a
-- computed trait or a fitted score model.  Until then nothing is logged.
CREATE FUNCTION cdp.profile_changes_wanted() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM cdp.segments s WHERE s.incremental)
        OR EXISTS (SELECT 1 FROM cdp.computed_traits)
        OR EXISTS (SELECT 1 FROM cdp.score_models m WHERE m.fitted IS NOT NULL)
$$;
REVOKE ALL ON FUNCTION cdp.profile_changes_wanted() FROM PUBLIC;

-- The triggers below join a statement's old and new rows with EXECUTE,
-- planned afresh each time: a plan PL/pgSQL cached when the transition
-- tables held one row (a nested loop) would be reused for one holding
-- every profile, and take minutes where a hash join takes milliseconds.
CREATE FUNCTION cdp.log_moved_identities() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE 'INSERT INTO cdp.profile_changes (profile_id)
             SELECT DISTINCT x.profile_id
               FROM old_rows o
               JOIN new_rows n ON n.identity_id = o.identity_id
              CROSS JOIN LATERAL (VALUES (o.profile_id), (n.profile_id)) AS x(profile_id)
              WHERE o.profile_id <> n.profile_id AND cdp.profile_changes_wanted()';
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.log_moved_identities() FROM PUBLIC;
CREATE TRIGGER identities_moved
    AFTER UPDATE ON cdp.identities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.log_moved_identities();

-- Profiles whose row changed (traits, computed traits, region) or went
-- away: one statement per statement, not a function call per row (a
-- computed trait's refresh updates many rows at once).
CREATE FUNCTION cdp.log_changed_profiles() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO cdp.profile_changes (profile_id)
        SELECT o.profile_id FROM old_rows o WHERE cdp.profile_changes_wanted();
    ELSE
        EXECUTE 'INSERT INTO cdp.profile_changes (profile_id, events_changed)
                 SELECT n.profile_id, false
                   FROM old_rows o JOIN new_rows n ON n.profile_id = o.profile_id
                  WHERE (o.traits, o.computed, o.region) IS DISTINCT FROM (n.traits, n.computed, n.region)
                    AND cdp.profile_changes_wanted()';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.log_changed_profiles() FROM PUBLIC;
CREATE TRIGGER profiles_changed
    AFTER UPDATE ON cdp.profiles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.log_changed_profiles();
-- New profiles are logged by stitching, which writes them in bulk (no
-- INSERT triggers there).
CREATE TRIGGER profiles_deleted
    AFTER DELETE ON cdp.profiles
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.log_changed_profiles();
