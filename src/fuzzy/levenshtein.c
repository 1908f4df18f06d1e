/*-------------------------------------------------------------------------
 *
 * levenshtein.c
 *	  Edit distances over code points: Levenshtein (with an optional bound),
 *	  optimal string alignment, true Damerau-Levenshtein and Indel.
 *
 * Levenshtein and optimal string alignment run the bit-parallel algorithms
 * of Myers (1999) in Hyyro's formulation (2001, 2003): one 64-bit word per
 * column while the shorter string has at most 64 characters, one word per
 * 64 characters (with carries between words) beyond.  The bounded form
 * gives up as soon as the distance can no longer fall to the bound.  True
 * (unrestricted) Damerau-Levenshtein uses the Lowrance-Wagner recurrence in
 * linear space, after Zhao and Sahni (2019).  Indel distance (insertions and
 * deletions only) comes from the bit-parallel LCS length of Hyyro (2004).
 *
 * Common prefixes and suffixes never change these distances, so they are
 * stripped first; the shorter remaining string is the bit pattern.
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

PG_FUNCTION_INFO_V1(cdp_levenshtein);
PG_FUNCTION_INFO_V1(cdp_levenshtein_bounded);
PG_FUNCTION_INFO_V1(cdp_osa_distance);
PG_FUNCTION_INFO_V1(cdp_damerau_levenshtein);

/* Words of bit masks kept on the stack (16 kB). */
#define PEQ_INLINE_WORDS	CDP_FUZZY_DIRECT

/* Columns of the Damerau-Levenshtein rows kept on the stack. */
#define DL_INLINE_COLUMNS	(CDP_FUZZY_INLINE + 1)

/* The two strings of a comparison once their common affixes are gone. */
typedef struct EditPair
{
	const uint32 *a;			/* the shorter string: the bit pattern */
	int			m;
	const uint32 *b;			/* the longer string: scanned */
	int			n;
	int			alphabet;		/* symbols are below this */
} EditPair;

/*
 * prepare_pair strips the common prefix and suffix of x and y, makes the
 * shorter rest the pattern and renumbers both into an alphabet (see
 * CdpFuzzyRemap).  Code points are kept when the pattern has at most
 * direct_m characters: the caller's tables for such patterns take
 * CDP_FUZZY_DIRECT entries.
 */
static void
prepare_pair(CdpFuzzyText *x, CdpFuzzyText *y, EditPair *p, int direct_m)
{
	CdpFuzzyText *s = x;
	CdpFuzzyText *l = y;
	int			pre;
	int			suf;

	if (x->len > y->len)
	{
		s = y;
		l = x;
	}
	pre = CdpFuzzyPrefix(s->chars, s->len, l->chars, l->len);
	suf = CdpFuzzySuffix(s->chars + pre, s->len - pre,
						 l->chars + pre, l->len - pre);
	p->a = s->chars + pre;
	p->m = s->len - pre - suf;
	p->b = l->chars + pre;
	p->n = l->len - pre - suf;
	p->alphabet = p->m == 0 ? 0
		: CdpFuzzyRemap(s, l, p->m <= direct_m ? CDP_FUZZY_DIRECT
						: CDP_FUZZY_ASCII_ALPHABET);
}

/*
 * myers_word computes the Levenshtein distance for a pattern of 1..64
 * characters whose masks are in peq; it returns max_d + 1 as soon as the
 * distance must exceed max_d.
 */
static int
myers_word(const uint64 *peq, int m, const uint32 *b, int n, int max_d)
{
	uint64		vp = ~UINT64CONST(0);
	uint64		vn = 0;
	uint64		last = UINT64CONST(1) << (m - 1);
	int			score = m;

	CdpAssert(m >= 1 && m <= 64);
	for (int j = 0; j < n; j++)
	{
		uint64		pm = peq[b[j]];
		uint64		d0 = (((pm & vp) + vp) ^ vp) | pm | vn;
		uint64		hp = vn | ~(d0 | vp);
		uint64		hn = d0 & vp;

		score += (hp & last) != 0;
		score -= (hn & last) != 0;
		/* The remaining columns can lower the distance by one each. */
		if (score - (n - j - 1) > max_d)
			return max_d + 1;
		hp = (hp << 1) | 1;
		hn <<= 1;
		vp = hn | ~(d0 | hp);
		vn = hp & d0;
	}
	return score;
}

