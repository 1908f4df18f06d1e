/*-------------------------------------------------------------------------
 *
 * run_as_owner.c
 *	  What a destination's owner supplies runs with the owner's rights,
 *	  not the delivery worker's (a superuser's): its transform, and the
 *	  inserts into a table destination's table (whose triggers the owner
 *	  may have written).
 *
 * Both run as a security-restricted operation (src/core/owner_context.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "activation/activation_internal.h"

PG_FUNCTION_INFO_V1(cdp_apply_transform);
PG_FUNCTION_INFO_V1(cdp_insert_as);

/*
 * cdp.apply_transform(transform, owner, item): the transform's result for
 * item, called as owner (who must still be allowed to execute it).
 */
Datum
cdp_apply_transform(PG_FUNCTION_ARGS)
{
	Oid			transform = PG_GETARG_OID(0);
	Oid			owner = PG_GETARG_OID(1);
	CdpOwnerContext cxt;
	LOCAL_FCINFO(call, 1);
	FmgrInfo	flinfo;
	Datum		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	if (pg_proc_aclcheck(transform, owner, ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the destination's owner may not execute its transform")));
	fmgr_info(transform, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, 1, InvalidOid, NULL, NULL);
	call->args[0].value = PG_GETARG_DATUM(2);
	call->args[0].isnull = false;

	CdpBecomeOwner(owner, &cxt);
	result = FunctionCallInvoke(call);
	CdpBackFromOwner(&cxt);
	if (call->isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * cdp.insert_as(owner, tab, items): inserts the objects of the array
 * items into tab as owner, each key into the column of its name; returns
 * the rows inserted.
 */
Datum
cdp_insert_as(PG_FUNCTION_ARGS)
{
	Oid			owner = PG_GETARG_OID(0);
	Oid			tab = PG_GETARG_OID(1);
	Datum		items = PG_GETARG_DATUM(2);
	char	   *table_name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(tab)),
														get_rel_name(tab));
	char	   *query = psprintf("INSERT INTO %s SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1)",
								 table_name, table_name);
	Oid			argtypes[1] = {JSONBOID};
	CdpOwnerContext cxt;
	uint64		inserted;

	CdpBecomeOwner(owner, &cxt);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 1, argtypes, &items, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "inserting into a table destination failed");
	inserted = SPI_processed;
	SPI_finish();
	CdpBackFromOwner(&cxt);
	PG_RETURN_INT64((int64) inserted);
}
