/*-------------------------------------------------------------------------
 *
 * ident_kinds.c
 *	  Identifier kinds: the built-in ones and the per-backend cache of
 *	  cdp.identifier_kinds.
 *
 * The built-in kinds' names, codes and normalizers are compiled in, so
 * reading and writing their identifiers never touches a table.  Custom
 * kinds, and every kind's priority and limit, come from
 * cdp.identifier_kinds, read whole on first need with a plain heap scan
 * (no SPI: type input and output functions call this) and dropped when the
 * table changes (statement trigger cdp.config_changed(), see catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "parser/parse_relation.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "ident/ident_internal.h"

/* Codes below this belong to built-in kinds. */
#define CDP_FIRST_CUSTOM_CODE	100

static const CdpIdentKind builtin_kinds[] = {
	{"user_id", 1, CDP_NORMALIZER_EXACT, 0, 0},
	{"anonymous_id", 2, CDP_NORMALIZER_EXACT, 0, 0},
	{"email", 3, CDP_NORMALIZER_EMAIL, 0, 0},
	{"phone", 4, CDP_NORMALIZER_PHONE, 0, 0},
	{"device_id", 5, CDP_NORMALIZER_LOWER, 0, 0},
};

static const char *const normalizer_names[] = {
	[CDP_NORMALIZER_EXACT] = "exact",
	[CDP_NORMALIZER_LOWER] = "lower",
	[CDP_NORMALIZER_EMAIL] = "email",
	[CDP_NORMALIZER_PHONE] = "phone",
	[CDP_NORMALIZER_NAME] = "name",
};

typedef struct CodeEntry
{
	int16		code;			/* hash key */
	CdpIdentKind *kind;
} CodeEntry;

static HTAB *kinds_by_name = NULL;
static HTAB *kinds_by_code = NULL;
static CdpTableCache kinds_cache = {.tables = {"identifier_kinds"}};

/* CdpIdentKindsRegister makes changes to the table drop the cache. */
void
CdpIdentKindsRegister(void)
{
	CdpTableCacheRegister(&kinds_cache);
}

/* Maps the text of column normalizer to its enum value. */
static CdpNormalizer
parse_normalizer(const char *name)
{
	for (int i = 0; i < (int) lengthof(normalizer_names); i++)
		if (strcmp(normalizer_names[i], name) == 0)
			return (CdpNormalizer) i;
	elog(ERROR, "unknown identifier normalizer \"%s\"", name);
	pg_unreachable();
}

/* Returns the attribute number of column name of rel, which must exist. */
static int
column_number(Relation rel, const char *name)
{
	int			attnum = attnameAttNum(rel, name, false);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of cdp.identifier_kinds does not exist", name),
				 errhint("The cdp extension is damaged; reinstall it.")));
	return attnum - 1;
}

