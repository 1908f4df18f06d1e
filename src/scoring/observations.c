/*-------------------------------------------------------------------------
 *
 * observations.c
 *	  The rows a fitting aggregate collects: its float8 arguments, kept in
 *	  the aggregate's memory context until the final function fits the
 *	  model to all of them (maximum likelihood needs every row on each
 *	  evaluation; 8 bytes per value).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/memutils.h"

#include "scoring/scoring_internal.h"

/* The state of the aggregate (argument 0), made on its first row. */
CdpObservations *
CdpObservationsState(FunctionCallInfo fcinfo, int ncols, const char *aggname)
{
	MemoryContext aggcxt;
	CdpObservations *obs;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called outside an aggregate", aggname)));
	if (!PG_ARGISNULL(0))
		return (CdpObservations *) PG_GETARG_POINTER(0);
	obs = MemoryContextAllocZero(aggcxt, sizeof(CdpObservations));
	obs->ncols = ncols;
	obs->capacity = 1024;
	obs->values = MemoryContextAllocHuge(aggcxt, obs->capacity * ncols * sizeof(double));
	return obs;
}

/*
 * Reads arguments 1..ncols into row; false when one is NULL (the row is
 * skipped).  A value that is not finite is an error (names[i] says which).
 */
bool
CdpObservationsRow(FunctionCallInfo fcinfo, int ncols, double *row, const char *const *names)
{
	for (int i = 0; i < ncols; i++)
	{
		if (PG_ARGISNULL(i + 1))
			return false;
		row[i] = PG_GETARG_FLOAT8(i + 1);
		if (isnan(row[i]) || isinf(row[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a finite number", names[i])));
	}
	return true;
}

void
CdpObservationsAppend(CdpObservations *obs, const double *row)
{
	if (obs->nrows == obs->capacity)
	{
		obs->capacity *= 2;
		obs->values = repalloc_huge(obs->values, obs->capacity * obs->ncols * sizeof(double));
	}
	memcpy(obs->values + obs->nrows * obs->ncols, row, obs->ncols * sizeof(double));
	obs->nrows++;
}

static int
compare_rows(const void *a, const void *b, void *arg)
{
	int			ncols = *(const int *) arg;
	const double *x = a,
			   *y = b;

	for (int i = 0; i < ncols; i++)
		if (x[i] != y[i])
			return (x[i] < y[i]) ? -1 : 1;
	return 0;
}

/*
 * A copy of obs (which stays as it is: an aggregate's final function must
 * not change its state) with each distinct row once, weighted by how many
 * times it occurs.  Real data repeat a lot: integer counts, whole days.
 */
CdpObservations *
CdpObservationsCollapsed(const CdpObservations *obs)
{
	CdpObservations *out = palloc0(sizeof(CdpObservations));
	size_t		rowsize = obs->ncols * sizeof(double);
	int64		n = 0;

	out->ncols = obs->ncols;
	out->values = palloc_extended(Max(obs->nrows, 1) * rowsize, MCXT_ALLOC_HUGE);
	out->weights = palloc_extended(Max(obs->nrows, 1) * sizeof(double), MCXT_ALLOC_HUGE);
	memcpy(out->values, obs->values, obs->nrows * rowsize);
	qsort_arg(out->values, obs->nrows, rowsize, compare_rows, (void *) &out->ncols);
	for (int64 i = 0; i < obs->nrows; i++)
	{
		double	   *row = out->values + i * obs->ncols;

		if (n > 0 && compare_rows(out->values + (n - 1) * obs->ncols, row, &out->ncols) == 0)
		{
			out->weights[n - 1] += 1;
			continue;
		}
		memmove(out->values + n * obs->ncols, row, rowsize);
		out->weights[n++] = 1;
	}
	out->nrows = out->capacity = n;
	return out;
}
