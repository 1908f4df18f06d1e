\set SHOW_CONTEXT never
-- Predictive building blocks, validated against published fits
-- (test/data/predictive/README.md has the sources): BG/NBD and
-- Gamma-Gamma on CDNOW (Fader, Hardie and Lee 2005, as lifetimes fits
-- them), logistic regression against R's glm and MADlib; then bad input.
SET client_min_messages = warning;
CREATE TEMP TABLE cdnow (id int, frequency float8, recency float8, t float8, zbar float8);
CREATE TEMP TABLE cdnow_lines (line text);
\copy cdnow_lines FROM 'test/data/predictive/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT text)
INSERT INTO cdnow
SELECT f[1]::int, f[2]::float8, f[3]::float8, f[4]::float8, f[5]::float8
  FROM (SELECT string_to_array(rtrim(line, E'\r'), ',') AS f FROM cdnow_lines WHERE line NOT LIKE 'ID,%') s;
SELECT count(*) AS customers, count(*) FILTER (WHERE frequency > 0) AS repeat_customers FROM cdnow;

-- BG/NBD: r = 0.2426, alpha = 4.414, a = 0.793, b = 2.426, LL -9582.43.
CREATE TEMP TABLE bgnbd AS SELECT cdp.bgnbd_fit(frequency, recency, t) AS m FROM cdnow;
SELECT round((m->>'r')::numeric, 4) AS r, round((m->>'alpha')::numeric, 3) AS alpha,
       round((m->>'a')::numeric, 3) AS a, round((m->>'b')::numeric, 3) AS b,
       round((m->>'log_likelihood')::numeric, 2) AS log_likelihood, m->'converged' AS converged,
       (m->>'iterations')::int > 0 AS iterated
  FROM bgnbd;
-- The conditional expectation of x = 2, t_x = 30.43, T = 38.86 over 39 weeks: 1.226.
SELECT round(cdp.bgnbd_expected_purchases(m, 39, 2, 30.43, 38.86)::numeric, 3) AS expected,
       round(cdp.bgnbd_p_alive(m, 2, 30.43, 38.86)::numeric, 3) AS p_alive,
       cdp.bgnbd_p_alive(m, 0, 0, 38.86) AS p_alive_no_repeat,
       cdp.bgnbd_expected_purchases(m, 0, 2, 30.43, 38.86) AS nothing_in_no_time
  FROM bgnbd;
-- The published parameters give the same expectation.
SELECT round(cdp.bgnbd_expected_purchases('{"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425752}',
                                          39, 2, 30.43, 38.86)::numeric, 3) AS published;
-- P(alive) falls as the last purchase recedes; expectations are not negative.
SELECT bool_and(cdp.bgnbd_p_alive(m, 3, 30, 38.86) > cdp.bgnbd_p_alive(m, 3, 10, 38.86)) AS recency_matters,
       bool_and(cdp.bgnbd_expected_purchases(m, 52, c.frequency, c.recency, c.t) >= 0) AS non_negative
  FROM bgnbd, cdnow c;

-- Gamma-Gamma on the 946 repeat customers: p = 6.25, q = 3.74, v = 15.44, LL -4055.92.
CREATE TEMP TABLE gg AS SELECT cdp.gamma_gamma_fit(frequency, zbar) AS m FROM cdnow;
SELECT round((m->>'p')::numeric, 2) AS p, round((m->>'q')::numeric, 2) AS q, round((m->>'v')::numeric, 2) AS v,
       round((m->>'log_likelihood')::numeric, 2) AS log_likelihood, m->'converged' AS converged
  FROM gg;
-- Expected average profit of customers 1 to 3: 24.65, 18.91, 35.17.
SELECT c.id, round(cdp.gamma_gamma_expected_value(m, c.frequency, c.zbar)::numeric, 2) AS expected_value
  FROM gg, cdnow c WHERE c.id <= 3 ORDER BY c.id;

-- Lifetime value: with no discount it is the expected spend times the
-- purchases expected over the whole horizon; a discount lowers it; no
-- months, no value; months of 30 days are the default unit.
SELECT round(cdp.customer_lifetime_value(b.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0, 4.345)::numeric, 6)
         = round((cdp.gamma_gamma_expected_value(g.m, 2, 22.35)
                  * cdp.bgnbd_expected_purchases(b.m, 12 * 4.345, 2, 30.43, 38.86))::numeric, 6) AS telescopes,
       cdp.customer_lifetime_value(b.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01, 4.345)
         < cdp.customer_lifetime_value(b.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0, 4.345) AS discounted,
       cdp.customer_lifetime_value(b.m, g.m, 2, 30.43, 38.86, 22.35, 0) AS no_months,
       round(cdp.customer_lifetime_value(b.m, g.m, 2, 30.43, 38.86, 22.35, 12, 0.01, 4.345)::numeric, 2) AS clv_12_months
  FROM bgnbd b, gg g;

