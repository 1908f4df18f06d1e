/*-------------------------------------------------------------------------
 *
 * purpose_cache.c
 *	  The backend's copy of cdp.purposes, cdp.role_purposes and
 *	  cdp.role_regions.
 *
 * Row security asks on every row whether the session's purpose and region
 * allow it; the answer is computed once per statement (purpose.c) from
 * this copy, which is read whole on first use (the tables are small) and
 * dropped when one of them changes (CdpTableCache).  It is read as the
 * owner of the asking function, so that the roles row security applies to
 * need no rights on the tables.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "consent/consent_internal.h"

static CdpTableCache purpose_cache = {.tables = {"purposes", "role_purposes", "role_regions"}};
static CdpPurposeCatalog catalog;

void
CdpPurposeCatalogRegister(void)
{
	CdpTableCacheRegister(&purpose_cache);
}

/* Runs query (no arguments) read-only; SPI is connected. */
static void
read_rows(const char *query)
{
	int			ret = SPI_execute(query, true, 0);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cdp's purposes: %s", SPI_result_code_string(ret));
}

static void
load_purposes(MemoryContext cxt)
{
	read_rows("SELECT p.purpose, p.bit,"
			  " (SELECT pg_catalog.array_agg(r.role::pg_catalog.oid) FROM cdp.role_purposes r"
			  "   WHERE r.purpose OPERATOR(pg_catalog.=) p.purpose)"
			  " FROM cdp.purposes p");
	catalog.npurposes = (int) SPI_processed;
	catalog.purposes = MemoryContextAllocZero(cxt, Max(catalog.npurposes, 1) * sizeof(CdpPurpose));
	for (int i = 0; i < catalog.npurposes; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CdpPurpose *purpose = &catalog.purposes[i];
		bool		isnull;
		Datum		roles;

		purpose->name = MemoryContextStrdup(cxt, SPI_getvalue(tuple, desc, 1));
		purpose->bit = DatumGetInt16(SPI_getbinval(tuple, desc, 2, &isnull));
		roles = SPI_getbinval(tuple, desc, 3, &isnull);
		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);
			Datum	   *values;

			deconstruct_array(DatumGetArrayTypeP(roles), OIDOID, sizeof(Oid), true,
							  TYPALIGN_INT, &values, NULL, &purpose->nroles);
			purpose->roles = palloc(Max(purpose->nroles, 1) * sizeof(Oid));
			for (int r = 0; r < purpose->nroles; r++)
				purpose->roles[r] = DatumGetObjectId(values[r]);
			MemoryContextSwitchTo(old);
		}
	}
}

static void
load_region_grants(MemoryContext cxt)
{
	read_rows("SELECT g.role::pg_catalog.oid, g.region FROM cdp.role_regions g");
	catalog.ngrants = (int) SPI_processed;
	catalog.grants = MemoryContextAllocZero(cxt, Max(catalog.ngrants, 1) * sizeof(CdpRegionGrant));
	for (int i = 0; i < catalog.ngrants; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		catalog.grants[i].role = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		catalog.grants[i].region = MemoryContextStrdup(cxt, SPI_getvalue(tuple, desc, 2));
	}
}

/* Reads the three tables as owner. */
static void
load_catalog(Oid owner)
{
	MemoryContext cxt = CdpTableCacheLoading(&purpose_cache);
	Oid			saved_user;
	int			saved_context;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	load_purposes(cxt);
	load_region_grants(cxt);
	SPI_finish();
	SetUserIdAndSecContext(saved_user, saved_context);
	catalog.generation++;
	CdpTableCacheLoaded(&purpose_cache);
}

const CdpPurposeCatalog *
CdpPurposeCatalogGet(Oid reader_fn)
{
	if (!CdpTableCacheCurrent(&purpose_cache))
		load_catalog(CdpFunctionOwner(reader_fn));
	return &catalog;
}
