/*-------------------------------------------------------------------------
 *
 * fuzzy_text.c
 *	  Decoding of text arguments into code points, dense alphabets and the
 *	  character bit masks of the bit-parallel algorithms.
 *
 * In a UTF-8 database the bytes are decoded here directly (the server has
 * validated them); any other server encoding goes through
 * pg_mb2wchar_with_len, which also yields one value per character.  Strings
 * up to CDP_FUZZY_INLINE characters live in the caller's stack buffer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/lsyscache.h"

#include "core/core.h"
#include "fuzzy/fuzzy_text.h"

/* Hash slots kept on the stack by CdpFuzzyRemap. */
#define REMAP_INLINE_SLOTS	512

/*
 * decode_utf8 turns the valid UTF-8 bytes s[0..nbytes) into code points in
 * out and returns how many there are.
 */
static int
decode_utf8(const unsigned char *s, int nbytes, uint32 *out)
{
	const unsigned char *end = s + nbytes;
	int			n = 0;

	while (s < end)
	{
		uint32		c = *s;

		if (c < 0x80)
			s++;
		else if (c < 0xE0)
		{
			c = ((c & 0x1F) << 6) | (s[1] & 0x3F);
			s += 2;
		}
		else if (c < 0xF0)
		{
			c = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
			s += 3;
		}
		else
		{
			c = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) |
				((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
			s += 4;
		}
		out[n++] = c;
	}
	return n;
}

/*
 * CdpFuzzyDecode fills out with the characters of s[0..nbytes), which is in
 * the server encoding.
 */
void
CdpFuzzyDecode(const char *s, int nbytes, CdpFuzzyText *out)
{
	const unsigned char *u = (const unsigned char *) s;
	unsigned char any_high = 0;

	for (int i = 0; i < nbytes; i++)
		any_high |= u[i];
	out->ascii = (any_high & 0x80) == 0;

	/*
	 * A character takes at least one byte, so nbytes bounds the count;
	 * pg_mb2wchar_with_len also writes a terminating zero.
	 */
	out->chars = nbytes < CDP_FUZZY_INLINE ? out->inline_buf
		: palloc((nbytes + 1) * sizeof(uint32));

	if (out->ascii)
	{
		for (int i = 0; i < nbytes; i++)
			out->chars[i] = u[i];
		out->len = nbytes;
	}
	else if (GetDatabaseEncoding() == PG_UTF8)
		out->len = decode_utf8(u, nbytes, out->chars);
	else
		out->len = pg_mb2wchar_with_len(s, (pg_wchar *) out->chars, nbytes);
}

/*
 * CdpFuzzyCheckLength refuses (54000) an argument s[0..nbytes) of the SQL
 * function being called that has more than max_chars characters.
 */
void
CdpFuzzyCheckLength(FunctionCallInfo fcinfo, const char *s, int nbytes,
					int max_chars)
{
	int			chars = 0;

	if (nbytes <= max_chars)
		return;					/* a character takes at least a byte */
	for (int i = 0; i < nbytes && chars <= max_chars; i += pg_mblen(s + i))
		chars++;
	if (chars > max_chars)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("argument of %s() is longer than %d characters",
						get_func_name(fcinfo->flinfo->fn_oid), max_chars),
				 errhint("Pass a shorter text, such as left(value, %d).", max_chars)));
}

/*
 * CdpFuzzyDecodeArg decodes text argument argno of the SQL function being
 * called, refusing one of more than max_chars characters.
 */
void
CdpFuzzyDecodeArg(FunctionCallInfo fcinfo, int argno, int max_chars,
				  CdpFuzzyText *out)
{
	text	   *t = PG_GETARG_TEXT_PP(argno);

	CdpFuzzyCheckLength(fcinfo, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), max_chars);
	CdpFuzzyDecode(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), out);
}

/*
 * CdpFuzzyReserve points ft at room for capacity characters (the inline
 * buffer when it is large enough) and empties it.
 */
void
CdpFuzzyReserve(CdpFuzzyText *ft, int capacity, bool ascii)
{
	ft->chars = capacity <= CDP_FUZZY_INLINE ? ft->inline_buf
		: palloc(capacity * sizeof(uint32));
	ft->len = 0;
	ft->ascii = ascii;
}

/* CdpFuzzyFree releases the heap buffer of a long string, if any. */
void
CdpFuzzyFree(CdpFuzzyText *ft)
{
	if (ft->chars != ft->inline_buf)
		pfree(ft->chars);
}

