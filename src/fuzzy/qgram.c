/*-------------------------------------------------------------------------
 *
 * qgram.c
 *	  q-gram similarity: Jaccard index of the bags of padded q-grams.
 *
 * Each string is padded with q - 1 marks (a value no character can take)
 * at both ends, and its q-grams are the len + q - 1 windows of q
 * characters.  The similarity is |A & B| / |A | B| over the two bags (a
 * q-gram occurring twice counts twice): the same Jaccard scale as pg_trgm's
 * similarity(), with repeats kept and edits near the ends weighing as much
 * as edits in the middle.  Two empty strings have similarity 1; an empty
 * and a non-empty string 0.  Characters are compared exactly (no case
 * folding).
 *
 * A q-gram of up to three code points (21 bits each) is packed exactly into
 * a 64-bit key; longer ones are hashed to 63 bits.  The keys of one string
 * are counted in a small open-addressing hash table, and the keys of the
 * other are taken out of it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"

#include "core/core.h"
#include "fuzzy/fuzzy.h"
#include "fuzzy/fuzzy_text.h"

PG_FUNCTION_INFO_V1(cdp_qgram_similarity);

/* Largest q accepted. */
#define QGRAM_MAX_Q			32

/* Pad mark: above every Unicode code point, within 21 bits. */
#define QGRAM_PAD			UINT64CONST(0x1FFFFF)

/* q-gram keys kept on the stack per string. */
#define QGRAM_INLINE		(CDP_FUZZY_INLINE + QGRAM_MAX_Q)

/* Hash slots kept on the stack. */
#define QGRAM_INLINE_SLOTS	1024

/* char_or_pad returns character p of s, or the pad mark outside s. */
static inline uint64
char_or_pad(const CdpFuzzyText *s, int p)
{
	return (p < 0 || p >= s->len) ? QGRAM_PAD : s->chars[p];
}

/*
 * make_keys writes the s->len + q - 1 q-gram keys of s into keys; no key is
 * 0.
 */
static void
make_keys(const CdpFuzzyText *s, int q, uint64 *keys)
{
	int			count = s->len + q - 1;

	if (q <= 3)
	{
		uint64		mask = q == 3 ? ~UINT64CONST(0) >> 1
			: (UINT64CONST(1) << (21 * q)) - 1;
		uint64		key = 0;

		/* Roll a window of q characters over the padded string. */
		for (int p = -(q - 1); p < 0; p++)
			key = (key << 21) | QGRAM_PAD;
		for (int g = 0; g < count; g++)
		{
			CdpAssert(char_or_pad(s, g) != 0 && char_or_pad(s, g) <= QGRAM_PAD);
			key = ((key << 21) | char_or_pad(s, g)) & mask;
			keys[g] = key;
		}
	}
	else
	{
		for (int g = 0; g < count; g++)
		{
			uint64		h = 0;

			for (int k = 0; k < q; k++)
				h = hash_bytes_uint32_extended((uint32) char_or_pad(s, g - (q - 1) + k), h);
			keys[g] = (h >> 1) | 1;
		}
	}
}

/*
 * common_keys counts the keys that x and y share, a key occurring k times in
 * one and l times in the other counting min(k, l) times.
 */
static int
common_keys(const uint64 *x, int nx, const uint64 *y, int ny)
{
	uint64		inline_keys[QGRAM_INLINE_SLOTS];
	int32		inline_counts[QGRAM_INLINE_SLOTS];
	uint64	   *keys = inline_keys;
	int32	   *counts = inline_counts;
	int			bits = 4;
	uint64		mask;
	int			common = 0;

	while ((1 << bits) < 2 * nx)
		bits++;
	mask = (UINT64CONST(1) << bits) - 1;
	if ((1 << bits) > QGRAM_INLINE_SLOTS)
	{
		keys = palloc(sizeof(uint64) << bits);
		counts = palloc(sizeof(int32) << bits);
	}
	memset(keys, 0, sizeof(uint64) << bits);

	/* At most half the slots fill, so every probe ends; 0 marks an empty slot. */
	CdpAssert((1 << bits) >= 2 * nx);
	for (int i = 0; i < nx; i++)
	{
		uint64		slot = (x[i] * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - bits);

		CHECK_FOR_INTERRUPTS();
		CdpAssert(x[i] != 0);
		while (keys[slot] != 0 && keys[slot] != x[i])
			slot = (slot + 1) & mask;
		if (keys[slot] == 0)
		{
			keys[slot] = x[i];
			counts[slot] = 0;
		}
		counts[slot]++;
	}
	for (int j = 0; j < ny; j++)
	{
		uint64		slot = (y[j] * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - bits);

		CHECK_FOR_INTERRUPTS();
		while (keys[slot] != 0 && keys[slot] != y[j])
			slot = (slot + 1) & mask;
		if (keys[slot] != 0 && counts[slot] > 0)
		{
			counts[slot]--;
			common++;
		}
	}

	if (keys != inline_keys)
	{
		pfree(keys);
		pfree(counts);
	}
	return common;
}

/*
 * CdpQgramSimilarity returns the Jaccard index of the bags of padded
 * q-grams of x and y.
 */
double
CdpQgramSimilarity(const CdpFuzzyText *x, const CdpFuzzyText *y, int q)
{
	uint64		inline_x[QGRAM_INLINE];
	uint64		inline_y[QGRAM_INLINE];
	uint64	   *kx = inline_x;
	uint64	   *ky = inline_y;
	int			nx;
	int			ny;
	int			common;

	if (x->len == 0 && y->len == 0)
		return 1.0;
	if (x->len == 0 || y->len == 0)
		return 0.0;

	nx = x->len + q - 1;
	ny = y->len + q - 1;
	if (nx > QGRAM_INLINE)
		kx = palloc(nx * sizeof(uint64));
	if (ny > QGRAM_INLINE)
		ky = palloc(ny * sizeof(uint64));
	make_keys(x, q, kx);
	make_keys(y, q, ky);
	common = common_keys(kx, nx, ky, ny);
	if (kx != inline_x)
		pfree(kx);
	if (ky != inline_y)
		pfree(ky);
	return (double) common / (nx + ny - common);
}

/* cdp.qgram_similarity(a text, b text, q int DEFAULT 3) float8 */
Datum
cdp_qgram_similarity(PG_FUNCTION_ARGS)
{
	int32		q = PG_GETARG_INT32(2);
	CdpFuzzyText a;
	CdpFuzzyText b;
	double		s;

	if (q < 1 || q > QGRAM_MAX_Q)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("q must be between 1 and %d", QGRAM_MAX_Q),
				 errdetail("A q-gram is a run of q characters.")));
	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QGRAM, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QGRAM, &b);
	s = CdpQgramSimilarity(&a, &b, q);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_FLOAT8(s);
}
