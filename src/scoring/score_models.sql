-- Predictive models at the level of profiles: defined from a purchase
-- event (BG/NBD, Gamma-Gamma, RFM) or from a feature query and a label
-- (logistic regression), fitted as of a calibration date and stored in
-- cdp.score_models, their scores kept in cdp.profiles.computed like
-- computed traits and re-scored by the worker's scores job: the profiles
-- whose events or rows changed, and everyone when the day (UTC) of
-- cdp.segment_now() changes, since time alone moves these scores.

-- The day (UTC) scores are computed as of, and calibration dates count in.
CREATE FUNCTION cdp.score_day(at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (at AT TIME ZONE 'UTC')::date;
REVOKE ALL ON FUNCTION cdp.score_day(timestamptz) FROM PUBLIC;

-- Per profile, its purchases (track events named event) on or before
-- until (UTC days), one per day however many that day, as the purchase
-- models read them, in days: frequency (the days of purchase after the
-- first), recency (from the first to the last), t (from the first to
-- until), monetary (the mean of the repeat days' totals of the revenue
-- property; 0 without repeat days), the days since the last, the days of
-- purchase and the total revenue.  Only profiles among profile_ids unless
-- it is NULL.  Purchases without the property count, their revenue does
-- not.
CREATE FUNCTION cdp.purchase_history(until date, event text, revenue_property text, profile_ids bigint[])
RETURNS TABLE (profile_id bigint, frequency float8, recency float8, t float8, monetary float8,
               days_since_last float8, purchase_days float8, revenue float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH purchases AS (
        SELECT e.profile_id, cdp.score_day(e.occurred_at) AS day,
               sum(CASE WHEN jsonb_typeof(e.payload->'properties'->revenue_property) = 'number'
                        THEN (e.payload->'properties'->>revenue_property)::float8 END) AS revenue
          FROM (SELECT i.profile_id, e.occurred_at, e.payload
                  FROM cdp.events e JOIN cdp.identities i ON i.ident = e.anchor
                 WHERE profile_ids IS NULL
                   AND e.type = 'track' AND e.event = purchase_history.event
                   AND e.occurred_at < (until + 1)::timestamp AT TIME ZONE 'UTC'
                UNION ALL
                -- a few profiles: from their identifiers to their events
                SELECT i.profile_id, e.occurred_at, e.payload
                  FROM cdp.identities i JOIN cdp.events e ON e.anchor = i.ident
                 WHERE i.profile_id = ANY (profile_ids)
                   AND e.type = 'track' AND e.event = purchase_history.event
                   AND e.occurred_at < (until + 1)::timestamp AT TIME ZONE 'UTC') e
         GROUP BY 1, 2),
    firsts AS (
        SELECT p.profile_id, min(p.day) AS first_day FROM purchases p GROUP BY 1)
    SELECT p.profile_id, count(*) - 1, max(p.day) - f.first_day, until - f.first_day,
           coalesce(avg(p.revenue) FILTER (WHERE p.day > f.first_day), 0), until - max(p.day), count(*),
           coalesce(sum(p.revenue), 0)
      FROM purchases p JOIN firsts f ON f.profile_id = p.profile_id
     GROUP BY p.profile_id, f.first_day
$$;
REVOKE ALL ON FUNCTION cdp.purchase_history(date, text, text, bigint[]) FROM PUBLIC;

-- What the purchase models read, per profile, from raw events
-- (cdp.purchase_history up to calibration_end), with recency and t in
-- time_unit (days by default; '7 days' for weeks).  Profiles with no
-- purchase by then are left out.
CREATE FUNCTION cdp.purchase_summary(calibration_end date, event text DEFAULT 'Order Completed',
                                     revenue_property text DEFAULT 'revenue',
                                     time_unit interval DEFAULT '1 day')
RETURNS TABLE (profile_id bigint, frequency float8, recency float8, t float8, monetary float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.profile_id, h.frequency, h.recency / (extract(epoch FROM time_unit) / 86400),
           h.t / (extract(epoch FROM time_unit) / 86400), h.monetary
      FROM cdp.purchase_history(calibration_end, event, revenue_property, NULL) h
$$;
COMMENT ON FUNCTION cdp.purchase_summary(date, text, text, interval) IS
    'frequency, recency, t and monetary per profile from purchase events up to calibration_end: the input of bgnbd_fit and gamma_gamma_fit';
REVOKE ALL ON FUNCTION cdp.purchase_summary(date, text, text, interval) FROM PUBLIC;

-- The usual RFM segment of a recency and a frequency score (1 to 5 each,
-- 5 best: the most recent, the most frequent).
CREATE FUNCTION cdp.rfm_segment(recency_score integer, frequency_score integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF recency_score NOT BETWEEN 1 AND 5 OR frequency_score NOT BETWEEN 1 AND 5 THEN
        RAISE EXCEPTION 'RFM scores are from 1 to 5' USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    RETURN CASE
        WHEN recency_score <= 2 THEN
            CASE WHEN frequency_score <= 2 THEN 'hibernating'
                 WHEN frequency_score <= 4 THEN 'at_risk' ELSE 'cannot_lose_them' END
        WHEN recency_score = 3 THEN
            CASE WHEN frequency_score <= 2 THEN 'about_to_sleep'
                 WHEN frequency_score = 3 THEN 'need_attention' ELSE 'loyal' END
        WHEN frequency_score = 1 THEN
            CASE WHEN recency_score = 4 THEN 'promising' ELSE 'new_customers' END
        WHEN frequency_score <= 3 THEN 'potential_loyalists'
        WHEN recency_score = 4 THEN 'loyal'
        ELSE 'champions' END;
END
$$;
COMMENT ON FUNCTION cdp.rfm_segment(integer, integer) IS
    'the RFM segment (champions, loyal, potential_loyalists, new_customers, promising, need_attention, about_to_sleep, at_risk, cannot_lose_them, hibernating) of a recency and a frequency score';

-- The quintile score (1 to 5) of value among the four cut points cuts
-- (ascending): 1 + the cut points it exceeds.
CREATE FUNCTION cdp.quintile_score(value float8, cuts float8[]) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 1 + (SELECT count(*) FROM unnest(cuts) c WHERE value > c)::integer;
REVOKE ALL ON FUNCTION cdp.quintile_score(float8, float8[]) FROM PUBLIC;

-- Defining models ----------------------------------------------------------

-- Refuses outputs that a computed trait or another model already keeps.
CREATE FUNCTION cdp.check_score_outputs(model text, outputs text[]) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    taken text;
BEGIN
    IF EXISTS (SELECT 1 FROM cdp.score_models m WHERE m.name = model) THEN
        RAISE EXCEPTION 'score model "%" already exists', left(model, 64)
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cdp.drop_score_model().';
    END IF;
    SELECT o INTO taken FROM unnest(outputs) o
     WHERE o IN (SELECT c.name FROM cdp.computed_traits c)
        OR o IN (SELECT u FROM cdp.score_models m, unnest(m.outputs) u)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the computed key "%" is already kept by a computed trait or a score model', left(taken, 64)
            USING ERRCODE = 'duplicate_object', HINT = 'Give the model another output or prefix.';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(outputs) o WHERE length(o) > 128 OR o !~ '^[^[:cntrl:]]+$') THEN
        RAISE EXCEPTION 'an output name must be 1 to 128 characters without control characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cdp.check_score_outputs(text, text[]) FROM PUBLIC;

CREATE FUNCTION cdp.create_purchase_model(name text, event text DEFAULT 'Order Completed',
                                          revenue_property text DEFAULT 'revenue',
                                          horizon_days integer DEFAULT 365,
                                          monthly_discount float8 DEFAULT 0.01,
                                          prefix text DEFAULT '') RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    outputs text[];
    id integer;
BEGIN
    IF num_nulls(name, event, revenue_property, horizon_days, monthly_discount, prefix) > 0 THEN
        RAISE EXCEPTION 'cdp.create_purchase_model: no argument may be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF horizon_days NOT BETWEEN 1 AND 3650 THEN
        RAISE EXCEPTION 'horizon_days must be from 1 to 3650' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT monthly_discount BETWEEN 0 AND 1 THEN
        RAISE EXCEPTION 'monthly_discount must be from 0 to 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    outputs := ARRAY(SELECT prefix || o FROM unnest(ARRAY[
        'p_alive', format('expected_purchases_%sd', horizon_days), 'expected_order_value',
        format('clv_%sd', horizon_days), 'rfm_recency', 'rfm_frequency', 'rfm_monetary', 'rfm_segment']) o);
    PERFORM cdp.check_score_outputs(name, outputs);
    INSERT INTO cdp.score_models (name, kind, spec, outputs)
    VALUES (name, 'purchase',
            jsonb_build_object('event', event, 'revenue_property', revenue_property,
                               'horizon_days', horizon_days, 'monthly_discount', monthly_discount,
                               'prefix', prefix),
            outputs)
    RETURNING model_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION cdp.create_purchase_model(text, text, text, integer, float8, text) IS
    'defines a BG/NBD, Gamma-Gamma and RFM model of a purchase event; fit it with cdp.fit_score_model()';
