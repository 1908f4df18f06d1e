/*-------------------------------------------------------------------------
 *
 * gamma_gamma.c
 *	  The Gamma-Gamma model of spend per transaction (Fader, Hardie and Lee,
 *	  "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
 *	  2005, after Colombo and Jiang 1999): a customer's transactions are
 *	  gamma(p, nu)-distributed around their own mean, nu being
 *	  gamma(q, v)-distributed across customers.
 *
 *	  cdp.gamma_gamma_fit(frequency, monetary) → jsonb	an aggregate:
 *		maximum likelihood p, q, v over customers with repeat purchases
 *		(rows with frequency 0 are ignored; monetary is the mean value of
 *		the repeat purchases)
 *	  cdp.gamma_gamma_expected_value(model, frequency, monetary)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/jsonb.h"

#include "scoring/scoring_internal.h"

PG_FUNCTION_INFO_V1(cdp_gamma_gamma_fit_step);
PG_FUNCTION_INFO_V1(cdp_gamma_gamma_fit_final);
PG_FUNCTION_INFO_V1(cdp_gamma_gamma_expected_value);

#define NPARAMS		3

static const char *const column_names[] = {"frequency", "monetary"};

static void
check_customer(double x, double m)
{
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must not be negative")));
	if (x > 0 && !(m > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monetary must be positive for a customer with repeat purchases")));
}

/* A row of cdp.gamma_gamma_fit, checked; only repeat customers count. */
static bool
keep_repeat_customer(const double *row)
{
	check_customer(row[0], row[1]);
	return row[0] > 0;
}

Datum
cdp_gamma_gamma_fit_step(PG_FUNCTION_ARGS)
{
	return CdpObservationsCollect(fcinfo, 2, "cdp.gamma_gamma_fit", column_names, keep_repeat_customer);
}

/* Minus the log-likelihood of the (weighted, distinct) rows at exp(theta). */
static double
negative_log_likelihood(const double *theta, void *arg)
{
	const CdpObservations *obs = arg;
	double		p = exp(theta[0]),
				q = exp(theta[1]),
				v = exp(theta[2]);
	double		common = q * log(v) - lgamma(q);
	double		ll = 0;

	for (int64 i = 0; i < obs->nrows; i++)
	{
		double		x = obs->values[2 * i],
					m = obs->values[2 * i + 1];

		ll += obs->weights[i] * (lgamma(p * x + q) - lgamma(p * x) + (p * x - 1) * log(m) +
								 p * x * log(x) - (p * x + q) * log(x * m + v) + common);
	}
	return -ll;
}

Datum
cdp_gamma_gamma_fit_final(PG_FUNCTION_ARGS)
{
	static const char *const names[NPARAMS] = {"p", "q", "v"};
	static const double starts[] = {0, 0, 0, 1, 1, 2, -1, 0, 1};
	static const CdpLikelihoodModel model = {
		"cdp.gamma_gamma_fit", NPARAMS, names, negative_log_likelihood, starts, lengthof(starts) / NPARAMS
	};

	return CdpFitModel(fcinfo, &model);
}

/*
 * E[mean spend | x, m]: a weighted mean of the population's mean p v /
 * (q - 1) and the customer's own m (the population's for x = 0).
 */
double
CdpGammaGammaExpectedValue(Jsonb *model, double x, double m)
{
	double		p = CdpModelParameter(model, "p", "Gamma-Gamma"),
				q = CdpModelParameter(model, "q", "Gamma-Gamma"),
				v = CdpModelParameter(model, "v", "Gamma-Gamma");

	check_customer(x, m);
	if (q <= 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Gamma-Gamma model parameter \"q\" must be greater than 1 for an expected value")));
	if (x == 0)
		m = 0;
	return p * (v + x * m) / (p * x + q - 1);
}

/* cdp.gamma_gamma_expected_value(model, frequency, monetary) */
Datum
cdp_gamma_gamma_expected_value(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(CdpGammaGammaExpectedValue(PG_GETARG_JSONB_P(0), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)));
}