/*
 * CdpFuzzyRemap renumbers the characters of pattern and other into an
 * alphabet 0..K-1 and returns K, for tables indexed by character.
 *
 * Two ASCII strings keep their bytes (K = 128), and so do strings whose
 * characters are all below direct_limit (K = the largest plus one): a
 * table that big costs less than renumbering.  Otherwise each distinct
 * character of pattern gets a number from 1, and every character of other
 * that pattern lacks becomes 0: such characters never equal a character of
 * pattern, which is all that the callers compare.  K is then at most
 * pattern->len + 1.
 */
int
CdpFuzzyRemap(CdpFuzzyText *pattern, CdpFuzzyText *other, int direct_limit)
{
	uint32		inline_keys[REMAP_INLINE_SLOTS];
	uint32		inline_ids[REMAP_INLINE_SLOTS];
	uint32	   *keys = inline_keys;
	uint32	   *ids = inline_ids;
	int			bits = 6;
	uint32		mask;
	uint32		next = 1;

	if (pattern->ascii && other->ascii)
		return CDP_FUZZY_ASCII_ALPHABET;
	if (direct_limit > CDP_FUZZY_ASCII_ALPHABET)
	{
		uint32		top = 0;

		for (int i = 0; i < pattern->len; i++)
			top = Max(top, pattern->chars[i]);
		for (int i = 0; i < other->len; i++)
			top = Max(top, other->chars[i]);
		if (top < (uint32) direct_limit)
			return (int) top + 1;
	}

	while ((1 << bits) < 2 * pattern->len)
		bits++;
	mask = (1U << bits) - 1;
	if ((1 << bits) > REMAP_INLINE_SLOTS)
	{
		keys = palloc(sizeof(uint32) << bits);
		ids = palloc(sizeof(uint32) << bits);
	}
	/* Code point 0 cannot occur in text, so it marks an empty slot. */
	memset(keys, 0, sizeof(uint32) << bits);

	for (int i = 0; i < pattern->len; i++)
	{
		uint32		c = pattern->chars[i];
		uint32		slot = (c * 0x9E3779B1U) >> (32 - bits);

		while (keys[slot] != 0 && keys[slot] != c)
			slot = (slot + 1) & mask;
		if (keys[slot] == 0)
		{
			keys[slot] = c;
			ids[slot] = next++;
		}
		pattern->chars[i] = ids[slot];
	}
	for (int i = 0; i < other->len; i++)
	{
		uint32		c = other->chars[i];
		uint32		slot = (c * 0x9E3779B1U) >> (32 - bits);

		while (keys[slot] != 0 && keys[slot] != c)
			slot = (slot + 1) & mask;
		other->chars[i] = keys[slot] == 0 ? 0 : ids[slot];
	}

	if (keys != inline_keys)
	{
		pfree(keys);
		pfree(ids);
	}
	return (int) next;
}

/*
 * CdpFuzzyPeq fills peq, indexed by symbol, with the positions of each
 * symbol in a[0..m) as bits (m <= 64).  Only the entries that a and b[0..n)
 * use are written, so a large table needs no clearing.
 */
void
CdpFuzzyPeq(uint64 *peq, const uint32 *a, int m, const uint32 *b, int n)
{
	CdpAssert(m >= 1 && m <= 64);
	for (int j = 0; j < n; j++)
		peq[b[j]] = 0;
	for (int i = 0; i < m; i++)
		peq[a[i]] = 0;
	for (int i = 0; i < m; i++)
		peq[a[i]] |= UINT64CONST(1) << i;
}

/*
 * CdpFuzzyBlocksInit sets blocks up for the pattern a[0..m) over alphabet
 * symbols in words 64-bit words, with scratch_words of zeroed scratch; buf
 * (of buf_len words) is used when everything fits.
 */
void
CdpFuzzyBlocksInit(CdpFuzzyBlocks *blocks, uint64 *buf, int buf_len,
				   const uint32 *a, int m, int alphabet, int words,
				   int scratch_words)
{
	Size		peq_len = (Size) alphabet * words;
	Size		len = peq_len + scratch_words;
	uint64	   *peq;

	blocks->allocated = len > (Size) buf_len;
	if (blocks->allocated)
		peq = palloc0(len * sizeof(uint64));
	else
	{
		peq = buf;
		memset(peq, 0, len * sizeof(uint64));
	}
	CdpAssert(words == (m + 63) / 64);
	for (int i = 0; i < m; i++)
	{
		CdpAssert(a[i] < (uint32) alphabet);
		peq[(Size) a[i] * words + i / 64] |= UINT64CONST(1) << (i % 64);
	}
	blocks->peq = peq;
	blocks->scratch = peq + peq_len;
}

/* CdpFuzzyBlocksFree releases what CdpFuzzyBlocksInit allocated. */
void
CdpFuzzyBlocksFree(CdpFuzzyBlocks *blocks)
{
	if (blocks->allocated)
		pfree(blocks->peq);
}
