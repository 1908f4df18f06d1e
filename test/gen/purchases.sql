-- test/gen/purchases.sql
--
-- Purchases drawn from the models cdp's purchase scores assume, with
-- parameters the caller picks, so that a fit can be judged against the
-- truth on data nobody tuned anything to (CDNOW is one data set, and the
-- published fits were made on it).
--
--   psql -v ON_ERROR_STOP=1 -f test/gen/purchases.sql
--   SELECT * FROM cdp_purchases.draw(5000, 0.4, 20, 0.6, 3.0, 5, 3, 20, 365, 365, 1);
--
-- draw(customers, r, alpha, a, b, p, q, gamma, calibration_days,
-- holdout_days, seed) returns one row per purchase: customer, day (from 0;
-- customers first buy on a day drawn uniformly in the first half of the
-- calibration period) and amount.  BG/NBD (Fader, Hardie and Lee 2005):
-- each customer buys at Poisson rate lambda ~ Gamma(r, alpha) (rate
-- alpha) per day while alive, and after each purchase drops out with
-- probability p ~ Beta(a, b).  Gamma-Gamma: each amount is Gamma(p, nu)
-- with the customer's nu ~ Gamma(q, gamma).  Times are continuous, days
-- are their floor: two purchases in one day are possible, as in life.
--
-- Deterministic: random() after setseed(), one statement, in order of
-- customer; PostgreSQL's random() (xoshiro256**) gives the same sequence
-- on every machine.  Everything lives in schema cdp_purchases, dropped
-- and recreated by this script.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS cdp_purchases CASCADE;
CREATE SCHEMA cdp_purchases;

-- A standard normal (Box-Muller).
CREATE FUNCTION cdp_purchases.normal() RETURNS float8 LANGUAGE sql VOLATILE
RETURN sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());

-- Gamma(shape, 1), Marsaglia and Tsang (2000); shape < 1 by boosting.
CREATE FUNCTION cdp_purchases.gamma(shape float8) RETURNS float8 LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    d float8 := shape - 1.0 / 3;
    c float8;
    x float8;
    v float8;
    u float8;
BEGIN
    IF shape < 1 THEN
        RETURN cdp_purchases.gamma(shape + 1) * (1 - random()) ^ (1 / shape);
    END IF;
    c := 1 / sqrt(9 * d);
    LOOP
        x := cdp_purchases.normal();
        v := (1 + c * x) ^ 3;
        CONTINUE WHEN v <= 0;
        u := 1 - random();
        IF ln(u) < 0.5 * x * x + d - d * v + d * ln(v) THEN
            RETURN d * v;
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION cdp_purchases.draw(customers integer, r float8, alpha float8, a float8, b float8,
                                   p float8, q float8, gamma float8, calibration_days integer,
                                   holdout_days integer, seed float8)
    RETURNS TABLE (customer integer, day integer, amount numeric)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    lambda float8;
    dropout float8;
    nu float8;
    t float8;
    x float8;
    repeated boolean;
    ends integer := calibration_days + holdout_days;
BEGIN
    PERFORM setseed(seed);
    FOR c IN 1..customers LOOP
        lambda := cdp_purchases.gamma(r) / alpha;
        x := cdp_purchases.gamma(a);
        dropout := x / (x + cdp_purchases.gamma(b));
        nu := cdp_purchases.gamma(q) / gamma;
        t := floor(random() * calibration_days / 2);
        customer := c;
        repeated := false;
        LOOP
            day := floor(t)::integer;
            amount := round((cdp_purchases.gamma(p) / nu)::numeric, 2);
            RETURN NEXT;
            -- the model's dropout comes after repeat purchases only
            EXIT WHEN repeated AND random() < dropout;
            repeated := true;
            t := t - ln(1 - random()) / lambda;
            EXIT WHEN t >= ends;
        END LOOP;
    END LOOP;
END
$$;
