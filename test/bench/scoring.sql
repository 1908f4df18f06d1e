-- Predictive building blocks at scale (the scoring benchmark).
-- 1. BG/NBD and Gamma-Gamma fitted on 1M customers: CDNOW's 2,357
--    resampled, each joining on one of 60 days (so its age in days
--    differs) with its spend varied by up to 10%: about as many distinct
--    rows as day-granular data of 1M customers has.  Against a user's
--    SQL: one evaluation of the same likelihood in SQL (PostgreSQL 15
--    has no lgamma: for whole x, lgamma(r + x) - lgamma(r) is the sum of
--    log(r + k) for k < x), which a grid search would repeat per point.
-- 2. Scoring 1M customers: P(alive), expected purchases in 52 weeks and
--    expected spend, against P(alive) written in SQL.
-- 3. Logistic regression on 1M rows x 10 features drawn from a known
--    model: cdp.logistic_fit against batch gradient descent in PL/pgSQL
--    (one aggregate pass per step), timed for 20 steps.
\timing off
SET client_min_messages = warning;
SELECT setseed(0.42) IS NULL AS seeded;
CREATE TABLE cdnow (id int, frequency float8, recency float8, t float8, zbar float8);
CREATE TABLE cdnow_lines (line text);
\set data :top '/test/data/predictive/cdnow_customers_summary_with_transactions.csv'
COPY cdnow_lines FROM :'data' WITH (FORMAT text);
INSERT INTO cdnow
SELECT f[1]::int, f[2]::float8, f[3]::float8, f[4]::float8, f[5]::float8
  FROM (SELECT string_to_array(rtrim(line, E'\r'), ',') AS f FROM cdnow_lines WHERE line NOT LIKE 'ID,%') s;
CREATE TABLE customers AS
SELECT g AS customer_id, c.frequency, round(c.recency * 7) / 7 AS recency,
       (round(c.t * 7) + floor(random() * 60)) / 7 AS t,
       CASE WHEN c.frequency > 0 THEN round((c.zbar * (0.9 + 0.2 * random()))::numeric, 2)::float8 ELSE 0 END AS monetary
  FROM generate_series(1, 1000000) g
  JOIN cdnow c ON c.id = 1 + (g::bigint * 7919) % 2357;
ANALYZE customers;
SELECT count(*) AS customers, count(DISTINCT (frequency, recency, t)) AS distinct_rows FROM customers;

