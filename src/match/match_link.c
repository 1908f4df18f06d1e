/*-------------------------------------------------------------------------
 *
 * match_link.c
 *	  Matching the profiles' golden records into the identity graph:
 *	  cdp.link_matches() and cdp.match_profile().
 *
 * The first run of a model scores every candidate pair of cdp.profiles;
 * later runs only the profiles created or changed since the previous run
 * (updated_at), through the blocking rules restricted to them, so the cost
 * follows the change, not the size of the table (with an expression index
 * per blocking rule the candidates are found by index, see the README).
 * Pairs at or above the link threshold become edges of rule "match" between
 * an identity of each profile, with the model, weight and probability as
 * provenance, stitched like any other evidence (kind limits and unlinked
 * pairs apply); pairs between the thresholds go to cdp.match_review.  A
 * pair a person rejected is never proposed again.
 *
 * Term frequencies of a full run are stored (cdp.match_term_frequencies)
 * for the incremental runs, which load only the records they compare.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include <math.h>

#include "identity/identity.h"
#include "match/match_internal.h"

PG_FUNCTION_INFO_V1(cdp_link_matches);
PG_FUNCTION_INFO_V1(cdp_match_profile);

#define PROFILE_ID	"profile_id"

static CdpPlanCache state_plan;
static CdpPlanCache changed_plan;
static CdpPlanCache linked_plan;
static CdpPlanCache forget_tf_plan;
static CdpPlanCache store_tf_plan;
static CdpPlanCache stored_tf_plan;
static CdpPlanCache representative_plan;
static CdpPlanCache reviewed_plan;
static CdpPlanCache review_plan;

/* Candidate pairs held by id, for the incremental runs. */
typedef struct PairList
{
	int			n;
	int			cap;
	char	  **left_ids;
	char	  **right_ids;
	bool	   *sql_values;
} PairList;

/* A pair of profiles that reached a threshold. */
typedef struct Found
{
	int64		left;			/* profile ids */
	int64		right;
	int32		left_record;
	int32		right_record;
	double		weight;
	int8	   *gamma;			/* for a review's explanation */
} Found;

/* What a run found, and did. */
typedef struct LinkRun
{
	CdpMatchModel *model;
	Oid			relid;
	double		link_weight;
	double		review_weight;
	int64		pairs;
	List	   *links;			/* Found * */
	List	   *reviews;		/* Found * */
	CdpMatchRecords *records;	/* those compared */
} LinkRun;

/* A pair of profile ids, smaller first. */
typedef struct ProfilePair
{
	int64		a;
	int64		b;
} ProfilePair;

/* A pair a review exists for, and what a person decided on it. */
typedef struct Decided
{
	ProfilePair key;
	char		decision;		/* 'r' rejected, else pending or accepted */
	uint32		hash;
	char		status;
} Decided;

#define SH_PREFIX		decided
#define SH_ELEMENT_TYPE	Decided
#define SH_KEY_TYPE		ProfilePair
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_combine(murmurhash32((uint32) (k).a ^ (uint32) ((k).a >> 32)), \
										 murmurhash32((uint32) (k).b ^ (uint32) ((k).b >> 32)))
#define SH_EQUAL(tb, x, y) ((x).a == (y).a && (x).b == (y).b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, e)	((e)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* The pair (x, y), smaller first. */
static ProfilePair
profile_pair(int64 x, int64 y)
{
	ProfilePair p;

	p.a = Min(x, y);
	p.b = Max(x, y);
	return p;
}

/* The profile id that record i of the profiles stands for. */
static int64
profile_of(const CdpMatchRecords *records, int32 i)
{
	return pg_strtoint64(records->ids[i]);
}

/*
 * Scores a batch of candidate pairs of profiles and keeps those that reach
 * the review threshold.
 */