/* Reads cdp.identifier_kinds into fresh hash tables. */
static void
load_kinds(void)
{
	HASHCTL		ctl;
	HTAB	   *by_name;
	HTAB	   *by_code;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	int			col_kind,
				col_code,
				col_normalizer,
				col_priority,
				col_max;

	kinds_by_name = NULL;
	kinds_by_code = NULL;
	ctl.hcxt = CdpTableCacheLoading(&kinds_cache);

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CdpIdentKind);
	by_name = hash_create("cdp identifier kinds by name", 32, &ctl,
						  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ctl.keysize = sizeof(int16);
	ctl.entrysize = sizeof(CodeEntry);
	by_code = hash_create("cdp identifier kinds by code", 32, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	rel = table_open(kinds_cache.relids[0], AccessShareLock);
	col_kind = column_number(rel, "kind");
	col_code = column_number(rel, "code");
	col_normalizer = column_number(rel, "normalizer");
	col_priority = column_number(rel, "priority");
	col_max = column_number(rel, "max_per_profile");

	/*
	 * A fresh catalog snapshot sees every committed row and the earlier
	 * commands of this transaction, even under REPEATABLE READ and in
	 * parallel workers.
	 */
	InvalidateCatalogSnapshot();
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Datum	   *values = palloc(RelationGetDescr(rel)->natts * sizeof(Datum));
		bool	   *nulls = palloc(RelationGetDescr(rel)->natts * sizeof(bool));
		char	   *name;
		char	   *normalizer;
		CdpIdentKind *kind;
		CodeEntry  *entry;
		int16		code;

		heap_deform_tuple(tuple, RelationGetDescr(rel), values, nulls);
		name = TextDatumGetCString(values[col_kind]);
		normalizer = TextDatumGetCString(values[col_normalizer]);
		code = DatumGetInt16(values[col_code]);
		if (strlen(name) >= NAMEDATALEN)
			elog(ERROR, "identifier kind name too long");

		kind = hash_search(by_name, name, HASH_ENTER, NULL);
		kind->code = code;
		kind->normalizer = parse_normalizer(normalizer);
		kind->priority = DatumGetInt32(values[col_priority]);
		kind->max_per_profile = nulls[col_max] ? 0 : DatumGetInt32(values[col_max]);

		entry = hash_search(by_code, &code, HASH_ENTER, NULL);
		entry->kind = kind;

		pfree(name);
		pfree(normalizer);
		pfree(values);
		pfree(nulls);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	kinds_by_name = by_name;
	kinds_by_code = by_code;
	CdpTableCacheLoaded(&kinds_cache);
}

/*
 * Searches one of the cache's tables for key, loading the cache first
 * unless it is current.  On a miss, invalidations not yet processed (a kind
 * another session has just committed) are applied and the search retried.
 */
static void *
search_kinds(HTAB **table, const void *key)
{
	void	   *entry;

	if (!CdpTableCacheCurrent(&kinds_cache))
		load_kinds();
	entry = hash_search(*table, key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		AcceptInvalidationMessages();
		if (!CdpTableCacheCurrent(&kinds_cache))
		{
			load_kinds();
			entry = hash_search(*table, key, HASH_FIND, NULL);
		}
	}
	return entry;
}

/* Returns the built-in kind named name[0..len), or NULL. */
static const CdpIdentKind *
builtin_by_name(const char *name, int len)
{
	for (int i = 0; i < (int) lengthof(builtin_kinds); i++)
		if (strlen(builtin_kinds[i].name) == (size_t) len &&
			memcmp(builtin_kinds[i].name, name, len) == 0)
			return &builtin_kinds[i];
	return NULL;
}

/*
 * CdpIdentKindByName returns the kind called name[0..len): built-in kinds
 * from the compiled-in table, others from the cache.
 */
const CdpIdentKind *
CdpIdentKindByName(const char *name, int len)
{
	const CdpIdentKind *kind = builtin_by_name(name, len);

	if (kind != NULL)
		return kind;
	return CdpIdentKindLookup(name, len);
}

/*
 * CdpIdentNamesPerson: whether an identifier of the kind with this code
 * names a person, as every kind does but the built-in anonymous_id and
 * device_id, which name a browser or a device.  An event that carries one
 * counts as identified in cdp.stats_identity_daily.
 */
bool
CdpIdentNamesPerson(int code)
{
	return code != 2 && code != 5;
}

/* CdpIdentKindByCode returns the kind with code code, or NULL. */
const CdpIdentKind *
CdpIdentKindByCode(int code)
{
	int16		key = (int16) code;
	CodeEntry  *entry;

	if (code >= 1 && code <= (int) lengthof(builtin_kinds))
		return &builtin_kinds[code - 1];
	if (code < CDP_FIRST_CUSTOM_CODE)
		return NULL;
	entry = search_kinds(&kinds_by_code, &key);
	return entry ? entry->kind : NULL;
}

/*
 * CdpIdentKindLookup returns the row of cdp.identifier_kinds for the kind
 * called name[0..len), or NULL.
 */
const CdpIdentKind *
CdpIdentKindLookup(const char *name, int len)
{
	char		key[NAMEDATALEN];

	if (len <= 0 || len >= NAMEDATALEN)
		return NULL;
	memset(key, 0, sizeof(key));
	memcpy(key, name, len);
	return search_kinds(&kinds_by_name, key);
}