/*
 * myers_blocks is myers_word for patterns of any length, one 64-bit word per
 * 64 pattern characters with the horizontal deltas carried between words.
 */
static int
myers_blocks(const uint64 *peq, int words, int m, const uint32 *b, int n,
			 int max_d, uint64 *vp, uint64 *vn)
{
	uint64		last = UINT64CONST(1) << ((m - 1) % 64);
	int			score = m;

	CdpAssert(m > 64 && words == (m + 63) / 64);

	for (int w = 0; w < words; w++)
	{
		vp[w] = ~UINT64CONST(0);
		vn[w] = 0;
	}
	for (int j = 0; j < n; j++)
	{
		const uint64 *pmrow = peq + (Size) b[j] * words;
		uint64		hp_carry = 1;	/* row 0 grows by one per column */
		uint64		hn_carry = 0;

		CHECK_FOR_INTERRUPTS();

		for (int w = 0; w < words; w++)
		{
			/* A negative delta entering the word acts as a match at its top. */
			uint64		x = pmrow[w] | hn_carry;
			uint64		d0 = (((x & vp[w]) + vp[w]) ^ vp[w]) | x | vn[w];
			uint64		hp = vn[w] | ~(d0 | vp[w]);
			uint64		hn = d0 & vp[w];
			uint64		hp_out;
			uint64		hn_out;

			if (w < words - 1)
			{
				hp_out = hp >> 63;
				hn_out = hn >> 63;
			}
			else
			{
				hp_out = (hp & last) != 0;
				hn_out = (hn & last) != 0;
			}
			hp = (hp << 1) | hp_carry;
			hn = (hn << 1) | hn_carry;
			vp[w] = hn | ~(d0 | hp);
			vn[w] = hp & d0;
			hp_carry = hp_out;
			hn_carry = hn_out;
		}
		score += (int) hp_carry - (int) hn_carry;
		if (score - (n - j - 1) > max_d)
			return max_d + 1;
	}
	return score;
}

/*
 * osa_word computes the optimal string alignment distance (adjacent
 * transpositions, no substring edited twice) for a pattern of 1..64
 * characters, after Hyyro (2003).
 */
static int
osa_word(const uint64 *peq, int m, const uint32 *b, int n)
{
	uint64		vp = ~UINT64CONST(0);
	uint64		vn = 0;
	uint64		d0 = 0;
	uint64		pm_prev = 0;
	uint64		last = UINT64CONST(1) << (m - 1);
	int			score = m;

	CdpAssert(m >= 1 && m <= 64);
	for (int j = 0; j < n; j++)
	{
		uint64		pm = peq[b[j]];
		uint64		tr = (((~d0) & pm) << 1) & pm_prev;
		uint64		hp;
		uint64		hn;

		d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr;
		hp = vn | ~(d0 | vp);
		hn = d0 & vp;
		score += (hp & last) != 0;
		score -= (hn & last) != 0;
		hp = (hp << 1) | 1;
		hn <<= 1;
		vp = hn | ~(d0 | hp);
		vn = hp & d0;
		pm_prev = pm;
	}
	return score;
}

/*
 * osa_blocks is osa_word for patterns of any length; the transposition bit
 * that crosses a word boundary is carried along with the deltas.  state
 * holds four arrays of words: VP, VN, the previous D0 and the previous
 * column's masks.
 */
