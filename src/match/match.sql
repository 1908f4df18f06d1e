-- Probabilistic record linkage (Fellegi-Sunter): models, training,
-- scoring, clustering (C, src/match/).  The functions run with the
-- caller's rights: a model's SQL (exprs, rules, sql levels) reads the
-- caller's relations as the caller.

CREATE SEQUENCE cdp.match_models_model_id_seq AS integer;
CREATE TABLE cdp.match_models (
    model_id    integer NOT NULL DEFAULT pg_catalog.nextval('cdp.match_models_model_id_seq') PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    spec        jsonb NOT NULL,
    params      jsonb,
    trained_at  timestamptz,
    linked_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT match_models_name_check
        CHECK (name OPERATOR(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$')
);
ALTER SEQUENCE cdp.match_models_model_id_seq OWNED BY cdp.match_models.model_id;
COMMENT ON TABLE cdp.match_models IS
    'probabilistic matching models: the spec (comparisons, blocking rules) and, once trained, m, u and the prior';
COMMENT ON COLUMN cdp.match_models.linked_at IS
    'start of the last cdp.link_matches() run: profiles changed since are matched incrementally';
SELECT pg_catalog.pg_extension_config_dump('cdp.match_models', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.match_models_model_id_seq', '');

CREATE FUNCTION cdp.create_match_model(name text, spec jsonb) RETURNS integer
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cdp_create_match_model';
COMMENT ON FUNCTION cdp.create_match_model(text, jsonb) IS
    'stores a matching model after checking its spec; returns its id';
REVOKE ALL ON FUNCTION cdp.create_match_model(text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.train_match_model(name text, records regclass, id_column text,
                                      options jsonb DEFAULT '{}') RETURNS jsonb
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cdp_train_match_model';
COMMENT ON FUNCTION cdp.train_match_model(text, regclass, text, jsonb) IS
    'trains a model without ground truth: u on random pairs, m by EM per blocking rule, the prior; stores and returns the parameters';
REVOKE ALL ON FUNCTION cdp.train_match_model(text, regclass, text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.match_pairs(name text, records regclass, id_column text,
                                min_probability double precision DEFAULT 0)
RETURNS TABLE (left_id text, right_id text, match_weight double precision, probability double precision)
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cdp_match_pairs';
COMMENT ON FUNCTION cdp.match_pairs(text, regclass, text, double precision) IS
    'every candidate pair of the blocking rules, once, with its match weight and probability';

CREATE FUNCTION cdp.match_clusters(name text, records regclass, id_column text,
                                   threshold double precision, split_chains boolean DEFAULT true)
RETURNS TABLE (record_id text, cluster_id text)
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cdp_match_clusters';
COMMENT ON FUNCTION cdp.match_clusters(text, regclass, text, double precision, boolean) IS
    'each record and its cluster: components of the pairs at or above threshold, split where only a chain holds them';

CREATE FUNCTION cdp.explain_match(name text, records regclass, id_column text,
                                  left_id text, right_id text)
RETURNS TABLE (comparison text, level text, left_value text, right_value text, weight double precision)
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cdp_explain_match';
COMMENT ON FUNCTION cdp.explain_match(text, regclass, text, text, text) IS
    'the prior and each comparison of a pair: the level it falls in, the values, the weight';