REVOKE ALL ON FUNCTION cdp.create_purchase_model(text, text, text, integer, float8, text) FROM PUBLIC;

-- A propensity model's label: {"event", "type" (default track), "within"
-- (an interval), "occurs" (default true)}: whether such an event occurs
-- (or, occurs false, does not) within that time after the cutoff day.
CREATE FUNCTION cdp.check_label(label jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    within interval;
BEGIN
    IF jsonb_typeof(label) IS DISTINCT FROM 'object'
       OR EXISTS (SELECT 1 FROM jsonb_object_keys(label) k WHERE k NOT IN ('event', 'type', 'within', 'occurs'))
       OR jsonb_typeof(label->'event') IS DISTINCT FROM 'string'
       OR jsonb_typeof(label->'within') IS DISTINCT FROM 'string'
       OR coalesce(jsonb_typeof(label->'type'), 'string') <> 'string'
       OR coalesce(jsonb_typeof(label->'occurs'), 'boolean') <> 'boolean' THEN
        RAISE EXCEPTION 'a label is {"event": name, "within": interval, "type": type, "occurs": boolean}'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For churn: {"event": "Order Completed", "within": "90 days", "occurs": false}.';
    END IF;
    BEGIN
        within := (label->>'within')::interval;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
        within := NULL;
    END;
    IF within IS NULL OR within <= interval '0' OR within > interval '3650 days' THEN
        RAISE EXCEPTION 'the label''s within must be an interval from above 0 to 3650 days'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN jsonb_build_object('event', label->'event', 'type', coalesce(label->'type', '"track"'),
                              'within', within::text, 'occurs', coalesce(label->'occurs', 'true'));
END
$$;
REVOKE ALL ON FUNCTION cdp.check_label(jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.create_propensity_model(name text, features text, label jsonb, l2 float8 DEFAULT 0,
                                            output text DEFAULT NULL, feature_names text[] DEFAULT NULL)
    RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    IF num_nulls(name, features, label, l2) > 0 THEN
        RAISE EXCEPTION 'cdp.create_propensity_model: name, features, label and l2 must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT l2 BETWEEN 0 AND 1e12 THEN
        RAISE EXCEPTION 'l2 must be a finite number at least 0' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    label := cdp.check_label(label);
    PERFORM cdp.check_score_outputs(name, ARRAY[coalesce(output, name)]);
    -- The query is planned now, so that a mistake shows at once.
    PERFORM cdp.feature_rows(CURRENT_USER::regrole, features, DATE '2000-01-01', '{}');
    INSERT INTO cdp.score_models (name, kind, spec, outputs)
    VALUES (name, 'propensity',
            jsonb_build_object('features', features, 'label', label, 'l2', l2,
                               'feature_names', to_jsonb(feature_names)),
            ARRAY[coalesce(output, name)])
    RETURNING model_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION cdp.create_propensity_model(text, text, jsonb, float8, text, text[]) IS
    'defines a logistic regression of a label (an event within a time after a cutoff) on a feature query; fit it with cdp.fit_score_model()';
REVOKE ALL ON FUNCTION cdp.create_propensity_model(text, text, jsonb, float8, text, text[]) FROM PUBLIC;

CREATE FUNCTION cdp.feature_rows(owner regrole, features text, cutoff date, profile_ids bigint[])
    RETURNS TABLE (profile_id bigint, x float8[])
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cdp_feature_rows';
REVOKE ALL ON FUNCTION cdp.feature_rows(regrole, text, date, bigint[]) FROM PUBLIC;

-- Whether a profile's features can be used: no NULL, NaN or infinity.
-- Profiles whose features cannot are left out of a fit and get no score.
CREATE FUNCTION cdp.usable_features(x float8[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN x IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(x) v WHERE v IS NULL OR v IN ('NaN', 'Infinity', '-Infinity'));
REVOKE ALL ON FUNCTION cdp.usable_features(float8[]) FROM PUBLIC;

CREATE FUNCTION cdp.drop_score_model(name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m cdp.score_models;
    users text;
BEGIN
    m := cdp.lock_score_model($1);
    SELECT string_agg(g.name, ', ' ORDER BY g.name) INTO users
      FROM cdp.segments g
     WHERE g.kind = 'rule'
       AND EXISTS (SELECT 1 FROM jsonb_path_query(g.definition::jsonb, 'strict $.**.computed') c
                    WHERE c #>> '{}' = ANY (m.outputs));
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'score model "%" is used by segments', left($1, 64)
            USING ERRCODE = 'dependent_objects_still_exist', DETAIL = format('Used by: %s.', users);
    END IF;
    DELETE FROM cdp.score_models s WHERE s.model_id = m.model_id;
    UPDATE cdp.profiles p SET computed = p.computed - m.outputs WHERE p.computed ?| m.outputs;
END
$$;
COMMENT ON FUNCTION cdp.drop_score_model(text) IS
    'drops a score model and removes its scores from every profile';
REVOKE ALL ON FUNCTION cdp.drop_score_model(text) FROM PUBLIC;