static int
osa_blocks(const uint64 *peq, int words, int m, const uint32 *b, int n,
		   uint64 *state)
{
	uint64	   *vp = state;
	uint64	   *vn = state + words;
	uint64	   *d0 = state + 2 * words;
	uint64	   *pm_prev = state + 3 * words;
	uint64		last = UINT64CONST(1) << ((m - 1) % 64);
	int			score = m;

	CdpAssert(m > 64 && words == (m + 63) / 64);
	for (int w = 0; w < words; w++)
	{
		vp[w] = ~UINT64CONST(0);
		vn[w] = 0;
		d0[w] = 0;
		pm_prev[w] = 0;
	}
	for (int j = 0; j < n; j++)
	{
		const uint64 *pmrow = peq + (Size) b[j] * words;
		uint64		hp_carry = 1;
		uint64		hn_carry = 0;
		uint64		tr_carry = 0;

		CHECK_FOR_INTERRUPTS();

		for (int w = 0; w < words; w++)
		{
			uint64		pm = pmrow[w];
			uint64		tr_src = (~d0[w]) & pm;
			uint64		tr = ((tr_src << 1) | tr_carry) & pm_prev[w];
			uint64		x = pm | hn_carry;
			uint64		nd0 = (((x & vp[w]) + vp[w]) ^ vp[w]) | x | vn[w] | tr;
			uint64		hp = vn[w] | ~(nd0 | vp[w]);
			uint64		hn = nd0 & vp[w];
			uint64		hp_out;
			uint64		hn_out;

			tr_carry = tr_src >> 63;
			if (w < words - 1)
			{
				hp_out = hp >> 63;
				hn_out = hn >> 63;
			}
			else
			{
				hp_out = (hp & last) != 0;
				hn_out = (hn & last) != 0;
			}
			hp = (hp << 1) | hp_carry;
			hn = (hn << 1) | hn_carry;
			vp[w] = hn | ~(nd0 | hp);
			vn[w] = hp & nd0;
			d0[w] = nd0;
			pm_prev[w] = pm;
			hp_carry = hp_out;
			hn_carry = hn_out;
		}
		score += (int) hp_carry - (int) hn_carry;
	}
	return score;
}

/*
 * lcs_length computes the length of the longest common subsequence of the
 * pattern (masks in peq, words of 64 bits) and b, after Hyyro (2004): a bit
 * of S is cleared for every pattern position that ends a longer common
 * subsequence.
 */
static int
lcs_length(const uint64 *peq, int words, int m, const uint32 *b, int n,
		   uint64 *s)
{
	int			lcs = 0;

	CdpAssert(m >= 1 && words == (m + 63) / 64);
	for (int w = 0; w < words; w++)
		s[w] = ~UINT64CONST(0);
	for (int j = 0; j < n; j++)
	{
		const uint64 *pmrow = peq + (Size) b[j] * words;
		uint64		carry = 0;

		if (words > 1)
			CHECK_FOR_INTERRUPTS();

		for (int w = 0; w < words; w++)
		{
			uint64		u = s[w] & pmrow[w];
			uint64		sum = s[w] + u;
			uint64		x = sum + carry;

			carry = (sum < s[w]) | (x < sum);
			s[w] = x | (s[w] - u);
		}
	}
	for (int w = 0; w < words; w++)
	{
		uint64		v = ~s[w];

		if (w == words - 1 && m % 64 != 0)
			v &= (UINT64CONST(1) << (m % 64)) - 1;
		lcs += pg_popcount64(v);
	}
	return lcs;
}

/*
 * damerau_rows computes the true Damerau-Levenshtein distance (any number of
 * edits between transposed characters) in linear space.  Of the
 * Lowrance-Wagner transposition terms only those where the two characters
 * are adjacent in one of the strings can be optimal; the matrix values they
 * need are kept in fr (per column) and t (per row).  rows holds four arrays
 * of n + 1 ints; last_row, indexed by symbol, says in which row of a each
 * symbol was last seen (0: not yet).
 */
