/*-------------------------------------------------------------------------
 *
 * phonetic.h
 *	  Phonetic codes of names (Soundex, Double Metaphone).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_FUZZY_PHONETIC_H
#define CDP_FUZZY_PHONETIC_H

/* Length of a Double Metaphone code. */
#define CDP_DMETAPHONE_LEN	4

extern const char *CdpAsciiName(const char *s, int len, int *ascii_len);
extern const char *CdpDoubleMetaphoneAscii(const char *s, int len,
										   int *ascii_len);
extern void CdpDoubleMetaphone(const char *word, int len,
							   char primary[CDP_DMETAPHONE_LEN + 1],
							   char alternate[CDP_DMETAPHONE_LEN + 1]);

#endif							/* CDP_FUZZY_PHONETIC_H */
