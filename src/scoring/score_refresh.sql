-- Scoring profiles with a fitted model into cdp.profiles.computed, in full
-- or for the profiles changed since the last scoring, and explaining one
-- profile's scores.  Scores are as of the day (UTC) of cdp.segment_now().

-- Raises unless the model (NULL: none of that name) exists and is fitted.
CREATE FUNCTION cdp.require_fitted(m cdp.score_models, name text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF m.model_id IS NULL THEN
        RAISE EXCEPTION 'score model "%" does not exist', left(name, 64) USING ERRCODE = 'undefined_object';
    END IF;
    IF m.fitted IS NULL THEN
        RAISE EXCEPTION 'score model "%" is not fitted', left(name, 64)
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Fit it with cdp.fit_score_model().';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cdp.require_fitted(cdp.score_models, text) FROM PUBLIC;

-- The scores of a purchase model for profiles (NULL: everyone with a
-- purchase) as of a day: profile_id and an object of the model's outputs.
CREATE FUNCTION cdp.purchase_scores(m cdp.score_models, as_of date, profile_ids bigint[])
    RETURNS TABLE (profile_id bigint, scores jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.profile_id, jsonb_strip_nulls(jsonb_build_object(
               m.outputs[1], round(cdp.bgnbd_p_alive(bg, s.frequency, s.recency, s.t)::numeric, 6),
               m.outputs[2], round(cdp.bgnbd_expected_purchases(bg, horizon, s.frequency, s.recency, s.t)::numeric, 4),
               m.outputs[3], round(cdp.gamma_gamma_expected_value(gg, s.frequency, s.monetary)::numeric, 2),
               m.outputs[4], round(cdp.customer_lifetime_value(bg, gg, s.frequency, s.recency, s.t, s.monetary,
                                                               cdp.clv_months(horizon),
                                                               (m.spec->>'monthly_discount')::float8,
                                                               horizon::float8 / cdp.clv_months(horizon))::numeric, 2),
               m.outputs[5], s.r_score,
               m.outputs[6], s.f_score,
               m.outputs[7], cdp.quintile_score(s.revenue, rfm.m),
               m.outputs[8], cdp.rfm_segment(s.r_score, s.f_score)))
      FROM (SELECT m.fitted->'bgnbd' AS bg, m.fitted->'gamma_gamma' AS gg,
                   (m.spec->>'horizon_days')::integer AS horizon,
                   ARRAY(SELECT jsonb_array_elements_text(m.fitted->'rfm'->'recency_days'))::float8[] AS r,
                   ARRAY(SELECT jsonb_array_elements_text(m.fitted->'rfm'->'purchase_days'))::float8[] AS f,
                   ARRAY(SELECT jsonb_array_elements_text(m.fitted->'rfm'->'revenue'))::float8[] AS m) rfm,
           LATERAL (SELECT h.*, 6 - cdp.quintile_score(h.days_since_last, rfm.r) AS r_score,
                           cdp.quintile_score(h.purchase_days, rfm.f) AS f_score
                      FROM cdp.purchase_history(as_of, m.spec->>'event', m.spec->>'revenue_property',
                                                profile_ids) h) s
$$;
REVOKE ALL ON FUNCTION cdp.purchase_scores(cdp.score_models, date, bigint[]) FROM PUBLIC;

-- The score of a propensity model for profiles (NULL: everyone its
-- feature query returns with usable features) as of a day.
CREATE FUNCTION cdp.propensity_scores(m cdp.score_models, as_of date, profile_ids bigint[])
    RETURNS TABLE (profile_id bigint, scores jsonb)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT f.profile_id,
           jsonb_strip_nulls(jsonb_build_object(
               m.outputs[1], round(cdp.logistic_predict(m.fitted->'model', f.x)::numeric, 6)))
      FROM cdp.feature_rows(m.owner, m.spec->>'features', as_of, profile_ids) f
     WHERE cdp.usable_features(f.x)
$$;
REVOKE ALL ON FUNCTION cdp.propensity_scores(cdp.score_models, date, bigint[]) FROM PUBLIC;

-- Scores one model; returns how many profiles' scores changed.  In full
-- when asked, at the first scoring after a fit, when the day changed, or
-- when that is cheaper (cdp.refresh_candidates).
CREATE FUNCTION cdp.score_model_id(target integer, full_refresh boolean) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    m cdp.score_models;
    snap pg_snapshot;
    seen bigint;
    eval_at timestamptz := cdp.segment_now();
    candidates bigint[];
    changed bigint;
BEGIN
    SELECT * INTO m FROM cdp.score_models s WHERE s.model_id = target FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    PERFORM cdp.require_fitted(m, m.name);
    snap := cdp.refresh_snapshot();
    seen := cdp.own_changes_seen();
    candidates := cdp.refresh_candidates(m.kind, target,
                                         full_refresh OR cdp.score_day(eval_at) IS DISTINCT FROM cdp.score_day(m.evaluated_at),
                                         m.refreshed_snapshot, m.refreshed_xid, m.refreshed_seq, m.evaluated_at, eval_at);
    IF candidates IS NULL THEN
        PERFORM set_config('enable_nestloop', 'off', true);
    END IF;
    WITH fresh AS MATERIALIZED (
        SELECT * FROM cdp.purchase_scores(m, cdp.score_day(eval_at), candidates) WHERE m.kind = 'purchase'
        UNION ALL
        SELECT * FROM cdp.propensity_scores(m, cdp.score_day(eval_at), candidates) WHERE m.kind = 'propensity'),
    wanted AS (
        SELECT p.profile_id, (p.computed - m.outputs) || coalesce(f.scores, '{}') AS computed
          FROM cdp.profiles p LEFT JOIN fresh f ON f.profile_id = p.profile_id
         WHERE candidates IS NULL OR p.profile_id = ANY (candidates))
    UPDATE cdp.profiles p SET computed = w.computed
      FROM wanted w
     WHERE p.profile_id = w.profile_id AND p.computed IS DISTINCT FROM w.computed;
    GET DIAGNOSTICS changed = ROW_COUNT;
    UPDATE cdp.score_models s
       SET refreshed_snapshot = snap, refreshed_xid = pg_current_xact_id_if_assigned(),
           refreshed_seq = seen, refreshed_at = now(), evaluated_at = eval_at
     WHERE s.model_id = target;
    RETURN changed;
END
$$;
REVOKE ALL ON FUNCTION cdp.score_model_id(integer, boolean) FROM PUBLIC;

CREATE FUNCTION cdp.score_profiles(name text, "full" boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed bigint;
BEGIN
    IF $2 IS NULL THEN
        RAISE EXCEPTION 'cdp.score_profiles: full must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    changed := cdp.score_model_id((cdp.lock_score_model(name)).model_id, $2);
    PERFORM cdp.prune_profile_changes();
    RETURN changed;
END
$$;
COMMENT ON FUNCTION cdp.score_profiles(text, boolean) IS
    'brings a fitted model''s scores in cdp.profiles.computed up to date as of cdp.segment_now(); returns how many profiles'' scores changed';
REVOKE ALL ON FUNCTION cdp.score_profiles(text, boolean) FROM PUBLIC;

CREATE FUNCTION cdp.explain_score(name text, profile_id bigint) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m cdp.score_models;
    as_of date := cdp.score_day(cdp.segment_now());
    id bigint := cdp.current_profile_id($2);
    out jsonb;
BEGIN
    SELECT * INTO m FROM cdp.score_models s WHERE s.name = $1;
    PERFORM cdp.require_fitted(m, $1);
    IF m.kind = 'purchase' THEN
        SELECT jsonb_build_object(
                   'inputs', jsonb_build_object('frequency', h.frequency, 'recency', h.recency, 't', h.t,
                                                'monetary', round(h.monetary::numeric, 6),
                                                'days_since_last_purchase', h.days_since_last,
                                                'purchase_days', h.purchase_days,
                                                'revenue', round(h.revenue::numeric, 6)),
                   'bgnbd', m.fitted->'bgnbd', 'gamma_gamma', m.fitted->'gamma_gamma', 'rfm_cuts', m.fitted->'rfm',
                   'scores', s.scores)
          INTO out
          FROM cdp.purchase_history(as_of, m.spec->>'event', m.spec->>'revenue_property', ARRAY[id]) h,
               cdp.purchase_scores(m, as_of, ARRAY[id]) s;
    ELSE
        SELECT jsonb_build_object(
                   'features', to_jsonb(f.x),
                   'feature_names', m.spec->'feature_names',
                   'intercept', m.fitted->'model'->'coefficients'->0,
                   'contributions', (SELECT jsonb_agg(round(((m.fitted->'model'->'coefficients'->>(i::integer))::float8
                                                             * f.x[i])::numeric, 6) ORDER BY i)
                                       FROM generate_subscripts(f.x, 1) i),
                   'scores', s.scores)
          INTO out
          FROM cdp.feature_rows(m.owner, m.spec->>'features', as_of, ARRAY[id]) f,
               cdp.propensity_scores(m, as_of, ARRAY[id]) s;
    END IF;
    RETURN jsonb_build_object('model', m.name, 'kind', m.kind, 'as_of', as_of, 'profile_id', id,
                              'calibration_end', m.fitted->'calibration_end')
           || coalesce(out, jsonb_build_object('scores', '{}'::jsonb));
END
$$;
COMMENT ON FUNCTION cdp.explain_score(text, bigint) IS
    'a profile''s scores under a model, with the inputs and parameters they come from (for a propensity model, each feature''s contribution to the log-odds)';
REVOKE ALL ON FUNCTION cdp.explain_score(text, bigint) FROM PUBLIC;
