-- Fitting a score model as of a calibration date: what it learns is
-- stored in cdp.score_models.fitted (and returned), with diagnostics on
-- data the fit did not see.

-- The model of that name, locked for the rest of the transaction.
CREATE FUNCTION cdp.lock_score_model(name text) RETURNS cdp.score_models
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m cdp.score_models;
BEGIN
    SELECT * INTO m FROM cdp.score_models s WHERE s.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'score model "%" does not exist', left($1, 64) USING ERRCODE = 'undefined_object';
    END IF;
    RETURN m;
END
$$;
REVOKE ALL ON FUNCTION cdp.lock_score_model(text) FROM PUBLIC;

-- The CLV horizon in whole months (at least 1) of equal length in days.
CREATE FUNCTION cdp.clv_months(horizon_days integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN greatest(1, round(horizon_days / 30.4375))::integer;
REVOKE ALL ON FUNCTION cdp.clv_months(integer) FROM PUBLIC;

-- BG/NBD over the customers with a purchase before calibration_end (t > 0:
-- one first seen that day tells nothing of a rate), Gamma-Gamma over the
-- repeat customers, the RFM quintile cut points, and, when days after
-- calibration_end have passed, the purchases predicted and made in them
-- (up to the horizon) by the calibration's customers.
CREATE FUNCTION cdp.fit_purchase_model(m cdp.score_models, calibration_end date) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    spec jsonb := m.spec;
    fit record;
    gg jsonb;
    holdout jsonb;
    later integer := least((spec->>'horizon_days')::integer,
                           cdp.score_day(cdp.segment_now()) - calibration_end);
BEGIN
    SELECT count(*) AS customers, count(*) FILTER (WHERE h.frequency > 0) AS repeat_customers,
           cdp.bgnbd_fit(h.frequency, h.recency, h.t) FILTER (WHERE h.t > 0) AS bgnbd,
           cdp.gamma_gamma_fit(h.frequency, h.monetary) FILTER (WHERE h.monetary > 0) AS gamma_gamma,
           percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY h.days_since_last) AS recency_cuts,
           percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY h.purchase_days) AS frequency_cuts,
           percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY h.revenue) AS monetary_cuts,
           min(h.days_since_last) AS quiet_days,
           array_agg(h.profile_id) AS ids, array_agg(h.frequency) AS fs, array_agg(h.recency) AS rs,
           array_agg(h.t) AS ts
      INTO fit
      FROM cdp.purchase_history(calibration_end, spec->>'event', spec->>'revenue_property', NULL) h;
    IF fit.bgnbd IS NULL THEN
        RAISE EXCEPTION 'no purchases before the calibration end to fit model "%" on', left(m.name, 64)
            USING ERRCODE = 'no_data_found',
                  HINT = format('The model counts track events named %s on or before %s (UTC).',
                                spec->'event', to_char(calibration_end, 'YYYY-MM-DD'));
    END IF;
    IF fit.quiet_days > 30 THEN
        RAISE WARNING 'the last purchase is % days before the calibration end of model "%"', fit.quiet_days,
                      left(m.name, 64)
            USING DETAIL = 'Everyone looks inactive: if the data end earlier, calibrate at their end.';
    END IF;
    IF NOT (fit.bgnbd->>'converged')::boolean THEN
        RAISE WARNING 'the BG/NBD fit of model "%" did not converge', left(m.name, 64);
    END IF;
    gg := fit.gamma_gamma;
    IF gg IS NULL OR (gg->>'q')::float8 <= 1 THEN
        RAISE WARNING 'model "%" has no spend model: expected_order_value and CLV are not scored', left(m.name, 64)
            USING DETAIL = CASE WHEN gg IS NULL THEN 'No repeat customer has revenue.'
                                ELSE 'Gamma-Gamma fitted q <= 1, which has no finite expected value.' END;
        gg := NULL;
    END IF;
    IF later > 0 THEN
        -- The calibration's customers as the fit saw them, and the days
        -- they bought on after it.
        SELECT jsonb_build_object('days', later, 'customers', cardinality(fit.ids),
                                  'predicted', round((SELECT sum(cdp.bgnbd_expected_purchases(fit.bgnbd, later, c.f,
                                                                                              c.r, c.t))
                                                        FROM unnest(fit.fs, fit.rs, fit.ts) c(f, r, t))::numeric, 2),
                                  'actual', count(DISTINCT (i.profile_id, cdp.score_day(e.occurred_at))))
          INTO holdout
          FROM cdp.events e JOIN cdp.identities i ON i.ident OPERATOR(cdp.=) e.anchor
         WHERE e.type = 'track' AND e.event = spec->>'event'
           AND e.occurred_at >= (calibration_end + 1)::timestamp AT TIME ZONE 'UTC'
           AND e.occurred_at < (calibration_end + 1 + later)::timestamp AT TIME ZONE 'UTC'
           AND i.profile_id = ANY (fit.ids);
    END IF;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'calibration_end', calibration_end, 'customers', fit.customers, 'repeat_customers', fit.repeat_customers,
        'bgnbd', fit.bgnbd, 'gamma_gamma', gg,
        'rfm', jsonb_build_object('recency_days', to_jsonb(fit.recency_cuts),
                                  'purchase_days', to_jsonb(fit.frequency_cuts),
                                  'revenue', to_jsonb(fit.monetary_cuts)),
        'holdout', holdout));
