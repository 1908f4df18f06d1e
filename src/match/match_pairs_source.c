/*-------------------------------------------------------------------------
 *
 * match_pairs_source.c
 *	  Candidate pairs from SQL, read in batches through a cursor: those of
 *	  one blocking rule, or pairs given by id.  With each pair come the
 *	  values of the model's sql levels and, for blocking, whether an
 *	  earlier rule gives the pair too (so that the union over rules counts
 *	  each pair once).
 *
 * The spec's SQL runs with the caller's rights: these are plain queries of
 * the caller's statement.  Before a model is used on a relation, every
 * piece of its SQL is prepared against it, so that an unknown column or a
 * rule that is no boolean raises with the spec key named, before anything
 * is computed or written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "match/match_internal.h"

/* Pairs fetched per round trip of the cursor. */
#define FETCH_PAIRS		20000

struct CdpPairSource
{
	const CdpMatchModel *model;
	SPIPlanPtr	plan;
	Portal		portal;
	MemoryContext batch_cxt;
};

/* Prepares sql (no execution) with the spec key path as error context. */
static void
check_prepares(const char *sql, const char *path)
{
	ErrorContextCallback errcallback;
	SPIPlanPtr	plan;

	errcallback.callback = CdpSpecKeyContext;
	errcallback.arg = unconstify(char *, path);
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	plan = SPI_prepare(sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_freeplan(plan);
	error_context_stack = errcallback.previous;
}

/*
 * CdpValidateMatchSql prepares every SQL piece of the model against relid
 * and id_column: an error names the spec key at fault.
 */
void
CdpValidateMatchSql(const CdpMatchModel *model, Oid relid, const char *id_column)
{
	const char *rel = CdpMatchSource(relid);
	const char *id = quote_identifier(id_column);

	check_prepares(psprintf("SELECT (l.%s)::text, (l.%s < r.%s) FROM %s AS l, %s AS r",
							id, id, id, rel, rel), "(the id column)");
	for (int c = 0; c < model->ncomparisons; c++)
	{
		const CdpMatchComparison *comparison = &model->comparisons[c];

		check_prepares(psprintf("SELECT (%s\n)::text FROM %s", comparison->sql, rel),
					   psprintf("comparisons[%d]", c));
		for (int l = 0; l < comparison->nlevels; l++)
			if (comparison->levels[l].kind == CDP_LEVEL_SQL)
				check_prepares(psprintf("SELECT 1 FROM %s AS l, %s AS r WHERE (%s\n)", rel, rel,
										comparison->levels[l].sql),
							   psprintf("comparisons[%d].levels[%d].sql", c, l));
	}
	for (int k = 0; k < model->nblocking; k++)
		check_prepares(psprintf("SELECT 1 FROM %s AS l JOIN %s AS r ON (%s\n)", rel, rel,
								model->blocking[k]),
					   psprintf("blocking[%d]", k));
	for (int k = 0; k < model->ndeterministic; k++)
		check_prepares(psprintf("SELECT 1 FROM %s AS l JOIN %s AS r ON (%s\n)", rel, rel,
								model->deterministic[k]),
					   psprintf("deterministic[%d]", k));
}

/* Appends the select list every pair query shares: ids, sql levels. */
static void
append_pair_columns(StringInfo sql, const CdpMatchModel *model, const char *left_id,
					const char *right_id)
{
	appendStringInfo(sql, "SELECT (%s)::text, (%s)::text", left_id, right_id);
	for (int c = 0; c < model->ncomparisons; c++)
		for (int l = 0; l < model->comparisons[c].nlevels; l++)
			if (model->comparisons[c].levels[l].kind == CDP_LEVEL_SQL)
				appendStringInfo(sql, ", coalesce((%s\n), false)", model->comparisons[c].levels[l].sql);
}

/* Opens a cursor on sql with nargs text[] arguments. */
static CdpPairSource *
open_source(const CdpMatchModel *model, const char *sql, int nargs, Datum *args)
{
	CdpPairSource *source = palloc0(sizeof(CdpPairSource));
	Oid			argtypes[2] = {TEXTARRAYOID, TEXTARRAYOID};

	source->model = model;
	source->plan = SPI_prepare(sql, nargs, argtypes);
	if (source->plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	source->portal = SPI_cursor_open(NULL, source->plan, args, NULL, true);
	source->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "cdp match pairs",
											  ALLOCSET_DEFAULT_SIZES);
	return source;
}

/* The type of column id_column of relid, as SQL. */
static char *
id_type(Oid relid, const char *id_column)
{
	AttrNumber	attnum = get_attnum(relid, id_column);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						id_column, get_rel_name(relid))));
	return format_type_be(get_atttype(relid, attnum));
}

/*
 * CdpOpenBlockingPairs opens the pairs of blocking rule rule: every pair
 * (ordered by id) that meets it, or, with left_ids (text[]), every pair
 * that meets it with at least one side among left_ids, once.
 */
