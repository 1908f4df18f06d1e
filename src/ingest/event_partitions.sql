-- The monthly partitions of cdp.events (C caller: src/ingest/partitions.c).
-- Replaced in 0.2.0: a new partition carries the row security of
-- cdp.events (src/consent/row_security.sql), which a query naming the
-- partition would not otherwise apply.

-- Creates the partition of cdp.events for the month (UTC) holding "at",
-- unless it exists.  LIKE + ATTACH takes only SHARE UPDATE EXCLUSIVE on
-- cdp.events, so ingestion and queries go on while a month is added; the
-- same lock, held to the end of the transaction, serializes two sessions
-- adding a month.  The bounds are written as text and read back by ATTACH:
-- TimeZone and DateStyle are pinned so that they are exact UTC months
-- whatever the calling session set.
CREATE OR REPLACE FUNCTION cdp.ensure_event_partition(at timestamptz)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
    month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
    part_name   text := 'events_' || to_char(month_start, 'YYYY_MM');
    part        regclass;
BEGIN
    IF at IS NULL OR isfinite(at) IS NOT TRUE THEN
        RAISE EXCEPTION 'partition time must be finite' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Events are never older (see event_parse.c); it also keeps the names
    -- unique, as to_char writes 4713 BC and 4713 AD alike.
    IF at < '1970-01-01 00:00:00+00' THEN
        RAISE EXCEPTION 'partition time is before 1970' USING ERRCODE = 'datetime_field_overflow';
    END IF;
    part := to_regclass('cdp.' || quote_ident(part_name));
    IF part IS NOT NULL THEN
        RETURN part;
    END IF;
    -- Taking the lock also reads the catalog changes committed meanwhile,
    -- so the second look sees a partition another session just added.
    LOCK TABLE cdp.events IN SHARE UPDATE EXCLUSIVE MODE;
    part := to_regclass('cdp.' || quote_ident(part_name));
    IF part IS NOT NULL THEN
        RETURN part;
    END IF;
    EXECUTE format('CREATE TABLE cdp.%I (LIKE cdp.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                   ' INCLUDING STORAGE INCLUDING COMPRESSION)', part_name);
    PERFORM cdp.secure_event_partition(('cdp.' || quote_ident(part_name))::regclass);
    EXECUTE format('ALTER TABLE cdp.events ATTACH PARTITION cdp.%I FOR VALUES FROM (%L) TO (%L)',
                   part_name, month_start AT TIME ZONE 'UTC',
                   (month_start + interval '1 month') AT TIME ZONE 'UTC');
    RETURN ('cdp.' || quote_ident(part_name))::regclass;
END
$$;
REVOKE ALL ON FUNCTION cdp.ensure_event_partition(timestamptz) FROM PUBLIC;
