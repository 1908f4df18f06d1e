/*-------------------------------------------------------------------------
 *
 * scoring_internal.h
 *	  Shared between the files of src/scoring.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_SCORING_INTERNAL_H
#define CDP_SCORING_INTERNAL_H

#include "utils/jsonb.h"

#include "scoring/scoring.h"

/*
 * observations.c: rows of ncols float8 values, collected by an aggregate;
 * collapsed for a fit into its distinct rows, each with a weight (how
 * often it occurred), since a likelihood is evaluated many times.
 */
typedef struct CdpObservations
{
	int			ncols;
	int64		nrows;
	int64		capacity;
	double	   *values;			/* row-major, nrows * ncols */
	double	   *weights;		/* per row, once collapsed; else NULL */
} CdpObservations;

#define CDP_OBSERVATIONS_MAX_COLS	8

extern CdpObservations *CdpObservationsCreate(MemoryContext cxt, int ncols);
extern Datum CdpObservationsCollect(FunctionCallInfo fcinfo, int ncols, const char *aggname,
									const char *const *names, bool (*keep) (const double *row));
extern void CdpObservationsAppend(CdpObservations *obs, const double *row);
extern CdpObservations *CdpObservationsCollapsed(const CdpObservations *obs);

/* nelder_mead.c */
typedef double (*CdpObjective) (const double *theta, void *arg);

#define CDP_MAX_LOG_PARAM	15.0	/* parameters stay within e^-15 .. e^15 */

typedef struct CdpMinimum
{
	double		value;			/* the objective there */
	int			iterations;		/* over every start and restart */
	bool		converged;
	bool		at_edge;		/* a parameter stopped at the wall */
} CdpMinimum;

extern CdpMinimum CdpMinimize(CdpObjective f, void *arg, int k, const double *starts,
							  int nstarts, double *theta);

/*
 * max_likelihood.c: the final function of an aggregate that fits a model
 * by maximum likelihood over the log of its positive parameters.
 */
typedef struct CdpLikelihoodModel
{
	const char *aggname;		/* for messages: "cdp.bgnbd_fit" */
	int			nparams;
	const char *const *names;	/* the parameters, as the jsonb names them */
	CdpObjective negative_log_likelihood;	/* of log-parameters */
	const double *starts;		/* nstarts * nparams log-parameters */
	int			nstarts;
} CdpLikelihoodModel;

extern Datum CdpFitModel(FunctionCallInfo fcinfo, const CdpLikelihoodModel *model);

/* model_json.c */
typedef struct CdpModelField
{
	const char *key;
	double		value;
} CdpModelField;

extern void CdpJsonbPushKey(JsonbParseState **state, const char *key);
extern void CdpJsonbPushFloat8(JsonbParseState **state, JsonbIteratorToken token, double value);
extern void CdpJsonbPushInt64(JsonbParseState **state, int64 value);
extern void CdpJsonbPushFitStatus(JsonbParseState **state, int64 iterations, bool converged);
extern Jsonb *CdpModelJsonb(const CdpModelField *fields, int n, int iterations, bool converged);
extern double CdpModelParameter(Jsonb *model, const char *key, const char *model_name);
extern void CdpRequireFinite(double value, const char *what);

/* bgnbd.c and gamma_gamma.c: the predictors, for customer_lifetime_value */
typedef struct CdpBgnbdParams
{
	double		r,
				alpha,
				a,
				b;
} CdpBgnbdParams;

extern CdpBgnbdParams CdpBgnbdModel(Jsonb *model);
extern double CdpBgnbdExpectedPurchases(CdpBgnbdParams p, double horizon, double x, double t_x, double T);
extern double CdpGammaGammaExpectedValue(Jsonb *model, double x, double m);

#endif							/* CDP_SCORING_INTERNAL_H */
