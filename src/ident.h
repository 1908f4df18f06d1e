/*-------------------------------------------------------------------------
 *
 * ident.h
 *	  The cdp.ident type: a typed, normalized identifier, and the C API that
 *	  other modules (ingestion, identity) use to build and read it.
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

#include "postgres.h"

#include "fmgr.h"

/* Longest value accepted, in bytes, before and after normalization. */
#define CDP_IDENT_MAX_BYTES		1024

/* Bytes of kind code in front of the value. */
#define CDP_IDENT_CODE_BYTES	2

/*
 * Why a value was refused.  sqlerrcode is the SQLSTATE (22P02 bad value,
 * 22001 too long, 22023 a national phone number without a region, 22021
 * invalid UTF-8); reason is a complete message that names the kind and
 * never the value; hint is NULL or a sentence telling how to fix it.  Both
 * strings are static or palloc'd in the caller's memory context.
 */
typedef struct CdpIdentError
{
	int			sqlerrcode;
	const char *reason;
	const char *hint;
} CdpIdentError;

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
 * returns false and fills *error; raises only for internal failures.
 */
extern bool CdpIdentMake(const char *kind, int kind_len,
						 const char *value, int value_len,
						 Datum *result, CdpIdentError *error);

/* Accessors; ident is a detoasted (possibly short-header) cdp.ident. */
extern int	CdpIdentCode(const struct varlena *ident);
extern const char *CdpIdentKindName(const struct varlena *ident);
extern const char *CdpIdentValue(const struct varlena *ident, int *len);
extern const CdpIdentKind *CdpIdentKindOf(const struct varlena *ident);

/*
 * The kind named name, with its priority and max_per_profile, read from
 * cdp.identifier_kinds (cached); NULL when there is none.
 */
extern const CdpIdentKind *CdpIdentKindLookup(const char *name, int len);

/* Detoasts a cdp.ident datum without expanding a short header. */
#define DatumGetCdpIdentP(d)	((struct varlena *) PG_DETOAST_DATUM_PACKED(d))
#define PG_GETARG_CDP_IDENT_P(n)	DatumGetCdpIdentP(PG_GETARG_DATUM(n))

#endif							/* CDP_IDENT_H */
