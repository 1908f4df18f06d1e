/*-------------------------------------------------------------------------
 *
 * translit.h
 *	  Transliteration of any script to ASCII with ICU, for name matching.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_TRANSLIT_H
#define CDP_TRANSLIT_H

#include <unicode/utypes.h>

extern void CdpCheckIcu(UErrorCode status, const char *what);
extern bool CdpIsAscii(const char *s, int len);
extern char *CdpToAscii(const char *s, int len, int *result_len);

#endif							/* CDP_TRANSLIT_H */
