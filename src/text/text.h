/*-------------------------------------------------------------------------
 *
 * text.h
 *	  The public header of src/text: Unicode and transliteration
 *	  primitives (ICU), and conversions between the database encoding and
 *	  UTF-8.
 *
 *	  unicode.c		normalization forms, trimming, diacritics, format characters
 *	  encoding.c	database encoding <-> UTF-8
 *	  translit.c	any script to ASCII, with a per-backend cache
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_TEXT_H
#define CDP_TEXT_H

#include "core/core.h"

#include <unicode/utypes.h>

/*
 * Longest text, in bytes, that the Unicode primitives work on (in buffers
 * on the stack); longer text is refused with 22001.
 */
#define CDP_TEXT_MAX_BYTES	1024

/* unicode.c */
typedef enum CdpUnicodeForm
{
	CDP_FORM_NFC,
	CDP_FORM_NFD,
	CDP_FORM_NFKC,
	CDP_FORM_NFKC_FOLD			/* NFKC, full case folding, NFKC again */
} CdpUnicodeForm;

extern void CdpCheckIcu(UErrorCode status, const char *what);
extern bool CdpIsAscii(const char *s, int len);
extern void CdpTrimAscii(const char **s, int *len);
extern bool CdpUnicodeNormalize(CdpUnicodeForm form, const char *s, int len,
								char *out, int cap, int *outlen, CdpError *error);
extern const char *CdpTrimUnicode(const char *s, int *len);
extern int	CdpStripMarks(const char *s, int len, char *out, int cap);
extern int	CdpStripFormatChars(const char *s, int len, char *out);
extern bool CdpTooLong(CdpError *error);

/* encoding.c */

/* Why a value is refused in a database whose encoding lacks a character. */
#define CDP_UNTRANSLATABLE_REASON \
	"value has a character that the database encoding cannot represent once normalized"

extern const char *CdpServerToUtf8(const char *s, int *len, CdpError *error);
extern const char *CdpUtf8ToServer(const char *s, int *len);
extern void CdpRaiseUntranslatable(void) pg_attribute_noreturn();

/* translit.c */
extern char *CdpUtf8ToAscii(const char *utf8, int len, int *result_len);
extern char *CdpToAscii(const char *s, int len, int *result_len);

#endif							/* CDP_TEXT_H */
