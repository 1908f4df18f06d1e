-- FEBRL's febrl1 (1,000 person records, 500 duplicated) as table febrl1,
-- and pg_temp.identify(febrl1): a record as an identify call from a CRM
-- with one anonymous id per record, so that deterministic stitching joins
-- nothing (sql/match_link.sql, sql/worker_jobs.sql).
CREATE TABLE febrl_lines (line text);
\copy febrl_lines FROM 'test/data/febrl/febrl1.csv' WITH (FORMAT text, DELIMITER E'\x01')
CREATE TABLE febrl1 AS
SELECT f[1] AS rec_id, f[2] AS given_name, f[3] AS surname, f[4] AS street_number, f[5] AS address_1,
       f[6] AS address_2, f[7] AS suburb, f[8] AS postcode, f[9] AS state, f[10] AS date_of_birth,
       f[11] AS soc_sec_id
  FROM (SELECT string_to_array(line, ', ') AS f FROM febrl_lines WHERE line NOT LIKE 'rec_id%') x;
CREATE FUNCTION pg_temp.identify(r febrl1) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('type', 'identify', 'anonymousId', r.rec_id, 'messageId', r.rec_id,
        'timestamp', '2026-11-02T10:00:00Z',
        'traits', jsonb_strip_nulls(jsonb_build_object('given_name', nullif(r.given_name, ''),
            'surname', nullif(r.surname, ''), 'street_number', nullif(r.street_number, ''),
            'address_1', nullif(r.address_1, ''), 'suburb', nullif(r.suburb, ''),
            'postcode', nullif(r.postcode, ''), 'state', nullif(r.state, ''),
            'date_of_birth', nullif(r.date_of_birth, ''), 'soc_sec_id', nullif(r.soc_sec_id, ''))))
$$;
