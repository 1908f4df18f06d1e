/*-------------------------------------------------------------------------
 *
 * suppression.c
 *	  What erasure leaves behind of a person: a keyed HMAC-SHA256 of each
 *	  of their identifiers (cdp.suppressions), the keys (cdp.privacy_keys),
 *	  and the erasure lock that orders erasure against ingestion.
 *
 * An identifier is suppressed by the HMAC of its normalized text form
 * (kind:value, as cdp.ident prints it, in the database's encoding) under
 * a secret key: a later event carrying it can be recognized and dropped,
 * while the table itself says nothing about who was erased (a plain hash
 * of an email could be reversed by hashing a list of emails).
 *
 * cdp.forget takes the erasure lock exclusively before it looks at the
 * person; ingestion takes it shared before it checks an event's
 * identifiers.  So an ingestion that began before an erasure commits
 * (events and stitching) before the erasure looks, and one that begins
 * after waits for it and then sees the new suppressions: the person is
 * never left half there.  Ingestions do not wait for each other.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/hmac.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/inval.h"

#include "consent/consent_internal.h"
#include "ident/ident.h"

PG_FUNCTION_INFO_V1(cdp_suppression_hmac);
PG_FUNCTION_INFO_V1(cdp_new_privacy_key);
PG_FUNCTION_INFO_V1(cdp_hold_erasure);

/* The advisory lock of erasure: "cdp" and 2 (stitching's is "cdp" and 1). */
#define ERASURE_LOCK_KEY1	0x00636470
#define ERASURE_LOCK_KEY2	2

/* Bytes of a key made by cdp.new_privacy_key(): SHA-256's block is 64. */
#define PRIVACY_KEY_BYTES	32

/* Takes the erasure lock in mode for the rest of the transaction. */
static void
acquire_erasure_lock(LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, ERASURE_LOCK_KEY1, ERASURE_LOCK_KEY2, 2);
	/*
	 * A lock taken (not already held) may have waited for an erasure to
	 * commit: read its suppressions' invalidations, as locking a relation
	 * would.
	 */
	if (LockAcquire(&tag, mode, false, false) == LOCKACQUIRE_OK)
		AcceptInvalidationMessages();
}

/*
 * CdpErasureLockShared takes the erasure lock shared (ingestion) for the
 * rest of the transaction.
 */
void
CdpErasureLockShared(void)
{
	acquire_erasure_lock(ShareLock);
}

/*
 * cdp.hold_erasure() takes the erasure lock exclusively for the rest of the
 * transaction: no ingestion checks its events meanwhile.
 */
Datum
cdp_hold_erasure(PG_FUNCTION_ARGS pg_attribute_unused())
{
	acquire_erasure_lock(ExclusiveLock);
	PG_RETURN_VOID();
}

/* Raises the failure of an HMAC step, naming no data. */
static void
hmac_failed(pg_hmac_ctx *ctx)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not compute HMAC-SHA256: %s", pg_hmac_error(ctx))));
}

/* CdpHmacCreate returns an HMAC-SHA256 context (freed by pg_hmac_free). */
pg_hmac_ctx *
CdpHmacCreate(void)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return ctx;
}

/*
 * CdpIdentHmac computes into out the HMAC-SHA256 under key (keylen bytes)
 * of ident's text form, kind:value.
 */
void
CdpIdentHmac(pg_hmac_ctx *ctx, const uint8 *key, size_t keylen,
			 const struct varlena *ident, uint8 out[PG_SHA256_DIGEST_LENGTH])
{
	const char *kind = CdpIdentKindOf(ident)->name;
	int			len;
	const char *value = CdpIdentValue(ident, &len);

	if (pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) kind, strlen(kind)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) ":", 1) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) value, len) < 0 ||
		pg_hmac_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
		hmac_failed(ctx);
}

/*
 * cdp.suppression_hmac(ident cdp.ident, key bytea) returns the HMAC-SHA256
 * of the identifier's text form under key.
 */
Datum
cdp_suppression_hmac(PG_FUNCTION_ARGS)
{
	struct varlena *ident = PG_GETARG_CDP_IDENT_P(0);
	bytea	   *key = PG_GETARG_BYTEA_PP(1);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	pg_hmac_ctx *ctx;

	if (VARSIZE_ANY_EXHDR(key) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("suppression key must not be empty")));
	ctx = CdpHmacCreate();
	CdpIdentHmac(ctx, (const uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), ident,
				 (uint8 *) VARDATA(result));
	pg_hmac_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_BYTEA_P(result);
}

/*
 * cdp.new_privacy_key() returns 32 bytes from the operating system's
 * cryptographically strong source (pg_strong_random).
 */
Datum
cdp_new_privacy_key(PG_FUNCTION_ARGS pg_attribute_unused())
{
	bytea	   *result = palloc(VARHDRSZ + PRIVACY_KEY_BYTES);

	if (!pg_strong_random(VARDATA(result), PRIVACY_KEY_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random key")));
	SET_VARSIZE(result, VARHDRSZ + PRIVACY_KEY_BYTES);
	PG_RETURN_BYTEA_P(result);
}
