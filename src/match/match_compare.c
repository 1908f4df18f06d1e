/*-------------------------------------------------------------------------
 *
 * match_compare.c
 *	  The comparison of two records: for each comparison of the model the
 *	  first level the pair meets (its outcome, gamma), and the pair's match
 *	  weight in the Fellegi-Sunter model.
 *
 * Levels are tried in order; a similarity or distance is computed at most
 * once per comparison and pair, whatever the number of levels that read
 * it.  A NULL on either side is the null outcome (weight 0); a pair that
 * meets no level falls in the implicit last level.  A value a level cannot
 * read (no date, no number) does not meet that level.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fuzzy/fuzzy.h"
#include "match/match_internal.h"

/* Smallest probability a weight is computed from: no infinite weights. */
#define MIN_PROBABILITY		1e-12

/* A measure computed for a pair, per comparison: NaN until computed. */
typedef struct Measures
{
	double		jaro_winkler;
	double		jaro;
	double		qgram;
	double		token_set;
	double		levenshtein;
	double		damerau;
} Measures;

/* The largest distance any level of kind asks about in comparison c. */
static int
distance_bound(const CdpMatchComparison *c, CdpLevelKind kind)
{
	double		bound = 0;

	for (int l = 0; l < c->nlevels; l++)
		if (c->levels[l].kind == kind)
			bound = Max(bound, c->levels[l].threshold);
	return (int) bound;
}

/* Computes the measure a level reads, unless the pair has it already. */
static double
measure(const CdpMatchComparison *c, const CdpMatchLevel *level, const char *a, int alen,
		const char *b, int blen, Measures *cache)
{
	CdpFuzzyText x,
				y;
	double	   *slot;

	switch (level->kind)
	{
		case CDP_LEVEL_JARO_WINKLER:
			slot = &cache->jaro_winkler;
			break;
		case CDP_LEVEL_JARO:
			slot = &cache->jaro;
			break;
		case CDP_LEVEL_QGRAM:
			slot = &cache->qgram;
			break;
		case CDP_LEVEL_TOKEN_SET:
			slot = &cache->token_set;
			break;
		case CDP_LEVEL_LEVENSHTEIN:
			slot = &cache->levenshtein;
			break;
		default:
			slot = &cache->damerau;
			break;
	}
	if (!isnan(*slot))
		return *slot;

	CdpFuzzyDecode(a, alen, &x);
	CdpFuzzyDecode(b, blen, &y);
	switch (level->kind)
	{
		case CDP_LEVEL_JARO_WINKLER:
			*slot = CdpJaroWinkler(&x, &y);
			break;
		case CDP_LEVEL_JARO:
			*slot = CdpJaro(&x, &y);
			break;
		case CDP_LEVEL_QGRAM:
			*slot = CdpQgramSimilarity(&x, &y, 3);
			break;
		case CDP_LEVEL_TOKEN_SET:
			*slot = CdpTokenSetSimilarity(&x, &y);
			break;
		case CDP_LEVEL_LEVENSHTEIN:
			*slot = CdpLevenshtein(&x, &y, distance_bound(c, CDP_LEVEL_LEVENSHTEIN));
			break;
		default:
			*slot = CdpDamerauLevenshtein(&x, &y);
			break;
	}
	CdpFuzzyFree(&x);
	CdpFuzzyFree(&y);
	return *slot;
}

/* Tells whether records i and j meet level of comparison c. */
static bool
meets(const CdpMatchRecords *records, int cidx, const CdpMatchComparison *c,
	  const CdpMatchLevel *level, int32 i, int32 j, const bool *sql_values, Measures *cache)
{
	const char *a = records->values[cidx][i];
	const char *b = records->values[cidx][j];
	int			alen = records->lengths[cidx][i];
	int			blen = records->lengths[cidx][j];

	switch (level->kind)
	{
		case CDP_LEVEL_EXACT:
			return alen == blen && memcmp(a, b, alen) == 0;
		case CDP_LEVEL_JARO_WINKLER:
		case CDP_LEVEL_JARO:
		case CDP_LEVEL_QGRAM:
		case CDP_LEVEL_TOKEN_SET:
			return measure(c, level, a, alen, b, blen, cache) >= level->threshold;
		case CDP_LEVEL_LEVENSHTEIN:
		case CDP_LEVEL_DAMERAU:
			return measure(c, level, a, alen, b, blen, cache) <= level->threshold;
		case CDP_LEVEL_DATE_WITHIN:
			{
				int32		x = records->dates[cidx][i];
				int32		y = records->dates[cidx][j];

				return x != CDP_NO_DATE && y != CDP_NO_DATE && Abs(x - y) <= level->threshold;
			}
		case CDP_LEVEL_NUMERIC_WITHIN:
			{
				double		x = records->numbers[cidx][i];
				double		y = records->numbers[cidx][j];

				return !isnan(x) && !isnan(y) && fabs(x - y) <= level->threshold;
			}
		case CDP_LEVEL_SQL:
			return sql_values != NULL && sql_values[level->sql_column];
	}
	return false;
}