static void
score_batch(LinkRun *run, const CdpMatchRecords *records, const CdpPairBatch *batch)
{
	CdpMatchModel *model = run->model;
	int8	   *gamma = palloc(model->ncomparisons);

	for (int b = 0; b < batch->n; b++)
	{
		Found	   *f;
		double		w;

		if (batch->earlier[b] || batch->left[b] < 0 || batch->right[b] < 0)
			continue;
		run->pairs++;
		CdpComparePair(model, records, batch->left[b], batch->right[b],
					   &batch->sql_values[b * model->nsql], gamma);
		w = CdpPairWeight(model, records, batch->left[b], gamma);
		if (w < run->review_weight)
			continue;
		f = palloc(sizeof(Found));
		f->left_record = batch->left[b];
		f->right_record = batch->right[b];
		f->left = profile_of(records, batch->left[b]);
		f->right = profile_of(records, batch->right[b]);
		f->weight = w;
		f->gamma = palloc(model->ncomparisons);
		memcpy(f->gamma, gamma, model->ncomparisons);
		if (w >= run->link_weight)
			run->links = lappend(run->links, f);
		else
			run->reviews = lappend(run->reviews, f);
	}
}

/* Stores the term frequencies of a full run, for later incremental runs. */
static void
store_term_frequencies(const CdpMatchModel *model, const CdpMatchRecords *records)
{
	Oid			argtype = INT4OID;
	Datum		arg = Int32GetDatum(model->model_id);
	Oid			argtypes[4] = {INT4OID, TEXTOID, TEXTARRAYOID, FLOAT8ARRAYOID};

	CdpExecute(CdpPlan(&forget_tf_plan, "DELETE FROM cdp.match_term_frequencies WHERE model_id = $1",
					   1, &argtype),
			   &arg, SPI_OK_DELETE);
	for (int c = 0; c < model->ncomparisons; c++)
	{
		Datum	   *values;
		Datum	   *shares;
		int			n = 0;
		Datum		args[4];

		if (!model->comparisons[c].has_tf)
			continue;
		values = palloc(Max(records->n, 1) * sizeof(Datum));
		shares = palloc(Max(records->n, 1) * sizeof(Datum));
		for (int32 i = 0; i < records->n; i++)
		{
			if (records->values[c][i] == NULL)
				continue;
			values[n] = CStringGetTextDatum(records->values[c][i]);
			shares[n] = Float8GetDatum(records->tf[c][i]);
			n++;
		}
		args[0] = Int32GetDatum(model->model_id);
		args[1] = CStringGetTextDatum(model->comparisons[c].name);
		args[2] = CdpDatumArray(values, n, TEXTOID);
		args[3] = CdpDatumArray(shares, n, FLOAT8OID);
		CdpExecute(CdpPlan(&store_tf_plan,
						   "INSERT INTO cdp.match_term_frequencies (model_id, comparison, value, share)"
						   " SELECT DISTINCT ON (t.value) $1, $2, t.value, t.share"
						   " FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS t(value, share)",
						   4, argtypes),
				   args, SPI_OK_INSERT);
	}
}

/*
 * Sets the term frequencies of records loaded in part from those a full
 * run stored: a value not stored then is taken to be as rare as the
 * rarest stored.  Before any full run, none: exact levels weigh by u.
 */