CdpPairSource *
CdpOpenBlockingPairs(const CdpMatchModel *model, Oid relid, const char *id_column, int rule,
					 const Datum *left_ids)
{
	const char *rel = CdpMatchSource(relid);
	const char *id = quote_identifier(id_column);
	StringInfoData sql;

	initStringInfo(&sql);
	append_pair_columns(&sql, model, psprintf("l.%s", id), psprintf("r.%s", id));
	appendStringInfoString(&sql, ", false");
	for (int k = 0; k < rule; k++)
		appendStringInfo(&sql, " OR coalesce((%s\n), false)", model->blocking[k]);
	appendStringInfo(&sql, " FROM %s AS l JOIN %s AS r ON (%s\n)", rel, rel, model->blocking[rule]);
	if (left_ids == NULL)
		appendStringInfo(&sql, " AND l.%s < r.%s", id, id);
	else
	{
		const char *type = id_type(relid, id_column);

		appendStringInfo(&sql, " AND l.%s <> r.%s WHERE l.%s = ANY (($1::text[])::%s[])"
						 " AND (l.%s < r.%s OR NOT r.%s = ANY (($1::text[])::%s[]))",
						 id, id, id, type, id, id, id, type);
	}
	return open_source(model, sql.data, left_ids ? 1 : 0, unconstify(Datum *, left_ids));
}

/*
 * CdpOpenGivenPairs opens the pairs (left[k], right[k]) of records, for
 * their sql levels' values.
 */
CdpPairSource *
CdpOpenGivenPairs(const CdpMatchModel *model, Oid relid, const char *id_column,
				  const CdpMatchRecords *records, const int32 *left, const int32 *right, int n)
{
	const char *rel = CdpMatchSource(relid);
	const char *id = quote_identifier(id_column);
	StringInfoData sql;
	Datum	   *a = palloc(Max(n, 1) * sizeof(Datum));
	Datum	   *b = palloc(Max(n, 1) * sizeof(Datum));
	Datum		args[2];

	for (int k = 0; k < n; k++)
	{
		a[k] = CStringGetTextDatum(records->ids[left[k]]);
		b[k] = CStringGetTextDatum(records->ids[right[k]]);
	}
	args[0] = CdpDatumArray(a, n, TEXTOID);
	args[1] = CdpDatumArray(b, n, TEXTOID);
	initStringInfo(&sql);
	append_pair_columns(&sql, model, "p.a", "p.b");
	appendStringInfo(&sql, ", false FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS p(a, b)"
					 " JOIN %s AS l ON (l.%s)::text = p.a JOIN %s AS r ON (r.%s)::text = p.b",
					 rel, id, rel, id);
	return open_source(model, sql.data, 2, args);
}

/*
 * CdpNextPairs reads the next batch of pairs into *batch (valid until the
 * next call); false when there are no more.  With records, ids are turned
 * into record indexes (-1 for an id not among them).
 */
bool
CdpNextPairs(CdpPairSource *source, const CdpMatchRecords *records, CdpPairBatch *batch)
{
	int			nsql = source->model->nsql;
	MemoryContext old;

	MemoryContextReset(source->batch_cxt);
	SPI_cursor_fetch(source->portal, true, FETCH_PAIRS);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return false;
	}
	old = MemoryContextSwitchTo(source->batch_cxt);
	batch->n = SPI_processed;
	batch->left_ids = palloc(batch->n * sizeof(char *));
	batch->right_ids = palloc(batch->n * sizeof(char *));
	batch->left = palloc(batch->n * sizeof(int32));
	batch->right = palloc(batch->n * sizeof(int32));
	batch->sql_values = palloc(Max(batch->n * nsql, 1) * sizeof(bool));
	batch->earlier = palloc(batch->n * sizeof(bool));
	for (int k = 0; k < batch->n; k++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[k];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		batch->left_ids[k] = SPI_getvalue(tuple, desc, 1);
		batch->right_ids[k] = SPI_getvalue(tuple, desc, 2);
		for (int s = 0; s < nsql; s++)
			batch->sql_values[k * nsql + s] = DatumGetBool(SPI_getbinval(tuple, desc, 3 + s, &isnull));
		batch->earlier[k] = DatumGetBool(SPI_getbinval(tuple, desc, 3 + nsql, &isnull));
		if (records != NULL)
		{
			batch->left[k] = CdpMatchRecordIndex(records, batch->left_ids[k]);
			batch->right[k] = CdpMatchRecordIndex(records, batch->right_ids[k]);
		}
	}
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

/* CdpClosePairs closes the cursor and frees what the source holds. */
void
CdpClosePairs(CdpPairSource *source)
{
	SPI_cursor_close(source->portal);
	SPI_freeplan(source->plan);
	MemoryContextDelete(source->batch_cxt);
	pfree(source);
}

/*
 * CdpCountRulePairs counts the pairs (ordered by id) that meet any of
 * rules[0..nrules), each once.
 */
int64
CdpCountRulePairs(Oid relid, const char *id_column, char **rules, int nrules)
{
	const char *rel = CdpMatchSource(relid);
	const char *id = quote_identifier(id_column);
	int64		total = 0;

	for (int k = 0; k < nrules; k++)
	{
		StringInfoData sql;
		bool		isnull;
		int			ret;

		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT pg_catalog.count(*) FROM %s AS l JOIN %s AS r ON (%s\n)"
						 " AND l.%s < r.%s WHERE true", rel, rel, rules[k], id, id);
		for (int e = 0; e < k; e++)
			appendStringInfo(&sql, " AND NOT coalesce((%s\n), false)", rules[e]);
		ret = SPI_execute(sql.data, true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
		total += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		SPI_freetuptable(SPI_tuptable);
	}
	return total;
}