static int
damerau_rows(const uint32 *a, int m, const uint32 *b, int n, int *rows,
			 int *last_row)
{
	int		   *prev2 = rows;
	int		   *prev = rows + (n + 1);
	int		   *cur = rows + 2 * (n + 1);
	int		   *fr = rows + 3 * (n + 1);
	const int	big = m + n + 1;

	for (int j = 0; j <= n; j++)
	{
		prev2[j] = big;
		prev[j] = j;
		fr[j] = big;
	}
	/* Only the entries of the symbols in a and b are ever read. */
	for (int i = 0; i < m; i++)
		last_row[a[i]] = 0;
	for (int j = 0; j < n; j++)
		last_row[b[j]] = 0;

	for (int i = 1; i <= m; i++)
	{
		uint32		ca = a[i - 1];
		int			l = 0;		/* last column of this row matching ca */
		int			t = big;	/* H[i-2][l-1] */
		int		   *tmp;

		CHECK_FOR_INTERRUPTS();
		cur[0] = i;
		for (int j = 1; j <= n; j++)
		{
			uint32		cb = b[j - 1];
			int			v = prev[j - 1] + (ca != cb);

			v = Min(v, prev[j] + 1);
			v = Min(v, cur[j - 1] + 1);
			if (ca == cb)
			{
				l = j;
				fr[j] = j >= 2 ? prev[j - 2] : big;
				t = prev2[j - 1];
			}
			else
			{
				int			k = last_row[cb];

				if (k > 0 && l > 0)
				{
					if (j - l == 1)
						v = Min(v, fr[j] + (i - k - 1) + 1);
					if (i - k == 1)
						v = Min(v, t + (j - l - 1) + 1);
				}
			}
			cur[j] = v;
		}
		last_row[ca] = i;
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[n];
}

/*
 * CdpLevenshtein returns the Levenshtein distance between x and y, or
 * max_d + 1 when it exceeds max_d (pass a negative max_d for no bound).
 * Both strings are renumbered in place.
 */
int
CdpLevenshtein(CdpFuzzyText *x, CdpFuzzyText *y, int max_d)
{
	EditPair	p;
	uint64		inline_buf[PEQ_INLINE_WORDS];
	CdpFuzzyBlocks blocks;
	int			words;
	int			d;

	prepare_pair(x, y, &p, 64);
	if (max_d < 0 || max_d > p.n)
		max_d = p.n;			/* the distance never exceeds the longer */
	if (p.n - p.m > max_d)
		return max_d + 1;
	if (p.m == 0)
		return p.n;
	if (p.m <= 64)
	{
		CdpAssert(p.alphabet <= PEQ_INLINE_WORDS);
		CdpFuzzyPeq(inline_buf, p.a, p.m, p.b, p.n);
		return myers_word(inline_buf, p.m, p.b, p.n, max_d);
	}

	words = (p.m + 63) / 64;
	CdpFuzzyBlocksInit(&blocks, inline_buf, PEQ_INLINE_WORDS,
					   p.a, p.m, p.alphabet, words, 2 * words);
	d = myers_blocks(blocks.peq, words, p.m, p.b, p.n, max_d,
					 blocks.scratch, blocks.scratch + words);
	CdpFuzzyBlocksFree(&blocks);
	return d;
}

/*
 * CdpOsaDistance returns the optimal string alignment distance between x
 * and y (renumbered in place).
 */
int
CdpOsaDistance(CdpFuzzyText *x, CdpFuzzyText *y)
{
	EditPair	p;
	uint64		inline_buf[PEQ_INLINE_WORDS];
	CdpFuzzyBlocks blocks;
	int			words;
	int			d;

	prepare_pair(x, y, &p, 64);
	if (p.m == 0)
		return p.n;
	if (p.m <= 64)
	{
		CdpAssert(p.alphabet <= PEQ_INLINE_WORDS);
		CdpFuzzyPeq(inline_buf, p.a, p.m, p.b, p.n);
		return osa_word(inline_buf, p.m, p.b, p.n);
	}

	words = (p.m + 63) / 64;
	CdpFuzzyBlocksInit(&blocks, inline_buf, PEQ_INLINE_WORDS,
					   p.a, p.m, p.alphabet, words, 4 * words);
	d = osa_blocks(blocks.peq, words, p.m, p.b, p.n, blocks.scratch);
	CdpFuzzyBlocksFree(&blocks);
	return d;
}

/*
 * CdpDamerauLevenshtein returns the true Damerau-Levenshtein distance
 * between x and y (renumbered in place).
 */
int
CdpDamerauLevenshtein(CdpFuzzyText *x, CdpFuzzyText *y)
{
	EditPair	p;
	int			inline_rows[4 * DL_INLINE_COLUMNS];
	int			inline_last[CDP_FUZZY_DIRECT];
	int		   *rows = inline_rows;
	int		   *last_row = inline_last;
	int			d;

	prepare_pair(x, y, &p, PG_INT32_MAX);
	if (p.m == 0)
		return p.n;
	if (p.n + 1 > DL_INLINE_COLUMNS)
		rows = palloc(4 * (p.n + 1) * sizeof(int));
	if (p.alphabet > CDP_FUZZY_DIRECT)
		last_row = palloc(p.alphabet * sizeof(int));

	/* The rows run over the pattern so that last_row stays small. */
	d = damerau_rows(p.a, p.m, p.b, p.n, rows, last_row);

	if (rows != inline_rows)
		pfree(rows);
	if (last_row != inline_last)
		pfree(last_row);
	return d;
}

/*
 * CdpIndelDistance returns the number of insertions and deletions that turn
 * x into y (renumbered in place): |x| + |y| - 2 LCS(x, y).
 */
int
CdpIndelDistance(CdpFuzzyText *x, CdpFuzzyText *y)
{
	EditPair	p;
	uint64		inline_buf[PEQ_INLINE_WORDS];
	CdpFuzzyBlocks blocks;
	int			words;
	int			lcs;

	prepare_pair(x, y, &p, 0);
	if (p.m == 0)
		return p.n;
	words = (p.m + 63) / 64;
	CdpFuzzyBlocksInit(&blocks, inline_buf, PEQ_INLINE_WORDS,
					   p.a, p.m, p.alphabet, words, words);
	lcs = lcs_length(blocks.peq, words, p.m, p.b, p.n, blocks.scratch);
	CdpFuzzyBlocksFree(&blocks);
	return p.m + p.n - 2 * lcs;
}

/* check_max_d rejects a negative distance bound. */
static void
check_max_d(int32 max_d)
{
	if (max_d < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_d must not be negative"),
				 errdetail("The bound of a bounded edit distance is zero or more.")));
}

