/*-------------------------------------------------------------------------
 *
 * fuzzy_text.h
 *	  Text arguments of the fuzzy functions as arrays of code points.
 *
 * Every string-similarity function decodes each argument once into an
 * array of Unicode code points (a stack buffer for short strings), so the
 * algorithms count characters, never bytes.  Functions that only compare
 * characters for equality then renumber both arrays into a small dense
 * alphabet, so that per-character tables stay small.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_FUZZY_TEXT_H
#define CDP_FUZZY_TEXT_H

#include "fmgr.h"

/*
 * Longest arguments, in characters, of the SQL functions (the README lists
 * them): the comparisons whose time grows with the product of the lengths,
 * and cdp.deletion_keys whose time grows with the square of a word's, take
 * 10,000; q-gram similarity, linear but with a table per argument, 100,000;
 * the phonetic functions, linear, 1,000,000.  Longer arguments are refused
 * with 54000.
 */
#define CDP_FUZZY_MAX_QUADRATIC	10000
#define CDP_FUZZY_MAX_QGRAM		100000
#define CDP_FUZZY_MAX_PHONETIC	1000000

/* Code points held on the stack per argument before spilling to palloc. */
#define CDP_FUZZY_INLINE	256

/* Alphabet size of two all-ASCII strings: symbols are the bytes. */
#define CDP_FUZZY_ASCII_ALPHABET	128

/*
 * Below this code point (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic)
 * a table indexed by character may be used as is; other text is renumbered
 * through a hash table.
 */
#define CDP_FUZZY_DIRECT	2048

typedef struct CdpFuzzyText
{
	uint32	   *chars;			/* code points, or dense symbols once remapped */
	int			len;			/* number of code points */
	bool		ascii;			/* every character is 7-bit */
	uint32		inline_buf[CDP_FUZZY_INLINE];
} CdpFuzzyText;

extern void CdpFuzzyDecode(const char *s, int nbytes, CdpFuzzyText *out);
extern void CdpFuzzyCheckLength(FunctionCallInfo fcinfo, const char *s,
								int nbytes, int max_chars);
extern void CdpFuzzyDecodeArg(FunctionCallInfo fcinfo, int argno,
							  int max_chars, CdpFuzzyText *out);
extern void CdpFuzzyReserve(CdpFuzzyText *ft, int capacity, bool ascii);
extern void CdpFuzzyFree(CdpFuzzyText *ft);
extern int	CdpFuzzyRemap(CdpFuzzyText *pattern, CdpFuzzyText *other,
						  int direct_limit);
extern void CdpFuzzyPeq(uint64 *peq, const uint32 *a, int m,
						const uint32 *b, int n);

/*
 * CdpFuzzyBlocks holds a pattern's bit masks split into 64-bit words
 * (peq[symbol * words + w] has positions 64w..64w+63) and zeroed scratch
 * words for the algorithm's state, in one piece: inside the caller's
 * buffer when they fit, else palloc'd.
 */
typedef struct CdpFuzzyBlocks
{
	uint64	   *peq;
	uint64	   *scratch;
	bool		allocated;
} CdpFuzzyBlocks;

extern void CdpFuzzyBlocksInit(CdpFuzzyBlocks *blocks, uint64 *buf,
							   int buf_len, const uint32 *a, int m,
							   int alphabet, int words, int scratch_words);
extern void CdpFuzzyBlocksFree(CdpFuzzyBlocks *blocks);

/* CdpFuzzyPrefix counts the leading characters a and b have in common. */
static inline int
CdpFuzzyPrefix(const uint32 *a, int m, const uint32 *b, int n)
{
	int			k = 0;
	int			limit = Min(m, n);

	while (k < limit && a[k] == b[k])
		k++;
	return k;
}

/* CdpFuzzySuffix counts the trailing characters a and b have in common. */
static inline int
CdpFuzzySuffix(const uint32 *a, int m, const uint32 *b, int n)
{
	int			k = 0;
	int			limit = Min(m, n);

	while (k < limit && a[m - 1 - k] == b[n - 1 - k])
		k++;
	return k;
}

#endif							/* CDP_FUZZY_TEXT_H */
