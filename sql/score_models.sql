-- Score models at the level of profiles (src/scoring/score_*.sql): CDNOW's
-- raw purchases ingested as events, a purchase model (BG/NBD,
-- Gamma-Gamma, RFM) and a churn model (logistic regression) fitted as of
-- a calibration date, scores kept in cdp.profiles.computed and kept up to
-- date incrementally.  Time is pinned by cdp.segment_now; the session's
-- time zone is one far from UTC, which nothing may depend on.
\set regress_db :DBNAME
DROP DATABASE IF EXISTS cdp_score_models_test;
CREATE DATABASE cdp_score_models_test;
\c cdp_score_models_test
CREATE EXTENSION cdp;
SET client_min_messages = warning;
SET TIME ZONE 'Pacific/Kiritimati';
SET cdp.segment_now = '1998-06-30T00:00:00Z';
SELECT cdp.create_source('cdnow') > 0 AS source;
CREATE TEMP TABLE raw_lines (line text);
\copy raw_lines FROM 'test/data/predictive/CDNOW_sample.txt' WITH (FORMAT text)
SELECT cdp.ingest_batch('cdnow', (SELECT jsonb_agg(jsonb_build_object(
           'type', 'track', 'event', 'Order Completed', 'userId', 'cdnow-' || f[2]::int, 'messageId', 'cdnow-' || n,
           'timestamp', to_char(to_date(f[3], 'YYYYMMDD'), 'YYYY-MM-DD') || 'T12:00:00Z',
           'properties', jsonb_build_object('revenue', f[5]::numeric)))
         FROM (SELECT row_number() OVER () AS n, regexp_split_to_array(btrim(rtrim(line, E'\r')), '\s+') AS f
                 FROM raw_lines) s)) AS ingested;
CREATE TEMP TABLE raw_lines_revenue AS
SELECT f[2]::int AS customer, to_date(f[3], 'YYYYMMDD') AS day, f[5]::numeric AS revenue
  FROM (SELECT regexp_split_to_array(btrim(rtrim(line, E'\r')), '\s+') AS f FROM raw_lines) s;
CREATE FUNCTION pg_temp.profile_of(customer int) RETURNS bigint LANGUAGE sql
    RETURN (SELECT i.profile_id FROM cdp.identities i WHERE cdp.ident_value(i.ident) = 'cdnow-' || customer);

-- Defining: bad arguments, names taken.
SELECT cdp.create_purchase_model('cdnow');
SELECT cdp.create_purchase_model('cdnow');
SELECT cdp.create_purchase_model('again');
SELECT cdp.create_purchase_model('weekly', horizon_days => 0);
SELECT cdp.create_purchase_model('weekly', monthly_discount => 'NaN');
SELECT cdp.create_purchase_model(NULL);
SELECT cdp.create_computed_trait('p_alive', '{"event": "Order Completed", "count": true}');
SELECT outputs FROM cdp.score_models WHERE name = 'cdnow';
SELECT cdp.score_profiles('cdnow');
SELECT cdp.score_profiles('nothing');

-- Fitting as of CDNOW's calibration end (1997-09-30), in days: the
-- published fit (alpha is per week, 7 times less), and the 273 days since
-- as a holdout.
SELECT round((b->>'r')::numeric, 4) AS r, round((b->>'alpha')::numeric / 7, 3) AS alpha_weeks,
       round((b->>'a')::numeric, 3) AS a, round((b->>'b')::numeric, 3) AS b,
       round((g->>'p')::numeric, 2) AS p, round((g->>'q')::numeric, 2) AS q, round((g->>'v')::numeric, 1) AS v,
       f->'customers' AS customers, f->'repeat_customers' AS repeaters, f->'holdout' AS holdout,
       f->'rfm'->'purchase_days' AS purchase_day_cuts
  FROM (SELECT f, f->'bgnbd' AS b, f->'gamma_gamma' AS g
          FROM cdp.fit_score_model('cdnow', '1997-09-30') f) s;
