/*-------------------------------------------------------------------------
 *
 * lifetime_value.c
 *	  cdp.customer_lifetime_value: lifetimes' discounted CLV, the expected
 *	  spend per purchase (Gamma-Gamma) times the purchases expected in each
 *	  month (BG/NBD), discounted per month.
 *
 * In C because it is scored per profile: each month's purchases are the
 * difference of two cumulative expectations, each computed once here,
 * and the models are read once per call, not once per month.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/jsonb.h"

#include "scoring/scoring_internal.h"

PG_FUNCTION_INFO_V1(cdp_customer_lifetime_value);

/*
 * cdp.customer_lifetime_value(bgnbd, gamma_gamma, frequency, recency, t,
 * monetary, months, monthly_discount, periods_per_month)
 */
Datum
cdp_customer_lifetime_value(PG_FUNCTION_ARGS)
{
	CdpBgnbdParams bgnbd = CdpBgnbdModel(PG_GETARG_JSONB_P(0));
	double		x = PG_GETARG_FLOAT8(2),
				t_x = PG_GETARG_FLOAT8(3),
				T = PG_GETARG_FLOAT8(4);
	int32		months = PG_GETARG_INT32(6);
	double		discount = PG_GETARG_FLOAT8(7),
				period = PG_GETARG_FLOAT8(8);
	double		spend = CdpGammaGammaExpectedValue(PG_GETARG_JSONB_P(1), x, PG_GETARG_FLOAT8(5));
	double		before = 0,
				purchases = 0;

	for (int32 i = 1; i <= months; i++)
	{
		double		by_then = CdpBgnbdExpectedPurchases(bgnbd, i * period, x, t_x, T);

		purchases += (by_then - before) / pow(1 + discount, i);
		before = by_then;
	}
	CdpRequireFinite(spend * purchases, "customer lifetime value");
	PG_RETURN_FLOAT8(spend * purchases);
}
