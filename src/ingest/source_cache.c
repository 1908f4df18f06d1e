/*-------------------------------------------------------------------------
 *
 * source_cache.c
 *	  Per-backend cache of cdp.sources and cdp.identifier_mappings.
 *
 * Ingestion looks a source up by name on every call; the cache turns that
 * into a hash probe.  It is loaded whole on first use (sources are few) and
 * dropped when either table changes (CdpTableCache).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "ingest/ingest_internal.h"

static HTAB *source_hash = NULL;
static CdpTableCache source_cache = {.tables = {"sources", "identifier_mappings"}};

/* CdpSourceCacheRegister makes changes to either table drop the cache. */
void
CdpSourceCacheRegister(void)
{
	CdpTableCacheRegister(&source_cache);
}

/* Reads both tables into a fresh hash table. */
static void
load_sources(void)
{
	HASHCTL		ctl;
	MemoryContext cxt = CdpTableCacheLoading(&source_cache);
	MemoryContext old;
	int			ret;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CdpSource);
	ctl.hcxt = cxt;
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

	old = MemoryContextSwitchTo(cxt);
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
	CdpTableCacheLoaded(&source_cache);
}

/*
 * CdpLookupSource returns the cached source called name, or NULL.
 */
const CdpSource *
CdpLookupSource(text *name)
{
	char		key[NAMEDATALEN];
	int			len = VARSIZE_ANY_EXHDR(name);

	if (!CdpTableCacheCurrent(&source_cache))
		load_sources();
	if (len >= NAMEDATALEN)
		return NULL;
	memset(key, 0, sizeof(key));
	memcpy(key, VARDATA_ANY(name), len);
	return hash_search(source_hash, key, HASH_FIND, NULL);
}
