/*-------------------------------------------------------------------------
 *
 * source_cache.c
 *	  Per-backend cache of cdp.sources, cdp.identifier_mappings and
 *	  cdp.source_grants.
 *
 * Ingestion looks a source up by name on every call; the cache turns that
 * into a hash probe, and the roles granted the source into a short list.
 * It is loaded whole on first use (sources are few) and dropped when one
 * of the tables changes (CdpTableCache).  A database still at 0.1.0 has
 * neither grants nor trust: its sources are read as 0.1.0 used them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "ingest/ingest_internal.h"

static HTAB *source_hash = NULL;
static CdpTableCache source_cache = {.tables = {"sources", "identifier_mappings", "source_grants"}};

/* CdpSourceCacheRegister makes changes to the tables drop the cache. */
void
CdpSourceCacheRegister(void)
{
	CdpTableCacheRegister(&source_cache);
}

/* Reads a source's identifier mappings from its row (columns 3 and 4). */
static void
read_mappings(CdpSource *source, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		kinds = SPI_getbinval(tuple, desc, 3, &isnull);
	Datum		paths;
	Datum	   *kind_values;
	Datum	   *path_values;
	int			n;

	if (isnull)
		return;
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

/* Reads the tables into a fresh hash table. */
static void
load_sources(void)
{
	HASHCTL		ctl;
	MemoryContext cxt = CdpTableCacheLoading(&source_cache);
	bool		bound = OidIsValid(source_cache.relids[2]); /* not 0.1.0 */
	MemoryContext old;
	int			ret;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CdpSource);
	ctl.hcxt = cxt;
	source_hash = hash_create("cdp sources", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute(psprintf("SELECT s.name, s.source_id,"
							   " (SELECT pg_catalog.array_agg(m.kind ORDER BY m.kind, m.path)"
							   "    FROM cdp.identifier_mappings m WHERE m.source_id = s.source_id),"
							   " (SELECT pg_catalog.array_agg(m.path::pg_catalog.jsonpath ORDER BY m.kind, m.path)"
							   "    FROM cdp.identifier_mappings m WHERE m.source_id = s.source_id),"
							   " %s FROM cdp.sources s",
							   bound ?
							   "s.trusted_aliases, (SELECT pg_catalog.array_agg(g.role::pg_catalog.oid)"
							   "    FROM cdp.source_grants g WHERE g.source_id = s.source_id)" :
							   "true, NULL::pg_catalog.oid[]"),
					  true, 0);
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
		Datum		grantees;

		source = hash_search(source_hash, name, HASH_ENTER, NULL);
		source->source_id = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		source->nmappings = 0;
		source->mappings = NULL;
		read_mappings(source, tuple, desc);
		source->trusted_aliases = DatumGetBool(SPI_getbinval(tuple, desc, 5, &isnull));
		source->bound = bound;
		source->ngrantees = 0;
		source->grantees = NULL;
		grantees = SPI_getbinval(tuple, desc, 6, &isnull);
		if (!isnull)
			deconstruct_array(DatumGetArrayTypeP(grantees), OIDOID, sizeof(Oid), true,
							  TYPALIGN_INT, &source->grantees, NULL, &source->ngrantees);
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
