-- Matching the profiles' golden records into the identity graph.

-- The share of each value among the profiles at the last full run, for
-- term-frequency adjustments when few profiles are matched at a time.
CREATE TABLE cdp.match_term_frequencies (
    model_id    integer NOT NULL REFERENCES cdp.match_models ON DELETE CASCADE,
    comparison  text NOT NULL,
    value       text NOT NULL,
    share       double precision NOT NULL,
    PRIMARY KEY (model_id, comparison, value)
);
COMMENT ON TABLE cdp.match_term_frequencies IS
    'share of each value among the profiles, per model and comparison with term-frequency adjustment';
SELECT pg_catalog.pg_extension_config_dump('cdp.match_term_frequencies', '');

CREATE SEQUENCE cdp.match_review_review_id_seq AS bigint;
CREATE TABLE cdp.match_review (
    review_id          bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.match_review_review_id_seq') PRIMARY KEY,
    model_id           integer NOT NULL REFERENCES cdp.match_models ON DELETE CASCADE,
    left_profile_id    bigint NOT NULL,
    right_profile_id   bigint NOT NULL,
    left_identity_id   bigint NOT NULL,
    right_identity_id  bigint NOT NULL,
    match_weight       double precision NOT NULL,
    probability        double precision NOT NULL,
    explanation        jsonb NOT NULL,
    status             text NOT NULL DEFAULT 'pending',
    note               text,
    decided_by         name,
    decided_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT match_review_status_check
        CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['pending', 'accepted', 'rejected'])),
    CONSTRAINT match_review_order_check CHECK (left_identity_id < right_identity_id),
    UNIQUE (model_id, left_identity_id, right_identity_id)
);
ALTER SEQUENCE cdp.match_review_review_id_seq OWNED BY cdp.match_review.review_id;
CREATE INDEX match_review_pending_idx ON cdp.match_review (model_id) WHERE status = 'pending';
-- The latest decisions, for the web console.
CREATE INDEX match_review_decided_at_idx ON cdp.match_review (decided_at) WHERE status <> 'pending';
COMMENT ON TABLE cdp.match_review IS
    'pairs of profiles scored between the review and the link threshold, for a person to accept or reject';
COMMENT ON COLUMN cdp.match_review.left_identity_id IS
    'an identity of each profile at the time: the pair stays known when profiles merge';
SELECT pg_catalog.pg_extension_config_dump('cdp.match_review', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.match_review_review_id_seq', '');

CREATE FUNCTION cdp.link_matches(name text, threshold double precision,
                                 review_threshold double precision) RETURNS jsonb
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_link_matches';
COMMENT ON FUNCTION cdp.link_matches(text, double precision, double precision) IS
    'matches the profiles (all the first time, then those changed since): links pairs at or above threshold, queues those above review_threshold';
REVOKE ALL ON FUNCTION cdp.link_matches(text, double precision, double precision) FROM PUBLIC;

CREATE FUNCTION cdp.review_match(review_id bigint, accept boolean, note text DEFAULT NULL) RETURNS jsonb
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_review_match';
COMMENT ON FUNCTION cdp.review_match(bigint, boolean, text) IS
    'records a person''s decision on a queued pair: accepted pairs are linked, rejected ones never proposed again';
REVOKE ALL ON FUNCTION cdp.review_match(bigint, boolean, text) FROM PUBLIC;

CREATE FUNCTION cdp.match_profile(name text, profile_id bigint)
RETURNS TABLE (profile_id bigint, match_weight double precision, probability double precision)
    LANGUAGE c STABLE
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_match_profile';
COMMENT ON FUNCTION cdp.match_profile(text, bigint) IS
    'the profiles a profile may be, through the blocking rules, best first';
