/*-------------------------------------------------------------------------
 *
 * digest.c
 *	  SHA-256 digests and HMACs through PostgreSQL's cryptohash and HMAC
 *	  APIs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/hmac.h"

#include "core/core.h"

/* CdpSha256 computes the SHA-256 digest of data[0..len). */
void
CdpSha256(const void *data, size_t len, uint8 digest[PG_SHA256_DIGEST_LENGTH])
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute SHA-256 digest: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

/*
 * CdpHmacSha256 computes the HMAC-SHA256 of data[0..len) under
 * key[0..keylen).
 */
void
CdpHmacSha256(const uint8 *key, size_t keylen, const void *data, size_t len,
			  uint8 mac[PG_SHA256_DIGEST_LENGTH])
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL || pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, data, len) < 0 ||
		pg_hmac_final(ctx, mac, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute HMAC-SHA256: %s", pg_hmac_error(ctx));
	pg_hmac_free(ctx);
}
