/*-------------------------------------------------------------------------
 *
 * ident.h
 *	  The public header of src/ident: the cdp.ident type (a typed,
 *	  normalized identifier), its kinds, and the blocklist of junk values.
 *
 *	  ident.c		construction, text and binary input/output
 *	  ident_ops.c	comparison and hashing (operator classes)
 *	  ident_kinds.c	built-in kinds and the cache of cdp.identifier_kinds
 *	  normalize.c	normalizers: exact, lower, email, name
 *	  phone.c		the phone normalizer (E.164)
 *	  normalize_sql.c	cdp.normalize_email(), _phone(), _name()
 *	  hash_ident.c	cdp.hash_ident(): digests for ad platforms
 *	  blocklist.c	cdp.blocked_identifiers
 *
 * A cdp.ident is a varlena holding the kind's code (two bytes, big-endian)
 * followed by the normalized value in UTF-8, whatever the database
 * encoding.  Two identifiers are equal when these bytes are equal; they
 * sort by kind code, then by the value's bytes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_IDENT_H
#define CDP_IDENT_H

#include "core/core.h"
#include "text/text.h"

/* Longest value accepted, in bytes, before and after normalization. */
#define CDP_IDENT_MAX_BYTES		CDP_TEXT_MAX_BYTES

/* Bytes of kind code in front of the value. */
#define CDP_IDENT_CODE_BYTES	2

/* cdp.default_region: region of national phone numbers, "" when unset */
extern char *cdp_default_region;

/* cdp.email_provider_rules: apply Gmail's dot and +tag rules to emails */
extern bool cdp_email_provider_rules;

/* How a kind's values are normalized. */
typedef enum CdpNormalizer
{
	CDP_NORMALIZER_EXACT,
	CDP_NORMALIZER_LOWER,
	CDP_NORMALIZER_EMAIL,
	CDP_NORMALIZER_PHONE,
	CDP_NORMALIZER_NAME
} CdpNormalizer;

/* A row of cdp.identifier_kinds. */
typedef struct CdpIdentKind
{
	char		name[NAMEDATALEN];
	int			code;
	CdpNormalizer normalizer;
	int32		priority;
	int32		max_per_profile;	/* 0: unlimited */
} CdpIdentKind;

/*
 * Normalizes value (value_len bytes, database encoding) for the kind named
 * kind (kind_len bytes; built-in or from cdp.identifier_kinds) and builds a
 * cdp.ident datum, palloc'd in the current memory context.  On bad input
 * returns false and fills *error, whose message names the kind and never
 * the value (SQLSTATE 22P02 bad value, 22001 too long, 22023 a national
 * phone number without a region, 22021 invalid UTF-8).
 */
extern bool CdpIdentMake(const char *kind, int kind_len,
						 const char *value, int value_len,
						 Datum *result, CdpError *error);

/* Accessors; ident is a detoasted (possibly short-header) cdp.ident. */
extern int	CdpIdentCode(const struct varlena *ident);
extern const char *CdpIdentValue(const struct varlena *ident, int *len);
extern const CdpIdentKind *CdpIdentKindOf(const struct varlena *ident);
extern bool CdpIdentEqual(const struct varlena *a, const struct varlena *b);

/*
 * The kind named name, with its priority and max_per_profile, read from
 * cdp.identifier_kinds (cached); NULL when there is none.
 */
extern const CdpIdentKind *CdpIdentKindLookup(const char *name, int len);

/* Whether the kind with this code names a person (not a browser or device). */
extern bool CdpIdentNamesPerson(int code);

/* Whether ident is in cdp.blocked_identifiers (never taken from events). */
extern bool CdpIdentBlocked(const struct varlena *ident);

/* Phone regions, for cdp.default_region. */
extern const char *CdpPhoneRegionCanonical(const char *region);
extern char *CdpPhoneRegionList(void);

/* Registers the caches' invalidation callbacks; from _PG_init. */
extern void CdpIdentInit(void);

/* Detoasts a cdp.ident datum without expanding a short header. */
#define DatumGetCdpIdentP(d)	((struct varlena *) PG_DETOAST_DATUM_PACKED(d))
#define PG_GETARG_CDP_IDENT_P(n)	DatumGetCdpIdentP(PG_GETARG_DATUM(n))

#endif							/* CDP_IDENT_H */
