-- The hard person-record generator (test/gen/people.sql) gives the same
-- records on every machine, date and time zone: the benchmark's accuracy
-- figures on it are reproducible.  The digests are those its header states.
\set ECHO none
\set QUIET on
\i test/gen/people.sql
\set QUIET off
\set ECHO all
SELECT count(*) AS records FROM cdp_people.records(10000);
SELECT n AS records_per_person, count(*) AS people
  FROM (SELECT person_id, count(*) AS n FROM cdp_people.records(10000) GROUP BY 1) x
 GROUP BY n ORDER BY n;
SELECT count(*) AS true_pairs FROM cdp_people.true_pairs(10000);
SELECT count(*) AS pairs_of_one_person
  FROM cdp_people.records(10000) a
  JOIN cdp_people.records(10000) b ON b.person_id = a.person_id AND a.rec_id < b.rec_id;
SELECT md5(string_agg(r::text, E'\n' ORDER BY r.rec_id COLLATE "C")) AS digest_2000
  FROM cdp_people.records(2000) r;
SELECT md5(string_agg(r::text, E'\n' ORDER BY r.rec_id COLLATE "C")) AS digest_first_1000_of_2000
  FROM cdp_people.records(2000) r WHERE person_id <= 1000;
SELECT md5(string_agg(r::text, E'\n' ORDER BY r.rec_id COLLATE "C")) AS digest_1000
  FROM cdp_people.records(1000) r;
DROP SCHEMA cdp_people CASCADE;
