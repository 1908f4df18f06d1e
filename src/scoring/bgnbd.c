/*-------------------------------------------------------------------------
 *
 * bgnbd.c
 *	  The BG/NBD model of repeat purchasing (Fader, Hardie and Lee, "Counting
 *	  Your Customers the Easy Way", Marketing Science 2005): while alive a
 *	  customer buys at a gamma(r, alpha)-distributed rate; after each
 *	  purchase they die with a beta(a, b)-distributed probability.
 *
 *	  cdp.bgnbd_fit(frequency, recency, t) → jsonb	an aggregate: maximum
 *		likelihood r, alpha, a, b over its rows (x repeat purchases, the
 *		last at t_x, observed for T; any time unit, the same throughout)
 *	  cdp.bgnbd_p_alive(model, frequency, recency, t)
 *	  cdp.bgnbd_expected_purchases(model, horizon, frequency, recency, t)
 *
 * The likelihood is the paper's equation 6, on log-parameters, minimized
 * by Nelder-Mead from three starting points.  The expectation is its
 * equation 10, with the Gauss hypergeometric function summed as a series.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/jsonb.h"

#include "scoring/scoring_internal.h"

PG_FUNCTION_INFO_V1(cdp_bgnbd_fit_step);
PG_FUNCTION_INFO_V1(cdp_bgnbd_fit_final);
PG_FUNCTION_INFO_V1(cdp_bgnbd_p_alive);
PG_FUNCTION_INFO_V1(cdp_bgnbd_expected_purchases);

#define NPARAMS			4
#define HYP2F1_TERMS	1000000

static const char *const column_names[] = {"frequency", "recency", "t"};

/* Raises 22023 unless x, t_x and T describe a customer. */
static void
check_customer(double x, double t_x, double T)
{
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must not be negative")));
	/* t = 0: acquired just now; the model holds (no repeat purchase yet) */
	if (!(T > 0) && !(T == 0 && x == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t (the time a customer was observed) must be positive, or 0 with frequency 0")));
	if (t_x < 0 || t_x > T)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be between 0 and t")));
}

/* A row of cdp.bgnbd_fit, checked. */
static bool
keep_customer(const double *row)
{
	check_customer(row[0], row[1], row[2]);
	return true;
}

Datum
cdp_bgnbd_fit_step(PG_FUNCTION_ARGS)
{
	return CdpObservationsCollect(fcinfo, 3, "cdp.bgnbd_fit", column_names, keep_customer);
}

/* Minus the log-likelihood of the (weighted, distinct) rows at exp(theta). */
static double
negative_log_likelihood(const double *theta, void *arg)
{
	const CdpObservations *obs = arg;
	double		r = exp(theta[0]),
				alpha = exp(theta[1]),
				a = exp(theta[2]),
				b = exp(theta[3]);
	double		common = -lgamma(r) + r * log(alpha) + lgamma(a + b) - lgamma(b);
	double		ll = 0;

	for (int64 i = 0; i < obs->nrows; i++)
	{
		const double *row = obs->values + i * 3;
		double		x = row[0],
					t_x = row[1],
					T = row[2];
		double		a3 = -(r + x) * log(alpha + T);
		double		sum = a3;

		if (x > 0)
		{
			double		a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + t_x);

			sum = Max(a3, a4) + log1p(exp(-fabs(a3 - a4)));
		}
		ll += obs->weights[i] * (lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x) + sum + common);
	}
	return -ll;
}

Datum
cdp_bgnbd_fit_final(PG_FUNCTION_ARGS)
{
	static const char *const names[NPARAMS] = {"r", "alpha", "a", "b"};
	static const double starts[] = {0, 0, 0, 0, -1, 1, -1, 1, 1, 2, 0, 1};
	static const CdpLikelihoodModel model = {
		"cdp.bgnbd_fit", NPARAMS, names, negative_log_likelihood, starts, lengthof(starts) / NPARAMS
	};

	return CdpFitModel(fcinfo, &model);
}

/* The parameters of a BG/NBD model given as jsonb. */
CdpBgnbdParams
CdpBgnbdModel(Jsonb *model)
{
	CdpBgnbdParams p;

	p.r = CdpModelParameter(model, "r", "BG/NBD");
	p.alpha = CdpModelParameter(model, "alpha", "BG/NBD");
	p.a = CdpModelParameter(model, "a", "BG/NBD");
	p.b = CdpModelParameter(model, "b", "BG/NBD");
	return p;
}

/* P(alive | x, t_x, T): 1 for a customer who never bought again. */
Datum
cdp_bgnbd_p_alive(PG_FUNCTION_ARGS)
{
	CdpBgnbdParams p = CdpBgnbdModel(PG_GETARG_JSONB_P(0));
	double		x = PG_GETARG_FLOAT8(1),
				t_x = PG_GETARG_FLOAT8(2),
				T = PG_GETARG_FLOAT8(3);
	double		log_odds_dead;

	check_customer(x, t_x, T);
	if (x == 0)
		PG_RETURN_FLOAT8(1.0);
	log_odds_dead = (p.r + x) * log((p.alpha + T) / (p.alpha + t_x)) + log(p.a / (p.b + x - 1));
	PG_RETURN_FLOAT8(1.0 / (1.0 + exp(log_odds_dead)));
}

/* The Gauss hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, as its series. */
static double
hyp2f1(double a, double b, double c, double z)
{
	double		term = 1,
				sum = 1;

	for (int n = 0; n < HYP2F1_TERMS; n++)
	{
		term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
		sum += term;
		if (fabs(term) <= 1e-15 * fabs(sum))
			return sum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("horizon is too long for cdp.bgnbd_expected_purchases"),
			 errdetail("The series of the expectation did not converge.")));
	pg_unreachable();
}

/* E[purchases in (T, T + horizon] | x, t_x, T]: the paper's equation 10. */
double
CdpBgnbdExpectedPurchases(CdpBgnbdParams p, double t, double x, double t_x, double T)
{
	double		factor,
				tail,
				alive_odds,
				result;

	check_customer(x, t_x, T);
	if (t < 0 || isinf(t) || isnan(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be a finite number, not negative")));
	if (p.a == 1)
		p.a = 1 + 1e-9;			/* the formula's removable singularity */
	factor = (p.a + p.b + x - 1) / (p.a - 1);
	tail = 1 - pow((p.alpha + T) / (p.alpha + T + t), p.r + x) *
		hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, t / (p.alpha + T + t));
	alive_odds = (x > 0) ? (p.a / (p.b + x - 1)) * pow((p.alpha + T) / (p.alpha + t_x), p.r + x) : 0;
	result = factor * tail / (1 + alive_odds);
	CdpRequireFinite(result, "expected purchases");
	if (result == 0)
		result = 0;				/* not -0, for a horizon of 0 */
	return result;
}

/* cdp.bgnbd_expected_purchases(model, horizon, frequency, recency, t) */
Datum
cdp_bgnbd_expected_purchases(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(CdpBgnbdExpectedPurchases(CdpBgnbdModel(PG_GETARG_JSONB_P(0)), PG_GETARG_FLOAT8(1),
											   PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3),
											   PG_GETARG_FLOAT8(4)));
}
