/*-------------------------------------------------------------------------
 *
 * logistic.c
 *	  L2-regularised logistic regression: the aggregate cdp.logistic_fit,
 *	  fitted by Newton's method (IRLS), and cdp.logistic_predict.
 *
 * logistic_fit(y, x [, l2]) fits P(y) = sigma(b0 + b . x), maximising the
 * log-likelihood minus (l2 / 2) * |b|^2; the intercept b0 is not
 * penalised.  Rows with a NULL y or a NULL x are skipped; no rows left
 * gives NULL.  Every x must be a one-dimensional float8 array of finite
 * numbers with no NULL, of the length of the first (an empty array fits
 * the intercept alone); a NULL l2 is 0, and l2 must be the same on every
 * row.  The transition function only keeps the rows; the final function
 * fits them and returns jsonb: coefficients (intercept first),
 * std_errors (the square roots of the diagonal of the inverse of the
 * penalised Hessian), log_likelihood (unpenalised), iterations, converged,
 * l2, n and features.
 *
 * The fit runs on standardised features, z = (x - mean) / sd, and maps
 * the coefficients and their covariance back.  Newton's method is
 * invariant under this change of variables (the penalty becomes
 * l2 / sd^2 on each coefficient), so the iterates are those of the fit on
 * x itself, but the Hessian is far better conditioned.  A constant
 * feature becomes a zero column; one whose l2 / sd^2 would overflow is
 * only centered.  At most 1000 features (the Hessian is dense).
 *
 * Each iteration solves H d = g by Cholesky and halves the step while the
 * penalised log-likelihood decreases.  It has converged when
 * max|d| < 1e-10 * (1 + max|b|) (on the original scale), or when the
 * penalised log-likelihood changed by less than 1e-12 * (1 + |LL|) and
 * the step was small too; at most 100 iterations.
 *
 * Failures:
 * - y all true or all false: ERROR 22023.
 * - The Hessian at the start is not positive definite (a constant
 *	 feature, or one that is a combination of others, with l2 = 0): ERROR
 *	 22023, with a hint.
 * - With l2 = 0, (quasi-)separable data have no finite maximum: the
 *	 coefficients grow along a direction where the likelihood flattens,
 *	 so the log-likelihood stops changing while the Newton steps stay
 *	 large, or the Hessian becomes singular as the weights p (1 - p)
 *	 vanish, or the coefficients pass 1e8 (standardised).  That gives a
 *	 WARNING and the last coefficients with "converged": false; so does
 *	 reaching 100 iterations, whatever l2, with another WARNING.
 * - JSON has no NaN or Infinity.  A coefficient or log-likelihood that
 *	 is not finite raises ERROR 22003 (not seen in practice: the guards
 *	 above stop first); a standard error that cannot be computed (the
 *	 Hessian at the last coefficients is singular, only after a
 *	 divergence) is null.
 *
 * logistic_predict(model, x) reads the model's "coefficients" and returns
 * sigma(b0 + b . x).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "scoring/scoring_internal.h"

PG_FUNCTION_INFO_V1(cdp_logistic_fit_step);
PG_FUNCTION_INFO_V1(cdp_logistic_fit_step_default);
PG_FUNCTION_INFO_V1(cdp_logistic_fit_final);
PG_FUNCTION_INFO_V1(cdp_logistic_predict);

/* The Hessian is dense: k^2 doubles, and k^2 work per row and iteration. */
#define LOGISTIC_MAX_FEATURES	1000

#define LOGISTIC_MAX_ITERATIONS 100
#define LOGISTIC_STEP_TOL		1e-10	/* max|d| relative to 1 + max|b| */
#define LOGISTIC_LL_TOL			1e-12	/* LL change relative to 1 + |LL| */

/*
 * A step after which the log-likelihood no longer moves is the end of a
 * fit only if it was small too (standardised, relative to 1 + max|b|):
 * near a true maximum the Newton steps shrink quadratically, while on
 * separable data they stay large as the coefficients run off.
 */
#define LOGISTIC_SMALL_STEP		1e-4
#define LOGISTIC_FLAT_STEPS		3	/* flat but large steps in a row */
#define LOGISTIC_MAX_COEF		1e8 /* standardised: diverging */

/* Relative size of a Cholesky pivot below which H is not positive definite. */
#define LOGISTIC_PIVOT_TOL		1e-10

#define LOGISTIC_MAX_HALVINGS	40

/*
 * The transition state: the rows kept so far, in the aggregate context,
 * each as y (0 or 1) then x.
 */
