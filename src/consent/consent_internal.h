/*-------------------------------------------------------------------------
 *
 * consent_internal.h
 *	  Shared between the files of src/consent.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_CONSENT_INTERNAL_H
#define CDP_CONSENT_INTERNAL_H

#include "common/hmac.h"

#include "consent/consent.h"

/* A purpose and the roles granted it (cdp.purposes, cdp.role_purposes). */
typedef struct CdpPurpose
{
	char	   *name;
	int			bit;
	int			nroles;
	Oid		   *roles;
} CdpPurpose;

/* A region granted to a role (cdp.role_regions); "*" is every region. */
typedef struct CdpRegionGrant
{
	Oid			role;
	char	   *region;
} CdpRegionGrant;

/* The backend's copy of the three tables. */
typedef struct CdpPurposeCatalog
{
	int			npurposes;
	CdpPurpose *purposes;
	int			ngrants;
	CdpRegionGrant *grants;
	uint64		generation;		/* changes with every load */
} CdpPurposeCatalog;

/*
 * Returns the current copy, read again (as the owner of function
 * reader_fn, so that callers need no rights on the tables) when one of the
 * tables changed.
 */
extern const CdpPurposeCatalog *CdpPurposeCatalogGet(Oid reader_fn);
extern void CdpPurposeCatalogRegister(void);

/* masking.c */
extern void CdpMaskingKeyRegister(void);
/* suppression.c: identifiers' HMACs under a key, the erasure lock. */
extern pg_hmac_ctx *CdpHmacCreate(void);
extern void CdpIdentHmac(pg_hmac_ctx *ctx, const uint8 *key, size_t keylen,
						 const struct varlena *ident,
						 uint8 out[PG_SHA256_DIGEST_LENGTH]);
extern void CdpErasureLockShared(void);

/* suppression_cache.c */
extern void CdpSuppressionCacheRegister(void);

/* privacy_settings.c */
extern void CdpPrivacyInit(void);

#endif							/* CDP_CONSENT_INTERNAL_H */
