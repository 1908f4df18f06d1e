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
 * pg_cron keeps its job cache fresh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "blocklist.h"
#include "catalog.h"
#include "event_store.h"
#include "ident_kinds.h"
#include "source_cache.h"

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

/* Forwards a relcache invalidation to every cache that may depend on it. */
static void
cdp_relcache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	CdpSourceCacheInvalidate(relid);
	CdpBlocklistInvalidate(relid);
	CdpEventStoreInvalidate(relid);
	CdpIdentKindsInvalidate(relid);
}

/*
 * CdpRegisterCacheCallbacks registers the invalidation callback; called
 * once per backend from _PG_init.
 */
void
CdpRegisterCacheCallbacks(void)
{
	CacheRegisterRelcacheCallback(cdp_relcache_callback, (Datum) 0);
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
