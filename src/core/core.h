/*-------------------------------------------------------------------------
 *
 * core.h
 *	  The public header of src/core: what every other subsystem builds on.
 *
 *	  catalog.c		cdp's own tables and types, the config_changed trigger
 *	  spi_util.c	kept SPI plans and their execution
 *	  datums.c		arrays, jsonb and other argument values
 *	  error.c		failures reported rather than raised (CdpError)
 *	  bulk_insert.c	COPY-style multi-row insertion
 *	  digest.c		SHA-256, HMAC-SHA256
 *	  work_notice.c	work a transaction leaves for the background worker
 *	  iso8601.c		strict timestamp parsing, UTC days
 *	  sorted_ids.c	sorted arrays of 64-bit ids
 *	  union_find.c	disjoint sets
 *
 * Nothing here includes another subsystem.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_CORE_H
#define CDP_CORE_H

#include "postgres.h"

#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/date.h"
#include "utils/jsonb.h"


/* catalog.c: cdp's own objects (errors when missing) and caches of them. */
extern Oid	CdpSchemaOid(void);
extern Oid	CdpRelationOid(const char *relname);
extern Oid	CdpRelationOidIfExists(const char *relname);
extern Oid	CdpTypeOid(const char *typname);
extern Oid	CdpFunctionOwner(Oid fn_oid);

/*
 * A backend's cached copy of up to three of cdp's tables, dropped when one
 * changes (their cdp.config_changed() trigger, or DDL), and read again
 * when a load was cut short by an error.
 */
typedef struct CdpTableCache
{
	const char *tables[3];		/* names in schema cdp; NULL when unused */
	Oid			relids[3];		/* resolved by CdpTableCacheLoading;
								 * InvalidOid for a table the installed
								 * version lacks */
	bool		valid;			/* no change since the load began */
	bool		loaded;			/* the load finished */
	MemoryContext cxt;			/* holds what was loaded */
} CdpTableCache;

extern void CdpTableCacheRegister(CdpTableCache *cache);
extern MemoryContext CdpTableCacheLoading(CdpTableCache *cache);
extern void CdpTableCacheLoaded(CdpTableCache *cache);

/* Whether the cache can be used as it is. */
static inline bool
CdpTableCacheCurrent(const CdpTableCache *cache)
{
	return cache->valid && cache->loaded;
}


/*
 * spi_util.c: a statement kept across calls, and the cdp extension it was
 * prepared against (after DROP and CREATE EXTENSION its types have new
 * OIDs, so the statement is prepared anew).
 */
typedef struct CdpPlanCache
{
	SPIPlanPtr	plan;
	Oid			extension;
} CdpPlanCache;

extern SPIPlanPtr CdpPlan(CdpPlanCache *cache, const char *query, int nargs,
						  const Oid *argtypes);
extern void CdpExecute(SPIPlanPtr plan, const Datum *args, int expected);
extern void CdpExecuteReadOnly(SPIPlanPtr plan, const Datum *args);
extern void CdpExecuteOnPairs(CdpPlanCache *plans, const char *const *queries,
							  const int *expected, int nqueries,
							  const int64 *a, const int64 *b, int64 n);


/* datums.c: values passed to and returned from SQL. */
extern Datum CdpInt8Array(const int64 *values, int n);
extern Datum CdpInt4Array(const int32 *values, int n);
extern Datum CdpDatumArray(const Datum *values, int n, Oid elmtype);
extern Jsonb *CdpEmptyJsonb(void);
extern Datum CdpJsonbFromString(const char *json);
extern Datum CdpRowDatum(FunctionCallInfo fcinfo, Datum *values, bool *nulls);
extern const char *CdpJsonbUnknownKey(JsonbContainer *object, const char *const *allowed,
									  int n, int *len);


/*
 * error.c: a failure reported instead of raised, so that a caller can set
 * a bad input aside and go on (a batch keeps its good events; a trait that
 * is no valid email is no identifier) or raise it with its own wording.
 * The strings are static or palloc'd in the caller's memory context, and
 * never quote customer data.
 */
typedef struct CdpError
{
	int			sqlerrcode;
	const char *message;
	const char *detail;			/* or NULL */
	const char *hint;			/* or NULL */
	const char *field;			/* the input field at fault, or NULL */
} CdpError;

