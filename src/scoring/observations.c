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

/* An empty set of rows of ncols values, in cxt. */
CdpObservations *
CdpObservationsCreate(MemoryContext cxt, int ncols)
{
	CdpObservations *obs = MemoryContextAllocZero(cxt, sizeof(CdpObservations));

	obs->ncols = ncols;
	obs->capacity = 1024;
	obs->values = MemoryContextAllocHuge(cxt, obs->capacity * ncols * sizeof(double));
	return obs;
}

/*
 * The transition function of an aggregate over ncols float8 arguments
 * (names[i] names argument i + 1 in messages): appends the row, unless an
 * argument is NULL or keep (if any) says no; a value that is not finite
 * is an error.  keep may raise its own errors for rows that make no sense.
 */
Datum
CdpObservationsCollect(FunctionCallInfo fcinfo, int ncols, const char *aggname,
					   const char *const *names, bool (*keep) (const double *row))
{
	MemoryContext aggcxt;
	CdpObservations *obs;
	double		row[CDP_OBSERVATIONS_MAX_COLS];

	Assert(ncols <= CDP_OBSERVATIONS_MAX_COLS);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called outside an aggregate", aggname)));
	obs = PG_ARGISNULL(0) ? CdpObservationsCreate(aggcxt, ncols) : (CdpObservations *) PG_GETARG_POINTER(0);
	for (int i = 0; i < ncols; i++)
	{
		if (PG_ARGISNULL(i + 1))
			PG_RETURN_POINTER(obs);
		row[i] = PG_GETARG_FLOAT8(i + 1);
		if (isnan(row[i]) || isinf(row[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a finite number", names[i])));
	}
	if (keep == NULL || keep(row))
		CdpObservationsAppend(obs, row);
	PG_RETURN_POINTER(obs);
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