-- Logistic regression: R glm(am ~ hp + wt, binomial, mtcars): 18.86630,
-- 0.03626, -8.08348 (std. errors 7.44356, 0.01773, 3.06868), LL -5.02956.
CREATE TEMP TABLE mtcars_lines (line text);
\copy mtcars_lines FROM 'test/data/predictive/mtcars.csv' WITH (FORMAT text)
CREATE TEMP TABLE mtcars AS
SELECT f[10] = '1' AS am, f[5]::float8 AS hp, f[7]::float8 AS wt
  FROM (SELECT string_to_array(line, ',') AS f FROM mtcars_lines WHERE line NOT LIKE 'model,%') s;
CREATE TEMP TABLE glm AS SELECT cdp.logistic_fit(am, ARRAY[hp, wt]) AS m FROM mtcars;
SELECT ARRAY(SELECT round(c::numeric, 5) FROM jsonb_array_elements_text(m->'coefficients') c) AS coefficients,
       ARRAY(SELECT round(c::numeric, 5) FROM jsonb_array_elements_text(m->'std_errors') c) AS std_errors,
       round((m->>'log_likelihood')::numeric, 5) AS log_likelihood, m->'converged' AS converged
  FROM glm;
SELECT round(cdp.logistic_predict(m, ARRAY[110, 2.62])::numeric, 4) AS mazda_rx4 FROM glm;
-- MADlib's patients example: -6.36347, -1.02411, 0.11904.
CREATE TEMP TABLE patients_lines (line text);
\copy patients_lines FROM 'test/data/predictive/patients.csv' WITH (FORMAT text)
SELECT ARRAY(SELECT round(c::numeric, 5) FROM jsonb_array_elements_text(m->'coefficients') c) AS coefficients,
       round((m->>'log_likelihood')::numeric, 5) AS log_likelihood
  FROM (SELECT cdp.logistic_fit(f[2] = '1', ARRAY[f[3]::float8, f[4]::float8]) AS m
          FROM (SELECT string_to_array(line, ',') AS f FROM patients_lines WHERE line NOT LIKE 'id,%') s) x;
-- An L2 penalty shrinks the coefficients.
SELECT abs((a.m->'coefficients'->>2)::float8) < abs((g.m->'coefficients'->>2)::float8) AS shrunk
  FROM glm g, (SELECT cdp.logistic_fit(am, ARRAY[hp, wt], 1.0) AS m FROM mtcars) a;

-- Bad input: clear errors, documented NULLs, never NaN.
SELECT cdp.bgnbd_fit(frequency, recency, t) IS NULL AS no_rows_null FROM cdnow WHERE false;
SELECT cdp.gamma_gamma_fit(frequency, zbar) IS NULL AS no_repeat_null FROM cdnow WHERE frequency = 0;
SELECT cdp.bgnbd_fit(NULL::float8, recency, t) IS NULL AS null_rows_skipped FROM cdnow;
\set VERBOSITY sqlstate
SELECT cdp.bgnbd_fit(-1, 0, 1);
SELECT cdp.bgnbd_fit(1, 5, 2);
SELECT cdp.bgnbd_fit(1, 1, 0);
-- t = 0 is a customer acquired just now (frequency 0): alive, and the
-- expectation is the limit of t -> 0.
SELECT cdp.bgnbd_p_alive(m, 0, 0, 0) AS acquired_now_alive,
       round(cdp.bgnbd_expected_purchases(m, 52, 0, 0, 0)::numeric, 6)
         = round(cdp.bgnbd_expected_purchases(m, 52, 0, 0, 1e-9)::numeric, 6) AS continuous
  FROM (SELECT '{"r": 0.2426, "alpha": 4.414, "a": 0.793, "b": 2.426}'::jsonb AS m) s;
