-- Predictive models fitted in C (src/scoring/): aggregates that fit a
-- model to their rows and return it as jsonb, like PostgreSQL's regr_*,
-- and the functions that score with a fitted model.  Times are in any
-- unit (weeks, days), the same for every argument and the horizon.

CREATE FUNCTION cdp.bgnbd_fit_step(internal, float8, float8, float8) RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_bgnbd_fit_step';
CREATE FUNCTION cdp.bgnbd_fit_final(internal) RETURNS jsonb
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_bgnbd_fit_final';
CREATE AGGREGATE cdp.bgnbd_fit(frequency float8, recency float8, t float8) (
    SFUNC = cdp.bgnbd_fit_step, STYPE = internal, FINALFUNC = cdp.bgnbd_fit_final);
COMMENT ON AGGREGATE cdp.bgnbd_fit(float8, float8, float8) IS
    'BG/NBD by maximum likelihood over customers (repeat purchases, time of the last, time observed): {r, alpha, a, b, log_likelihood, iterations, converged}';

CREATE FUNCTION cdp.bgnbd_p_alive(model jsonb, frequency float8, recency float8, t float8) RETURNS float8
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_bgnbd_p_alive';
COMMENT ON FUNCTION cdp.bgnbd_p_alive(jsonb, float8, float8, float8) IS
    'the probability that a customer is still alive, under a BG/NBD model';
CREATE FUNCTION cdp.bgnbd_expected_purchases(model jsonb, horizon float8, frequency float8, recency float8,
                                             t float8) RETURNS float8
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_bgnbd_expected_purchases';
COMMENT ON FUNCTION cdp.bgnbd_expected_purchases(jsonb, float8, float8, float8, float8) IS
    'the purchases a customer is expected to make in the next horizon, under a BG/NBD model';

CREATE FUNCTION cdp.gamma_gamma_fit_step(internal, float8, float8) RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_gamma_gamma_fit_step';
CREATE FUNCTION cdp.gamma_gamma_fit_final(internal) RETURNS jsonb
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_gamma_gamma_fit_final';
CREATE AGGREGATE cdp.gamma_gamma_fit(frequency float8, monetary float8) (
    SFUNC = cdp.gamma_gamma_fit_step, STYPE = internal, FINALFUNC = cdp.gamma_gamma_fit_final);
COMMENT ON AGGREGATE cdp.gamma_gamma_fit(float8, float8) IS
    'Gamma-Gamma spend model by maximum likelihood over customers with repeat purchases: {p, q, v, log_likelihood, iterations, converged}';

CREATE FUNCTION cdp.gamma_gamma_expected_value(model jsonb, frequency float8, monetary float8) RETURNS float8
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_gamma_gamma_expected_value';
COMMENT ON FUNCTION cdp.gamma_gamma_expected_value(jsonb, float8, float8) IS
    'a customer''s expected mean spend per transaction, under a Gamma-Gamma model';

CREATE FUNCTION cdp.logistic_fit_step(internal, boolean, float8[], float8) RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_logistic_fit_step';
CREATE FUNCTION cdp.logistic_fit_step(internal, boolean, float8[]) RETURNS internal
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_logistic_fit_step_default';
CREATE FUNCTION cdp.logistic_fit_final(internal) RETURNS jsonb
    LANGUAGE c CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_logistic_fit_final';
-- Aggregates take no default arguments: logistic_fit(y, x) is l2 = 0.
CREATE AGGREGATE cdp.logistic_fit(y boolean, x float8[], l2 float8) (
    SFUNC = cdp.logistic_fit_step, STYPE = internal, FINALFUNC = cdp.logistic_fit_final);
CREATE AGGREGATE cdp.logistic_fit(y boolean, x float8[]) (
    SFUNC = cdp.logistic_fit_step, STYPE = internal, FINALFUNC = cdp.logistic_fit_final);
COMMENT ON AGGREGATE cdp.logistic_fit(boolean, float8[], float8) IS
    'logistic regression of y on x with an intercept, L2 penalty l2 on the other coefficients (IRLS): {coefficients, std_errors, log_likelihood, iterations, converged, ...}';