typedef struct LogisticState
{
	int			nfeatures;		/* length of x; -1 before the first row */
	bool		l2_set;			/* l2 was seen on a row */
	double		l2;
	int64		npositive;		/* rows whose y is true */
	CdpObservations *rows;		/* NULL before the first row */
} LogisticState;

static inline int64
row_count(const LogisticState *state)
{
	return (state->rows == NULL) ? 0 : state->rows->nrows;
}

/* Row i: y, then x[0 .. nfeatures). */
static inline const double *
row_at(const LogisticState *state, int64 i)
{
	return state->rows->values + i * state->rows->ncols;
}

/* What the final function fits: the rows and their standardisation. */
typedef struct LogisticData
{
	const LogisticState *rows;
	int			k;				/* coefficients: nfeatures + 1 */
	double	   *center;			/* [k], center[0] unused */
	double	   *scale;			/* [k], scale[0] unused */
	double	   *penalty;		/* [k], l2 / scale^2; penalty[0] = 0 */
	double	   *z;				/* [k] scratch: one standardised row */
} LogisticData;

typedef enum LogisticOutcome
{
	LOGISTIC_CONVERGED,
	LOGISTIC_DIVERGED,			/* the coefficients run off */
	LOGISTIC_ITERATION_LIMIT
} LogisticOutcome;

/* sigmoid(t) = 1 / (1 + exp(-t)), without overflow. */
static inline double
sigmoid(double t)
{
	double		e;

	if (t >= 0)
		return 1.0 / (1.0 + exp(-t));
	e = exp(t);
	return e / (1.0 + e);
}

/* log_sigmoid(t) = log(sigmoid(t)) = -log(1 + exp(-t)), without overflow. */
static inline double
log_sigmoid(double t)
{
	if (t >= 0)
		return -log1p(exp(-t));
	return t - log1p(exp(t));
}

/*
 * float8_array_values checks that arr is a one-dimensional float8 array
 * without NULLs (an empty array has no dimension) and returns its values
 * and length.  what names the argument in errors.
 */
static const double *
float8_array_values(ArrayType *arr, const char *what, int *len)
{
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "%s is not a float8 array", what);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", what)));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not contain NULL elements", what)));
	*len = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	return (const double *) ARR_DATA_PTR(arr);
}

/* check_finite rejects NaN and infinities among values[0..n). */
static void
check_finite(const double *values, int n, const char *what)
{
	for (int j = 0; j < n; j++)
		if (!isfinite(values[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain NaN or infinity", what)));
}

/*
 * logistic_step is the transition function: fcinfo's arguments are the
 * state, y and x; l2 is the penalty of this row (0 when NULL).
 */
static Datum
logistic_step(FunctionCallInfo fcinfo, double l2)
{
	MemoryContext aggcxt;
	LogisticState *state;
	const double *values;
	int			len;
	double		row[LOGISTIC_MAX_FEATURES + 1];

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "logistic_fit_step called in non-aggregate context");

	if (PG_ARGISNULL(0))
	{
		state = MemoryContextAllocZero(aggcxt, sizeof(LogisticState));
		state->nfeatures = -1;
	}
	else
		state = (LogisticState *) PG_GETARG_POINTER(0);

	if (isnan(l2) || l2 < 0 || isinf(l2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("l2 of logistic_fit must be a finite number at least 0")));
	if (!state->l2_set)
	{
		state->l2 = l2;
		state->l2_set = true;
	}
	else if (l2 != state->l2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("l2 of logistic_fit must be the same on every row")));

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(state);

	values = float8_array_values(PG_GETARG_ARRAYTYPE_P(2), "x of logistic_fit", &len);
	if (state->nfeatures < 0)
	{
		if (len > LOGISTIC_MAX_FEATURES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("logistic_fit supports at most %d features",
							LOGISTIC_MAX_FEATURES)));
		state->nfeatures = len;
	}
	else if (len != state->nfeatures)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every x of logistic_fit must have the same number of elements"),
				 errdetail("The first x has %d elements, a later one %d.",
						   state->nfeatures, len)));
	check_finite(values, len, "x of logistic_fit");

	if (state->rows == NULL)
		state->rows = CdpObservationsCreate(aggcxt, len + 1);
	row[0] = PG_GETARG_BOOL(1) ? 1 : 0;
	if (len > 0)
		memcpy(row + 1, values, len * sizeof(double));
	CdpObservationsAppend(state->rows, row);
	if (PG_GETARG_BOOL(1))
		state->npositive++;

	PG_RETURN_POINTER(state);
}

