/*-------------------------------------------------------------------------
 *
 * match_records.c
 *	  The records a model compares, held in memory: per record its id and,
 *	  per comparison, its value with the date or number a level reads from
 *	  it and its term frequency.
 *
 * Records are read once with one statement (the spec's columns and exprs
 * over the relation, with the caller's rights) and indexed densely, so
 * that scoring a pair touches no catalog and no SQL.  Values a level
 * cannot read (a date such as 1711-02-30, text where a number is wanted)
 * are kept as unreadable, counted, and never raise.  The memory held is
 * bounded by maintenance_work_mem.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include <math.h>

#include "match/match_internal.h"

/* Rows fetched per round trip of the cursor. */
#define FETCH_ROWS	10000

/*
 * A string and a number: an id and its record's index (by_id), or a value
 * and how many records hold it (term frequencies).
 */
typedef struct StringEntry
{
	const char *key;
	int64		number;
	uint32		hash;
	char		status;
} StringEntry;

#define SH_PREFIX		strmap
#define SH_ELEMENT_TYPE	StringEntry
#define SH_KEY_TYPE		const char *
#define SH_KEY			key
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp(a, b) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * CdpMatchSource returns the relation relid as SQL (schema-qualified and
 * quoted), raising 42P01 when it does not exist.
 */
const char *
CdpMatchSource(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

/* Reads d digits at s as a number; -1 when they are not all digits. */
static int
read_digits(const char *s, int d)
{
	int			v = 0;

	for (int i = 0; i < d; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Reads a date written YYYYMMDD, or YYYY-MM-DD (also with / or .), possibly
 * followed by a time; returns days since 2000-01-01, or CDP_NO_DATE.
 */
static int32
read_date(const char *s, int len)
{
	int			year,
				month,
				day;

	while (len > 0 && *s == ' ')
		s++, len--;
	if (len >= 8 && read_digits(s, 8) >= 0 && (len == 8 || s[8] == ' ' || s[8] == 'T'))
	{
		year = read_digits(s, 4);
		month = read_digits(s + 4, 2);
		day = read_digits(s + 6, 2);
	}
	else if (len >= 10 && (s[4] == '-' || s[4] == '/' || s[4] == '.') && s[7] == s[4] &&
			 (len == 10 || s[10] == ' ' || s[10] == 'T'))
	{
		year = read_digits(s, 4);
		month = read_digits(s + 5, 2);
		day = read_digits(s + 8, 2);
	}
	else
		return CDP_NO_DATE;
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > day_tab[isleap(year)][month - 1])
		return CDP_NO_DATE;
	return date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
}

/* Reads a number (surrounding spaces allowed); NaN when it is none. */
static double
read_number(const char *s)
{
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end != '\0' || errno != 0 || !isfinite(d))
		return NAN;
	return d;
}

/* Raises 53200 when the records take more than maintenance_work_mem. */
static void
check_memory(CdpMatchRecords *records)
{
	Size		used = MemoryContextMemAllocated(records->cxt, true);

	if (used > (Size) maintenance_work_mem * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("matching needs more memory than maintenance_work_mem allows"),
				 errdetail("%d records take more than %zu kB.", records->n, used / 1024),
				 errhint("Raise maintenance_work_mem for this session.")));
}

/* Makes room for cap records; the records' context is current. */
static void
grow(CdpMatchRecords *records, const CdpMatchModel *model, int32 cap)
{
#define GROW(array, type) \
	array = (array == NULL) ? palloc_extended(cap * sizeof(type), MCXT_ALLOC_HUGE) : \
		repalloc_huge(array, cap * sizeof(type))
	GROW(records->ids, char *);
	for (int c = 0; c < model->ncomparisons; c++)
	{
		GROW(records->values[c], char *);
		GROW(records->lengths[c], int);
		if (model->comparisons[c].needs_date)
			GROW(records->dates[c], int32);
		if (model->comparisons[c].needs_number)
			GROW(records->numbers[c], double);
	}
#undef GROW
}

/* Tells whether s[0..len) is empty or only white space: no evidence. */
static bool
blank(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

/* Bytes of the blocks that hold the records' strings. */
#define ARENA_BLOCK		(1024 * 1024)

/*
 * Copies text column col of tuple into the records' string blocks, NUL
 * terminated; NULL for SQL NULL and for empty or blank text, which carry no
 * evidence either.  One allocation per block, not per value.
 */
static char *
copy_text(CdpMatchRecords *records, HeapTuple tuple, TupleDesc desc, int col, int *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);
	struct varlena *t;
	char	   *copy;

	*len = 0;
	if (isnull)
		return NULL;
	t = PG_DETOAST_DATUM_PACKED(d);
	*len = VARSIZE_ANY_EXHDR(t);
	if (blank(VARDATA_ANY(t), *len))
	{
		*len = 0;
		return NULL;
	}
	if (records->arena == NULL || records->arena_used + *len + 1 > records->arena_size)
	{
		records->arena_size = Max(ARENA_BLOCK, *len + 1);
		records->arena = palloc(records->arena_size);
		records->arena_used = 0;
	}
	copy = records->arena + records->arena_used;
	memcpy(copy, VARDATA_ANY(t), *len);
	copy[*len] = '\0';
	records->arena_used += *len + 1;
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return copy;
}

