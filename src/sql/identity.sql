-- The identity graph: identities (one row per identifier ever seen), the
-- edges that join them (with provenance), the profiles they make up, and
-- the guards against over-merging.  Written by src/stitch.c (inline, at
-- ingestion), src/resplit.c (unlink, quarantine) and src/restitch.c.

CREATE SEQUENCE cdp.profiles_profile_id_seq AS bigint;
CREATE TABLE cdp.profiles (
    profile_id   bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.profiles_profile_id_seq') PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    region       text,
    traits       jsonb NOT NULL DEFAULT '{}',
    computed     jsonb NOT NULL DEFAULT '{}'
);
ALTER SEQUENCE cdp.profiles_profile_id_seq OWNED BY cdp.profiles.profile_id;
COMMENT ON TABLE cdp.profiles IS
    'one row per person: the golden record (traits resolved by cdp.trait_rules) and computed traits';
COMMENT ON COLUMN cdp.profiles.traits IS 'the golden record: each trait resolved by its rule in cdp.trait_rules';
COMMENT ON COLUMN cdp.profiles.region IS 'where the person''s data belongs (for region-bound access)';
SELECT pg_catalog.pg_extension_config_dump('cdp.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.profiles_profile_id_seq', '');

CREATE SEQUENCE cdp.identities_identity_id_seq AS bigint;
CREATE TABLE cdp.identities (
    identity_id     bigint NOT NULL PRIMARY KEY,
    ident           cdp.ident NOT NULL UNIQUE,
    profile_id      bigint NOT NULL,
    first_seen      timestamptz NOT NULL,
    first_event_id  bigint,
    source_id       integer,
    quarantined     boolean NOT NULL DEFAULT false
);
ALTER SEQUENCE cdp.identities_identity_id_seq OWNED BY cdp.identities.identity_id;
CREATE INDEX identities_profile_id_idx ON cdp.identities (profile_id);
COMMENT ON TABLE cdp.identities IS
    'every identifier ever seen and the profile it belongs to now';
COMMENT ON COLUMN cdp.identities.quarantined IS
    'cut out of the graph by cdp.quarantine(): joins nothing, stays a profile of its own';
SELECT pg_catalog.pg_extension_config_dump('cdp.identities', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.identities_identity_id_seq', '');

-- One edge per pair of identities, a_id < b_id, keeping the first evidence
-- that joined them.
CREATE TABLE cdp.identity_edges (
    a_id        bigint NOT NULL,
    b_id        bigint NOT NULL,
    rule        text NOT NULL,
    reason      text,
    event_id    bigint,
    source_id   integer,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (a_id, b_id),
    CONSTRAINT identity_edges_order_check CHECK (a_id < b_id),
    CONSTRAINT identity_edges_rule_check
        CHECK (rule OPERATOR(pg_catalog.=) ANY (ARRAY['event', 'alias', 'manual', 'match']))
);
CREATE INDEX identity_edges_b_id_idx ON cdp.identity_edges (b_id);
COMMENT ON TABLE cdp.identity_edges IS
    'links between identities, with why: rule (event, alias, manual, match), reason, event, source';
SELECT pg_catalog.pg_extension_config_dump('cdp.identity_edges', '');

-- Pairs cut by cdp.unlink(): no later evidence joins them directly again.
CREATE TABLE cdp.unlinked_pairs (
    a_id         bigint NOT NULL,
    b_id         bigint NOT NULL,
    reason       text,
    unlinked_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    unlinked_by  name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (a_id, b_id),
    CONSTRAINT unlinked_pairs_order_check CHECK (a_id < b_id)
);
COMMENT ON TABLE cdp.unlinked_pairs IS 'pairs of identities that cdp.unlink() separated for good';
SELECT pg_catalog.pg_extension_config_dump('cdp.unlinked_pairs', '');

CREATE TABLE cdp.profile_aliases (
    old_id      bigint NOT NULL PRIMARY KEY,
    profile_id  bigint NOT NULL,
    merged_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX profile_aliases_profile_id_idx ON cdp.profile_aliases (profile_id);
COMMENT ON TABLE cdp.profile_aliases IS
    'profile ids that merged into another profile, and the profile each resolves to now';
SELECT pg_catalog.pg_extension_config_dump('cdp.profile_aliases', '');

CREATE SEQUENCE cdp.merge_log_entry_id_seq AS bigint;
CREATE TABLE cdp.merge_log (
    entry_id     bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.merge_log_entry_id_seq') PRIMARY KEY,
    logged_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    action       text NOT NULL,
    profile_id   bigint,
    other_id     bigint,
    a_id         bigint,
    b_id         bigint,
    event_id     bigint,
    source_id    integer,
    reason       text,
    CONSTRAINT merge_log_action_check
        CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['merge', 'split', 'refuse', 'unlink', 'quarantine', 'restitch']))
);
ALTER SEQUENCE cdp.merge_log_entry_id_seq OWNED BY cdp.merge_log.entry_id;
CREATE INDEX merge_log_profile_id_idx ON cdp.merge_log (profile_id);
COMMENT ON TABLE cdp.merge_log IS
    'every change to the graph that moved identities between profiles, and every refused link, with why';
