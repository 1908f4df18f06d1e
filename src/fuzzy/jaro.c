/*-------------------------------------------------------------------------
 *
 * jaro.c
 *	  Jaro and Jaro-Winkler similarity over code points.
 *
 * Jaro: characters match when equal and at most
 * floor(max(|a|, |b|) / 2) - 1 positions apart (never less than 0), each
 * character of b matching at most one of a, taken greedily in the order of
 * a; t is half the number of matched pairs that appear in a different order
 * (integer division); the similarity is
 * (m / |a| + m / |b| + (m - t) / m) / 3, 0 when nothing matches, and 1 for
 * two empty strings.  Jaro-Winkler adds l * 0.1 * (1 - jaro) for a common
 * prefix of l <= 4 characters, only when jaro > 0.7.
 *
 * The search for a match is bit-parallel: the positions of each character
 * of b are bit masks (one 64-bit word per 64 characters), so the first free
 * match inside the window is the lowest bit of (mask & window & ~used).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"

#include "core/core.h"
#include "fuzzy/fuzzy.h"
#include "fuzzy/fuzzy_text.h"

PG_FUNCTION_INFO_V1(cdp_jaro);
PG_FUNCTION_INFO_V1(cdp_jaro_winkler);

/* Words of bit masks kept on the stack (16 kB). */
#define PEQ_INLINE_WORDS	CDP_FUZZY_DIRECT

/* bits_from returns a word with bits lo..63 set. */
static inline uint64
bits_from(int lo)
{
	return ~UINT64CONST(0) << lo;
}

/* bits_upto returns a word with bits 0..hi set. */
static inline uint64
bits_upto(int hi)
{
	return hi >= 63 ? ~UINT64CONST(0) : (UINT64CONST(1) << (hi + 1)) - 1;
}

/*
 * jaro_matches_word is jaro_matches for a b of at most 64 characters: the
 * window is one mask, and the matched positions of b are returned in *used.
 */
static int
jaro_matches_word(const uint64 *peq, const uint32 *a, int m, int n,
				  int window, uint64 *used, uint32 *a_matched)
{
	uint64		taken = 0;
	int			count = 0;
	int			last = Min(m, n + window);	/* later windows start past b */

	CdpAssert(n >= 1 && n <= 64);
	for (int i = 0; i < last; i++)
	{
		uint64		cand = peq[a[i]] & ~taken & bits_upto(i + window);

		if (i > window)
			cand &= bits_from(i - window);
		if (cand != 0)
		{
			CdpAssert(count < Min(m, n));
			taken |= cand & (~cand + 1);
			a_matched[count++] = a[i];
		}
	}
	*used = taken;
	return count;
}

/*
 * jaro_matches matches the characters of a against b (masks in peq, words
 * of 64 bits, used marks the matched positions of b), stores the matched
 * characters of a in order in a_matched and returns their number.
 */
static int
jaro_matches(const uint64 *peq, int words, const uint32 *a, int m, int n,
			 int window, uint64 *used, uint32 *a_matched)
{
	int			count = 0;

	for (int i = 0; i < m; i++)
	{
		int			lo = Max(0, i - window);
		int			hi = Min(n - 1, i + window);
		const uint64 *pm = peq + (Size) a[i] * words;

		if (lo > hi)
			break;				/* every later window starts past b */
		if (words > 1)
			CHECK_FOR_INTERRUPTS();
		for (int w = lo / 64; w <= hi / 64; w++)
		{
			uint64		cand = pm[w] & ~used[w];

			if (w == lo / 64)
				cand &= bits_from(lo % 64);
			if (w == hi / 64)
				cand &= bits_upto(hi % 64);
			if (cand != 0)
			{
				CdpAssert(count < Min(m, n));
				used[w] |= cand & (~cand + 1);
				a_matched[count++] = a[i];
				break;
			}
		}
	}
	return count;
}

