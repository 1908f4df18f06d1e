/*-------------------------------------------------------------------------
 *
 * soundex.c
 *	  American Soundex, with non-ASCII letters transliterated first.
 *
 * The code is the first letter and three digits: b f p v = 1,
 * c g j k q s x z = 2, d t = 3, l = 4, m n = 5, r = 6.  Adjacent letters with
 * the same digit are coded once, also when the first letter is one of them;
 * vowels (a e i o u y) and characters that are not letters separate them,
 * but h and w do not (the H/W rule of the US National Archives, which
 * fuzzystrmatch ignores).  Letters outside ASCII go through the backend's
 * ICU transliterator first, so "Ölberg" is coded as "Olberg"; a string
 * without letters gives ''.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "fuzzy/fuzzy_text.h"
#include "fuzzy/phonetic.h"
#include "text/text.h"

PG_FUNCTION_INFO_V1(cdp_soundex);

#define SOUNDEX_LEN		4

/* Digit of each letter A..Z; '0' for vowels, 'h' for the transparent H, W. */
static const char soundex_digits[26] = {
	'0', '1', '2', '3', '0', '1', '2', 'h', '0', '2', '2', '4', '5',
	'5', '0', '1', '2', '6', '2', '3', '0', '1', 'h', '2', '0', '2'
};

/*
 * CdpAsciiName returns s[0..len) in ASCII: s itself when it is ASCII, else
 * its palloc'd transliteration.
 */
const char *
CdpAsciiName(const char *s, int len, int *ascii_len)
{
	if (CdpIsAscii(s, len))
	{
		*ascii_len = len;
		return s;
	}
	return CdpToAscii(s, len, ascii_len);
}

/*
 * soundex_code writes the Soundex code of the ASCII string s[0..len) into
 * out (SOUNDEX_LEN characters and a NUL, or just a NUL without a letter).
 */
static void
soundex_code(const char *s, int len, char *out)
{
	int			i = 0;
	int			k = 1;
	char		last;

	while (i < len && !isalpha((unsigned char) s[i]))
		i++;
	if (i == len)
	{
		out[0] = '\0';
		return;
	}
	out[0] = pg_ascii_toupper((unsigned char) s[i]);
	last = soundex_digits[out[0] - 'A'];
	for (i++; i < len && k < SOUNDEX_LEN; i++)
	{
		char		c = pg_ascii_toupper((unsigned char) s[i]);
		char		digit;

		CHECK_FOR_INTERRUPTS();
		if (c < 'A' || c > 'Z')
		{
			last = '0';
			continue;
		}
		digit = soundex_digits[c - 'A'];
		if (digit == 'h')
			continue;
		if (digit != '0' && digit != last)
			out[k++] = digit;
		last = digit;
	}
	while (k < SOUNDEX_LEN)
		out[k++] = '0';
	out[k] = '\0';
}

/* cdp.soundex(name text) text */
Datum
cdp_soundex(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	int			len;
	const char *ascii;
	char		code[SOUNDEX_LEN + 1];

	CdpFuzzyCheckLength(fcinfo, VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg),
						CDP_FUZZY_MAX_PHONETIC);
	ascii = CdpAsciiName(VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg), &len);
	soundex_code(ascii, len, code);
	PG_RETURN_TEXT_P(cstring_to_text(code));
}