SELECT cdp.bgnbd_fit(1, 'NaN', 2);
SELECT cdp.gamma_gamma_fit(2, 0);
SELECT cdp.bgnbd_p_alive('{"r": 1}', 1, 1, 2);
SELECT cdp.bgnbd_p_alive('{"r": -1, "alpha": 1, "a": 1, "b": 1}', 1, 1, 2);
SELECT cdp.gamma_gamma_expected_value('{"p": 1, "q": 0.5, "v": 1}', 1, 1);
SELECT cdp.logistic_fit(y, ARRAY[x]) FROM (VALUES (true, 1.0::float8), (true, 2.0)) v(y, x);
SELECT cdp.logistic_fit(y, ARRAY[x, 1.0]) FROM (VALUES (true, 1.0::float8), (false, 2.0), (true, 3.0), (false, 0.5)) v(y, x);
SELECT cdp.logistic_fit(y, x) FROM (VALUES (true, ARRAY[1.0::float8]), (false, ARRAY[1.0, 2.0])) v(y, x);
SELECT cdp.logistic_predict('{"coefficients": [1, 2]}', ARRAY[1.0, 2.0]);
\set VERBOSITY default
-- A constant feature works with a penalty; perfect separation warns and
-- says it did not converge.
SELECT jsonb_array_length(cdp.logistic_fit(y, ARRAY[x, 1.0], 1.0)->'coefficients') AS penalised
  FROM (VALUES (true, 1.0::float8), (false, 2.0), (true, 3.0), (false, 0.5)) v(y, x);
SET client_min_messages = warning;
SELECT m->'converged' AS converged FROM (SELECT cdp.logistic_fit(x > 2, ARRAY[x]) AS m
  FROM generate_series(1, 4) x(x)) s;
-- A single customer still fits (a degenerate model, but finite numbers).
SELECT (m->>'r')::float8 > 0 AS finite FROM (SELECT cdp.bgnbd_fit(2, 10, 20) AS m) s;

-- From raw transactions, not a prepared summary: CDNOW's 6,919
-- purchases ingested as events, summarised by cdp.purchase_summary with
-- the calibration period ending 1997-09-30, in weeks; the summary is the
-- published one, customer by customer, and so is the fit.
\set regress_db :DBNAME
DROP DATABASE IF EXISTS cdp_scoring_test;
CREATE DATABASE cdp_scoring_test;
\c cdp_scoring_test
CREATE EXTENSION cdp;
SET client_min_messages = warning;
SELECT cdp.create_source('cdnow') > 0 AS source;
CREATE TEMP TABLE raw_lines (line text);
\copy raw_lines FROM 'test/data/predictive/CDNOW_sample.txt' WITH (FORMAT text)
CREATE TEMP TABLE raw AS
SELECT n, f[2]::int AS customer, to_date(f[3], 'YYYYMMDD') AS day, f[5]::numeric AS revenue
  FROM (SELECT row_number() OVER () AS n, regexp_split_to_array(btrim(rtrim(line, E'\r')), '\s+') AS f
          FROM raw_lines) s;
SELECT count(*) AS transactions, count(DISTINCT customer) AS customers FROM raw;
SELECT cdp.ingest_batch('cdnow', (SELECT jsonb_agg(jsonb_build_object(
           'type', 'track', 'event', 'Order Completed', 'userId', 'cdnow-' || customer, 'messageId', 'cdnow-' || n,
           'timestamp', to_char(day, 'YYYY-MM-DD') || 'T12:00:00Z', 'properties', jsonb_build_object('revenue', revenue)))
         FROM raw)) AS ingested;
CREATE TEMP TABLE published_lines (line text);
\copy published_lines FROM 'test/data/predictive/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT text)
CREATE TEMP TABLE published AS
SELECT f[1]::int AS id, f[2]::float8 AS frequency, f[3]::float8 AS recency, f[4]::float8 AS t, f[5]::float8 AS zbar
  FROM (SELECT string_to_array(rtrim(line, E'\r'), ',') AS f FROM published_lines WHERE line NOT LIKE 'ID,%') s;
CREATE TEMP TABLE summary AS
SELECT cdp.ident_value(i.ident) AS who, s.*
  FROM cdp.purchase_summary('1997-09-30', time_unit => '7 days') s
  JOIN cdp.identities i ON i.profile_id = s.profile_id;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE s.frequency = p.frequency AND round(s.recency::numeric, 2) = p.recency::numeric
                          AND round(s.t::numeric, 2) = p.t::numeric
                          AND round(s.monetary::numeric, 2) = p.zbar::numeric) AS as_published
  FROM published p LEFT JOIN summary s ON s.who = 'cdnow-' || p.id;
SELECT round((m->>'r')::numeric, 4) AS r, round((m->>'alpha')::numeric, 3) AS alpha,
       round((m->>'a')::numeric, 3) AS a, round((m->>'b')::numeric, 3) AS b,
       round((m->>'log_likelihood')::numeric, 1) AS log_likelihood
  FROM (SELECT cdp.bgnbd_fit(frequency, recency, t) AS m FROM summary) x;
-- A calibration date before every purchase: nothing to fit (NULL).
SELECT cdp.bgnbd_fit(frequency, recency, t) IS NULL AS nothing_before
  FROM cdp.purchase_summary('1996-01-01', time_unit => '7 days');
\c :regress_db
DROP DATABASE cdp_scoring_test;