SELECT cdp.fit_score_model('cdnow', '1996-12-31');

-- Scoring: everyone with a purchase, then nobody (nothing changed).
SELECT cdp.score_profiles('cdnow') AS scored, cdp.score_profiles('cdnow') AS again;
SELECT count(*) FILTER (WHERE computed ? 'p_alive') AS with_p_alive,
       count(*) FILTER (WHERE computed ? 'clv_365d') AS with_clv FROM cdp.profiles;
-- The stored scores are the building blocks' values as of 1998-06-30.
SELECT count(*) AS customers,
       count(*) FILTER (WHERE (p.computed->>'p_alive')::numeric
                              = round(cdp.bgnbd_p_alive(m.fitted->'bgnbd', s.frequency, s.recency, s.t)::numeric, 6)
                          AND (p.computed->>'expected_purchases_365d')::numeric
                              = round(cdp.bgnbd_expected_purchases(m.fitted->'bgnbd', 365, s.frequency, s.recency,
                                                                   s.t)::numeric, 4)) AS agreeing
  FROM cdp.purchase_summary('1998-06-30') s
  JOIN cdp.profiles p ON p.profile_id = s.profile_id, cdp.score_models m WHERE m.name = 'cdnow';
SELECT computed->>'rfm_segment' AS segment, count(*) FROM cdp.profiles GROUP BY 1 ORDER BY 2 DESC, 1;
SELECT computed FROM cdp.profiles WHERE profile_id = pg_temp.profile_of(1);
SELECT jsonb_pretty(cdp.explain_score('cdnow', pg_temp.profile_of(1)) - 'bgnbd' - 'gamma_gamma' - 'rfm_cuts');
SELECT cdp.explain_score('cdnow', 0)->'scores' AS nobody;

-- The RFM segments cover the grid.
SELECT r, string_agg(cdp.rfm_segment(r, f), ' ' ORDER BY f) FROM generate_series(1, 5) r, generate_series(1, 5) f
 GROUP BY r ORDER BY r;
SELECT cdp.rfm_segment(0, 3);

-- Incremental: one new purchase re-scores one profile; a new day
-- re-scores everyone.
SELECT cdp.ingest('cdnow', '{"type": "track", "event": "Order Completed", "userId": "cdnow-1", "messageId": "new-1",
                            "timestamp": "1998-06-29T10:00:00Z", "properties": {"revenue": 30}}') IS NOT NULL AS ingested;
SELECT cdp.stitch_pending(100) IS NOT NULL AS stitched;
SELECT cdp.score_profiles('cdnow') AS rescored;
SELECT computed->'rfm_recency' AS rfm_recency, computed->'p_alive' AS p_alive
  FROM cdp.profiles WHERE profile_id = pg_temp.profile_of(1);
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'scores';
SET cdp.segment_now = '1998-07-01T00:00:00Z';
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'scores';
SELECT (cdp.run_pending(jobs => ARRAY['scores'])->'scores'->>'items')::int AS models_run;
SELECT count(*) FILTER (WHERE computed ? 'p_alive') AS still_scored,
       (SELECT evaluated_at AT TIME ZONE 'UTC' FROM cdp.score_models WHERE name = 'cdnow') AS as_of FROM cdp.profiles;

-- Segments read scores like computed traits.
SELECT cdp.create_segment('likely_active', '{"computed": "p_alive", "op": ">=", "value": 0.5}') > 0 AS created;
SELECT (cdp.refresh_segment('likely_active')).entered;
SELECT count(*) AS members FROM cdp.profiles WHERE (computed->>'p_alive')::float8 >= 0.5;
SELECT cdp.drop_score_model('cdnow');

-- A churn model: no purchase in the 90 days after the cutoff, from
-- features of the purchase summary as of the cutoff.
SELECT cdp.create_propensity_model('churn', 'SELECT 1', '{"event": "Order Completed", "within": "90 days"}');
SELECT cdp.create_propensity_model('churn', 'SELECT profile_id, ARRAY[t] FROM cdp.purchase_summary($1)',
                                   '{"event": "Order Completed", "within": "90 days", "when": 1}');
