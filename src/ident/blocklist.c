/*-------------------------------------------------------------------------
 *
 * blocklist.c
 *	  cdp.blocked_identifiers: junk identifiers never taken from events.
 *
 * Placeholders ('null', 'undefined', '0', 'test@test.com', ...) would join
 * every stranger who sends them into one profile, so ingestion drops them.
 * The table is cached per backend as, per kind code, a list of exact
 * values (compared with the normalized value, ASCII case-insensitively)
 * and a list of patterns (case-insensitive regular expressions, compiled
 * and cached by PostgreSQL's regex cache).  Entries without a kind apply
 * to every kind.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "executor/spi.h"
#include "regex/regex.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "ident/ident_internal.h"

/* The entries of one kind code; code 0 holds those of every kind. */
typedef struct BlockedKind
{
	int16		code;			/* hash key */
	List	   *values;			/* char *, lower-cased ASCII */
	List	   *patterns;		/* text * */
} BlockedKind;

static HTAB *blocklist = NULL;
static CdpTableCache blocklist_cache = {.tables = {"blocked_identifiers"}};

/* CdpBlocklistRegister makes changes to the table drop the cache. */
void
CdpBlocklistRegister(void)
{
	CdpTableCacheRegister(&blocklist_cache);
}

/* Reads cdp.blocked_identifiers into a fresh hash table. */
static void
load_blocklist(void)
{
	HASHCTL		ctl;
	MemoryContext cxt = CdpTableCacheLoading(&blocklist_cache);
	MemoryContext old;

	ctl.keysize = sizeof(int16);
	ctl.entrysize = sizeof(BlockedKind);
	ctl.hcxt = cxt;
	blocklist = hash_create("cdp blocked identifiers", 16, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT coalesce(k.code, 0), pg_catalog.lower(b.value), b.pattern"
					" FROM cdp.blocked_identifiers b"
					" LEFT JOIN cdp.identifier_kinds k ON k.kind = b.kind", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read cdp.blocked_identifiers");

	old = MemoryContextSwitchTo(cxt);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int16		code = DatumGetInt16(SPI_getbinval(tuple, desc, 1, &isnull));
		Datum		value = SPI_getbinval(tuple, desc, 2, &isnull);
		BlockedKind *entry;
		bool		found;

		entry = hash_search(blocklist, &code, HASH_ENTER, &found);
		if (!found)
		{
			entry->values = NIL;
			entry->patterns = NIL;
		}
		if (!isnull)
			entry->values = lappend(entry->values, TextDatumGetCString(value));
		else
			entry->patterns = lappend(entry->patterns,
									  DatumGetTextPCopy(SPI_getbinval(tuple, desc, 3, &isnull)));
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	CdpTableCacheLoaded(&blocklist_cache);
}

/* Does value (server encoding) match an entry of kind code? */
static bool
matches(int16 code, const char *value, int len)
{
	BlockedKind *entry = hash_search(blocklist, &code, HASH_FIND, NULL);
	ListCell   *lc;

	if (entry == NULL)
		return false;
	foreach(lc, entry->values)
	{
		const char *blocked = lfirst(lc);

		if ((int) strlen(blocked) == len && pg_strncasecmp(blocked, value, len) == 0)
			return true;
	}
	foreach(lc, entry->patterns)
	{
		if (RE_compile_and_execute(lfirst(lc), unconstify(char *, value), len,
								   REG_ADVANCED | REG_ICASE, DEFAULT_COLLATION_OID,
								   0, NULL))
			return true;
	}
	return false;
}

/*
 * CdpIdentBlocked tells whether ident is a blocked identifier: its
 * normalized value matches an entry for its kind or for every kind.
 */
bool
CdpIdentBlocked(const struct varlena *ident)
{
	int			len;
	const char *value;

	if (!CdpTableCacheCurrent(&blocklist_cache))
		load_blocklist();
	value = CdpUtf8ToServer(CdpIdentValue(ident, &len), &len);
	if (value == NULL)
		return false;
	return matches(0, value, len) || matches((int16) CdpIdentCode(ident), value, len);
}