/*
 * jaro_transpositions counts the matched characters of b, in order, that
 * differ from the matched characters of a in order, and halves that.
 */
static int
jaro_transpositions(const uint64 *used, int words, const uint32 *b,
					const uint32 *a_matched)
{
	int			k = 0;
	int			half = 0;

	for (int w = 0; w < words; w++)
	{
		uint64		bits = used[w];

		while (bits != 0)
		{
			int			pos = w * 64 + pg_rightmost_one_pos64(bits);

			half += b[pos] != a_matched[k++];
			bits &= bits - 1;
		}
	}
	return half / 2;
}

/*
 * CdpJaro returns the Jaro similarity of x and y (renumbered in place).
 */
double
CdpJaro(CdpFuzzyText *x, CdpFuzzyText *y)
{
	const uint32 *a = x->chars;
	const uint32 *b = y->chars;
	int			m = x->len;
	int			n = y->len;
	int			window;
	int			words;
	int			alphabet;
	int			matches;
	int			trans;
	uint64		inline_buf[PEQ_INLINE_WORDS];
	CdpFuzzyBlocks blocks = {inline_buf, NULL, false};
	uint64	   *used;
	uint64		used_word;
	uint32		inline_matched[CDP_FUZZY_INLINE];
	uint32	   *a_matched = inline_matched;

	if (m == 0 && n == 0)
		return 1.0;
	if (m == 0 || n == 0)
		return 0.0;

	window = Max(0, Max(m, n) / 2 - 1);
	words = (n + 63) / 64;
	alphabet = CdpFuzzyRemap(y, x, words == 1 ? CDP_FUZZY_DIRECT
							 : CDP_FUZZY_ASCII_ALPHABET);
	if (words == 1)
	{
		CdpFuzzyPeq(inline_buf, b, n, a, m);
		used = &used_word;
	}
	else
	{
		CdpFuzzyBlocksInit(&blocks, inline_buf, PEQ_INLINE_WORDS,
						   b, n, alphabet, words, words);
		used = blocks.scratch;
	}
	if (Min(m, n) > CDP_FUZZY_INLINE)
		a_matched = palloc(Min(m, n) * sizeof(uint32));

	if (words == 1)
		matches = jaro_matches_word(blocks.peq, a, m, n, window, used,
									a_matched);
	else
		matches = jaro_matches(blocks.peq, words, a, m, n, window, used,
							   a_matched);
	trans = matches > 0 ? jaro_transpositions(used, words, b, a_matched) : 0;

	CdpFuzzyBlocksFree(&blocks);
	if (a_matched != inline_matched)
		pfree(a_matched);

	if (matches == 0)
		return 0.0;
	return ((double) matches / m + (double) matches / n +
			(double) (matches - trans) / matches) / 3.0;
}

/*
 * CdpJaroWinkler returns the Jaro-Winkler similarity of x and y (renumbered
 * in place): prefix scale 0.1, prefix of at most 4, boost above 0.7 only.
 */
double
CdpJaroWinkler(CdpFuzzyText *x, CdpFuzzyText *y)
{
	int			prefix = CdpFuzzyPrefix(x->chars, Min(x->len, 4),
										y->chars, Min(y->len, 4));
	double		jaro = CdpJaro(x, y);

	if (jaro > 0.7)
		jaro += prefix * 0.1 * (1.0 - jaro);
	return jaro;
}

/* cdp.jaro(a text, b text) float8 */
Datum
cdp_jaro(PG_FUNCTION_ARGS)
{
	CdpFuzzyText a;
	CdpFuzzyText b;
	double		s;

	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	s = CdpJaro(&a, &b);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_FLOAT8(s);
}

/* cdp.jaro_winkler(a text, b text) float8 */
Datum
cdp_jaro_winkler(PG_FUNCTION_ARGS)
{
	CdpFuzzyText a;
	CdpFuzzyText b;
	double		s;

	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	s = CdpJaroWinkler(&a, &b);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_FLOAT8(s);
}
