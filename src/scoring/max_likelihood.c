/*-------------------------------------------------------------------------
 *
 * max_likelihood.c
 *	  The final function shared by the aggregates that fit a model by
 *	  maximum likelihood (BG/NBD, Gamma-Gamma): minimizes minus the
 *	  log-likelihood of the collected rows over log-parameters (so every
 *	  parameter stays positive), and returns the parameters with the
 *	  log-likelihood, the iterations and whether the minimizer converged.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/jsonb.h"

#include "scoring/scoring_internal.h"

#define MAX_FIELDS	8

/* NULL for no rows; else the model's jsonb. */
Datum
CdpFitModel(FunctionCallInfo fcinfo, const CdpLikelihoodModel *model)
{
	CdpObservations *obs;
	double		theta[MAX_FIELDS];
	CdpModelField fields[MAX_FIELDS + 1];
	CdpMinimum	min;

	Assert(model->nparams < MAX_FIELDS);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	obs = (CdpObservations *) PG_GETARG_POINTER(0);
	if (obs->nrows == 0)
		PG_RETURN_NULL();
	obs = CdpObservationsCollapsed(obs);
	min = CdpMinimize(model->negative_log_likelihood, obs, model->nparams, model->starts,
					  model->nstarts, theta);
	for (int i = 0; i < model->nparams && min.at_edge; i++)
		if (fabs(theta[i]) > CDP_MAX_LOG_PARAM - 1)
		{
			ereport(WARNING,
					(errmsg("the data do not determine %s's parameter %s", model->aggname, model->names[i]),
					 errdetail("It ran to the edge of its range (e^%+.0f); the fit is that limit, and \"converged\" is false.",
							   theta[i] > 0 ? CDP_MAX_LOG_PARAM : -CDP_MAX_LOG_PARAM)));
			min.converged = false;
		}
	if (!min.converged && !min.at_edge)
		ereport(WARNING,
				(errmsg("%s did not converge", model->aggname),
				 errdetail("The parameters returned are the best found; \"converged\" is false.")));
	for (int i = 0; i < model->nparams; i++)
		fields[i] = (CdpModelField) {model->names[i], exp(theta[i])};
	fields[model->nparams] = (CdpModelField) {"log_likelihood", -min.value};
	PG_RETURN_JSONB_P(CdpModelJsonb(fields, model->nparams + 1, min.iterations, min.converged));
}
