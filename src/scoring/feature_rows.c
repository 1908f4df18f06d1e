/*-------------------------------------------------------------------------
 *
 * feature_rows.c
 *	  The rows of a propensity model's feature query, run with the rights
 *	  of the model's owner (src/core/owner_context.c): the worker that
 *	  re-scores profiles runs as a superuser, and the query is the model
 *	  owner's SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "scoring/scoring_internal.h"

PG_FUNCTION_INFO_V1(cdp_feature_rows);

/*
 * cdp.feature_rows(owner regrole, features text, cutoff date, profile_ids
 * bigint[]) → TABLE (profile_id bigint, x float8[]): the rows of the query
 * features, given cutoff as $1, as owner; only those of profile_ids
 * unless it is NULL (none, and the query is planned but not run, when it
 * is empty).  The query must return a bigint and a float8[].
 */
Datum
cdp_feature_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			owner;
	char	   *query;
	Oid			argtypes[2] = {DATEOID, INT8ARRAYOID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	CdpOwnerContext cxt;
	SPIPlanPtr	plan;
	Portal		portal;
	bool		only_check;		/* no profile asked for: only plan the query */
	TupleDesc	desc;

	for (int i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("cdp.feature_rows: owner, features and cutoff must not be NULL")));
	owner = PG_GETARG_OID(0);
	query = psprintf("SELECT f.* FROM (%s) AS f(profile_id, x)"
					 " WHERE $2 IS NULL OR f.profile_id OPERATOR(pg_catalog.=) ANY ($2)",
					 text_to_cstring(PG_GETARG_TEXT_PP(1)));
	args[0] = PG_GETARG_DATUM(2);
	args[1] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[1] = PG_ARGISNULL(3) ? 'n' : ' ';
	only_check = !PG_ARGISNULL(3) && ARR_NDIM(DatumGetArrayTypeP(args[1])) == 0;
	InitMaterializedSRF(fcinfo, 0);

	CdpBecomeOwner(owner, &cxt);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(query, 2, argtypes);
	if (plan == NULL)
		elog(ERROR, "preparing the feature query failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, args, nulls, true);
	desc = portal->tupDesc;
	if (desc->natts != 2 || TupleDescAttr(desc, 0)->atttypid != INT8OID ||
		TupleDescAttr(desc, 1)->atttypid != FLOAT8ARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("a model's feature query must return a profile id (bigint) and its features (float8[])")));
	while (!only_check)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
			tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	CdpBackFromOwner(&cxt);
	return (Datum) 0;
}
