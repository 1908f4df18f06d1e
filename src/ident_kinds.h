/*-------------------------------------------------------------------------
 *
 * ident_kinds.h
 *	  Identifier kinds: the built-in ones and the per-backend cache of
 *	  cdp.identifier_kinds.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_IDENT_KINDS_H
#define CDP_IDENT_KINDS_H

#include "ident.h"

/*
 * The kind named name (len bytes) or with code code, enough to read and
 * write identifiers: name, code and normalizer.  Built-in kinds are
 * answered without catalog access; priority and max_per_profile are not
 * filled in for them (use CdpIdentKindLookup).  NULL when unknown.
 */
extern const CdpIdentKind *CdpIdentKindByName(const char *name, int len);
extern const CdpIdentKind *CdpIdentKindByCode(int code);

extern const char *CdpNormalizerName(CdpNormalizer normalizer);
extern void CdpIdentKindsInvalidate(Oid relid);

#endif							/* CDP_IDENT_KINDS_H */
