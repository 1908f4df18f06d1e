/*-------------------------------------------------------------------------
 *
 * match_cluster.c
 *	  cdp.match_clusters(): every record in one cluster, clusters being the
 *	  connected components of the pairs at or above a probability, split
 *	  where they only hold together by a chain.
 *
 * Connected components chain: A matches B and B matches C puts A with C
 * even when A and C disagree on everything.  So each component of three or
 * more records is checked against all its pairs, not only those the
 * blocking rules gave: average-linkage agglomeration within the component
 * (start from single records, repeatedly join the two groups whose pairs
 * have the highest mean match weight, while that mean reaches the
 * threshold's weight).  A component whose members all match each other
 * stays whole; a chain falls apart at its weak links.  Components larger
 * than CHAIN_GUARD_MAX records are left as they are (the check costs the
 * cube of their size) and counted in a NOTICE.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include <math.h>

#include "match/match_internal.h"

PG_FUNCTION_INFO_V1(cdp_match_clusters);

/* Largest component the chain guard splits. */
#define CHAIN_GUARD_MAX		300

/* The components: members of each, in order of record index. */
typedef struct Components
{
	int32		n;				/* components */
	int32	   *start;			/* members of k: member[start[k] .. start[k + 1]) */
	int32	   *member;			/* record indexes */
} Components;

/* Unions the records of every candidate pair at or above min_weight. */
static CdpUnionFind *
join_pairs(const CdpMatchModel *model, const CdpMatchRecords *records, Oid relid,
		   const char *id_column, double min_weight)
{
	CdpUnionFind *uf = CdpUnionFindCreate(records->n);
	int8	   *gamma = palloc(model->ncomparisons);

	for (int k = 0; k < model->nblocking; k++)
	{
		CdpPairSource *source = CdpOpenBlockingPairs(model, relid, id_column, k, NULL);
		CdpPairBatch batch;

		while (CdpNextPairs(source, records, &batch))
		{
			for (int b = 0; b < batch.n; b++)
			{
				if (batch.earlier[b])
					continue;
				CdpComparePair(model, records, batch.left[b], batch.right[b],
							   &batch.sql_values[b * model->nsql], gamma);
				if (CdpPairWeight(model, records, batch.left[b], gamma) >= min_weight)
					CdpUnionFindUnion(uf, batch.left[b], batch.right[b]);
			}
			CHECK_FOR_INTERRUPTS();
		}
		CdpClosePairs(source);
	}
	return uf;
}

/* Groups the records by component (counting sort by root). */
static Components *
components_of(CdpUnionFind *uf, int32 n)
{
	Components *comp = palloc0(sizeof(Components));
	int32	   *count = palloc0((n + 1) * sizeof(int32));
	int32	   *which = palloc(Max(n, 1) * sizeof(int32));
	int32	   *fill;

	for (int32 i = 0; i < n; i++)
	{
		int32		root = CdpUnionFindFind(uf, i);

		if (root == i)
			which[i] = comp->n++;
	}
	for (int32 i = 0; i < n; i++)
		count[which[CdpUnionFindFind(uf, i)] + 1]++;
	comp->start = palloc((comp->n + 1) * sizeof(int32));
	comp->start[0] = 0;
	for (int32 k = 0; k < comp->n; k++)
		comp->start[k + 1] = comp->start[k] + count[k + 1];
	comp->member = palloc(Max(n, 1) * sizeof(int32));
	fill = palloc0(comp->n * sizeof(int32));
	for (int32 i = 0; i < n; i++)
	{
		int32		k = which[CdpUnionFindFind(uf, i)];

		comp->member[comp->start[k] + fill[k]++] = i;
	}
	return comp;
}

/*
 * Scores every pair of members of component k into w (size x size, upper
 * triangle), evaluating sql levels through SQL when the model has some.
 */
static void
score_component(const CdpMatchModel *model, const CdpMatchRecords *records, Oid relid,
				const char *id_column, const int32 *members, int size, double *w)
{
	int8	   *gamma = palloc(model->ncomparisons);
	int			npairs = size * (size - 1) / 2;
	int32	   *left = palloc(npairs * sizeof(int32));
	int32	   *right = palloc(npairs * sizeof(int32));
	int			k = 0;

	for (int a = 0; a < size; a++)
		for (int b = a + 1; b < size; b++, k++)
		{
			left[k] = members[a];
			right[k] = members[b];
			if (model->nsql == 0)
			{
				CdpComparePair(model, records, left[k], right[k], NULL, gamma);
				w[a * size + b] = CdpPairWeight(model, records, left[k], gamma);
			}
		}
	if (model->nsql > 0)
	{
		CdpPairSource *source = CdpOpenGivenPairs(model, relid, id_column, records, left, right,
												  npairs);
		CdpPairBatch batch;

		while (CdpNextPairs(source, records, &batch))
			for (int p = 0; p < batch.n; p++)
			{
				int			a = 0,
							b = 0;

				/* Rows come back in any order: find the pair's members. */
				for (int x = 0; x < size; x++)
				{
					if (members[x] == batch.left[p])
						a = x;
					if (members[x] == batch.right[p])
						b = x;
				}
				CdpComparePair(model, records, batch.left[p], batch.right[p],
							   &batch.sql_values[p * model->nsql], gamma);
				w[Min(a, b) * size + Max(a, b)] = CdpPairWeight(model, records, batch.left[p], gamma);
			}
		CdpClosePairs(source);
	}
}

