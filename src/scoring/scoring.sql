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

-- Customer lifetime value as lifetimes computes it: the expected spend
-- per purchase (Gamma-Gamma) times the purchases expected in each month
-- (BG/NBD), discounted per month, over months months.  The models' time
-- unit is given as periods per month (30 for days, 4.345 for weeks).
CREATE FUNCTION cdp.customer_lifetime_value(bgnbd jsonb, gamma_gamma jsonb, frequency float8, recency float8,
                                            t float8, monetary float8, months integer DEFAULT 12,
                                            monthly_discount float8 DEFAULT 0.01,
                                            periods_per_month float8 DEFAULT 30)
RETURNS float8
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_customer_lifetime_value';
COMMENT ON FUNCTION cdp.customer_lifetime_value(jsonb, jsonb, float8, float8, float8, float8, integer, float8, float8) IS
    'expected spend over the next months months, discounted monthly: Gamma-Gamma value times BG/NBD purchases per month';