END
$$;
REVOKE ALL ON FUNCTION cdp.fit_purchase_model(cdp.score_models, date) FROM PUBLIC;

-- The window a propensity label looks at after cutoff: from the start of
-- the next day (UTC) for within.
CREATE FUNCTION cdp.label_window(label jsonb, cutoff date, OUT starts timestamptz, OUT ends timestamptz)
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (cutoff + 1)::timestamp AT TIME ZONE 'UTC',
           ((cutoff + 1)::timestamp + (label->>'within')::interval) AT TIME ZONE 'UTC'
$$;
REVOKE ALL ON FUNCTION cdp.label_window(jsonb, date) FROM PUBLIC;

-- Logistic regression of the label on the features as of cutoff, fitted
-- on four fifths of the profiles (by a hash of the id) and judged on the
-- fifth held out: AUC, Brier score and calibration by decile of the
-- predicted probability.
CREATE FUNCTION cdp.fit_propensity_model(m cdp.score_models, cutoff date) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    label jsonb := m.spec->'label';
    w record;
    fit record;
BEGIN
    w := cdp.label_window(label, cutoff);
    IF w.ends > cdp.segment_now() THEN
        RAISE EXCEPTION 'the label window of model "%" after % has not ended', left(m.name, 64),
                        to_char(cutoff, 'YYYY-MM-DD')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Fit it as of %s or earlier.',
                                to_char(cdp.score_day(cdp.segment_now() - (label->>'within')::interval) - 1,
                                        'YYYY-MM-DD'));
    END IF;
    WITH f AS MATERIALIZED (
        SELECT * FROM cdp.feature_rows(m.owner, m.spec->>'features', cutoff, NULL)),
    happened AS (
        SELECT DISTINCT i.profile_id
          FROM cdp.events e JOIN cdp.identities i ON i.ident OPERATOR(cdp.=) e.anchor
         WHERE e.type = label->>'type' AND e.event = label->>'event'
           AND e.occurred_at >= w.starts AND e.occurred_at < w.ends),
    labelled AS MATERIALIZED (
        SELECT f.profile_id, f.x, (h.profile_id IS NOT NULL) = (label->>'occurs')::boolean AS y,
               hashint8(f.profile_id) % 5 = 0 AS held_out
          FROM f LEFT JOIN happened h ON h.profile_id = f.profile_id
         WHERE cdp.usable_features(f.x)),
    model AS (
        SELECT cdp.logistic_fit(l.y, l.x, (m.spec->>'l2')::float8) FILTER (WHERE NOT l.held_out) AS model,
               count(*) FILTER (WHERE NOT l.held_out) AS n, count(*) FILTER (WHERE NOT l.held_out AND l.y) AS positives,
               count(*) - count(DISTINCT l.profile_id) AS repeated
          FROM labelled l),
    scored AS (
        SELECT l.y, cdp.logistic_predict(model.model, l.x) AS p FROM labelled l, model WHERE l.held_out),
    ties AS (
        SELECT s.p, count(*) FILTER (WHERE s.y) AS pos, count(*) FILTER (WHERE NOT s.y) AS neg
          FROM scored s GROUP BY s.p),
    below AS (
        SELECT t.pos, t.neg, coalesce(sum(t.neg) OVER (ORDER BY t.p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                             AS neg_below
          FROM ties t),
    deciles AS (
        SELECT d.bin, count(*) AS n, avg(d.p) AS predicted, avg(d.y::int) AS observed
          FROM (SELECT s.*, ntile(10) OVER (ORDER BY s.p) AS bin FROM scored s) d GROUP BY d.bin)
    SELECT model.model, model.n, model.positives, model.repeated,
           (SELECT count(*) FROM scored) AS held_out,
           (SELECT count(*) FILTER (WHERE s.y) FROM scored s) AS held_out_positives,
           (SELECT sum(b.pos * (b.neg_below + 0.5 * b.neg)) / nullif(sum(b.pos) * sum(b.neg), 0) FROM below b) AS auc,
           (SELECT avg((s.p - s.y::int) ^ 2) FROM scored s) AS brier,
           (SELECT jsonb_agg(jsonb_build_object('decile', d.bin, 'profiles', d.n,
                                                'predicted', round(d.predicted::numeric, 4),
                                                'observed', round(d.observed, 4)) ORDER BY d.bin)
              FROM deciles d) AS calibration
      INTO fit FROM model;
    IF fit.repeated > 0 THEN
        RAISE EXCEPTION 'the feature query of model "%" returns a profile more than once', left(m.name, 64)
            USING ERRCODE = 'cardinality_violation';
    END IF;
    IF fit.model IS NULL THEN
        RAISE EXCEPTION 'the feature query of model "%" returned no profile with features as of %',
                        left(m.name, 64), to_char(cutoff, 'YYYY-MM-DD')
            USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT (fit.model->>'converged')::boolean THEN
        RAISE EXCEPTION 'the logistic regression of model "%" did not converge', left(m.name, 64)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Features that separate the label perfectly have no finite fit: give the model an L2 penalty (l2 => 1).';
    END IF;
    IF fit.auc IS NULL THEN
        RAISE WARNING 'model "%" has no AUC: its held-out profiles are all of one label', left(m.name, 64);
    END IF;
    RETURN jsonb_build_object(
        'calibration_end', cutoff,
        'label_window', jsonb_build_array(to_char(w.starts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                          to_char(w.ends AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
        'training', jsonb_build_object('profiles', fit.n, 'positives', fit.positives),
        'model', fit.model,
        'holdout', jsonb_build_object('profiles', fit.held_out, 'positives', fit.held_out_positives,
                                      'auc', round(fit.auc::numeric, 4), 'brier', round(fit.brier::numeric, 4),
                                      'calibration', coalesce(fit.calibration, '[]')));
END
$$;
REVOKE ALL ON FUNCTION cdp.fit_propensity_model(cdp.score_models, date) FROM PUBLIC;

CREATE FUNCTION cdp.fit_score_model(name text, calibration_end date DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m cdp.score_models := cdp.lock_score_model(name);
    result jsonb;
BEGIN
    IF calibration_end IS NULL THEN
        -- The latest day whose data is complete enough: today for purchase
        -- models, the last cutoff whose label window has ended otherwise.
        calibration_end := CASE m.kind
            WHEN 'purchase' THEN cdp.score_day(cdp.segment_now())
            ELSE cdp.score_day(cdp.segment_now() - (m.spec->'label'->>'within')::interval) - 1 END;
    END IF;
    IF calibration_end > cdp.score_day(cdp.segment_now()) THEN
        RAISE EXCEPTION 'the calibration end % is after today (%)', to_char(calibration_end, 'YYYY-MM-DD'),
                        to_char(cdp.score_day(cdp.segment_now()), 'YYYY-MM-DD')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Today is the day (UTC) of cdp.segment_now(): the days after it have no data yet.';
    END IF;
    result := CASE m.kind WHEN 'purchase' THEN cdp.fit_purchase_model(m, calibration_end)
                          ELSE cdp.fit_propensity_model(m, calibration_end) END;
    -- The first fitted model starts the log of changed profiles.
    PERFORM cdp.hold_stitching();
    UPDATE cdp.score_models s
       SET fitted = result, fitted_at = now(),
           refreshed_snapshot = NULL, refreshed_xid = NULL, refreshed_seq = NULL, evaluated_at = NULL
     WHERE s.model_id = m.model_id;
    RETURN result;
END
$$;
COMMENT ON FUNCTION cdp.fit_score_model(text, date) IS
    'fits a score model on the data up to calibration_end and stores it; returns its parameters and diagnostics; score with cdp.score_profiles()';
REVOKE ALL ON FUNCTION cdp.fit_score_model(text, date) FROM PUBLIC;
