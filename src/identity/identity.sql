-- The identity graph: identities (one row per identifier ever seen), the
-- edges that join them (with provenance), the merges and splits of the
-- profiles they make up, and the functions that change and explain it (C,
-- src/identity/: stitch*.c at ingestion, link.c, restitch.c,
-- why_linked.c).

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
    model_id    integer,
    match_weight double precision,
    probability double precision,
    PRIMARY KEY (a_id, b_id),
    CONSTRAINT identity_edges_order_check CHECK (a_id < b_id),
    CONSTRAINT identity_edges_rule_check
        CHECK (rule OPERATOR(pg_catalog.=) ANY (ARRAY['event', 'alias', 'manual', 'match']))
);
CREATE INDEX identity_edges_b_id_idx ON cdp.identity_edges (b_id);
COMMENT ON TABLE cdp.identity_edges IS
    'links between identities, with why: rule (event, alias, manual, match), reason, event, source';
COMMENT ON COLUMN cdp.identity_edges.model_id IS
    'rule match: the model (cdp.match_models) whose score made the link';
COMMENT ON COLUMN cdp.identity_edges.match_weight IS 'rule match: the pair''s match weight';
COMMENT ON COLUMN cdp.identity_edges.probability IS 'rule match: the pair''s match probability';
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
    merged_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at  timestamptz
);
CREATE INDEX profile_aliases_profile_id_idx ON cdp.profile_aliases (profile_id);
COMMENT ON TABLE cdp.profile_aliases IS
    'profile ids that merged into another profile, and the profile each resolves to now';
COMMENT ON COLUMN cdp.profile_aliases.created_at IS
    'when the merged profile was created (NULL: merged before cdp 0.2.0), for cdp.refresh_stats(backfill => true)';
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
    -- Names and values of any length (up to cdp.max_event_bytes) must fit
    -- the key: a B-tree entry holds at most about 2.7 kB.  The length
    -- prefix keeps the pair unambiguous.
    trait_key    text NOT NULL GENERATED ALWAYS AS
        (pg_catalog.md5(pg_catalog.length(trait)::pg_catalog.text || ':' || trait || value::pg_catalog.text)) STORED,
    PRIMARY KEY (identity_id, source_id, trait_key)
);
COMMENT ON TABLE cdp.trait_values IS
    'each trait value seen for an identity, per source: first and last time, how often';
COMMENT ON COLUMN cdp.trait_values.trait_key IS 'digest of trait and value, the key within an identity and source';
SELECT pg_catalog.pg_extension_config_dump('cdp.trait_values', '');

-- Events stored while cdp.inline_stitching was off, waiting for
-- cdp.stitch_pending().
CREATE TABLE cdp.stitch_queue (
    event_id     bigint NOT NULL PRIMARY KEY,
    occurred_at  timestamptz NOT NULL
);
COMMENT ON TABLE cdp.stitch_queue IS 'events not stitched yet (ingested with cdp.inline_stitching off)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stitch_queue', '');

CREATE FUNCTION cdp.resolve(ident cdp.ident) RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT i.profile_id FROM cdp.identities i WHERE i.ident OPERATOR(cdp.=) $1
$$;
COMMENT ON FUNCTION cdp.resolve(cdp.ident) IS 'the profile an identifier belongs to now; NULL if unknown';

-- Identifiers linked to suspiciously many others: shared devices,
-- placeholders that slipped past cdp.blocked_identifiers.
CREATE VIEW cdp.identity_suspects AS
WITH degree AS (
    SELECT id, count(*) AS links
      FROM (SELECT a_id AS id FROM cdp.identity_edges
            UNION ALL
            SELECT b_id FROM cdp.identity_edges) e
     GROUP BY id
)
SELECT i.ident, cdp.ident_kind(i.ident) AS kind, i.profile_id, d.links,
       (SELECT count(*) FROM cdp.identities j WHERE j.profile_id = i.profile_id) AS profile_identities
  FROM degree d
  JOIN cdp.identities i ON i.identity_id = d.id
 WHERE d.links >= pg_catalog.current_setting('cdp.suspect_links')::integer
 ORDER BY d.links DESC, i.identity_id;
COMMENT ON VIEW cdp.identity_suspects IS
    'identifiers linked to at least cdp.suspect_links others: candidates for cdp.quarantine()';

CREATE FUNCTION cdp.link(a cdp.ident, b cdp.ident, reason text) RETURNS bigint
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_link';
COMMENT ON FUNCTION cdp.link(cdp.ident, cdp.ident, text) IS
    'joins two identifiers (and so their profiles) by hand; returns the profile id';
REVOKE ALL ON FUNCTION cdp.link(cdp.ident, cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.unlink(a cdp.ident, b cdp.ident, reason text DEFAULT NULL) RETURNS bigint[]
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_unlink';
COMMENT ON FUNCTION cdp.unlink(cdp.ident, cdp.ident, text) IS
    'cuts the link between two identifiers for good and splits their profile if it falls apart';
REVOKE ALL ON FUNCTION cdp.unlink(cdp.ident, cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.quarantine(ident cdp.ident, reason text DEFAULT NULL) RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_quarantine';
COMMENT ON FUNCTION cdp.quarantine(cdp.ident, text) IS
    'cuts an identifier out of the graph and splits the profiles it had joined';
REVOKE ALL ON FUNCTION cdp.quarantine(cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.why_linked(a cdp.ident, b cdp.ident)
RETURNS TABLE (step integer, from_ident cdp.ident, to_ident cdp.ident, edge_kind text,
               reason text, event_id bigint)
    LANGUAGE c STABLE STRICT
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_why_linked';
COMMENT ON FUNCTION cdp.why_linked(cdp.ident, cdp.ident) IS
    'the shortest chain of links between two identifiers of one profile, with the evidence of each';

CREATE FUNCTION cdp.restitch() RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_restitch';
COMMENT ON FUNCTION cdp.restitch() IS
    'rebuilds every profile from the links, keeping the ids of profiles that did not change';
REVOKE ALL ON FUNCTION cdp.restitch() FROM PUBLIC;

CREATE FUNCTION cdp.stitch_pending(max_events integer DEFAULT 100000) RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_stitch_pending';
COMMENT ON FUNCTION cdp.stitch_pending(integer) IS
    'stitches events ingested while cdp.inline_stitching was off, oldest first';
REVOKE ALL ON FUNCTION cdp.stitch_pending(integer) FROM PUBLIC;
