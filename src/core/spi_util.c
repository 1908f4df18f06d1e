/*-------------------------------------------------------------------------
 *
 * spi_util.c
 *	  Small helpers for cdp's SPI code: kept plans and their execution.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/memutils.h"

#include "core/core.h"

/*
 * CdpPlan returns the cached statement, preparing and keeping it the first
 * time.  It is planned anew at every execution (a custom plan): cdp's
 * statements run once per batch, where planning is cheap, on tables that
 * grow from empty, where a generic plan made while they were small (a
 * sequential scan) would stay long after it stopped fitting.  The plan
 * cache revalidates kept statements when the objects they use change, but
 * not their argument types: when the extension was dropped and created
 * again (new type OIDs; the cdp schema itself may survive the drop) the
 * statement is prepared anew.
 */
SPIPlanPtr
CdpPlan(CdpPlanCache *cache, const char *query, int nargs, const Oid *argtypes)
{
	Oid			extension = get_extension_oid("cdp", false);

	if (cache->plan != NULL && cache->extension != extension)
	{
		SPI_freeplan(cache->plan);
		cache->plan = NULL;
	}
	if (cache->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(query, nargs, unconstify(Oid *, argtypes),
											  CURSOR_OPT_CUSTOM_PLAN);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		cache->plan = plan;
		cache->extension = extension;
	}
	return cache->plan;
}

/*
 * CdpExecute runs plan (no NULL arguments), taking a fresh snapshot, and
 * raises unless the result code is expected.
 */
void
CdpExecute(SPIPlanPtr plan, const Datum *args, int expected)
{
	int			ret = SPI_execute_plan(plan, unconstify(Datum *, args), NULL, false, 0);

	if (ret != expected)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
}

/*
 * CdpExecuteReadOnly runs a SELECT plan (no NULL arguments) read-only: in
 * the snapshot of the calling query, as STABLE functions must.
 */
void
CdpExecuteReadOnly(SPIPlanPtr plan, const Datum *args)
{
	int			ret = SPI_execute_plan(plan, unconstify(Datum *, args), NULL, true, 0);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
}

/* Pairs per statement in CdpExecuteOnPairs: bounds the memory of big writes. */
#define PAIRS_PER_STATEMENT	50000

/*
 * CdpExecuteOnPairs runs each of queries[0..nqueries) (each taking two
 * bigint[] arguments, with result code expected[i]) on the pairs
 * (a[k], b[k]), PAIRS_PER_STATEMENT pairs at a time, freeing each chunk's
 * arrays before the next.
 */
void
CdpExecuteOnPairs(CdpPlanCache *plans, const char *const *queries, const int *expected,
				  int nqueries, const int64 *a, const int64 *b, int64 n)
{
	Oid			argtypes[2] = {INT8ARRAYOID, INT8ARRAYOID};
	Datum		args[2];
	MemoryContext chunk = AllocSetContextCreate(CurrentMemoryContext, "cdp pairs chunk",
												ALLOCSET_DEFAULT_SIZES);

	for (int64 start = 0; start < n; start += PAIRS_PER_STATEMENT)
	{
		int			len = Min(PAIRS_PER_STATEMENT, n - start);
		MemoryContext old = MemoryContextSwitchTo(chunk);

		CdpAssert(len > 0 && start + len <= n);
		args[0] = CdpInt8Array(a + start, len);
		args[1] = CdpInt8Array(b + start, len);
		for (int i = 0; i < nqueries; i++)
			CdpExecute(CdpPlan(&plans[i], queries[i], 2, argtypes), args, expected[i]);
		MemoryContextSwitchTo(old);
		MemoryContextReset(chunk);
	}
	MemoryContextDelete(chunk);
}