static void
stored_term_frequencies(const CdpMatchModel *model, CdpMatchRecords *records)
{
	Oid			argtypes[4] = {INT4OID, TEXTOID, INT4ARRAYOID, TEXTARRAYOID};

	for (int c = 0; c < model->ncomparisons; c++)
	{
		Datum	   *index;
		Datum	   *values;
		int			n = 0;
		Datum		args[4];

		if (!model->comparisons[c].has_tf)
			continue;
		index = palloc(Max(records->n, 1) * sizeof(Datum));
		values = palloc(Max(records->n, 1) * sizeof(Datum));
		for (int32 i = 0; i < records->n; i++)
		{
			records->tf[c][i] = 0;
			if (records->values[c][i] == NULL)
				continue;
			index[n] = Int32GetDatum(i);
			values[n] = CStringGetTextDatum(records->values[c][i]);
			n++;
		}
		args[0] = Int32GetDatum(model->model_id);
		args[1] = CStringGetTextDatum(model->comparisons[c].name);
		args[2] = CdpDatumArray(index, n, INT4OID);
		args[3] = CdpDatumArray(values, n, TEXTOID);
		CdpExecute(CdpPlan(&stored_tf_plan,
						   "SELECT v.i, coalesce(t.share, (SELECT pg_catalog.min(s.share)"
						   "   FROM cdp.match_term_frequencies s WHERE s.model_id = $1 AND s.comparison = $2))"
						   " FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS v(i, value)"
						   " LEFT JOIN cdp.match_term_frequencies t"
						   "   ON t.model_id = $1 AND t.comparison = $2 AND t.value = v.value",
						   4, argtypes),
				   args, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int32		i = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
			Datum		share = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull);

			records->tf[c][i] = isnull ? 0 : DatumGetFloat8(share);
		}
	}
}

/* Adds one candidate pair (copied) to list. */
static void
add_pair(PairList *list, const char *left, const char *right, const bool *sql_values, int nsql)
{
	if (list->n == list->cap)
	{
		list->cap = Max(64, list->cap * 2);
		list->left_ids = repalloc_huge(list->left_ids, list->cap * sizeof(char *));
		list->right_ids = repalloc_huge(list->right_ids, list->cap * sizeof(char *));
		list->sql_values = repalloc_huge(list->sql_values, Max(list->cap * nsql, 1) * sizeof(bool));
	}
	list->left_ids[list->n] = pstrdup(left);
	list->right_ids[list->n] = pstrdup(right);
	memcpy(&list->sql_values[list->n * nsql], sql_values, nsql * sizeof(bool));
	list->n++;
}

/*
 * Matches the profiles whose ids are in the text[] ids: their candidate
 * pairs are read first, then the records of both sides of each.
 */
static void
match_some(LinkRun *run, Datum ids)
{
	CdpMatchModel *model = run->model;
	PairList	list = {0};
	CdpMatchRecords *records;
	CdpPairBatch batch;
	Datum	   *involved;

	list.left_ids = palloc(sizeof(char *));
	list.right_ids = palloc(sizeof(char *));
	list.sql_values = palloc(sizeof(bool));
	for (int k = 0; k < model->nblocking; k++)
	{
		CdpPairSource *source = CdpOpenBlockingPairs(model, run->relid, PROFILE_ID, k, &ids);

		while (CdpNextPairs(source, NULL, &batch))
			for (int b = 0; b < batch.n; b++)
				if (!batch.earlier[b])
					add_pair(&list, batch.left_ids[b], batch.right_ids[b],
							 &batch.sql_values[b * model->nsql], model->nsql);
		CdpClosePairs(source);
	}
	if (list.n == 0)
		return;

	involved = palloc(2 * list.n * sizeof(Datum));
	for (int p = 0; p < list.n; p++)
	{
		involved[2 * p] = CStringGetTextDatum(list.left_ids[p]);
		involved[2 * p + 1] = CStringGetTextDatum(list.right_ids[p]);
	}
	ids = CdpDatumArray(involved, 2 * list.n, TEXTOID);
	records = CdpLoadMatchRecords(model, run->relid, PROFILE_ID, &ids);
	stored_term_frequencies(model, records);

	batch.n = list.n;
	batch.left_ids = list.left_ids;
	batch.right_ids = list.right_ids;
	batch.sql_values = list.sql_values;
	batch.earlier = palloc0(list.n * sizeof(bool));
	batch.left = palloc(list.n * sizeof(int32));
	batch.right = palloc(list.n * sizeof(int32));
	for (int p = 0; p < list.n; p++)
	{
		batch.left[p] = CdpMatchRecordIndex(records, list.left_ids[p]);
		batch.right[p] = CdpMatchRecordIndex(records, list.right_ids[p]);
	}
	score_batch(run, records, &batch);
	run->records = records;
}