SELECT cdp.create_propensity_model('churn', 'SELECT profile_id, ARRAY[t] FROM cdp.purchase_summary($1)',
                                   '{"event": "Order Completed", "within": "-3 days"}');
SELECT cdp.create_propensity_model('churn', 'SELECT profile_id, ARRAY[t] FROM cdp.purchase_summary($1)',
                                   '{"event": "Order Completed", "within": "soon"}');
SELECT cdp.create_propensity_model('churn',
    $q$SELECT profile_id, ARRAY[frequency, t - recency, t, ln(1 + monetary)] FROM cdp.purchase_summary($1)$q$,
    '{"event": "Order Completed", "within": "90 days", "occurs": false}',
    feature_names => ARRAY['frequency', 'days_since_last', 'tenure', 'log_monetary']) > 0 AS created;
SELECT cdp.fit_score_model('churn', '1998-06-01');
SELECT f->'calibration_end' AS cutoff, f->'label_window' AS label_window, f->'training' AS training,
       jsonb_array_length(f->'model'->'coefficients') AS coefficients,
       (f->'holdout'->>'auc')::float8 > 0.75 AS auc_above_075, f->'holdout'->'profiles' AS held_out,
       (f->'holdout'->>'brier')::float8 < 0.1 AS brier_below_01,
       jsonb_array_length(f->'holdout'->'calibration') AS deciles
  FROM cdp.fit_score_model('churn') f;
SELECT cdp.score_profiles('churn') AS scored;
-- The explanation adds up: intercept + contributions = the log-odds.
SELECT round(ln(p / (1 - p))::numeric, 4) = round(((e->>'intercept')::float8
           + (SELECT sum(c::float8) FROM jsonb_array_elements_text(e->'contributions') c))::numeric, 4) AS adds_up,
       e->'feature_names' AS names
  FROM (SELECT e, (e->'scores'->>'churn')::float8 AS p
          FROM cdp.explain_score('churn', pg_temp.profile_of(2)) e) s;
-- Features that give the label away cannot be fitted without a penalty;
-- one that repeats a profile, or returns the wrong types, is refused.
SELECT cdp.create_propensity_model('leak',
    $q$SELECT s.profile_id, ARRAY[(n.profile_id IS NULL)::int::float8]
         FROM cdp.purchase_summary($1) s
         LEFT JOIN cdp.purchase_summary($1 + 90) n ON n.profile_id = s.profile_id AND n.frequency > s.frequency$q$,
    '{"event": "Order Completed", "within": "90 days", "occurs": false}') > 0 AS created;
SELECT cdp.fit_score_model('leak', '1998-03-31');
UPDATE cdp.score_models SET spec = jsonb_set(spec, '{l2}', '1') WHERE name = 'leak';
SELECT (f->'model'->>'converged')::boolean AS converged, (f->'holdout'->>'auc')::float8 = 1 AS perfect
  FROM cdp.fit_score_model('leak', '1998-03-31') f;
SELECT cdp.create_propensity_model('twice',
    'SELECT profile_id, ARRAY[t] FROM cdp.purchase_summary($1), generate_series(1, 2)',
    '{"event": "Order Completed", "within": "90 days"}') > 0 AS created;
\set VERBOSITY terse
SELECT cdp.fit_score_model('twice', '1998-03-31');
\set VERBOSITY default
SELECT cdp.create_propensity_model('wrong', 'SELECT profile_id, t FROM cdp.purchase_summary($1)',
                                   '{"event": "Order Completed", "within": "90 days"}');