/*
 * Splits a component by average linkage: group[x] receives the group of
 * member x (a member index).  sum[x][y] and cnt[x][y] hold, for groups x
 * and y, the total weight and number of their member pairs.
 */
static void
split_chains(const double *w, int size, double min_weight, int *group)
{
	double	   *sum = palloc(size * size * sizeof(double));
	int		   *cnt = palloc(size * size * sizeof(int));
	bool	   *alive = palloc(size * sizeof(bool));

	for (int a = 0; a < size; a++)
	{
		group[a] = a;
		alive[a] = true;
		for (int b = a + 1; b < size; b++)
		{
			sum[a * size + b] = w[a * size + b];
			cnt[a * size + b] = 1;
		}
	}
	for (;;)
	{
		int			best_a = -1,
					best_b = -1;
		double		best = -INFINITY;

		for (int a = 0; a < size; a++)
			for (int b = a + 1; alive[a] && b < size; b++)
				if (alive[b] && sum[a * size + b] / cnt[a * size + b] > best)
				{
					best = sum[a * size + b] / cnt[a * size + b];
					best_a = a;
					best_b = b;
				}
		if (best_a < 0 || best < min_weight)
			break;
		/* Join b into a: a's links are the sums of both. */
		alive[best_b] = false;
		for (int x = 0; x < size; x++)
		{
			int			ax = Min(best_a, x) * size + Max(best_a, x);
			int			bx = Min(best_b, x) * size + Max(best_b, x);

			if (!alive[x] || x == best_a)
				continue;
			sum[ax] += sum[bx];
			cnt[ax] += cnt[bx];
		}
		for (int x = 0; x < size; x++)
			if (group[x] == best_b)
				group[x] = best_a;
	}
}

/*
 * Emits (record id, cluster id) for members grouped by group[] (group
 * numbers are member indexes); a cluster is named after its smallest id.
 */
static void
emit_groups(const CdpMatchRecords *records, const int32 *members, int size, const int *group,
			ReturnSetInfo *rsinfo)
{
	const char **name = palloc0(size * sizeof(const char *));

	for (int x = 0; x < size; x++)
	{
		const char *id = records->ids[members[x]];

		if (name[group[x]] == NULL || strcmp(id, name[group[x]]) < 0)
			name[group[x]] = id;
	}
	for (int x = 0; x < size; x++)
	{
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = CStringGetTextDatum(records->ids[members[x]]);
		values[1] = CStringGetTextDatum(name[group[x]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(name);
}

/*
 * cdp.match_clusters(name, records regclass, id_column text, threshold
 * float8, split_chains boolean DEFAULT true) → TABLE(record_id, cluster_id).
 */
Datum
cdp_match_clusters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	char	   *id_column;
	CdpMatchModel *model;
	CdpMatchRecords *records;
	double		min_weight;
	bool		guard;
	Components *comp;
	int64		unchecked = 0;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	CdpRequireArgument(fcinfo, 3, "threshold");
	model = CdpLoadMatchModel(PG_GETARG_TEXT_PP(0));
	CdpRequireArgument(fcinfo, 1, "records");
	CdpRequireArgument(fcinfo, 2, "id_column");
	relid = PG_GETARG_OID(1);
	id_column = text_to_cstring(PG_GETARG_TEXT_PP(2));
	CdpRequireTrained(model);
	min_weight = CdpProbabilityWeight(PG_GETARG_FLOAT8(3));
	guard = PG_ARGISNULL(4) || PG_GETARG_BOOL(4);
	CdpValidateMatchSql(model, relid, id_column);
	records = CdpLoadMatchRecords(model, relid, id_column, NULL);
	comp = components_of(join_pairs(model, records, relid, id_column, min_weight), records->n);

	for (int32 k = 0; k < comp->n; k++)
	{
		int			size = comp->start[k + 1] - comp->start[k];
		const int32 *members = &comp->member[comp->start[k]];
		int		   *group = palloc(size * sizeof(int));

		for (int x = 0; x < size; x++)
			group[x] = 0;
		if (guard && size >= 3 && size <= CHAIN_GUARD_MAX)
		{
			double	   *w = palloc(size * size * sizeof(double));

			score_component(model, records, relid, id_column, members, size, w);
			split_chains(w, size, min_weight, group);
			pfree(w);
		}
		else if (guard && size > CHAIN_GUARD_MAX)
			unchecked++;
		emit_groups(records, members, size, group, rsinfo);
		pfree(group);
		CHECK_FOR_INTERRUPTS();
	}
	if (unchecked > 0)
		ereport(NOTICE,
				(errmsg(INT64_FORMAT " clusters of more than %d records were not checked for chaining",
						unchecked, CHAIN_GUARD_MAX)));
	SPI_finish();
	return (Datum) 0;
}