/* Matches every candidate pair of the profiles, and stores their term frequencies. */
static void
match_all(LinkRun *run)
{
	CdpMatchModel *model = run->model;
	CdpMatchRecords *records = CdpLoadMatchRecords(model, run->relid, PROFILE_ID, NULL);

	store_term_frequencies(model, records);
	for (int k = 0; k < model->nblocking; k++)
	{
		CdpPairSource *source = CdpOpenBlockingPairs(model, run->relid, PROFILE_ID, k, NULL);
		CdpPairBatch batch;

		while (CdpNextPairs(source, records, &batch))
		{
			score_batch(run, records, &batch);
			CHECK_FOR_INTERRUPTS();
		}
		CdpClosePairs(source);
	}
	run->records = records;
}

/* An identity standing for a profile: its highest-priority identifier. */
typedef struct Representative
{
	int64		identity_id;
	Datum		ident;
} Representative;

/*
 * Finds a representative identity of each profile of the pairs found;
 * fills the arrays, parallel to profiles[] (sorted, distinct).
 */
static int
representatives(List *found_lists[2], int64 **profiles, Representative **reps)
{
	int			cap = 0;
	int			n = 0;
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;

	for (int l = 0; l < 2; l++)
		cap += 2 * list_length(found_lists[l]);
	*profiles = palloc(Max(cap, 1) * sizeof(int64));
	for (int l = 0; l < 2; l++)
	{
		ListCell   *lc;

		foreach(lc, found_lists[l])
		{
			Found	   *f = lfirst(lc);

			(*profiles)[n++] = f->left;
			(*profiles)[n++] = f->right;
		}
	}
	n = (int) CdpIdSortUnique(*profiles, n);
	*reps = palloc0(Max(n, 1) * sizeof(Representative));
	arg = CdpInt8Array(*profiles, n);
	CdpExecute(CdpPlan(&representative_plan,
					   "SELECT DISTINCT ON (i.profile_id) i.profile_id, i.identity_id, i.ident"
					   " FROM cdp.identities i"
					   " JOIN cdp.identifier_kinds k ON k.kind = cdp.ident_kind(i.ident)"
					   " WHERE i.profile_id = ANY ($1) AND NOT i.quarantined"
					   " ORDER BY i.profile_id, k.priority DESC, i.identity_id", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		k = CdpIdFind(*profiles, n,
								  DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull)));

		(*reps)[k].identity_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
		(*reps)[k].ident = SPI_datumTransfer(SPI_getbinval(tuple, desc, 3, &isnull), false, -1);
	}
	return n;
}

/*
 * The pairs of profiles reviews exist for (by the identities they were
 * made on, followed to their profiles now), with the decision.
 */
static decided_hash *
reviewed_pairs(const CdpMatchModel *model)
{
	decided_hash *set = decided_create(CurrentMemoryContext, 64, NULL);
	Oid			argtype = INT4OID;
	Datum		arg = Int32GetDatum(model->model_id);

	CdpExecute(CdpPlan(&reviewed_plan,
					   "SELECT a.profile_id, b.profile_id, v.status FROM cdp.match_review v"
					   " JOIN cdp.identities a ON a.identity_id = v.left_identity_id"
					   " JOIN cdp.identities b ON b.identity_id = v.right_identity_id"
					   " WHERE v.model_id = $1", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull,
					found;
		ProfilePair key = profile_pair(DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull)),
									   DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull)));
		Decided    *d = decided_insert(set, key, &found);
		char	   *status = SPI_getvalue(tuple, desc, 3);

		if (!found || status[0] == 'r')
			d->decision = status[0];
	}
	return set;
}

