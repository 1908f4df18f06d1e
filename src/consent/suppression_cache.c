/*-------------------------------------------------------------------------
 *
 * suppression_cache.c
 *	  The backend's copy of cdp.suppressions and of the keys they were
 *	  made with (cdp.privacy_keys), for ingestion's check of every event.
 *
 * The copy is a sorted array of the 32-byte HMACs (bsearch per identifier
 * and key) and the keys in use, read whole on first use and dropped when
 * either table changes (CdpTableCache, through their cdp.config_changed()
 * triggers).  It costs 32 bytes per suppressed identifier in each backend
 * that ingests.  With no suppression at all the check is a flag test.
 *
 * The tables are read as the current user: ingestion runs as the
 * extension's owner (src/ingest/source_access.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "consent/consent_internal.h"
#include "ident/ident.h"

typedef struct SuppressionKey
{
	int			len;
	uint8	   *bytes;
} SuppressionKey;

static CdpTableCache suppression_cache = {.tables = {"suppressions", "privacy_keys"}};
static int	nkeys;
static SuppressionKey *keys;
static int64 nhmacs;
static uint8 *hmacs;			/* nhmacs * PG_SHA256_DIGEST_LENGTH, sorted */

/* What one check (an ingestion call) works with. */
struct CdpSuppressionCheck
{
	pg_hmac_ctx *ctx;
};

void
CdpSuppressionCacheRegister(void)
{
	CdpTableCacheRegister(&suppression_cache);
}

static int
hmac_cmp(const void *a, const void *b)
{
	return memcmp(a, b, PG_SHA256_DIGEST_LENGTH);
}

/* Runs query (no arguments) in a fresh snapshot; SPI is connected. */
static void
read_rows(const char *query)
{
	int			ret = SPI_execute(query, false, 0);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cdp.suppressions: %s", SPI_result_code_string(ret));
}

/*
 * Reads the keys that suppressions were made with, and the suppressions.
 * A fresh snapshot: the erasure lock may just have waited for an erasure
 * to commit.
 */
static void
load_suppressions(void)
{
	MemoryContext cxt = CdpTableCacheLoading(&suppression_cache);

	nkeys = 0;
	nhmacs = 0;
	/* A database still at 0.1.0 has no suppressions. */
	if (!OidIsValid(suppression_cache.relids[0]) || !OidIsValid(suppression_cache.relids[1]))
	{
		CdpTableCacheLoaded(&suppression_cache);
		return;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	read_rows("SELECT k.key FROM cdp.privacy_keys k"
			  " WHERE EXISTS (SELECT FROM cdp.suppressions s"
			  "                WHERE s.key_id OPERATOR(pg_catalog.=) k.key_id)"
			  " ORDER BY k.key_id");
	keys = MemoryContextAlloc(cxt, Max(SPI_processed, 1) * sizeof(SuppressionKey));
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		bytea	   *key = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[row],
														SPI_tuptable->tupdesc, 1, &isnull));

		keys[nkeys].len = VARSIZE_ANY_EXHDR(key);
		keys[nkeys].bytes = MemoryContextAlloc(cxt, Max(keys[nkeys].len, 1));
		memcpy(keys[nkeys].bytes, VARDATA_ANY(key), keys[nkeys].len);
		nkeys++;
	}
	read_rows("SELECT s.hmac FROM cdp.suppressions s");
	hmacs = MemoryContextAllocHuge(cxt, Max(SPI_processed, 1) * PG_SHA256_DIGEST_LENGTH);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		bytea	   *hmac = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[row],
														 SPI_tuptable->tupdesc, 1, &isnull));

		/* The table's check keeps other lengths out. */
		if (VARSIZE_ANY_EXHDR(hmac) != PG_SHA256_DIGEST_LENGTH)
			continue;
		memcpy(hmacs + nhmacs * PG_SHA256_DIGEST_LENGTH, VARDATA_ANY(hmac),
			   PG_SHA256_DIGEST_LENGTH);
		nhmacs++;
	}
	SPI_finish();
	qsort(hmacs, nhmacs, PG_SHA256_DIGEST_LENGTH, hmac_cmp);
	CdpTableCacheLoaded(&suppression_cache);
}

/*
 * CdpSuppressionCheckBegin takes the erasure lock shared for the rest of
 * the transaction and returns a check of identifiers against the
 * suppressions, or NULL when there is none.
 */
CdpSuppressionCheck *
CdpSuppressionCheckBegin(void)
{
	CdpSuppressionCheck *check;

	CdpErasureLockShared();
	if (!CdpTableCacheCurrent(&suppression_cache))
		load_suppressions();
	if (nhmacs == 0 || nkeys == 0)
		return NULL;
	check = palloc(sizeof(CdpSuppressionCheck));
	check->ctx = CdpHmacCreate();
	return check;
}

/* CdpIdentSuppressed tells whether the cdp.ident ident is suppressed. */
bool
CdpIdentSuppressed(CdpSuppressionCheck *check, Datum ident)
{
	struct varlena *id = DatumGetCdpIdentP(ident);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	for (int k = 0; k < nkeys; k++)
	{
		CdpIdentHmac(check->ctx, keys[k].bytes, keys[k].len, id, digest);
		if (bsearch(digest, hmacs, nhmacs, PG_SHA256_DIGEST_LENGTH, hmac_cmp) != NULL)
			return true;
	}
	return false;
}

/* CdpSuppressionCheckEnd frees a check (NULL is allowed). */
void
CdpSuppressionCheckEnd(CdpSuppressionCheck *check)
{
	if (check == NULL)
		return;
	pg_hmac_free(check->ctx);
	pfree(check);
}