/* cdp.logistic_fit_step(internal, boolean, float8[], float8) */
Datum
cdp_logistic_fit_step(PG_FUNCTION_ARGS)
{
	return logistic_step(fcinfo, PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3));
}

/* cdp.logistic_fit_step(internal, boolean, float8[]): l2 = 0. */
Datum
cdp_logistic_fit_step_default(PG_FUNCTION_ARGS)
{
	return logistic_step(fcinfo, 0.0);
}

/*
 * logistic_standardise sets the center and scale of each feature: its
 * mean and standard deviation, or for a constant feature that constant
 * and 1 (its standardised column is then exactly zero).
 */
static void
logistic_standardise(LogisticData *data)
{
	const LogisticState *rows = data->rows;
	int			p = rows->nfeatures;
	int64		n = row_count(rows);

	data->center[0] = 0;
	data->scale[0] = 1;
	data->penalty[0] = 0;		/* the intercept is not penalised */
	for (int j = 0; j < p; j++)
	{
		double		mean = 0;
		double		lo = row_at(rows, 0)[1 + j];
		double		hi = lo;
		double		biggest = 0;
		double		sumsq = 0;
		double		sd;

		/* Sum x / n rather than x: no overflow for any finite x. */
		for (int64 i = 0; i < n; i++)
		{
			double		v = row_at(rows, i)[1 + j];

			mean += v / n;
			lo = Min(lo, v);
			hi = Max(hi, v);
		}
		/* Scaled by the largest deviation, the squares cannot overflow. */
		for (int64 i = 0; i < n; i++)
			biggest = Max(biggest, fabs(row_at(rows, i)[1 + j] - mean));
		if (biggest > 0 && isfinite(biggest))
			for (int64 i = 0; i < n; i++)
			{
				double		d = (row_at(rows, i)[1 + j] - mean) / biggest;

				sumsq += d * d;
			}
		sd = biggest * sqrt(sumsq / n);

		if (lo == hi || sd == 0)
		{
			data->center[j + 1] = lo;
			data->scale[j + 1] = 1;
		}
		else if (!isfinite(mean) || !isfinite(sd))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("x of logistic_fit has values too large to fit")));
		else
		{
			data->center[j + 1] = mean;
			data->scale[j + 1] = sd;
		}
		data->penalty[j + 1] = rows->l2 / data->scale[j + 1] / data->scale[j + 1];
		if (!isfinite(data->penalty[j + 1]))
		{
			/* sd is so small that l2 / sd^2 overflows: only center. */
			data->scale[j + 1] = 1;
			data->penalty[j + 1] = rows->l2;
		}
	}
}

/*
 * logistic_evaluate returns the penalised log-likelihood at the
 * standardised coefficients beta, and sets *ll to the unpenalised one.
 * With g and H (k and k * k), it also sets the gradient and the
 * (negated) Hessian of the penalised log-likelihood.
 */
static double
logistic_evaluate(LogisticData *data, const double *beta, double *ll,
				  double *g, double *H)
{
	const LogisticState *rows = data->rows;
	int			k = data->k;
	int64		n = row_count(rows);
	double	   *z = data->z;
	double		sum = 0;
	double		pll;

	if (g != NULL)
	{
		memset(g, 0, k * sizeof(double));
		memset(H, 0, (Size) k * k * sizeof(double));
	}
	z[0] = 1;
	for (int64 i = 0; i < n; i++)
	{
		const double *r = row_at(rows, i);
		const double *x = r + 1;
		double		eta = 0;
		double		resid;

		CHECK_FOR_INTERRUPTS();
		for (int j = 1; j < k; j++)
			z[j] = (x[j - 1] - data->center[j]) / data->scale[j];
		for (int j = 0; j < k; j++)
			eta += beta[j] * z[j];

		/* y - p, and log p or log(1 - p), each without cancellation. */
		if (r[0] != 0)
		{
			sum += log_sigmoid(eta);
			resid = sigmoid(-eta);
		}
		else
		{
			sum += log_sigmoid(-eta);
			resid = -sigmoid(eta);
		}

		if (g != NULL)
		{
			/* p (1 - p) = e / (1 + e)^2 with e = exp(-|eta|). */
			double		e = exp(-fabs(eta));
			double		w = e / ((1.0 + e) * (1.0 + e));

			for (int a = 0; a < k; a++)
			{
				double		wza = w * z[a];
				double	   *row = H + a * k;

				g[a] += resid * z[a];
				for (int b = a; b < k; b++)
					row[b] += wza * z[b];
			}
		}
	}

	*ll = sum;
	pll = sum;
	for (int j = 1; j < k; j++)
		pll -= 0.5 * data->penalty[j] * beta[j] * beta[j];

	if (g != NULL)
	{
		for (int a = 0; a < k; a++)
		{
			g[a] -= data->penalty[a] * beta[a];
			H[a * k + a] += data->penalty[a];
			for (int b = a + 1; b < k; b++)
				H[b * k + a] = H[a * k + b];
		}
	}
	return pll;
}

