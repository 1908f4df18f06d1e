-- Consent: the cdp roles, the purposes data is used for, which roles and
-- regions may use them, and each person's consent: its whole history
-- (cdp.consents) and its current state per identifier
-- (cdp.identifier_consents) and per profile (cdp.profiles.consent_mask).
-- C: src/consent/ (the session's purpose and region checks).

-- The roles are cluster-wide: created when missing, kept when the
-- extension is dropped.  An existing role of the same name is used only
-- if it could not get around row security.
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['cdp_admin', 'cdp_analyst', 'cdp_app', 'cdp_ingest', 'cdp_privacy'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN NOBYPASSRLS', r);
        ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                       WHERE rolname OPERATOR(pg_catalog.=) r AND (rolsuper OR rolbypassrls)) THEN
            RAISE EXCEPTION 'role "%" exists and bypasses row security', r
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'ALTER ROLE ... NOSUPERUSER NOBYPASSRLS, or drop it, before CREATE EXTENSION cdp.';
        END IF;
    END LOOP;
END
$roles$;

CREATE TABLE cdp.purposes (
    purpose           text NOT NULL PRIMARY KEY,
    bit               smallint NOT NULL UNIQUE,
    description       text NOT NULL,
    tcf_purposes      smallint[] NOT NULL DEFAULT '{}',
    event_categories  text[] NOT NULL DEFAULT '{}',
    CONSTRAINT purposes_purpose_check CHECK (purpose OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    CONSTRAINT purposes_bit_check CHECK (bit BETWEEN 0 AND 62)
);
COMMENT ON TABLE cdp.purposes IS
    'what personal data is used for; a session declares one (SET cdp.purpose) and sees only the people who consented to it';
COMMENT ON COLUMN cdp.purposes.bit IS 'its bit in cdp.profiles.consent_mask (0 to 62)';
COMMENT ON COLUMN cdp.purposes.tcf_purposes IS 'the IAB TCF v2.2 purposes it corresponds to';
COMMENT ON COLUMN cdp.purposes.event_categories IS
    'the names (compared case-insensitively) of context.consent.categoryPreferences in events that carry it';
INSERT INTO cdp.purposes (purpose, bit, description, tcf_purposes, event_categories) VALUES
    ('analytics', 0, 'measure and understand audiences, content and services', '{1,8,9,10}',
     '{analytics,performance,statistics,measurement}'),
    ('personalization', 1, 'select personalised content and experiences', '{1,5,6,11}',
     '{personalization,personalisation,functional,preferences}'),
    ('email_marketing', 2, 'send marketing email', '{}', '{email,email_marketing}'),
    ('sms_marketing', 3, 'send marketing text messages', '{}', '{sms,sms_marketing}'),
    ('advertising', 4, 'select and measure advertising', '{1,2,3,4,7}',
     '{advertising,marketing,targeting}'),
    ('profiling', 5, 'build profiles and segments of a person', '{3,5}', '{profiling}'),
    ('sale_of_data', 6, 'sell or share personal data with third parties (CCPA)', '{}',
     '{sale_of_data,datasharing,data_sharing}');
SELECT pg_catalog.pg_extension_config_dump('cdp.purposes', '');
CREATE TRIGGER purposes_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.purposes
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE TABLE cdp.role_purposes (
    role        regrole NOT NULL,
    purpose     text NOT NULL REFERENCES cdp.purposes ON UPDATE CASCADE ON DELETE CASCADE,
    granted_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    granted_by  name NOT NULL DEFAULT SESSION_USER,
    PRIMARY KEY (role, purpose)
);
COMMENT ON TABLE cdp.role_purposes IS
    'the purposes each role (and every role that has its privileges) may declare';
SELECT pg_catalog.pg_extension_config_dump('cdp.role_purposes', '');
CREATE TRIGGER role_purposes_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.role_purposes
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE TABLE cdp.role_regions (
    role        regrole NOT NULL,
    region      text NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    granted_by  name NOT NULL DEFAULT SESSION_USER,
    PRIMARY KEY (role, region),
    CONSTRAINT role_regions_region_check
        CHECK (region OPERATOR(pg_catalog.~) '^(\*|[A-Za-z0-9_-]{1,32})$')
);
COMMENT ON TABLE cdp.role_regions IS
    'the regions whose people each role may see; * is every region, including profiles of no region';
SELECT pg_catalog.pg_extension_config_dump('cdp.role_regions', '');
CREATE TRIGGER role_regions_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.role_regions
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE SEQUENCE cdp.consents_consent_id_seq AS bigint;
CREATE TABLE cdp.consents (
    consent_id   bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.consents_consent_id_seq') PRIMARY KEY,
    profile_id   bigint,
    identifiers  cdp.ident[] NOT NULL,
    purpose      text NOT NULL REFERENCES cdp.purposes ON UPDATE CASCADE,
    granted      boolean NOT NULL,
    source       text NOT NULL,
    legal_basis  text NOT NULL,
    expires_at   timestamptz,
    proof        jsonb,
    derived      boolean NOT NULL DEFAULT false,
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    recorded_by  name NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT consents_legal_basis_check
        CHECK (legal_basis OPERATOR(pg_catalog.=) ANY (ARRAY['consent', 'contract', 'legal_obligation',
                                                             'vital_interests', 'public_task',
                                                             'legitimate_interests']))
);
ALTER SEQUENCE cdp.consents_consent_id_seq OWNED BY cdp.consents.consent_id;
CREATE INDEX consents_profile_id_idx ON cdp.consents (profile_id);
COMMENT ON TABLE cdp.consents IS
    'every consent given or withdrawn, never updated: the history; the current state is in cdp.identifier_consents';
COMMENT ON COLUMN cdp.consents.profile_id IS 'the profile it was given for, when known (events carry identifiers only)';
COMMENT ON COLUMN cdp.consents.identifiers IS 'the identifiers it applies to: those of the profile at the time, or of the event';
COMMENT ON COLUMN cdp.consents.derived IS
    'written by cdp when profiles with conflicting consents merged (the most restrictive won): history only, never an identifier''s state';
SELECT pg_catalog.pg_extension_config_dump('cdp.consents', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.consents_consent_id_seq', '');

CREATE TABLE cdp.identifier_consents (
    ident       cdp.ident NOT NULL,
    purpose     text NOT NULL REFERENCES cdp.purposes ON UPDATE CASCADE ON DELETE CASCADE,
    granted     boolean NOT NULL,
    expires_at  timestamptz,
    consent_id  bigint NOT NULL,
    PRIMARY KEY (ident, purpose)
);
COMMENT ON TABLE cdp.identifier_consents IS
    'the latest consent of each identifier for each purpose; a profile has a purpose when every identifier with a say grants it';
SELECT pg_catalog.pg_extension_config_dump('cdp.identifier_consents', '');
