\set SHOW_CONTEXT never
-- Probabilistic matching of the profiles' golden records into the identity
-- graph: FEBRL's febrl1 (1,000 person records, 500 duplicated) sent as
-- identify calls from a CRM, one anonymous id per record, so that
-- deterministic stitching joins nothing and every duplicate is left to the
-- model.  In a database of its own: matching reads every profile.
\set regression_db :DBNAME
CREATE DATABASE cdp_match_link;
\c cdp_match_link
CREATE EXTENSION cdp;
SELECT cdp.create_source('match_crm', 'crm');
\i test/models/febrl1_crm.sql
SELECT cdp.ingest_batch('match_crm', jsonb_agg(pg_temp.identify(f) ORDER BY rec_id))
  FROM febrl1 f WHERE rec_id <> 'rec-0-dup-0';
SELECT count(*) AS profiles FROM cdp.profiles;

\i test/models/person_traits.sql
SELECT spec->'blocking'->>0 AS first_rule FROM cdp.match_models WHERE name = 'people';
SELECT (cdp.train_match_model('people', 'cdp.profiles', 'profile_id')->'lambda')::float8 BETWEEN 1e-4 AND 1e-2
       AS lambda_plausible;

-- A first run that links nothing (threshold 1) queues the likely pairs for
-- a person to review, with the explanation of each.
SELECT r->>'mode' AS mode, r->>'linked' AS linked, (r->>'queued_for_review')::int > 400 AS queued
  FROM cdp.link_matches('people', 1, 0.5) r;
SELECT bool_and(jsonb_array_length(explanation) = 10) AS explained,
       bool_and(probability >= 0.5) AS above_review_threshold, bool_and(status = 'pending') AS pending
  FROM cdp.match_review;
CREATE TABLE decided AS
SELECT review_id, left_identity_id, right_identity_id, review_id = (SELECT min(review_id) FROM cdp.match_review) AS accept
  FROM cdp.match_review ORDER BY review_id LIMIT 2;
-- Accepted: linked at once, as a person's decision; rejected: kept apart.
SELECT d.accept, r->>'status' AS status
  FROM decided d, cdp.review_match(d.review_id, d.accept, CASE WHEN d.accept THEN 'same person' ELSE 'twins' END) r
 ORDER BY d.review_id;
SELECT d.accept, a.profile_id = b.profile_id AS together, v.decided_by = current_user AS decided_by_me, v.note
  FROM decided d JOIN cdp.match_review v USING (review_id)
  JOIN cdp.identities a ON a.identity_id = d.left_identity_id
  JOIN cdp.identities b ON b.identity_id = d.right_identity_id
 ORDER BY d.review_id;

-- The next run starts over (linked_at cleared) and links the rest, but
-- never the rejected pair, nor queues it again.
UPDATE cdp.match_models SET linked_at = NULL WHERE name = 'people';
SELECT r->>'mode' AS mode, (r->>'linked')::int > 400 AS linked, r->>'skipped_rejected' AS skipped_rejected,
       r->>'refused_by_limits' AS refused
  FROM cdp.link_matches('people', 0.99, 0.5) r;
SELECT d.accept, a.profile_id = b.profile_id AS together
  FROM decided d JOIN cdp.identities a ON a.identity_id = d.left_identity_id
  JOIN cdp.identities b ON b.identity_id = d.right_identity_id
 ORDER BY d.review_id;

-- Against the ground truth: no profile mixes two people, and most people
-- are whole.
CREATE TABLE person_of AS
SELECT i.profile_id, split_part(cdp.ident_value(i.ident), '-', 2) AS person
  FROM cdp.identities i;
SELECT count(*) FILTER (WHERE people > 1) AS profiles_mixing_people
  FROM (SELECT profile_id, count(DISTINCT person) AS people FROM person_of GROUP BY 1) p;
SELECT count(*) FILTER (WHERE profiles = 1)::float8 / count(*) >= 0.95 AS most_people_whole
  FROM (SELECT person, count(DISTINCT profile_id) AS profiles FROM person_of GROUP BY 1) p;

-- A link made by the model says so: rule, model, weight and probability.
SELECT e.rule, m.name AS model, e.match_weight > 0 AS weighed, e.probability >= 0.99 AS probable,
       e.reason LIKE 'model people: weight %, probability %' AS reason
  FROM cdp.identity_edges e JOIN cdp.match_models m USING (model_id)
 WHERE e.reason LIKE 'model%' LIMIT 1;
SELECT step, edge_kind, reason LIKE 'model people:%' AS by_the_model
  FROM cdp.why_linked('anonymous_id:rec-2-org', 'anonymous_id:rec-2-dup-0');

-- The run after re-checks only the profiles the last one changed (merged).
SELECT r->>'mode' AS mode, (r->>'profiles_changed')::int < 600 AS few_changed, r->>'linked' AS linked
  FROM cdp.link_matches('people', 0.99, 0.5) r;
SELECT r->>'profiles_changed' AS changed FROM cdp.link_matches('people', 0.99, 0.5) r;

-- A new record of person 0 (held back above) is matched incrementally:
-- only it is compared, through the blocking rules.
SELECT cdp.ingest('match_crm', pg_temp.identify(f)) > 0 AS ingested FROM febrl1 f WHERE rec_id = 'rec-0-dup-0';
SELECT p.probability > 0.99 AS found_by_match_profile
  FROM cdp.match_profile('people', cdp.resolve('anonymous_id:rec-0-dup-0')) p
 WHERE p.profile_id = cdp.resolve('anonymous_id:rec-0-org');
SELECT r->>'mode' AS mode, r->>'profiles_changed' AS changed, (r->>'pairs_scored')::int < 50 AS few_pairs,
       r->>'linked' AS linked
  FROM cdp.link_matches('people', 0.99, 0.5) r;
SELECT cdp.resolve('anonymous_id:rec-0-dup-0') = cdp.resolve('anonymous_id:rec-0-org') AS joined;

-- Decisions are final; bad arguments are refused.
\set VERBOSITY sqlstate
SELECT cdp.review_match((SELECT min(review_id) FROM decided), true);
SELECT cdp.review_match(-1, true);
SELECT cdp.review_match(NULL, true);
SELECT cdp.link_matches('people', 0.5, 0.9);
SELECT cdp.link_matches('people', 1.5, 0.5);
SELECT cdp.link_matches('nope', 0.9, 0.5);
SELECT * FROM cdp.match_profile('people', NULL);
\set VERBOSITY default

-- A link the model made is cut like any other, and stays cut.
SELECT array_length(cdp.unlink('anonymous_id:rec-2-org', 'anonymous_id:rec-2-dup-0', 'not the same'), 1) AS profiles_after;
UPDATE cdp.match_models SET linked_at = NULL WHERE name = 'people';
SELECT (cdp.link_matches('people', 0.99, 0.5)->>'mode') AS mode;
SELECT cdp.resolve('anonymous_id:rec-2-org') <> cdp.resolve('anonymous_id:rec-2-dup-0') AS stays_apart;

\c :regression_db
DROP DATABASE cdp_match_link;

-- Equal thresholds leave no band for review, and are allowed: the model
-- is looked up next.
\set VERBOSITY sqlstate
SELECT cdp.link_matches('no such model', 0.9, 0.9);
\set VERBOSITY default