/*
 * cholesky factors the symmetric k x k matrix A as L L^T (L lower
 * triangular, in L).  It returns -1, or the first column whose pivot is
 * not positive relative to its diagonal entry (A is not positive definite,
 * or nearly singular).
 */
static int
cholesky(const double *A, double *L, int k)
{
	memset(L, 0, (Size) k * k * sizeof(double));
	for (int j = 0; j < k; j++)
	{
		double		d = A[j * k + j];

		for (int m = 0; m < j; m++)
			d -= L[j * k + m] * L[j * k + m];
		if (!isfinite(d) || !(d > LOGISTIC_PIVOT_TOL * A[j * k + j]))
			return j;
		L[j * k + j] = sqrt(d);
		for (int i = j + 1; i < k; i++)
		{
			double		s = A[i * k + j];

			for (int m = 0; m < j; m++)
				s -= L[i * k + m] * L[j * k + m];
			L[i * k + j] = s / L[j * k + j];
		}
	}
	return -1;
}

/* cholesky_solve solves L L^T x = b; x may be b. */
static void
cholesky_solve(const double *L, int k, const double *b, double *x)
{
	for (int i = 0; i < k; i++)
	{
		double		s = b[i];

		for (int m = 0; m < i; m++)
			s -= L[i * k + m] * x[m];
		x[i] = s / L[i * k + i];
	}
	for (int i = k - 1; i >= 0; i--)
	{
		double		s = x[i];

		for (int m = i + 1; m < k; m++)
			s -= L[m * k + i] * x[m];
		x[i] = s / L[i * k + i];
	}
}

/*
 * to_original maps standardised coefficients (or a step) v to the scale
 * of x: b_j = v_j / scale_j, b_0 = v_0 - sum_j v_j center_j / scale_j.
 */
static void
to_original(const LogisticData *data, const double *v, double *out)
{
	out[0] = v[0];
	for (int j = 1; j < data->k; j++)
	{
		out[j] = v[j] / data->scale[j];
		out[0] -= out[j] * data->center[j];
	}
}

static double
max_abs(const double *v, int k)
{
	double		m = 0;

	for (int j = 0; j < k; j++)
		m = Max(m, fabs(v[j]));
	return m;
}

/*
 * std_errors sets se to the standard errors of the original coefficients
 * from the factor L of the standardised Hessian: the covariance is
 * T H^-1 T^T, with T the map of to_original.  Those that are not finite
 * are NaN (written as null).
 */
static void
std_errors(const LogisticData *data, const double *L, double *se)
{
	int			k = data->k;
	double	   *V = palloc((Size) k * k * sizeof(double));
	double	   *t = palloc(k * sizeof(double));
	double		v0 = 0;

	/* Column c of H^-1 solves H v = e_c. */
	for (int c = 0; c < k; c++)
	{
		double	   *col = V + c * k;	/* H^-1 is symmetric */

		memset(col, 0, k * sizeof(double));
		col[c] = 1;
		cholesky_solve(L, k, col, col);
	}

	/* The intercept's row of T. */
	t[0] = 1;
	for (int j = 1; j < k; j++)
		t[j] = -data->center[j] / data->scale[j];
	for (int a = 0; a < k; a++)
		for (int b = 0; b < k; b++)
			v0 += t[a] * V[a * k + b] * t[b];
	se[0] = v0 >= 0 ? sqrt(v0) : NAN;
	for (int j = 1; j < k; j++)
	{
		double		vj = V[j * k + j];

		se[j] = vj >= 0 ? sqrt(vj) / data->scale[j] : NAN;
	}
	for (int j = 0; j < k; j++)
		if (!isfinite(se[j]))
			se[j] = NAN;
	pfree(V);
	pfree(t);
}