/* The explanation of a pair, for a person reviewing it. */
static Datum
explanation(const CdpMatchModel *model, const CdpMatchRecords *records, const Found *f)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "[{\"comparison\": \"prior\", \"level\": \"%s\", \"weight\": %.6g}",
					 CDP_PRIOR_LEVEL, CdpPriorWeight(model));
	for (int c = 0; c < model->ncomparisons; c++)
	{
		const char *a = records->values[c][f->left_record];
		const char *b = records->values[c][f->right_record];

		appendStringInfoString(&buf, ", {\"comparison\": ");
		escape_json(&buf, model->comparisons[c].name);
		appendStringInfoString(&buf, ", \"level\": ");
		escape_json(&buf, CdpGammaLabel(&model->comparisons[c], f->gamma[c]));
		appendStringInfoString(&buf, ", \"left_value\": ");
		if (a)
			escape_json(&buf, a);
		else
			appendStringInfoString(&buf, "null");
		appendStringInfoString(&buf, ", \"right_value\": ");
		if (b)
			escape_json(&buf, b);
		else
			appendStringInfoString(&buf, "null");
		appendStringInfo(&buf, ", \"weight\": %.6g}",
						 CdpLevelWeight(model, records, c, f->left_record, f->gamma[c]));
	}
	appendStringInfoChar(&buf, ']');
	return CdpJsonbFromString(buf.data);
}

/* Counts of what a run did. */
typedef struct LinkCounts
{
	int64		linked;
	int64		queued;
	int64		rejected;		/* found again after a person rejected them */
	CdpStitchStats stats;
} LinkCounts;

/* Links the pairs found above the link threshold, unless rejected. */
static void
link_found(LinkRun *run, decided_hash *decided, const int64 *profiles, int nprofiles,
		   const Representative *reps, LinkCounts *counts)
{
	CdpStitchEvent *events = palloc0(Max(list_length(run->links), 1) * sizeof(CdpStitchEvent));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, run->links)
	{
		Found	   *f = lfirst(lc);
		Decided    *d = decided_lookup(decided, profile_pair(f->left, f->right));
		const Representative *x = &reps[CdpIdFind(profiles, nprofiles, f->left)];
		const Representative *y = &reps[CdpIdFind(profiles, nprofiles, f->right)];
		CdpStitchEvent *ev = &events[n];

		if (d != NULL && d->decision == 'r')
		{
			counts->rejected++;
			continue;
		}
		if (x->identity_id == 0 || y->identity_id == 0)
			continue;
		ev->occurred_at = GetCurrentTransactionStartTimestamp();
		ev->rule = "match";
		ev->probability = CdpWeightProbability(f->weight);
		ev->reason = psprintf("model %s: weight %.2f, probability %.6f", run->model->name,
							  f->weight, ev->probability);
		ev->enforce_limits = true;
		ev->nidentifiers = 2;
		ev->identifiers = palloc(2 * sizeof(Datum));
		ev->identifiers[0] = x->ident;
		ev->identifiers[1] = y->ident;
		ev->model_id = run->model->model_id;
		ev->match_weight = f->weight;
		n++;
	}
	counts->linked = n;
	if (n > 0)
		CdpStitch(events, n, &counts->stats);
}

