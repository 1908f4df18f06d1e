/*-------------------------------------------------------------------------
 *
 * source_cache.c
 *	  Per-backend cache of cdp.sources and cdp.identifier_mappings.
 *
 * Ingestion looks a source up by name on every call; the cache turns that
 * into a hash probe.  It is loaded whole on first use (sources are few) and
 * dropped when either table changes (see catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "source_cache.h"

static MemoryContext source_cache_cxt = NULL;
static HTAB *source_hash = NULL;
static bool source_cache_valid = false;
static Oid	sources_relid = InvalidOid;
static Oid	mappings_relid = InvalidOid;

/*
 * CdpSourceCacheInvalidate drops the cache when relid is one of the tables
 * it was built from (or InvalidOid, meaning "everything").
 */
void
CdpSourceCacheInvalidate(Oid relid)
{
	if (relid == InvalidOid || relid == sources_relid || relid == mappings_relid)
		source_cache_valid = false;
}

/* Reads both tables into a fresh hash table. */
static void
load_sources(void)
{
	HASHCTL		ctl;
	MemoryContext old;
	int			ret;

	if (source_cache_cxt == NULL)
		source_cache_cxt = AllocSetContextCreate(CacheMemoryContext,
												 "cdp source cache",
												 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(source_cache_cxt);
	source_hash = NULL;

	/*
	 * Marked valid before reading: an invalidation that arrives while the
	 * query runs clears the flag again, so the next call reloads.
	 */
	source_cache_valid = true;
	sources_relid = CdpRelationOid("sources");
	mappings_relid = CdpRelationOid("identifier_mappings");

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CdpSource);
	ctl.hcxt = source_cache_cxt;
	source_hash = hash_create("cdp sources", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute("SELECT s.name, s.source_id,"
					  " (SELECT pg_catalog.array_agg(m.kind ORDER BY m.kind, m.path)"
					  "    FROM cdp.identifier_mappings m WHERE m.source_id = s.source_id),"
					  " (SELECT pg_catalog.array_agg(m.path::pg_catalog.jsonpath ORDER BY m.kind, m.path)"
					  "    FROM cdp.identifier_mappings m WHERE m.source_id = s.source_id)"
					  " FROM cdp.sources s", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cdp.sources: %s", SPI_result_code_string(ret));

	old = MemoryContextSwitchTo(source_cache_cxt);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *name = SPI_getvalue(tuple, desc, 1);
		bool		isnull;
		CdpSource  *source;
		Datum		kinds,
					paths;

		source = hash_search(source_hash, name, HASH_ENTER, NULL);
		source->source_id = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		source->nmappings = 0;
		source->mappings = NULL;

		kinds = SPI_getbinval(tuple, desc, 3, &isnull);
		if (!isnull)
		{
			Datum	   *kind_values;
			Datum	   *path_values;
			int			n;

			paths = SPI_getbinval(tuple, desc, 4, &isnull);
			deconstruct_array(DatumGetArrayTypeP(kinds), TEXTOID, -1, false,
							  TYPALIGN_INT, &kind_values, NULL, &n);
			deconstruct_array(DatumGetArrayTypeP(paths), JSONPATHOID, -1, false,
							  TYPALIGN_INT, &path_values, NULL, &n);
			source->nmappings = n;
			source->mappings = palloc(n * sizeof(CdpIdentifierMapping));
			for (int i = 0; i < n; i++)
			{
				source->mappings[i].kind = TextDatumGetCString(kind_values[i]);
				source->mappings[i].path =
					PointerGetDatum(PG_DETOAST_DATUM_COPY(path_values[i]));
			}
		}
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
}

/*
 * CdpLookupSource returns the cached source called name, or NULL.
 */
const CdpSource *
CdpLookupSource(text *name)
{
	char		key[NAMEDATALEN];
	int			len = VARSIZE_ANY_EXHDR(name);

	if (!source_cache_valid)
		load_sources();
	if (len >= NAMEDATALEN)
		return NULL;
	memset(key, 0, sizeof(key));
	memcpy(key, VARDATA_ANY(name), len);
	return hash_search(source_hash, key, HASH_FIND, NULL);
}