-- The feature query runs as the model's owner: one who may not read
-- purchases cannot fit it.
UPDATE cdp.score_models SET owner = 'cdp_analyst' WHERE name = 'twice';
\set VERBOSITY terse
SELECT cdp.fit_score_model('twice', '1998-03-31');
\set VERBOSITY default
SELECT cdp.create_purchase_model('weekly', horizon_days => 90, prefix => 'w_');
SELECT cdp.fit_score_model('weekly', '1990-01-01');
SELECT cdp.drop_score_model('likely_active');
SELECT cdp.drop_segment('likely_active');
SELECT cdp.drop_score_model('churn');
SELECT count(*) FILTER (WHERE computed ? 'churn') AS left_with_churn FROM cdp.profiles;
-- Nobody else may define, fit or score models.
SET ROLE cdp_analyst;
SELECT cdp.fit_score_model('leak');
SELECT cdp.create_purchase_model('mine');
RESET ROLE;

-- Edge cases: a customer whose first purchase is today (t = 0), a
-- purchase without revenue (it counts, its revenue does not), a single
-- customer, a constant feature, a calibration end after today.
SET cdp.segment_now = '1998-07-01T00:00:00Z';
SELECT cdp.ingest_batch('cdnow', '[
  {"type": "track", "event": "Order Completed", "userId": "today-1", "messageId": "today-1",
   "timestamp": "1998-07-01T08:00:00Z", "properties": {"revenue": 12}},
  {"type": "track", "event": "Order Completed", "userId": "cdnow-2", "messageId": "norevenue-1",
   "timestamp": "1998-06-30T08:00:00Z", "properties": {"coupon": "x"}},
  {"type": "track", "event": "Solo", "userId": "solo-1", "messageId": "solo-1", "timestamp": "1998-01-01T08:00:00Z"},
  {"type": "track", "event": "Solo", "userId": "solo-1", "messageId": "solo-2", "timestamp": "1998-02-01T08:00:00Z"},
  {"type": "track", "event": "Solo", "userId": "solo-1", "messageId": "solo-3", "timestamp": "1998-05-01T08:00:00Z"}]')
  AS ingested;
SELECT cdp.create_purchase_model('edge', prefix => 'edge_') > 0 AS created;
SELECT (cdp.fit_score_model('edge', '1998-06-30')->'customers') AS customers;
SELECT cdp.score_profiles('edge') > 0 AS scored;
SELECT computed->'edge_p_alive' AS p_alive, computed->'edge_expected_purchases_365d' AS expected,
       computed->'edge_rfm_recency' AS rfm_recency
  FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:today-1');
SELECT e->'inputs'->'purchase_days' AS purchase_days, e->'inputs'->'revenue' AS revenue,
       (SELECT sum(revenue) FROM raw_lines_revenue WHERE customer = 2) AS revenue_before
  FROM cdp.explain_score('edge', cdp.resolve('user_id:cdnow-2')) e;
SELECT cdp.create_purchase_model('solo', 'Solo', prefix => 'solo_') > 0 AS created;
SELECT f->'customers' AS customers, (f->'bgnbd'->>'r')::float8 > 0 AS finite, f ? 'gamma_gamma' AS spend_model
  FROM cdp.fit_score_model('solo', '1998-06-30') f;
SELECT cdp.fit_score_model('edge', '1998-07-02');
-- A calibration end long after the data: fitted, with a warning.
SET cdp.segment_now = '2001-01-01T00:00:00Z';
SELECT f->'customers' AS customers FROM cdp.fit_score_model('solo', '2000-12-31') f;
SET cdp.segment_now = '1998-07-01T00:00:00Z';
-- Features with a NULL or NaN: that profile is left out and has no score.
SELECT cdp.create_propensity_model('gaps',
    $q$SELECT profile_id, ARRAY[CASE WHEN frequency = 1 THEN 'NaN' WHEN frequency = 2 THEN NULL ELSE t - recency END]
         FROM cdp.purchase_summary($1)$q$,
    '{"event": "Order Completed", "within": "90 days", "occurs": false}') > 0 AS created;