/* Queues the pairs found between the thresholds, unless reviewed before. */
static void
queue_found(LinkRun *run, decided_hash *decided, const int64 *profiles, int nprofiles,
			const Representative *reps, LinkCounts *counts)
{
	int			cap = Max(list_length(run->reviews), 1);
	Datum	   *cols[7];
	int			n = 0;
	Oid			argtypes[8] = {INT4OID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID,
	FLOAT8ARRAYOID, FLOAT8ARRAYOID, JSONBARRAYOID};
	static const Oid elem[7] = {INT8OID, INT8OID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID, JSONBOID};
	Datum		args[8];
	ListCell   *lc;

	for (int k = 0; k < 7; k++)
		cols[k] = palloc(cap * sizeof(Datum));
	foreach(lc, run->reviews)
	{
		Found	   *f = lfirst(lc);
		const Representative *x = &reps[CdpIdFind(profiles, nprofiles, f->left)];
		const Representative *y = &reps[CdpIdFind(profiles, nprofiles, f->right)];
		bool		swap = x->identity_id > y->identity_id;

		if (decided_lookup(decided, profile_pair(f->left, f->right)) != NULL ||
			x->identity_id == 0 || y->identity_id == 0)
			continue;
		cols[0][n] = Int64GetDatum(swap ? f->right : f->left);
		cols[1][n] = Int64GetDatum(swap ? f->left : f->right);
		cols[2][n] = Int64GetDatum(swap ? y->identity_id : x->identity_id);
		cols[3][n] = Int64GetDatum(swap ? x->identity_id : y->identity_id);
		cols[4][n] = Float8GetDatum(f->weight);
		cols[5][n] = Float8GetDatum(CdpWeightProbability(f->weight));
		cols[6][n] = explanation(run->model, run->records, f);
		n++;
	}
	if (n == 0)
		return;
	args[0] = Int32GetDatum(run->model->model_id);
	for (int k = 0; k < 7; k++)
		args[k + 1] = CdpDatumArray(cols[k], n, elem[k]);
	CdpExecute(CdpPlan(&review_plan,
					   "INSERT INTO cdp.match_review (model_id, left_profile_id, right_profile_id,"
					   "   left_identity_id, right_identity_id, match_weight, probability, explanation)"
					   " SELECT $1, r.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3),"
					   "   pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6),"
					   "   pg_catalog.unnest($7), pg_catalog.unnest($8)) AS r"
					   " ON CONFLICT (model_id, left_identity_id, right_identity_id) DO NOTHING",
					   8, argtypes),
			   args, SPI_OK_INSERT);
	counts->queued = SPI_processed;
}

/* Raises 22023 unless 0 <= review_threshold <= threshold <= 1. */
static void
check_thresholds(double threshold, double review_threshold)
{
	if (!(threshold >= 0 && threshold <= 1 && review_threshold >= 0 &&
		  review_threshold <= threshold))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("thresholds must satisfy 0 <= review_threshold <= threshold <= 1")));
}

/*
 * cdp.link_matches(name, threshold, review_threshold) → jsonb: see the
 * head of this file.
 */