CREATE TABLE timings (what text, seconds float8, detail text);
CREATE FUNCTION timed(what text, query text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    result jsonb;
BEGIN
    EXECUTE query INTO result;
    INSERT INTO timings VALUES (what, extract(epoch FROM clock_timestamp() - t0), result::text);
    RETURN result;
END $$;

SELECT timed('bgnbd_fit, 1M customers',
             'SELECT cdp.bgnbd_fit(frequency, recency, t) FROM customers') IS NOT NULL AS fitted;
SELECT timed('gamma_gamma_fit, 1M customers',
             'SELECT cdp.gamma_gamma_fit(frequency, monetary) FROM customers') IS NOT NULL AS fitted;
-- One evaluation of the BG/NBD log-likelihood in SQL, at the fitted point.
SELECT timed('BG/NBD log-likelihood in SQL, one evaluation', $q$
    WITH p AS (SELECT (d->>'r')::float8 AS r, (d->>'alpha')::float8 AS alpha, (d->>'a')::float8 AS a,
                      (d->>'b')::float8 AS b
                 FROM (SELECT detail::jsonb AS d FROM timings WHERE what LIKE 'bgnbd_fit%') x)
    SELECT to_jsonb(sum(
             (SELECT coalesce(sum(ln(p.r + k) + ln(p.b + k) - ln(p.a + p.b + k)), 0)
                FROM generate_series(0, c.frequency::int - 1) k)
             + p.r * ln(p.alpha)
             + ln(exp(-(p.r + c.frequency) * ln(p.alpha + c.t))
                  + CASE WHEN c.frequency > 0
                         THEN exp(ln(p.a) - ln(p.b + c.frequency - 1) - (p.r + c.frequency) * ln(p.alpha + c.recency))
                         ELSE 0 END)))
      FROM customers c, p$q$) IS NOT NULL AS evaluated;

-- 2. Scoring.
SELECT timed('score 1M: p_alive + expected purchases 52 + expected spend', $q$
    SELECT to_jsonb(count(*)) FROM (
        SELECT cdp.bgnbd_p_alive(b, frequency, recency, t) AS p,
               cdp.bgnbd_expected_purchases(b, 52, frequency, recency, t) AS e,
               cdp.gamma_gamma_expected_value(g, frequency, monetary) AS v
          FROM customers,
               (SELECT detail::jsonb AS b FROM timings WHERE what LIKE 'bgnbd_fit%') x,
               (SELECT detail::jsonb AS g FROM timings WHERE what LIKE 'gamma_gamma_fit%') y) s
     WHERE p >= 0 AND e >= 0 AND v > 0$q$) IS NOT NULL AS scored;
SELECT timed('score 1M: p_alive only', $q$
    SELECT to_jsonb(sum(cdp.bgnbd_p_alive(b, frequency, recency, t)))
      FROM customers, (SELECT detail::jsonb AS b FROM timings WHERE what LIKE 'bgnbd_fit%') x$q$) IS NOT NULL AS scored;
SELECT timed('score 1M: p_alive in SQL', $q$
    SELECT to_jsonb(sum(CASE WHEN frequency = 0 THEN 1
                        ELSE 1 / (1 + exp((r + frequency) * ln((alpha + t) / (alpha + recency))
                                          + ln(a / (b + frequency - 1)))) END))
      FROM customers,
           (SELECT (d->>'r')::float8 AS r, (d->>'alpha')::float8 AS alpha, (d->>'a')::float8 AS a,
                   (d->>'b')::float8 AS b
              FROM (SELECT detail::jsonb AS d FROM timings WHERE what LIKE 'bgnbd_fit%') x) p$q$) IS NOT NULL AS scored;

-- 3. Logistic regression, 1M x 10, y drawn from a known model.
CREATE TABLE training AS
SELECT x, random() < 1 / (1 + exp(-(0.5 + 0.8 * x[1] - 0.6 * x[2] + 0.4 * x[3] - 0.2 * x[4] + 0.1 * x[5]))) AS y
  FROM (SELECT ARRAY(SELECT random() * 2 - 1 + 0 * g FROM generate_series(1, 10)) AS x
          FROM generate_series(1, 1000000) g) s;
SELECT timed('logistic_fit, 1M x 10', 'SELECT cdp.logistic_fit(y, x) FROM training') IS NOT NULL AS fitted;
CREATE FUNCTION gradient_descent(steps int, rate float8) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    beta float8[] := array_fill(0::float8, ARRAY[11]);
    grad float8[];
BEGIN
    FOR s IN 1 .. steps LOOP
        SELECT array_agg(g ORDER BY j) INTO grad
          FROM (SELECT u.j, avg(u.xj * (b.y::int - b.p)) AS g
                  FROM (SELECT t.y, t.x,
                               1 / (1 + exp(-(beta[1] + (SELECT sum(beta[k + 1] * t.x[k])
                                                           FROM generate_subscripts(t.x, 1) k)))) AS p
                          FROM training t) b,
                       LATERAL unnest(array_prepend(1::float8, b.x)) WITH ORDINALITY u(xj, j)
                 GROUP BY u.j) c;
        beta := ARRAY(SELECT beta[k] + rate * grad[k] FROM generate_series(1, 11) k);
    END LOOP;
    RETURN jsonb_build_object('coefficients', beta, 'steps', steps);
END $$;
SELECT timed('gradient descent in PL/pgSQL, 1M x 10, 2 steps', 'SELECT gradient_descent(2, 1.0)') IS NOT NULL AS ran;

\echo 'Predictive scoring on 1M customers / 1M rows x 10 features'
SELECT what, round(seconds::numeric, 2) AS seconds,
       CASE WHEN detail LIKE '{"a"%' OR detail LIKE '{"p"%' OR detail LIKE '{"l2"%' OR detail LIKE '{"n"%'
                 OR detail LIKE '{"std%' OR detail LIKE '{"coef%'
            THEN left(detail, 160) END AS result
  FROM timings ORDER BY what;
SELECT round(((SELECT seconds FROM timings WHERE what LIKE 'score 1M: p_alive in SQL')
              / (SELECT seconds FROM timings WHERE what = 'score 1M: p_alive only'))::numeric, 2) AS "p_alive: SQL / C",
       round(((SELECT seconds FROM timings WHERE what LIKE 'bgnbd_fit%')
              / (SELECT seconds FROM timings WHERE what LIKE 'BG/NBD log-likelihood in SQL%'))::numeric, 2)
         AS "cdp's whole BG/NBD fit, in SQL likelihood evaluations",
       round(((SELECT seconds / 2 FROM timings WHERE what LIKE 'gradient descent%')
              / (SELECT seconds FROM timings WHERE what LIKE 'logistic_fit%'))::numeric, 1)
         AS "one PL/pgSQL gradient step / cdp's whole logistic fit";