SELECT f->'training'->'profiles' AS trained_on FROM cdp.fit_score_model('gaps', '1998-03-31') f;
SELECT cdp.score_profiles('gaps') AS scored;
SELECT count(*) FILTER (WHERE computed ? 'gaps') AS with_score,
       count(*) FILTER (WHERE computed ? 'gaps' AND s.frequency IN (1, 2)) AS with_score_and_gaps
  FROM cdp.profiles p LEFT JOIN cdp.purchase_summary('1998-07-01') s USING (profile_id);
SELECT cdp.create_propensity_model('constant', 'SELECT profile_id, ARRAY[1.0::float8] FROM cdp.purchase_summary($1)',
                                   '{"event": "Order Completed", "within": "90 days"}') > 0 AS created;
\set VERBOSITY terse
SELECT cdp.fit_score_model('constant', '1998-03-31');
\set VERBOSITY default

-- Data nobody tuned anything to: 3,000 customers drawn from BG/NBD and
-- Gamma-Gamma with known parameters (test/gen/purchases.sql), a year of
-- calibration from 2024-01-01, a year of holdout.  The fit must find the
-- parameters (within a quarter: a year of 3,000 customers, purchases
-- counted per day), and predict the holdout year's purchases within a
-- tenth; a churn model must rank who buys no more (AUC above 0.7).
\c cdp_score_models_test
SET client_min_messages = warning;
\set ECHO none
\i test/gen/purchases.sql
\set ECHO all
SELECT cdp.create_source('drawn') > 0 AS source;
SELECT sum(cdp.ingest_batch('drawn', b)) > 15000 AS ingested
  FROM (SELECT jsonb_agg(jsonb_build_object(
                   'type', 'track', 'event', 'Purchase', 'userId', 'drawn-' || customer,
                   'messageId', 'drawn-' || n, 'timestamp', to_char(DATE '2024-01-01' + day, 'YYYY-MM-DD') || 'T09:00:00Z',
                   'properties', jsonb_build_object('revenue', amount))) AS b
          FROM (SELECT d.*, row_number() OVER () AS n
                  FROM cdp_purchases.draw(3000, 0.4, 20, 0.6, 3.0, 5, 3, 20, 365, 365, 0.42) d) s
         GROUP BY n / 5000) batches;
SET cdp.segment_now = '2025-12-31T00:00:00Z';
SELECT cdp.create_purchase_model('drawn', 'Purchase', prefix => 'drawn_') > 0 AS created;
SELECT abs((b->>'r')::float8 / 0.4 - 1) < 0.25 AS r, abs((b->>'alpha')::float8 / 20 - 1) < 0.25 AS alpha,
       abs((b->>'a')::float8 / 0.6 - 1) < 0.25 AS a, abs((b->>'b')::float8 / 3.0 - 1) < 0.25 AS b,
       abs((g->>'q')::float8 / 3 - 1) < 0.25 AS q,
       abs((g->>'p')::float8 / (g->>'v')::float8 / (5.0 / 20) - 1) < 0.25 AS p_over_v,
       abs((h->>'predicted')::float8 / (h->>'actual')::float8 - 1) < 0.1 AS holdout_within_a_tenth
  FROM (SELECT f->'bgnbd' AS b, f->'gamma_gamma' AS g, f->'holdout' AS h
          FROM cdp.fit_score_model('drawn', '2024-12-30') f) s;
SELECT cdp.create_propensity_model('drawn_churn',
    $q$SELECT profile_id, ARRAY[frequency, t - recency, t] FROM cdp.purchase_summary($1, 'Purchase')$q$,
    '{"event": "Purchase", "within": "180 days", "occurs": false}') > 0 AS created;
SELECT (f->'holdout'->>'auc')::float8 > 0.7 AS auc_above_07,
       (f->'holdout'->>'profiles')::int BETWEEN 450 AND 750 AS a_fifth_held_out
  FROM cdp.fit_score_model('drawn_churn', '2024-12-30') f;
\c :regress_db
DROP DATABASE cdp_score_models_test;