/* Pushes an array of the values, NaN as null. */
static void
push_array(JsonbParseState **ps, const double *values, int n)
{
	pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
	for (int j = 0; j < n; j++)
	{
		if (isnan(values[j]))
		{
			JsonbValue	v;

			v.type = jbvNull;
			pushJsonbValue(ps, WJB_ELEM, &v);
		}
		else
			CdpJsonbPushFloat8(ps, WJB_ELEM, values[j]);
	}
	pushJsonbValue(ps, WJB_END_ARRAY, NULL);
}

static Jsonb *
logistic_result(const LogisticData *data, const double *coef, const double *se,
				double ll, int iterations, bool converged)
{
	JsonbParseState *ps = NULL;
	JsonbValue *res;

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	CdpJsonbPushKey(&ps, "coefficients");
	push_array(&ps, coef, data->k);
	CdpJsonbPushKey(&ps, "std_errors");
	push_array(&ps, se, data->k);
	CdpJsonbPushKey(&ps, "log_likelihood");
	CdpJsonbPushFloat8(&ps, WJB_VALUE, ll);
	CdpJsonbPushFitStatus(&ps, iterations, converged);
	CdpJsonbPushKey(&ps, "l2");
	CdpJsonbPushFloat8(&ps, WJB_VALUE, data->rows->l2);
	CdpJsonbPushKey(&ps, "n");
	CdpJsonbPushInt64(&ps, row_count(data->rows));
	CdpJsonbPushKey(&ps, "features");
	CdpJsonbPushInt64(&ps, data->k - 1);
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * cdp.logistic_fit_final(internal) returns jsonb.  It only reads the state
 * (a window aggregate may call it again); its work memory is the caller's
 * context.
 */
Datum
cdp_logistic_fit_final(PG_FUNCTION_ARGS)
{
	const LogisticState *rows;
	LogisticData data;
	LogisticOutcome outcome;
	int			k;
	double	   *beta;
	double	   *trial;
	double	   *delta;
	double	   *g;
	double	   *H;
	double	   *L;
	double	   *coef;
	double	   *se;
	double		ll;
	double		pll;
	int			iterations = 0;
	int			flat_large = 0;
	bool		settled = false;
	bool		factored;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "logistic_fit_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	rows = (const LogisticState *) PG_GETARG_POINTER(0);
	if (row_count(rows) == 0)
		PG_RETURN_NULL();
	if (rows->npositive == 0 || rows->npositive == row_count(rows))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logistic_fit needs both outcomes"),
				 errdetail("Every y is %s.", rows->npositive == 0 ? "false" : "true")));

	k = rows->nfeatures + 1;
	data.rows = rows;
	data.k = k;
	data.center = palloc(k * sizeof(double));
	data.scale = palloc(k * sizeof(double));
	data.penalty = palloc(k * sizeof(double));
	data.z = palloc(k * sizeof(double));
	beta = palloc0(k * sizeof(double));
	trial = palloc(k * sizeof(double));
	delta = palloc(k * sizeof(double));
	g = palloc(k * sizeof(double));
	H = palloc((Size) k * k * sizeof(double));
	L = palloc((Size) k * k * sizeof(double));
	coef = palloc(k * sizeof(double));
	se = palloc(k * sizeof(double));

	logistic_standardise(&data);
	pll = logistic_evaluate(&data, beta, &ll, g, H);

	for (;;)
	{
		int			bad = cholesky(H, L, k);
		double		step;
		double		t = 1;
		double		tpll = 0;
		double		tll;
		double		prev;
		int			h;

		factored = bad < 0;
		if (!factored)
		{
			/* At b = 0 every weight is 1/4: the features are at fault. */
			if (iterations == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("logistic_fit cannot fit: x element %d is constant "
								"or a linear combination of the others", bad),
						 errhint("Use l2 > 0, or drop that feature.")));
			/* The weights vanished along a direction: diverging. */
			outcome = LOGISTIC_DIVERGED;
			break;
		}
		if (settled)
		{
			outcome = LOGISTIC_CONVERGED;
			break;
		}
		if (flat_large >= LOGISTIC_FLAT_STEPS ||
			max_abs(beta, k) > LOGISTIC_MAX_COEF)
		{
			outcome = LOGISTIC_DIVERGED;
			break;
		}

		cholesky_solve(L, k, g, delta);
		to_original(&data, delta, trial);
		to_original(&data, beta, coef);
		if (max_abs(trial, k) < LOGISTIC_STEP_TOL * (1 + max_abs(coef, k)))
		{
			outcome = LOGISTIC_CONVERGED;
			break;
		}
		if (iterations >= LOGISTIC_MAX_ITERATIONS)
		{
			outcome = LOGISTIC_ITERATION_LIMIT;
			break;
		}

		/* Halve the step while the penalised log-likelihood decreases. */
		for (h = 0; h <= LOGISTIC_MAX_HALVINGS; h++)
		{
			for (int j = 0; j < k; j++)
				trial[j] = beta[j] + t * delta[j];
			tpll = logistic_evaluate(&data, trial, &tll, NULL, NULL);
			if (tpll >= pll)
				break;
			t *= 0.5;
		}
		step = max_abs(delta, k);
		if (h > LOGISTIC_MAX_HALVINGS)
		{
			/* No step goes up: b is as good as doubles can tell. */
			outcome = step <= LOGISTIC_SMALL_STEP * (1 + max_abs(beta, k)) ?
				LOGISTIC_CONVERGED : LOGISTIC_DIVERGED;
			break;
		}

		memcpy(beta, trial, k * sizeof(double));
		iterations++;
		prev = pll;
		pll = logistic_evaluate(&data, beta, &ll, g, H);
		if (pll - prev < LOGISTIC_LL_TOL * (1 + fabs(pll)))
		{
			if (t * step <= LOGISTIC_SMALL_STEP * (1 + max_abs(beta, k)))
				settled = true; /* once H at b is factored, for the errors */
			else
				flat_large++;
		}
		else
			flat_large = 0;
	}

	to_original(&data, beta, coef);
	for (int j = 0; j < k; j++)
		if (!isfinite(coef[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("logistic_fit coefficients are out of range")));
	if (!isfinite(ll))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("logistic_fit log-likelihood is out of range")));
	if (factored)
		std_errors(&data, L, se);
	else
		for (int j = 0; j < k; j++)
			se[j] = NAN;

	if (outcome == LOGISTIC_DIVERGED && rows->l2 == 0)
		ereport(WARNING,
				(errmsg("logistic_fit did not converge: the data are (quasi-)separable"),
				 errdetail("Some coefficients grow without bound; the result has the last ones."),
				 errhint("Use l2 > 0, or drop the features that separate the outcomes.")));
	else if (outcome != LOGISTIC_CONVERGED)
		ereport(WARNING,
				(errmsg("logistic_fit did not converge in %d iterations", iterations),
				 errdetail("The result has the last coefficients.")));

	PG_RETURN_JSONB_P(logistic_result(&data, coef, se, ll, iterations,
									  outcome == LOGISTIC_CONVERGED));
}