/* cdp.levenshtein(a text, b text) int */
Datum
cdp_levenshtein(PG_FUNCTION_ARGS)
{
	CdpFuzzyText a;
	CdpFuzzyText b;
	int			d;

	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	d = CdpLevenshtein(&a, &b, -1);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_INT32(d);
}

/* cdp.levenshtein(a text, b text, max_d int) int */
Datum
cdp_levenshtein_bounded(PG_FUNCTION_ARGS)
{
	int32		max_d = PG_GETARG_INT32(2);
	CdpFuzzyText a;
	CdpFuzzyText b;
	int			d;

	check_max_d(max_d);
	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	d = CdpLevenshtein(&a, &b, max_d);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_INT32(d);
}

/* cdp.osa_distance(a text, b text) int */
Datum
cdp_osa_distance(PG_FUNCTION_ARGS)
{
	CdpFuzzyText a;
	CdpFuzzyText b;
	int			d;

	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	d = CdpOsaDistance(&a, &b);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_INT32(d);
}

/* cdp.damerau_levenshtein(a text, b text) int */
Datum
cdp_damerau_levenshtein(PG_FUNCTION_ARGS)
{
	CdpFuzzyText a;
	CdpFuzzyText b;
	int			d;

	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	d = CdpDamerauLevenshtein(&a, &b);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_INT32(d);
}