Datum
cdp_link_matches(PG_FUNCTION_ARGS)
{
	LinkRun		run = {0};
	LinkCounts	counts = {0};
	Oid			argtype = INT4OID;
	Datum		arg;
	bool		isnull;
	bool		full;
	Datum		since;
	int64	   *profiles;
	Representative *reps;
	int			nprofiles;
	List	   *found[2];
	decided_hash *decided;
	instr_time	start,
				duration;
	int64		changed = 0;
	char	   *json;
	Datum		out;

	INSTR_TIME_SET_CURRENT(start);
	CdpRequireArgument(fcinfo, 0, "name");
	CdpRequireArgument(fcinfo, 1, "threshold");
	CdpRequireArgument(fcinfo, 2, "review_threshold");
	check_thresholds(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	SPI_connect();
	run.model = CdpLoadMatchModel(PG_GETARG_TEXT_PP(0));
	CdpRequireTrained(run.model);
	run.relid = CdpRelationOid("profiles");
	run.link_weight = CdpProbabilityWeight(PG_GETARG_FLOAT8(1));
	run.review_weight = CdpProbabilityWeight(PG_GETARG_FLOAT8(2));
	CdpValidateMatchSql(run.model, run.relid, PROFILE_ID);

	arg = Int32GetDatum(run.model->model_id);
	CdpExecute(CdpPlan(&state_plan, "SELECT linked_at FROM cdp.match_models WHERE model_id = $1 FOR UPDATE",
					   1, &argtype),
			   &arg, SPI_OK_SELECT);
	since = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	full = isnull;
	if (full)
		match_all(&run);
	else
	{
		Oid			sincetype = TIMESTAMPTZOID;
		Datum		ids;

		CdpExecute(CdpPlan(&changed_plan,
						   "SELECT pg_catalog.array_agg(p.profile_id::text), pg_catalog.count(*)"
						   " FROM cdp.profiles p WHERE p.updated_at >= $1", 1, &sincetype),
				   &since, SPI_OK_SELECT);
		ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		changed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (changed > 0)
			match_some(&run, SPI_datumTransfer(ids, false, -1));
	}

	found[0] = run.links;
	found[1] = run.reviews;
	nprofiles = representatives(found, &profiles, &reps);
	decided = reviewed_pairs(run.model);
	link_found(&run, decided, profiles, nprofiles, reps, &counts);
	queue_found(&run, decided, profiles, nprofiles, reps, &counts);

	{
		Oid			argtypes[2] = {INT4OID, TIMESTAMPTZOID};
		Datum		args[2];

		args[0] = Int32GetDatum(run.model->model_id);
		args[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		CdpExecute(CdpPlan(&linked_plan, "UPDATE cdp.match_models SET linked_at = $2 WHERE model_id = $1",
						   2, argtypes),
				   args, SPI_OK_UPDATE);
	}
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	json = psprintf("{\"mode\": \"%s\", \"profiles_changed\": " INT64_FORMAT
					", \"pairs_scored\": " INT64_FORMAT ", \"linked\": " INT64_FORMAT
					", \"merges\": " INT64_FORMAT ", \"refused_by_limits\": " INT64_FORMAT
					", \"queued_for_review\": " INT64_FORMAT ", \"skipped_rejected\": " INT64_FORMAT
					", \"seconds\": %.3f}",
					full ? "full" : "incremental", full ? (int64) (run.records ? run.records->n : 0) : changed,
					run.pairs, counts.linked - counts.stats.refused, counts.stats.merges,
					counts.stats.refused, counts.queued, counts.rejected,
					INSTR_TIME_GET_DOUBLE(duration));
	out = SPI_datumTransfer(CdpJsonbFromString(json), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}

/* Orders found pairs by weight, highest first. */
static int
found_cmp(const ListCell *a, const ListCell *b)
{
	const Found *x = lfirst(a);
	const Found *y = lfirst(b);

	return (x->weight < y->weight) - (x->weight > y->weight);
}

/*
 * cdp.match_profile(name, profile_id) → TABLE(profile_id, match_weight,
 * probability): the candidates of one profile through the blocking rules,
 * best first.  Writes nothing.
 */
Datum
cdp_match_profile(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LinkRun		run = {0};
	int64		profile_id;
	Datum		id;
	Datum		ids;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	CdpRequireArgument(fcinfo, 0, "name");
	CdpRequireArgument(fcinfo, 1, "profile_id");
	profile_id = PG_GETARG_INT64(1);
	SPI_connect();
	run.model = CdpLoadMatchModel(PG_GETARG_TEXT_PP(0));
	CdpRequireTrained(run.model);
	run.relid = CdpRelationOid("profiles");
	run.link_weight = INFINITY;
	run.review_weight = -INFINITY;
	CdpValidateMatchSql(run.model, run.relid, PROFILE_ID);
	id = CStringGetTextDatum(psprintf(INT64_FORMAT, profile_id));
	ids = CdpDatumArray(&id, 1, TEXTOID);
	match_some(&run, ids);
	list_sort(run.reviews, found_cmp);
	foreach(lc, run.reviews)
	{
		Found	   *f = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {0};

		values[0] = Int64GetDatum(f->left == profile_id ? f->right : f->left);
		values[1] = Float8GetDatum(f->weight);
		values[2] = Float8GetDatum(CdpWeightProbability(f->weight));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