/*
 * model_coefficients returns the "coefficients" of model, which must be
 * an array of k finite numbers.
 */
static double *
model_coefficients(Jsonb *model, int k)
{
	static const char key[] = "coefficients";
	JsonbValue	v;
	JsonbContainer *arr;
	double	   *coef;

	if (!JB_ROOT_IS_OBJECT(model) ||
		getKeyJsonValueFromContainer(&model->root, key, sizeof(key) - 1, &v) == NULL ||
		v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model of logistic_predict must be an object with a \"coefficients\" array")));
	arr = v.val.binary.data;
	if (JsonContainerSize(arr) != (uint32) k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model of logistic_predict must have one more coefficient than x has elements"),
				 errdetail("The model has %u coefficients, x has %d elements.",
						   JsonContainerSize(arr), k - 1)));

	coef = palloc(k * sizeof(double));
	for (int j = 0; j < k; j++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, j);

		if (e->type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("coefficients of a logistic_predict model must be numbers")));
		/* Out of range is infinite here, not an error quoting the value. */
		coef[j] = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
													 NumericGetDatum(e->val.numeric)));
		if (!isfinite(coef[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("coefficients of a logistic_predict model must be finite")));
	}
	return coef;
}

/* cdp.logistic_predict(model jsonb, x float8[]) returns float8. */
Datum
cdp_logistic_predict(PG_FUNCTION_ARGS)
{
	Jsonb	   *model = PG_GETARG_JSONB_P(0);
	int			len;
	const double *x = float8_array_values(PG_GETARG_ARRAYTYPE_P(1),
										  "x of logistic_predict", &len);
	double	   *coef;
	double		eta;

	check_finite(x, len, "x of logistic_predict");
	coef = model_coefficients(model, len + 1);
	eta = coef[0];
	for (int j = 0; j < len; j++)
		eta += coef[j + 1] * x[j];
	if (isnan(eta))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("logistic_predict: the linear predictor is out of range")));
	PG_RETURN_FLOAT8(sigmoid(eta));
}