extern bool CdpFail(CdpError *error, int sqlerrcode, const char *message,
					const char *detail, const char *hint);
extern void CdpRaise(const CdpError *error) pg_attribute_noreturn();
extern void CdpRequireArgument(FunctionCallInfo fcinfo, int argno,
							   const char *name);
extern bool CdpIsObjectName(const char *name, int len);

/*
 * CdpAssert(cond): an invariant of cdp's own code (a bound of a chunk, a
 * node of a union-find, the length of a bit-parallel word).  Checked only
 * when the extension is built with CDP_ASSERTS=1 (make test CDP_ASSERTS=1):
 * PostgreSQL's Assert is compiled out of Debian's server, and the checks
 * cost time on hot paths.  A failure raises XX000 with the condition and
 * the place, so the test that reached it fails and the server goes on;
 * the transaction, and whatever it half built, is rolled back.
 */
#ifdef CDP_ASSERTS
#define CdpAssert(cond) \
	do { \
		if (unlikely(!(cond))) \
			ereport(ERROR, \
					(errcode(ERRCODE_INTERNAL_ERROR), \
					 errmsg_internal("cdp assertion failed: %s (%s:%d)", \
									 #cond, __FILE__, __LINE__))); \
	} while (0)
#else
#define CdpAssert(cond) ((void) 0)
#endif


/*
 * bulk_insert.c: multi-row insertion into a table (partitioned or not) the
 * way COPY FROM does it.
 */
typedef struct CdpBulkInsert CdpBulkInsert;

extern CdpBulkInsert *CdpBulkInsertBegin(Oid relid, const char *const *columns,
										 int ncolumns);
extern void CdpBulkInsertRow(CdpBulkInsert *bulk, const Datum *values,
							 const bool *nulls);
extern void CdpBulkInsertEnd(CdpBulkInsert *bulk);


/*
 * work_notice.c: work left for the background workers by this transaction.
 * A flag per kind of worker (src/worker), bit k for kind k.
 */
typedef enum CdpWork
{
	CDP_WORK_STITCH = 1 << 0,	/* events queued for stitching */
	CDP_WORK_JOBS = 1 << 1,		/* changed profiles: traits, matches, segments */
	CDP_WORK_DELIVERY = 1 << 2	/* the activation outbox has something to send */
} CdpWork;

extern void CdpAnnounceWork(int work);
extern int	CdpTakeAnnouncedWork(void);


/* owner_context.c: a user's code run with that user's rights. */
typedef struct CdpOwnerContext
{
	Oid			saved_user;
	int			saved_sec_context;
	int			guc_nest_level;
} CdpOwnerContext;

extern void CdpBecomeOwner(Oid owner, CdpOwnerContext *cxt);
extern void CdpBackFromOwner(const CdpOwnerContext *cxt);

/* digest.c */
extern void CdpSha256(const void *data, size_t len,
					  uint8 digest[PG_SHA256_DIGEST_LENGTH]);
extern void CdpHmacSha256(const uint8 *key, size_t keylen, const void *data, size_t len,
						  uint8 mac[PG_SHA256_DIGEST_LENGTH]);


/* iso8601.c: strict ISO 8601 / RFC 3339 timestamps. */
extern bool CdpParseIso8601(const char *str, int len, TimestampTz *result);
extern DateADT CdpUtcDay(TimestampTz t);


/* sorted_ids.c: the qsort comparison of int64 ids, and binary search. */
extern int	CdpIdCmp(const void *a, const void *b);
extern int32 CdpIdFind(const int64 *sorted, int32 n, int64 id);
extern int64 CdpIdSortUnique(int64 *ids, int64 n);


/* union_find.c: disjoint sets over dense integer nodes 0..n-1. */
typedef struct CdpUnionFind
{
	int32		nnodes;
	int32	   *parent;
	int32	   *size;			/* component size, valid at roots */
} CdpUnionFind;

extern CdpUnionFind *CdpUnionFindCreate(int32 nnodes);
extern int32 CdpUnionFindFind(CdpUnionFind *uf, int32 node);
extern int32 CdpUnionFindUnion(CdpUnionFind *uf, int32 a, int32 b);

#endif							/* CDP_CORE_H */
