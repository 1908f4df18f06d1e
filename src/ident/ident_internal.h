/*-------------------------------------------------------------------------
 *
 * ident_internal.h
 *	  What the files of src/ident share and no other subsystem sees: kind
 *	  lookups without catalog access, the normalizers, cache registration.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_IDENT_INTERNAL_H
#define CDP_IDENT_INTERNAL_H

#include "ident/ident.h"

/*
 * ident_kinds.c: the kind named name (len bytes) or with code code, enough
 * to read and write identifiers: name, code and normalizer.  Built-in
 * kinds are answered without catalog access; priority and max_per_profile
 * are not filled in for them (use CdpIdentKindLookup).  NULL when unknown.
 */
extern const CdpIdentKind *CdpIdentKindByName(const char *name, int len);
extern const CdpIdentKind *CdpIdentKindByCode(int code);
extern void CdpIdentKindsRegister(void);

/* blocklist.c */
extern void CdpBlocklistRegister(void);

/*
 * normalize.c and phone.c: every normalizer reads UTF-8 and writes UTF-8
 * into a caller's buffer (out, cap bytes, no terminator), its length into
 * *outlen.  On bad input it returns false and fills a CdpError whose
 * message is a short phrase ("address has no \"@\""), without kind and
 * without value: the caller words the full message.
 */
extern bool CdpNormalize(CdpNormalizer normalizer, const char *s, int len,
						 char *out, int cap, int *outlen, CdpError *error);
extern bool CdpNormalizeEmail(const char *s, int len, char *out, int cap,
							  int *outlen, CdpError *error);
extern bool CdpNormalizeName(const char *s, int len, char *out, int cap,
							 int *outlen, CdpError *error);
extern bool CdpNormalizePhone(const char *s, int len, const char *region,
							  char *out, int cap, int *outlen, CdpError *error);

/* Fills *error for a malformed value (22P02) and returns false. */
static inline bool
CdpInvalidValue(CdpError *error, const char *reason)
{
	return CdpFail(error, ERRCODE_INVALID_TEXT_REPRESENTATION, reason, NULL, NULL);
}

#endif							/* CDP_IDENT_INTERNAL_H */
