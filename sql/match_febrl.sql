-- Probabilistic matching trained without ground truth on FEBRL's febrl3
-- (5,000 person records of 2,000 people, heavily corrupted duplicates),
-- then checked against the ground truth: floors for precision and recall
-- of pairs and clusters.  The spec is a generic one for person records,
-- the one the benchmark runs on other data too (test/bench/match.sql).
CREATE TABLE match_febrl_lines (line text);
\copy match_febrl_lines FROM 'test/data/febrl/febrl3.csv' WITH (FORMAT text, DELIMITER E'\x01')
CREATE TABLE febrl3 AS
SELECT f[1] AS rec_id, f[2] AS given_name, f[3] AS surname, f[4] AS street_number, f[5] AS address_1,
       f[6] AS address_2, f[7] AS suburb, f[8] AS postcode, f[9] AS state, f[10] AS date_of_birth,
       f[11] AS soc_sec_id
  FROM (SELECT string_to_array(line, ', ') AS f FROM match_febrl_lines WHERE line NOT LIKE 'rec_id%') x;
CREATE TABLE febrl3_truth AS
SELECT a.rec_id AS l, b.rec_id AS r FROM febrl3 a JOIN febrl3 b
    ON split_part(a.rec_id, '-', 2) = split_part(b.rec_id, '-', 2) AND a.rec_id < b.rec_id;
SELECT (SELECT count(*) FROM febrl3) AS records, (SELECT count(*) FROM febrl3_truth) AS true_pairs;

\i test/models/person.sql
SELECT cdp.create_match_model('febrl', :'person_model') > 0 AS created;
SELECT p->>'lambda_source' AS lambda_source, (p->'lambda')::float8 BETWEEN 1e-4 AND 1e-3 AS lambda_plausible,
       (SELECT bool_and((l->>'m')::float8 > (l->>'u')::float8)
          FROM jsonb_array_elements(p->'comparisons') c, LATERAL (SELECT c->'levels'->0) AS x(l)) AS exact_agreement_means_match,
       (SELECT bool_and(s->>'converged' = 'true') FROM jsonb_array_elements(p->'sessions') s) AS em_converged
  FROM cdp.train_match_model('febrl', 'febrl3', 'rec_id') p;

-- Pairs: blocking keeps almost every true pair; the model finds them.
CREATE TABLE febrl3_scored AS SELECT * FROM cdp.match_pairs('febrl', 'febrl3', 'rec_id');
SELECT count(*) FILTER (WHERE t.l IS NOT NULL)::float8 / (SELECT count(*) FROM febrl3_truth) >= 0.99 AS pair_completeness_floor,
       count(*) < 0.002 * 5000 * 4999 / 2 AS reduction_ratio_floor
  FROM febrl3_scored s LEFT JOIN febrl3_truth t ON t.l = s.left_id AND t.r = s.right_id;
SELECT threshold, precision >= 0.99 AS precision_floor, recall >= 0.98 AS recall_floor
  FROM (SELECT th AS threshold,
               count(*) FILTER (WHERE t.l IS NOT NULL)::float8 / nullif(count(*), 0) AS precision,
               count(*) FILTER (WHERE t.l IS NOT NULL)::float8 / (SELECT count(*) FROM febrl3_truth) AS recall
          FROM unnest(ARRAY[0.5, 0.9, 0.99]) th
          JOIN febrl3_scored s ON s.probability >= th
          LEFT JOIN febrl3_truth t ON t.l = s.left_id AND t.r = s.right_id
         GROUP BY th) m ORDER BY threshold;

-- Clusters: B-cubed precision and recall against the people.
CREATE TABLE febrl3_clusters AS SELECT * FROM cdp.match_clusters('febrl', 'febrl3', 'rec_id', 0.9);
SELECT count(*) = 5000 AND count(DISTINCT record_id) = 5000 AS every_record_once FROM febrl3_clusters;
WITH c AS (SELECT record_id, cluster_id, split_part(record_id, '-', 2) AS person FROM febrl3_clusters),
per_record AS (
    SELECT a.record_id,
           count(*) FILTER (WHERE b.person = a.person)::float8 / count(*) AS precision,
           count(*) FILTER (WHERE b.person = a.person)::float8
             / (SELECT count(*) FROM c x WHERE x.person = a.person) AS recall
      FROM c a JOIN c b ON b.cluster_id = a.cluster_id
     GROUP BY a.record_id, a.person)
SELECT avg(precision) >= 0.99 AS bcubed_precision_floor, avg(recall) >= 0.97 AS bcubed_recall_floor
  FROM per_record;
