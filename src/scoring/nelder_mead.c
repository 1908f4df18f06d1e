/*-------------------------------------------------------------------------
 *
 * nelder_mead.c
 *	  Minimizes a smooth function of a few parameters without derivatives:
 *	  the Nelder-Mead simplex method (the method lifetimes uses for these
 *	  models), with the usual coefficients (reflection 1, expansion 2,
 *	  contraction and shrink 1/2), restarted from its best point until a
 *	  restart no longer improves (a simplex can collapse early in one
 *	  direction), from each of several starting points.
 *
 * The fits work on log-parameters, so the space is unconstrained.  A
 * point where the objective is not finite (an overflow far from the
 * optimum) counts as +infinity and is never kept, and so does one with a
 * log-parameter beyond +-CDP_MAX_LOG_PARAM: data that do not determine
 * a parameter (nobody in a BG/NBD fit ever drops out) let it run off
 * for ever, each restart improving a little; the wall stops it there,
 * where the model's predictions are those of the limit.  A total
 * iteration budget bounds the time whatever the data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "scoring/scoring_internal.h"

#define MAX_PARAMS		8
#define MAX_ITERATIONS	20000	/* per run of the simplex */
#define MAX_TOTAL_ITERATIONS 20000	/* per minimization, over every run */
#define MAX_RESTARTS	10
#define FTOL			1e-13	/* relative spread of the simplex's values */
#define XTOL			1e-9	/* size of the simplex */
#define EDGE_FTOL		1e-10	/* FTOL for a simplex whose best point is at the wall */
#define START_STEP		0.5		/* the first simplex's edge, in log-parameters */

static double
evaluate(CdpObjective f, void *arg, int k, const double *theta)
{
	double		v;

	for (int j = 0; j < k; j++)
		if (fabs(theta[j]) > CDP_MAX_LOG_PARAM)
			return INFINITY;
	v = f(theta, arg);
	return isnan(v) ? INFINITY : v;
}

/* Whether a parameter of theta is near the wall (CDP_MAX_LOG_PARAM). */
static bool
at_edge(const double *theta, int k)
{
	for (int j = 0; j < k; j++)
		if (fabs(theta[j]) > CDP_MAX_LOG_PARAM - 1)
			return true;
	return false;
}

/* How far the finite values of a simplex are from its best (vertices past the wall are infinite). */
static double
finite_spread(const double *vals, int n, int best)
{
	double		spread = 0;

	for (int i = 0; i < n; i++)
		if (isfinite(vals[i]))
			spread = Max(spread, vals[i] - vals[best]);
	return spread;
}

/*
 * One run of the simplex from theta (overwritten with its best point).
 * Near the wall the objective is flat along the parameter that ran there,
 * so the run stops once the values agree to EDGE_FTOL, not FTOL.
 */
