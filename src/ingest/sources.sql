-- Sources: the systems that send data, and per-source identifier mappings.

CREATE SEQUENCE cdp.sources_source_id_seq AS integer;

CREATE TABLE cdp.sources (
    source_id   integer NOT NULL DEFAULT pg_catalog.nextval('cdp.sources_source_id_seq') PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL DEFAULT 'custom',
    priority    integer NOT NULL DEFAULT 100,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    trusted_aliases boolean NOT NULL DEFAULT false,
    retention   interval,
    CONSTRAINT sources_name_check
        CHECK (name OPERATOR(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$'),
    CONSTRAINT sources_kind_check
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['web', 'mobile', 'server', 'pos', 'crm',
                                'support', 'marketing', 'batch', 'custom'])),
    CONSTRAINT sources_priority_check CHECK (priority BETWEEN 0 AND 1000000),
    CONSTRAINT sources_retention_check CHECK (retention OPERATOR(pg_catalog.>) '0'::pg_catalog.interval)
);
ALTER SEQUENCE cdp.sources_source_id_seq OWNED BY cdp.sources.source_id;
COMMENT ON TABLE cdp.sources IS 'systems that send events and records to cdp';
COMMENT ON COLUMN cdp.sources.trusted_aliases IS
    'its alias events join two identifiers even beyond the kinds'' max_per_profile';
COMMENT ON COLUMN cdp.sources.retention IS
    'how long its events are kept (cdp.apply_retention); NULL: for ever';
SELECT pg_catalog.pg_extension_config_dump('cdp.sources', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.sources_source_id_seq', '');

CREATE TABLE cdp.identifier_mappings (
    source_id   integer NOT NULL REFERENCES cdp.sources ON DELETE CASCADE,
    kind        text NOT NULL REFERENCES cdp.identifier_kinds,
    path        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source_id, kind, path),
    -- A path is evaluated on every event of its source, without variables:
    -- one that does not parse or names a variable ($"x" once canonical,
    -- outside string literals) would fail them all.
    CONSTRAINT identifier_mappings_path_check
        CHECK (pg_catalog.regexp_replace(path::pg_catalog.jsonpath::pg_catalog.text,
                                         '"(\\.|[^"\\])*"', '""', 'g') OPERATOR(pg_catalog.!~~) '%$""%')
);
COMMENT ON TABLE cdp.identifier_mappings IS
    'extra identifiers taken from each event of a source: jsonpath (canonical text) to identifier kind';
SELECT pg_catalog.pg_extension_config_dump('cdp.identifier_mappings', '');

CREATE TRIGGER sources_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.sources
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();
CREATE TRIGGER identifier_mappings_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.identifier_mappings
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE FUNCTION cdp.create_source(name text, kind text DEFAULT 'custom', priority integer DEFAULT 100)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id integer;
BEGIN
    IF name IS NULL OR name !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid source name'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A source name is 1 to 63 letters, digits, "_", ".", ":" or "-", starting with a letter or a digit.';
    END IF;
    IF kind IS NULL OR kind <> ALL (ARRAY['web', 'mobile', 'server', 'pos', 'crm',
                                          'support', 'marketing', 'batch', 'custom']) THEN
        RAISE EXCEPTION 'invalid source kind'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of web, mobile, server, pos, crm, support, marketing, batch, custom.';
    END IF;
    IF priority IS NULL OR priority NOT BETWEEN 0 AND 1000000 THEN
        RAISE EXCEPTION 'source priority must be between 0 and 1000000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO cdp.sources (name, kind, priority)
        VALUES (create_source.name, create_source.kind, create_source.priority)
        RETURNING source_id INTO new_id;
    RETURN new_id;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'source "%" already exists', create_source.name
        USING ERRCODE = 'duplicate_object';
END
$$;
REVOKE ALL ON FUNCTION cdp.create_source(text, text, integer) FROM PUBLIC;

-- Returns the id of a source, or raises 42704 when there is none.
CREATE FUNCTION cdp.source_id(source text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT s.source_id INTO found_id FROM cdp.sources s WHERE s.name = source;
    IF found_id IS NULL AND source ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'source "%" does not exist', source
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it with cdp.create_source().';
    ELSIF found_id IS NULL THEN
        RAISE EXCEPTION 'source does not exist'
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'The name given is not a valid source name.',
                  HINT = 'Create it with cdp.create_source().';
    END IF;
    RETURN found_id;
END
$$;
REVOKE ALL ON FUNCTION cdp.source_id(text) FROM PUBLIC;

CREATE FUNCTION cdp.map_identifier(source text, kind text, path jsonpath)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM cdp.identifier_kinds k WHERE k.kind = map_identifier.kind) THEN
        RAISE EXCEPTION 'identifier kind does not exist'
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add the kind to cdp.identifier_kinds first.';
    END IF;
    IF path IS NULL THEN
        RAISE EXCEPTION 'identifier path must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO cdp.identifier_mappings (source_id, kind, path)
        VALUES (cdp.source_id(source), kind, path::text)
        ON CONFLICT DO NOTHING;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'identifier path must not use variables'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Mappings are evaluated without variables: write the value into the path.';
END
$$;
REVOKE ALL ON FUNCTION cdp.map_identifier(text, text, jsonpath) FROM PUBLIC;

CREATE FUNCTION cdp.unmap_identifier(source text, kind text, path jsonpath)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM cdp.identifier_mappings m
         WHERE m.source_id = cdp.source_id(source)
           AND m.kind = unmap_identifier.kind
           AND m.path = unmap_identifier.path::text
        RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
REVOKE ALL ON FUNCTION cdp.unmap_identifier(text, text, jsonpath) FROM PUBLIC;
