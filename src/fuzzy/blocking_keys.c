/*-------------------------------------------------------------------------
 *
 * blocking_keys.c
 *	  Keys that near-identical names share, for finding match candidates
 *	  through a GIN index instead of comparing every pair.
 *
 * cdp.deletion_keys(s) hashes s and every string made by deleting one
 * character of s (the symmetric deletion neighbourhood): two strings at
 * Levenshtein or optimal string alignment distance 1 always share a key,
 * so "keys && cdp.deletion_keys(query)" finds every name within one typo.
 * The keys are hashtext() values (32 bits): a GIN index of integers is much
 * smaller and faster to build than one of strings, and a collision only
 * adds a candidate.
 * cdp.phonetic_keys(s) is the set of Double Metaphone codes (primary and
 * alternate) of the words of s, for names that sound alike.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "fuzzy/phonetic.h"

PG_FUNCTION_INFO_V1(cdp_deletion_keys_make);
PG_FUNCTION_INFO_V1(cdp_phonetic_keys_make);

/* Bytes of a name whose keys are built on the stack. */
#define DELETION_INLINE		256

/* cdp.deletion_keys(name text) int[] */
Datum
cdp_deletion_keys_make(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(arg);
	int			nbytes = VARSIZE_ANY_EXHDR(arg);
	Datum		inline_keys[DELETION_INLINE + 1];
	char		inline_buf[DELETION_INLINE];
	Datum	   *keys = inline_keys;
	char	   *buf = inline_buf;
	int			count = 0;
	const char *prev = NULL;
	int			prev_len = 0;
	ArrayType  *result;

	if (nbytes > DELETION_INLINE)
	{
		keys = palloc((nbytes + 1) * sizeof(Datum));
		buf = palloc(nbytes);
	}
	keys[count++] = Int32GetDatum((int32) hash_bytes((const unsigned char *) s, nbytes));
	for (int off = 0; off < nbytes;)
	{
		int			clen = pg_mblen(s + off);

		/* Deleting any character of a run of equal ones gives one string. */
		if (prev == NULL || clen != prev_len || memcmp(prev, s + off, clen) != 0)
		{
			memcpy(buf, s, off);
			memcpy(buf + off, s + off + clen, nbytes - off - clen);
			keys[count++] = Int32GetDatum((int32) hash_bytes((const unsigned char *) buf,
															 nbytes - clen));
		}
		prev = s + off;
		prev_len = clen;
		off += clen;
	}
	result = construct_array(keys, count, INT4OID, sizeof(int32), true, TYPALIGN_INT);
	if (keys != inline_keys)
	{
		pfree(keys);
		pfree(buf);
	}
	PG_RETURN_ARRAYTYPE_P(result);
}

/* cdp.phonetic_keys(name text) text[] */
Datum
cdp_phonetic_keys_make(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	int			len;
	const char *s = CdpDoubleMetaphoneAscii(VARDATA_ANY(arg),
											VARSIZE_ANY_EXHDR(arg), &len);
	Datum	   *keys = palloc((len + 1) * sizeof(Datum));
	char		(*seen)[CDP_DMETAPHONE_LEN + 1] = palloc((len + 1) * sizeof(*seen));
	int			count = 0;

	for (int i = 0; i < len;)
	{
		int			start;
		char		codes[2][CDP_DMETAPHONE_LEN + 1];

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
			bool		dup = codes[c][0] == '\0';

			for (int k = 0; k < count && !dup; k++)
				dup = strcmp(seen[k], codes[c]) == 0;
			if (!dup)
			{
				strcpy(seen[count], codes[c]);
				keys[count++] = PointerGetDatum(cstring_to_text(codes[c]));
			}
		}
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(keys, count, TEXTOID, -1, false,
										  TYPALIGN_INT));
}