/*
 * CdpComparePair fills gamma[c] with the outcome of each comparison for
 * records i and j; sql_values holds the pair's sql levels (may be NULL
 * when the model has none).
 */
void
CdpComparePair(const CdpMatchModel *model, const CdpMatchRecords *records, int32 i, int32 j,
			   const bool *sql_values, int8 *gamma)
{
	for (int c = 0; c < model->ncomparisons; c++)
	{
		const CdpMatchComparison *comparison = &model->comparisons[c];
		Measures	cache = {NAN, NAN, NAN, NAN, NAN, NAN};
		int			l;

		if (records->values[c][i] == NULL || records->values[c][j] == NULL)
		{
			gamma[c] = CDP_GAMMA_NULL;
			continue;
		}
		for (l = 0; l < comparison->nlevels; l++)
			if (meets(records, c, comparison, &comparison->levels[l], i, j, sql_values, &cache))
				break;
		gamma[c] = (int8) l;
	}
}

/*
 * CdpLevelWeight returns the weight, log2(m/u), of outcome g of comparison
 * c for records i and j: an exact level with term frequencies weighs
 * log2(m / share of the value), so that agreeing on a rare value counts
 * more than agreeing on a common one.
 */
double
CdpLevelWeight(const CdpMatchModel *model, const CdpMatchRecords *records, int c, int32 i, int8 g)
{
	const CdpMatchComparison *comparison = &model->comparisons[c];
	double		m,
				u;

	if (g == CDP_GAMMA_NULL)
		return 0;
	m = Max(comparison->m[g], MIN_PROBABILITY);
	u = Max(comparison->u[g], MIN_PROBABILITY);
	if (g < comparison->nlevels && comparison->levels[g].tf && records->tf[c] != NULL &&
		records->tf[c][i] > 0)
		u = Max(records->tf[c][i], MIN_PROBABILITY);
	return log2(m / u);
}

/* CdpPriorWeight returns log2(λ / (1 - λ)), the weight before any evidence. */
double
CdpPriorWeight(const CdpMatchModel *model)
{
	double		lambda = Min(Max(model->lambda, MIN_PROBABILITY), 1 - MIN_PROBABILITY);

	return log2(lambda / (1 - lambda));
}

/*
 * CdpPairWeight returns the match weight of a pair whose left record is i
 * and whose outcomes are gamma: log2(λ / (1 - λ)) plus each comparison's
 * weight (term frequencies are those of record i's values, which equal
 * the other's where they count).
 */
double
CdpPairWeight(const CdpMatchModel *model, const CdpMatchRecords *records, int32 i,
			  const int8 *gamma)
{
	double		w = CdpPriorWeight(model);

	for (int c = 0; c < model->ncomparisons; c++)
		w += CdpLevelWeight(model, records, c, i, gamma[c]);
	return w;
}

/* CdpWeightProbability turns a match weight into a probability: 2^w / (1 + 2^w). */
double
CdpWeightProbability(double weight)
{
	return 1.0 / (1.0 + exp2(-weight));
}

/* CdpProbabilityWeight returns the weight a pair needs to reach probability p. */
double
CdpProbabilityWeight(double p)
{
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	return log2(p / (1 - p));
}

/* CdpGammaLabel names outcome g of comparison: null, a level, or else. */
const char *
CdpGammaLabel(const CdpMatchComparison *comparison, int8 g)
{
	if (g == CDP_GAMMA_NULL)
		return "null";
	if (g >= comparison->nlevels)
		return "else";
	return comparison->levels[g].label;
}
