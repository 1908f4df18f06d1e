/*-------------------------------------------------------------------------
 *
 * normalize.h
 *	  Normalization of identifier values: exact, lower, email, phone, name.
 *
 * Every normalizer reads UTF-8 and writes UTF-8 into a caller's buffer.
 * On bad input it returns -1 and fills a CdpIdentError whose reason is a
 * short phrase ("address has no \"@\""), without kind and without value;
 * the caller words the full message.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_NORMALIZE_H
#define CDP_NORMALIZE_H

#include "ident.h"

/* Unicode normalization forms used by the normalizers. */
typedef enum CdpUnicodeForm
{
	CDP_FORM_NFC,
	CDP_FORM_NFD,
	CDP_FORM_NFKC,
	CDP_FORM_NFKC_FOLD			/* NFKC, full case folding, NFKC again */
} CdpUnicodeForm;

extern int	CdpNormalize(CdpNormalizer normalizer, const char *s, int len,
						 char *out, int cap, CdpIdentError *error);
extern int	CdpUnicodeNormalize(CdpUnicodeForm form, const char *s, int len,
								char *out, int cap, CdpIdentError *error);
extern void CdpTrimAscii(const char **s, int *len);

/* Why a value is refused in a database whose encoding lacks a character. */
#define CDP_UNTRANSLATABLE_REASON \
	"value has a character that the database encoding cannot represent once normalized"

/* Conversions between the database encoding and UTF-8. */
extern const char *CdpServerToUtf8(const char *s, int *len, CdpIdentError *error);
extern const char *CdpUtf8ToServer(const char *s, int *len);
extern void CdpRaiseUntranslatable(void) pg_attribute_noreturn();

/* Raises the error a normalizer reported, for the value described by what. */
extern void CdpNormalizeRaise(const char *what, const CdpIdentError *error) pg_attribute_noreturn();

/* phone.c */
extern int	CdpNormalizePhone(const char *s, int len, const char *region,
							  char *out, int cap, CdpIdentError *error);
extern const char *CdpPhoneRegionCanonical(const char *region);
extern char *CdpPhoneRegionList(void);

#endif							/* CDP_NORMALIZE_H */
