-- cdp install script, assembled by the Makefile from the SQL fragments beside
-- each subsystem's C code (src/<subsystem>/*.sql), in dependency order.
\echo Use "CREATE EXTENSION cdp" to load this file. \quit

COMMENT ON SCHEMA cdp IS 'cdp: customer data platform (events, identities, profiles, segments, consent)';

-- Tells every backend to reload its cached copy of a configuration table
-- (sources, identifier mappings, ...) once the change commits.
CREATE FUNCTION cdp.config_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'cdp_config_changed';
REVOKE ALL ON FUNCTION cdp.config_changed() FROM PUBLIC;

-- Anyone may use the type and the pure functions (identifiers,
-- normalizers, fuzzy matching); tables hold no rights for PUBLIC, and the
-- functions that write or administer are revoked from PUBLIC one by one.
GRANT USAGE ON SCHEMA cdp TO PUBLIC;
