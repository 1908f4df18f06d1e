/*-------------------------------------------------------------------------
 *
 * digest.h
 *	  SHA-256 digests through PostgreSQL's cryptohash API.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_DIGEST_H
#define CDP_DIGEST_H

#include "common/sha2.h"

extern void CdpSha256(const void *data, size_t len,
					  uint8 digest[PG_SHA256_DIGEST_LENGTH]);

#endif							/* CDP_DIGEST_H */
