/*-------------------------------------------------------------------------
 *
 * blocking_keys.c
 *	  Keys that near-identical names share, for finding match candidates
 *	  through a GIN index instead of comparing every pair.
 *
 * cdp.deletion_keys(s) hashes each word of s and every string made by
 * deleting one character of a word (symmetric deletion neighbourhoods), and
 * the words run together.  Two strings at Levenshtein or optimal string
 * alignment distance 1 always share a key (a typo inside a word, or a space
 * typed, lost or swapped), and so do two names that have a word within one
 * typo of each other: "keys && cdp.deletion_keys(query)" finds them all.
 * Word neighbourhoods recur across names, so the index stays small.  The
 * keys are hashtext() values (32 bits), sorted and distinct: a GIN index of
 * integers is much smaller and faster to build than one of strings, and a
 * collision only adds a candidate.
 * cdp.phonetic_keys(s) is the set of Double Metaphone codes (primary and
 * alternate) of the words of s, for names that sound alike, in the order
 * first met.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/qunique.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "fuzzy/fuzzy_text.h"
#include "fuzzy/phonetic.h"

PG_FUNCTION_INFO_V1(cdp_deletion_keys);
PG_FUNCTION_INFO_V1(cdp_phonetic_keys);

/* Bytes of a name whose keys are built on the stack. */
#define DELETION_INLINE		256

/* is_ascii_space tells whether the byte c separates words. */
static inline bool
is_ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* compare_int32 orders two int32 values. */
static int
compare_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * add_word_keys stores at keys the hashes of the word w[0..len) and of each
 * distinct string one character shorter (buf has room for len bytes), and
 * returns how many it stored.
 */
static int
add_word_keys(const char *w, int len, char *buf, int32 *keys)
{
	int			count = 0;
	const char *prev = NULL;
	int			prev_len = 0;

	keys[count++] = (int32) hash_bytes((const unsigned char *) w, len);
	for (int off = 0; off < len;)
	{
		int			clen = pg_mblen(w + off);

		CHECK_FOR_INTERRUPTS();
		/* Deleting any character of a run of equal ones gives one string. */
		if (prev == NULL || clen != prev_len || memcmp(prev, w + off, clen) != 0)
		{
			memcpy(buf, w, off);
			memcpy(buf + off, w + off + clen, len - off - clen);
			keys[count++] = (int32) hash_bytes((const unsigned char *) buf, len - clen);
		}
		prev = w + off;
		prev_len = clen;
		off += clen;
	}
	return count;
}

/* cdp.deletion_keys(name text) int[] */
Datum
cdp_deletion_keys(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(arg);
	int			nbytes = VARSIZE_ANY_EXHDR(arg);
	int32		inline_keys[2 * DELETION_INLINE + 2];
	Datum		inline_datums[2 * DELETION_INLINE + 2];
	char		inline_buf[2 * DELETION_INLINE];
	int32	   *keys = inline_keys;
	Datum	   *datums = inline_datums;
	char	   *joined = inline_buf;
	char	   *buf = inline_buf + DELETION_INLINE;
	int			joined_len = 0;
	int			words = 0;
	int			count = 0;
	ArrayType  *result;

	CdpFuzzyCheckLength(fcinfo, s, nbytes, CDP_FUZZY_MAX_QUADRATIC);

	/*
	 * A word of n bytes has at most n + 1 keys and words are apart, so the
	 * words have at most nbytes + 1 keys; their concatenation adds one.
	 */
	if (nbytes > DELETION_INLINE)
	{
		keys = palloc((2 * nbytes + 2) * sizeof(int32));
		datums = palloc((2 * nbytes + 2) * sizeof(Datum));
		joined = palloc(2 * nbytes);
		buf = joined + nbytes;
	}
	for (int i = 0; i < nbytes;)
	{
		int			start;

		while (i < nbytes && is_ascii_space(s[i]))
			i++;
		start = i;
		while (i < nbytes && !is_ascii_space(s[i]))
			i++;
		if (i > start)
		{
			count += add_word_keys(s + start, i - start, buf, keys + count);
			memcpy(joined + joined_len, s + start, i - start);
			joined_len += i - start;
			words++;
		}
	}
	/*
	 * The words run together, so that a space typed, lost or swapped with a
	 * letter leaves a key in common (the word neighbourhoods of the other
	 * string hold the rest).
	 */
	if (words > 1)
		keys[count++] = (int32) hash_bytes((const unsigned char *) joined, joined_len);
	if (count > 1)
	{
		qsort(keys, count, sizeof(int32), compare_int32);
		count = qunique(keys, count, sizeof(int32), compare_int32);
	}
	for (int k = 0; k < count; k++)
		datums[k] = Int32GetDatum(keys[k]);
	result = construct_array(datums, count, INT4OID, sizeof(int32), true, TYPALIGN_INT);
	if (keys != inline_keys)
	{
		pfree(keys);
		pfree(datums);
		pfree(joined);
	}
	PG_RETURN_ARRAYTYPE_P(result);
}

/* A set of Double Metaphone codes, each packed into the bytes of a uint32. */
typedef struct SeenCode
{
	uint32		code;
	char		status;
} SeenCode;

#define SH_PREFIX		seen_codes
#define SH_ELEMENT_TYPE	SeenCode
#define SH_KEY_TYPE		uint32
#define SH_KEY			code
#define SH_HASH_KEY(tb, key) murmurhash32(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* pack_code returns a code of at most four characters as a uint32. */
static inline uint32
pack_code(const char *code)
{
	uint32		packed = 0;

	for (int i = 0; code[i] != '\0'; i++)
		packed |= (uint32) (unsigned char) code[i] << (8 * i);
	return packed;
}

/* cdp.phonetic_keys(name text) text[] */
Datum
cdp_phonetic_keys(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	int			len;
	const char *s;
	Datum	   *keys;
	seen_codes_hash *seen;
	int			count = 0;

	CdpFuzzyCheckLength(fcinfo, VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg),
						CDP_FUZZY_MAX_PHONETIC);
	s = CdpDoubleMetaphoneAscii(VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg), &len);
	keys = palloc((len + 1) * sizeof(Datum));
	seen = seen_codes_create(CurrentMemoryContext, 16, NULL);
	for (int i = 0; i < len;)
	{
		int			start;
		char		codes[2][CDP_DMETAPHONE_LEN + 1];

		CHECK_FOR_INTERRUPTS();
		while (i < len && isspace((unsigned char) s[i]))
			i++;
		start = i;
		while (i < len && !isspace((unsigned char) s[i]))
			i++;
		if (i == start)
			break;
		CdpDoubleMetaphone(s + start, i - start, codes[0], codes[1]);
		for (int c = 0; c < 2; c++)
		{
			bool		found;

			if (codes[c][0] == '\0')
				continue;
			seen_codes_insert(seen, pack_code(codes[c]), &found);
			if (!found)
				keys[count++] = PointerGetDatum(cstring_to_text(codes[c]));
		}
	}
	seen_codes_destroy(seen);
	PG_RETURN_ARRAYTYPE_P(construct_array(keys, count, TEXTOID, -1, false,
										  TYPALIGN_INT));
}