COMMENT ON AGGREGATE cdp.logistic_fit(boolean, float8[]) IS
    'logistic regression of y on x with an intercept (IRLS), unpenalised';

CREATE FUNCTION cdp.logistic_predict(model jsonb, x float8[]) RETURNS float8
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_logistic_predict';
COMMENT ON FUNCTION cdp.logistic_predict(jsonb, float8[]) IS
    'the probability of y under a logistic_fit model';

-- What the purchase models read, per profile, from raw events: the
-- purchases (track events named event) on or before calibration_end, one
-- per day (UTC) however many that day; frequency is the days of purchase
-- after the first, recency the time from the first to the last, t from
-- the first to calibration_end, in time_unit (days by default; '7 days'
-- for weeks), and monetary the mean of the repeat days' totals of the
-- revenue property (purchases without it count, their revenue does not;
-- 0 without repeat days).  Profiles with no purchase by then are left out.
CREATE FUNCTION cdp.purchase_summary(calibration_end date, event text DEFAULT 'Order Completed',
                                     revenue_property text DEFAULT 'revenue',
                                     time_unit interval DEFAULT '1 day')
RETURNS TABLE (profile_id bigint, frequency float8, recency float8, t float8, monetary float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH purchases AS (
        SELECT i.profile_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day,
               sum(CASE WHEN jsonb_typeof(e.payload->'properties'->revenue_property) = 'number'
                        THEN (e.payload->'properties'->>revenue_property)::float8 END) AS revenue
          FROM cdp.events e
          JOIN cdp.identities i ON i.ident = e.anchor
         WHERE e.type = 'track' AND e.event = purchase_summary.event
           AND e.occurred_at < (calibration_end + 1)::timestamp AT TIME ZONE 'UTC'
         GROUP BY 1, 2),
    firsts AS (
        SELECT p.profile_id, min(p.day) AS first_day FROM purchases p GROUP BY 1)
    SELECT p.profile_id, (count(*) - 1)::float8,
           (max(p.day) - f.first_day) / (extract(epoch FROM time_unit) / 86400),
           (calibration_end - f.first_day) / (extract(epoch FROM time_unit) / 86400),
           coalesce(avg(p.revenue) FILTER (WHERE p.day > f.first_day), 0)
      FROM purchases p JOIN firsts f ON f.profile_id = p.profile_id
     GROUP BY p.profile_id, f.first_day
$$;
COMMENT ON FUNCTION cdp.purchase_summary(date, text, text, interval) IS
    'frequency, recency, t and monetary per profile from purchase events up to calibration_end: the input of bgnbd_fit and gamma_gamma_fit';
REVOKE ALL ON FUNCTION cdp.purchase_summary(date, text, text, interval) FROM PUBLIC;

-- Customer lifetime value as lifetimes computes it: the expected spend
-- per purchase (Gamma-Gamma) times the purchases expected in each month
-- (BG/NBD), discounted per month, over months months.  The models' time
-- unit is given as periods per month (30 for days, 4.345 for weeks).
CREATE FUNCTION cdp.customer_lifetime_value(bgnbd jsonb, gamma_gamma jsonb, frequency float8, recency float8,
                                            t float8, monetary float8, months integer DEFAULT 12,
                                            monthly_discount float8 DEFAULT 0.01,
                                            periods_per_month float8 DEFAULT 30)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.gamma_gamma_expected_value(gamma_gamma, frequency, monetary)
           * coalesce(sum((cdp.bgnbd_expected_purchases(bgnbd, i * periods_per_month, frequency, recency, t)
                           - cdp.bgnbd_expected_purchases(bgnbd, (i - 1) * periods_per_month, frequency,
                                                          recency, t))
                          / (1 + monthly_discount) ^ i), 0)
      FROM generate_series(1, months) AS i
$$;
COMMENT ON FUNCTION cdp.customer_lifetime_value(jsonb, jsonb, float8, float8, float8, float8, integer, float8, float8) IS
    'expected spend over the next months months, discounted monthly: Gamma-Gamma value times BG/NBD purchases per month';