COMMENT ON COLUMN cdp.merge_log.other_id IS
    'merge: the profile absorbed into profile_id; split: a profile split off from it';
COMMENT ON COLUMN cdp.merge_log.a_id IS 'refuse, unlink, quarantine: the identities concerned (cdp.identities)';
SELECT pg_catalog.pg_extension_config_dump('cdp.merge_log', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.merge_log_entry_id_seq', '');

-- Identifiers that are never taken from events: placeholders and junk that
-- would join strangers.  kind NULL applies to every kind; exact values
-- compare with the normalized value case-insensitively, patterns are
-- case-insensitive regular expressions.
CREATE SEQUENCE cdp.blocked_identifiers_block_id_seq AS integer;
CREATE TABLE cdp.blocked_identifiers (
    block_id    integer NOT NULL DEFAULT pg_catalog.nextval('cdp.blocked_identifiers_block_id_seq') PRIMARY KEY,
    kind        text REFERENCES cdp.identifier_kinds ON DELETE CASCADE,
    value       text,
    pattern     text,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT blocked_identifiers_one_check CHECK ((value IS NULL) <> (pattern IS NULL)),
    CONSTRAINT blocked_identifiers_pattern_check CHECK (pattern IS NULL OR '' OPERATOR(pg_catalog.~*) pattern IS NOT NULL)
);
ALTER SEQUENCE cdp.blocked_identifiers_block_id_seq OWNED BY cdp.blocked_identifiers.block_id;
CREATE UNIQUE INDEX blocked_identifiers_value_idx
    ON cdp.blocked_identifiers (COALESCE(kind, ''), pg_catalog.lower(value)) WHERE value IS NOT NULL;
COMMENT ON TABLE cdp.blocked_identifiers IS
    'identifier values (exact, case-insensitive) and patterns (regular expressions) never taken from events';
INSERT INTO cdp.blocked_identifiers (kind, value, reason) VALUES
    (NULL, 'null', 'placeholder'), (NULL, 'nil', 'placeholder'), (NULL, 'none', 'placeholder'),
    (NULL, 'undefined', 'placeholder'), (NULL, 'unknown', 'placeholder'),
    (NULL, 'anonymous', 'placeholder'), (NULL, 'guest', 'placeholder'), (NULL, 'n/a', 'placeholder'),
    (NULL, '[object object]', 'serialization bug'), (NULL, '-1', 'placeholder'),
    (NULL, 'test', 'test value'),
    ('email', 'test@test.com', 'test address'), ('email', 'test@example.com', 'test address'),
    ('email', 'email@example.com', 'test address'), ('email', 'example@example.com', 'test address'),
    ('email', 'none@none.com', 'placeholder'), ('email', 'no@email.com', 'placeholder'),
    ('email', 'noemail@noemail.com', 'placeholder'), ('email', 'a@a.com', 'placeholder'),
    ('email', 'x@x.com', 'placeholder');
INSERT INTO cdp.blocked_identifiers (kind, pattern, reason) VALUES
    (NULL, '^[0-]+$', 'zeros: 0, 0000000000, the zeroed advertising id'),
    ('email', '^(no-?reply|do-?not-?reply)@', 'not a person'),
    ('phone', '^\+?(\d)\1{6,}$', 'one digit repeated');
SELECT pg_catalog.pg_extension_config_dump('cdp.blocked_identifiers', 'WHERE block_id > 23');
SELECT pg_catalog.pg_extension_config_dump('cdp.blocked_identifiers_block_id_seq', '');
CREATE TRIGGER blocked_identifiers_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.blocked_identifiers
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

-- Trait values observed per identity (identify calls), the raw material of
-- the golden record.
CREATE TABLE cdp.trait_values (
    identity_id  bigint NOT NULL,
    trait        text NOT NULL,
    value        jsonb NOT NULL,
    source_id    integer NOT NULL,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    times        integer NOT NULL,
    PRIMARY KEY (identity_id, trait, source_id, value)
);
COMMENT ON TABLE cdp.trait_values IS
    'each trait value seen for an identity, per source: first and last time, how often';
SELECT pg_catalog.pg_extension_config_dump('cdp.trait_values', '');

CREATE TABLE cdp.trait_rules (
    trait  text NOT NULL PRIMARY KEY,
    rule   text NOT NULL,
    CONSTRAINT trait_rules_rule_check
        CHECK (rule OPERATOR(pg_catalog.=) ANY (ARRAY['latest', 'source_priority', 'most_frequent', 'first', 'max', 'min']))
);
COMMENT ON TABLE cdp.trait_rules IS
    'how each trait of the golden record is chosen among the values seen; traits without a rule take the latest';
SELECT pg_catalog.pg_extension_config_dump('cdp.trait_rules', '');

-- Events stored while cdp.inline_stitching was off, waiting for
-- cdp.stitch_pending().
CREATE TABLE cdp.stitch_queue (
    event_id     bigint NOT NULL PRIMARY KEY,
    occurred_at  timestamptz NOT NULL
);
COMMENT ON TABLE cdp.stitch_queue IS 'events not stitched yet (ingested with cdp.inline_stitching off)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stitch_queue', '');
