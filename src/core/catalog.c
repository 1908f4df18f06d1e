/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Lookups of cdp's own tables and the invalidation of the caches that
 *	  backends keep of them.
 *
 * Configuration tables (sources, identifier mappings, ...) carry a
 * statement trigger, cdp.config_changed(), that sends a relcache
 * invalidation for the table.  Every backend then drops its cached copy
 * once the change commits (or at once, for the changing backend), the way
 * pg_cron keeps its job cache fresh: each cache registers its own relcache
 * callback for the tables it was built from.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "core/core.h"

PG_FUNCTION_INFO_V1(cdp_config_changed);

/*
 * CdpSchemaOid returns the OID of schema cdp, raising an error when the
 * extension is not installed in this database.
 */
Oid
CdpSchemaOid(void)
{
	Oid			nsp = get_namespace_oid("cdp", true);

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"cdp\" does not exist"),
				 errhint("Run CREATE EXTENSION cdp in this database.")));
	return nsp;
}

/*
 * CdpRelationOid returns the OID of cdp.<relname>, raising an error when it
 * is missing (a damaged installation).
 */
Oid
CdpRelationOid(const char *relname)
{
	Oid			relid = get_relname_relid(relname, CdpSchemaOid());

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"cdp.%s\" does not exist", relname),
				 errhint("The cdp extension is damaged; reinstall it.")));
	return relid;
}

/*
 * CdpRelationOidIfExists returns the OID of cdp.<relname>, or InvalidOid
 * when it is missing: a database still at an older version of the
 * extension, which this library serves too, lacks the newer tables.
 */
Oid
CdpRelationOidIfExists(const char *relname)
{
	return get_relname_relid(relname, CdpSchemaOid());
}

/*
 * CdpTypeOid returns the OID of type cdp.<typname>, raising an error when it
 * is missing.
 */
Oid
CdpTypeOid(const char *typname)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(typname),
										ObjectIdGetDatum(CdpSchemaOid()));

	if (!OidIsValid(typid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type \"cdp.%s\" does not exist", typname),
				 errhint("The cdp extension is damaged; reinstall it.")));
	return typid;
}

/* CdpFunctionOwner returns the owner of function fn_oid. */
Oid
CdpFunctionOwner(Oid fn_oid)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	owner = ((Form_pg_proc) GETSTRUCT(tuple))->proowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* Drops a table cache when one of its tables changes (or everything does). */
static void
table_cache_callback(Datum arg, Oid relid)
{
	CdpTableCache *cache = (CdpTableCache *) DatumGetPointer(arg);

	for (int i = 0; i < (int) lengthof(cache->relids); i++)
		if (relid == InvalidOid || relid == cache->relids[i])
			cache->valid = false;
}

/*
 * CdpTableCacheRegister makes the relcache invalidation of cache's tables
 * drop it; called once per backend, from _PG_init.
 */
void
CdpTableCacheRegister(CdpTableCache *cache)
{
	CacheRegisterRelcacheCallback(table_cache_callback, PointerGetDatum(cache));
}

/*
 * CdpTableCacheLoading starts a load of cache: it is marked valid before
 * the tables are read (an invalidation that arrives meanwhile clears the
 * flag again, so the next use reloads) and not loaded until
 * CdpTableCacheLoaded (an error on the way leaves it to be read again).
 * A table missing from the installed version's schema gets no relid (the
 * loader reads what that version has).  Returns the cache's memory
 * context, emptied, to load into.
 */
MemoryContext
CdpTableCacheLoading(CdpTableCache *cache)
{
	if (cache->cxt == NULL)
	{
		cache->cxt = AllocSetContextCreate(CacheMemoryContext, "cdp table cache",
										   ALLOCSET_SMALL_SIZES);
		MemoryContextSetIdentifier(cache->cxt, cache->tables[0]);
	}
	else
		MemoryContextReset(cache->cxt);
	cache->valid = true;
	cache->loaded = false;
	for (int i = 0; i < (int) lengthof(cache->relids); i++)
		cache->relids[i] = cache->tables[i] ?
			get_relname_relid(cache->tables[i], CdpSchemaOid()) : InvalidOid;
	return cache->cxt;
}

/* CdpTableCacheLoaded marks the load of cache finished. */
void
CdpTableCacheLoaded(CdpTableCache *cache)
{
	cache->loaded = true;
}

/*
 * cdp_config_changed is the statement trigger on configuration tables: it
 * invalidates the table's relcache entry so that all backends reload.
 */
Datum
cdp_config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cdp.config_changed() must be called as a trigger")));

	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