static double
simplex_run(CdpObjective f, void *arg, int k, double *theta, int *iterations, bool *converged)
{
	double		pts[MAX_PARAMS + 1][MAX_PARAMS];
	double		vals[MAX_PARAMS + 1];
	double		centroid[MAX_PARAMS];
	double		trial[MAX_PARAMS];
	double		trial2[MAX_PARAMS];
	int			n = k + 1;

	for (int i = 0; i < n; i++)
	{
		memcpy(pts[i], theta, k * sizeof(double));
		if (i > 0)
			pts[i][i - 1] += START_STEP;
		vals[i] = evaluate(f, arg, k, pts[i]);
	}
	*converged = false;
	for (int it = 0; it < MAX_ITERATIONS && *iterations < MAX_TOTAL_ITERATIONS; it++)
	{
		int			best = 0,
					worst = 0,
					second = 0;
		double		size = 0;
		double		fr,
					fe,
					fc;

		(*iterations)++;
		for (int i = 1; i < n; i++)
		{
			if (vals[i] < vals[best])
				best = i;
			if (vals[i] > vals[worst])
				worst = i;
		}
		second = best;
		for (int i = 0; i < n; i++)
			if (i != worst && vals[i] > vals[second])
				second = i;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < k; j++)
				size = Max(size, fabs(pts[i][j] - pts[best][j]));
		if ((isfinite(vals[worst]) &&
			 fabs(vals[worst] - vals[best]) <= FTOL * (fabs(vals[best]) + fabs(vals[worst])) + 1e-300 &&
			 size <= XTOL * (1 + fabs(pts[best][0]))) ||
			(at_edge(pts[best], k) && finite_spread(vals, n, best) <= EDGE_FTOL * fabs(vals[best])))
		{
			*converged = true;
			memcpy(theta, pts[best], k * sizeof(double));
			return vals[best];
		}
		for (int j = 0; j < k; j++)
		{
			centroid[j] = 0;
			for (int i = 0; i < n; i++)
				if (i != worst)
					centroid[j] += pts[i][j] / k;
		}
		for (int j = 0; j < k; j++)
			trial[j] = centroid[j] + (centroid[j] - pts[worst][j]);
		fr = evaluate(f, arg, k, trial);
		if (fr < vals[best])
		{
			for (int j = 0; j < k; j++)
				trial2[j] = centroid[j] + 2 * (centroid[j] - pts[worst][j]);
			fe = evaluate(f, arg, k, trial2);
			if (fe < fr)
			{
				memcpy(pts[worst], trial2, k * sizeof(double));
				vals[worst] = fe;
			}
			else
			{
				memcpy(pts[worst], trial, k * sizeof(double));
				vals[worst] = fr;
			}
			continue;
		}
		if (fr < vals[second])
		{
			memcpy(pts[worst], trial, k * sizeof(double));
			vals[worst] = fr;
			continue;
		}
		/* Contract: outside when the reflection helped a little, else inside. */
		for (int j = 0; j < k; j++)
			trial2[j] = (fr < vals[worst])
				? centroid[j] + 0.5 * (trial[j] - centroid[j])
				: centroid[j] + 0.5 * (pts[worst][j] - centroid[j]);
		fc = evaluate(f, arg, k, trial2);
		if (fc < Min(fr, vals[worst]))
		{
			memcpy(pts[worst], trial2, k * sizeof(double));
			vals[worst] = fc;
			continue;
		}
		for (int i = 0; i < n; i++)
		{
			if (i == best)
				continue;
			for (int j = 0; j < k; j++)
				pts[i][j] = pts[best][j] + 0.5 * (pts[i][j] - pts[best][j]);
			vals[i] = evaluate(f, arg, k, pts[i]);
		}
		CHECK_FOR_INTERRUPTS();
	}
	{
		int			best = 0;

		for (int i = 1; i < n; i++)
			if (vals[i] < vals[best])
				best = i;
		memcpy(theta, pts[best], k * sizeof(double));
		return vals[best];
	}
}

/*
 * Minimizes f over k parameters from each of nstarts starting points
 * (starts: nstarts * k values); the best point goes to theta.
 */
CdpMinimum
CdpMinimize(CdpObjective f, void *arg, int k, const double *starts, int nstarts, double *theta)
{
	CdpMinimum	result = {INFINITY, 0, false};
	double		point[MAX_PARAMS];

	Assert(k <= MAX_PARAMS);
	for (int s = 0; s < nstarts; s++)
	{
		double		value = INFINITY;
		bool		converged = false;

		memcpy(point, starts + s * k, k * sizeof(double));
		for (int r = 0; r < MAX_RESTARTS && result.iterations < MAX_TOTAL_ITERATIONS; r++)
		{
			double		before = value;

			value = simplex_run(f, arg, k, point, &result.iterations, &converged);
			/* at the wall a restart only crawls along it */
			if (converged && (at_edge(point, k) || before - value <= FTOL * fabs(value)))
				break;
		}
		if (value < result.value)
		{
			result.value = value;
			result.converged = converged;
			memcpy(theta, point, k * sizeof(double));
		}
	}
	result.at_edge = at_edge(theta, k);
	return result;
}