/* Adds one row of the records query (id, then one value per comparison). */
static void
add_record(CdpMatchRecords *records, const CdpMatchModel *model, HeapTuple tuple,
		   TupleDesc desc, const char *id_column)
{
	int32		i = records->n;
	bool		found;
	StringEntry *entry;
	int			len;
	char	   *id = copy_text(records, tuple, desc, 1, &len);

	if (id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id column \"%s\" of the records has a NULL", id_column)));
	entry = strmap_insert(records->by_id, id, &found);
	if (found)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("id column \"%s\" of the records is not unique", id_column),
				 errhint("Match on a relation whose id column has one row per value.")));
	entry->number = i;
	records->ids[i] = id;
	for (int c = 0; c < model->ncomparisons; c++)
	{
		const CdpMatchComparison *comparison = &model->comparisons[c];
		char	   *value = copy_text(records, tuple, desc, c + 2, &records->lengths[c][i]);

		records->values[c][i] = value;
		if (comparison->needs_date)
		{
			records->dates[c][i] = value ? read_date(value, records->lengths[c][i]) : CDP_NO_DATE;
			if (value && records->dates[c][i] == CDP_NO_DATE)
				records->unreadable[c]++;
		}
		if (comparison->needs_number)
		{
			records->numbers[c][i] = value ? read_number(value) : NAN;
			if (value && isnan(records->numbers[c][i]))
				records->unreadable[c]++;
		}
	}
	records->n++;
}

/* Fills the term frequencies of comparison c: each value's share. */
static void
count_terms(CdpMatchRecords *records, int c)
{
	strmap_hash *counts = strmap_create(CurrentMemoryContext, 1024, NULL);
	int64		nonnull = 0;

	records->tf[c] = palloc_extended(Max(records->n, 1) * sizeof(double),
									 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int32 i = 0; i < records->n; i++)
	{
		bool		found;
		StringEntry *vc;

		if (records->values[c][i] == NULL)
			continue;
		vc = strmap_insert(counts, records->values[c][i], &found);
		if (!found)
			vc->number = 0;
		vc->number++;
		nonnull++;
	}
	for (int32 i = 0; i < records->n; i++)
		if (records->values[c][i] != NULL)
			records->tf[c][i] = (double) strmap_lookup(counts, records->values[c][i])->number / nonnull;
	strmap_destroy(counts);
}

/*
 * CdpLoadMatchRecords reads the records of relid: all, or those whose id
 * is in the text[] ids (when not NULL).  SPI is connected; the records
 * live in a memory context of their own under the current one.
 */
CdpMatchRecords *
CdpLoadMatchRecords(const CdpMatchModel *model, Oid relid, const char *id_column, const Datum *ids)
{
	CdpMatchRecords *records;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "cdp match records",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	StringInfoData sql;
	Oid			argtype = TEXTARRAYOID;
	SPIPlanPtr	plan;
	Portal		portal;
	int32		cap = 0;

	records = palloc0(sizeof(CdpMatchRecords));
	records->cxt = cxt;
	records->values = palloc0(model->ncomparisons * sizeof(char **));
	records->lengths = palloc0(model->ncomparisons * sizeof(int *));
	records->dates = palloc0(model->ncomparisons * sizeof(int32 *));
	records->numbers = palloc0(model->ncomparisons * sizeof(double *));
	records->tf = palloc0(model->ncomparisons * sizeof(double *));
	records->unreadable = palloc0(model->ncomparisons * sizeof(int64));
	records->by_id = strmap_create(cxt, 1024, NULL);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT (%s)::text", quote_identifier(id_column));
	for (int c = 0; c < model->ncomparisons; c++)
		appendStringInfo(&sql, ", (%s\n)::text", model->comparisons[c].sql);
	appendStringInfo(&sql, " FROM %s", CdpMatchSource(relid));
	if (ids != NULL)
		appendStringInfo(&sql, " WHERE (%s)::text = ANY ($1)", quote_identifier(id_column));

	plan = SPI_prepare(sql.data, ids ? 1 : 0, &argtype);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, unconstify(Datum *, ids), NULL, true);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		if (records->n + (int64) SPI_processed > cap)
		{
			int64		want = Max((int64) cap * 2, records->n + (int64) SPI_processed);

			if (want > PG_INT32_MAX / 2)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("matching takes at most %d records at once", PG_INT32_MAX / 2)));
			MemoryContextSwitchTo(cxt);
			grow(records, model, (int32) want);
			cap = want;
		}
		MemoryContextSwitchTo(cxt);
		for (uint64 r = 0; r < SPI_processed; r++)
			add_record(records, model, SPI_tuptable->vals[r], SPI_tuptable->tupdesc, id_column);
		SPI_freetuptable(SPI_tuptable);
		check_memory(records);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);

	MemoryContextSwitchTo(cxt);
	for (int c = 0; c < model->ncomparisons; c++)
		if (model->comparisons[c].has_tf)
			count_terms(records, c);
	check_memory(records);
	MemoryContextSwitchTo(old);
	return records;
}

/* CdpMatchRecordIndex returns the index of the record with id, or -1. */
int32
CdpMatchRecordIndex(const CdpMatchRecords *records, const char *id)
{
	StringEntry *entry = strmap_lookup((strmap_hash *) records->by_id, id);

	return entry ? (int32) entry->number : -1;
}
