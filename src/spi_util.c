/*-------------------------------------------------------------------------
 *
 * spi_util.c
 *	  Small helpers for cdp's SPI code: kept plans and array arguments.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "spi_util.h"

/*
 * CdpPlan returns the cached statement, preparing and keeping it the first
 * time.  It is planned anew at every execution (a custom plan): cdp's
 * statements run once per batch, where planning is cheap, on tables that
 * grow from empty, where a generic plan made while they were small (a
 * sequential scan) would stay long after it stopped fitting.  The plan
 * cache revalidates kept statements when the objects they use change, but
 * not their argument types: when the extension was dropped and created
 * again (a new cdp schema, new type OIDs) the statement is prepared anew.
 */
SPIPlanPtr
CdpPlan(CdpPlanCache *cache, const char *query, int nargs, const Oid *argtypes)
{
	Oid			schema = CdpSchemaOid();

	if (cache->plan != NULL && cache->schema != schema)
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
		cache->schema = schema;
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

/* CdpInt8Array makes a bigint[] of values[0..n). */
Datum
CdpInt8Array(const int64 *values, int n)
{
	Datum	   *datums = palloc(Max(n, 1) * sizeof(Datum));

	for (int i = 0; i < n; i++)
		datums[i] = Int64GetDatum(values[i]);
	return CdpDatumArray(datums, n, INT8OID);
}

/* CdpInt4Array makes an integer[] of values[0..n). */
Datum
CdpInt4Array(const int32 *values, int n)
{
	Datum	   *datums = palloc(Max(n, 1) * sizeof(Datum));

	for (int i = 0; i < n; i++)
		datums[i] = Int32GetDatum(values[i]);
	return CdpDatumArray(datums, n, INT4OID);
}

/* CdpDatumArray makes a one-dimensional array of elmtype from values. */
Datum
CdpDatumArray(const Datum *values, int n, Oid elmtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elmtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(unconstify(Datum *, values), n, elmtype,
										   typlen, typbyval, typalign));
}
