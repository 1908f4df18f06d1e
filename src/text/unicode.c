/*-------------------------------------------------------------------------
 *
 * unicode.c
 *	  Unicode primitives on UTF-8 text, with ICU: normalization forms
 *	  (unorm2), full case folding, trimming, and the removal of Latin
 *	  diacritics.
 *
 * Text of up to CDP_TEXT_MAX_BYTES is converted to UTF-16 in buffers on
 * the stack: no allocation on the hot path of ingestion.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "text/text.h"

/* Room for the UTF-16 form of a text, with NFKC's expansion. */
#define UBUF_UNITS	(4 * CDP_TEXT_MAX_BYTES)

/* CdpCheckIcu raises an error when an ICU call failed. */
void
CdpCheckIcu(UErrorCode status, const char *what)
{
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("ICU %s failed: %s", what, u_errorName(status))));
}

/* CdpIsAscii tells whether s[0..len) holds only 7-bit characters. */
bool
CdpIsAscii(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] & 0x80)
			return false;
	return true;
}

/* CdpTooLong fills *error for a text over CDP_TEXT_MAX_BYTES; returns false. */
bool
CdpTooLong(CdpError *error)
{
	return CdpFail(error, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
				   "value is longer than " CppAsString2(CDP_TEXT_MAX_BYTES) " bytes",
				   NULL, NULL);
}

/* Returns the ICU normalizer for form (ICU keeps them; so do we). */
static const UNormalizer2 *
get_normalizer(CdpUnicodeForm form)
{
	static const UNormalizer2 *nfc = NULL;
	static const UNormalizer2 *nfd = NULL;
	static const UNormalizer2 *nfkc = NULL;
	UErrorCode	status = U_ZERO_ERROR;

	switch (form)
	{
		case CDP_FORM_NFC:
			if (nfc == NULL)
				nfc = unorm2_getNFCInstance(&status);
			CdpCheckIcu(status, "NFC normalizer open");
			return nfc;
		case CDP_FORM_NFD:
			if (nfd == NULL)
				nfd = unorm2_getNFDInstance(&status);
			CdpCheckIcu(status, "NFD normalizer open");
			return nfd;
		case CDP_FORM_NFKC:
		case CDP_FORM_NFKC_FOLD:
			break;
	}
	if (nfkc == NULL)
		nfkc = unorm2_getNFKCInstance(&status);
	CdpCheckIcu(status, "NFKC normalizer open");
	return nfkc;
}

/*
 * Normalizes src[0..srclen) into dst (dstcap units) unless it already is;
 * returns the length, or -1 when dst is too small.
 */
static int32
normalize_u16(const UNormalizer2 *norm, const UChar *src, int32 srclen,
			  UChar *dst, int32 dstcap)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32		len;

	if (unorm2_isNormalized(norm, src, srclen, &status))
	{
		CdpCheckIcu(status, "normalization check");
		if (srclen > dstcap)
			return -1;
		memcpy(dst, src, srclen * sizeof(UChar));
		return srclen;
	}
	CdpCheckIcu(status, "normalization check");
	len = unorm2_normalize(norm, src, srclen, dst, dstcap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
		return -1;
	CdpCheckIcu(status, "normalization");
	return len;
}

/*
 * CdpUnicodeNormalize brings UTF-8 s[0..len) to form and writes the UTF-8
 * result into out (cap bytes, no terminator) and its length into *outlen;
 * false with *error set when the input is not UTF-8 or is too long, or the
 * result does not fit.
 */
bool
CdpUnicodeNormalize(CdpUnicodeForm form, const char *s, int len,
					char *out, int cap, int *outlen, CdpError *error)
{
	UChar		a[UBUF_UNITS];
	UChar		b[UBUF_UNITS];
	int32		alen;
	int32		blen;
	int32		n;
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *norm = get_normalizer(form);

	if (len > CDP_TEXT_MAX_BYTES)
		return CdpTooLong(error);
	u_strFromUTF8(a, UBUF_UNITS, &alen, s, len, &status);
	if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND)
		return CdpFail(error, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
					   "value is not valid UTF-8", NULL, NULL);
	CdpCheckIcu(status, "UTF-8 conversion");

	blen = normalize_u16(norm, a, alen, b, UBUF_UNITS);
	if (blen < 0)
		return CdpTooLong(error);
	if (form == CDP_FORM_NFKC_FOLD)
	{
		/* Folding may undo composition (U+01F0); normalize once more. */
		alen = u_strFoldCase(a, UBUF_UNITS, b, blen, U_FOLD_CASE_DEFAULT, &status);
		if (status == U_BUFFER_OVERFLOW_ERROR)
			return CdpTooLong(error);
		CdpCheckIcu(status, "case folding");
		blen = normalize_u16(norm, a, alen, b, UBUF_UNITS);
		if (blen < 0)
			return CdpTooLong(error);
	}

	/* A result of exactly cap bytes is fine: out needs no terminator. */
	u_strToUTF8(out, cap, &n, b, blen, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
		return CdpTooLong(error);
	CdpCheckIcu(status, "UTF-8 conversion");
	*outlen = n;
	return true;
}

/*
 * CdpStripFormatChars copies UTF-8 s[0..len) to out (room for len bytes)
 * without its format characters (General Category Cf: zero width space
 * and joiners, byte order mark, bidirectional controls, soft hyphen...) and
 * returns the new length.  Invalid bytes are copied as they are.
 */
int
CdpStripFormatChars(const char *s, int len, char *out)
{
	int32		i = 0;
	int			n = 0;

	while (i < len)
	{
		int32		start = i;
		UChar32		c;

		U8_NEXT(s, i, len, c);
		if (c >= 0 && u_charType(c) == U_FORMAT_CHAR)
			continue;
		memcpy(out + n, s + start, i - start);
		n += i - start;
	}
	return n;
}

/* Tells whether c is ASCII white space. */
static inline bool
is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* CdpTrimAscii removes ASCII white space from both ends of *s[0..*len). */
void
CdpTrimAscii(const char **s, int *len)
{
	const char *p = *s;
	int			n = *len;

	while (n > 0 && is_ascii_space(*p))
		p++, n--;
	while (n > 0 && is_ascii_space(p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

/*
 * CdpTrimUnicode trims Unicode white space from both ends of valid UTF-8
 * s[0..*len) and returns the new start.
 */
const char *
CdpTrimUnicode(const char *s, int *len)
{
	int32		start = 0;
	int32		end = *len;

	while (start < end)
	{
		int32		next = start;
		UChar32		c;

		U8_NEXT(s, next, end, c);
		if (!u_isUWhiteSpace(c))
			break;
		start = next;
	}
	while (end > start)
	{
		int32		prev = end;
		UChar32		c;

		U8_PREV(s, start, prev, c);
		if (!u_isUWhiteSpace(c))
			break;
		end = prev;
	}
	*len = end - start;
	return s + start;
}

/* Tells whether c is an ASCII letter or digit. */
static inline bool
is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * CdpStripMarks decomposes UTF-8 s[0..len) (NFD) and drops its combining
 * diacritical marks (U+0300..U+036F), writing ASCII into out (cap bytes):
 * for Latin letters with diacritics, the same result as transliteration
 * (Müller, Zoë, François, Dvořák), at a fraction of its cost.  Returns the
 * length, or -1 when anything else remains (other scripts, whose marks may
 * be vowels; ß, æ, ø, ł), leaving those to CdpToAscii.
 */
int
CdpStripMarks(const char *s, int len, char *out, int cap)
{
	UChar		a[UBUF_UNITS];
	UChar		b[UBUF_UNITS];
	int32		alen;
	int32		blen;
	int			n = 0;
	UErrorCode	status = U_ZERO_ERROR;

	/* UTF-16 never takes more units than UTF-8 takes bytes. */
	if (len > UBUF_UNITS)
		return -1;
	u_strFromUTF8(a, UBUF_UNITS, &alen, s, len, &status);
	CdpCheckIcu(status, "UTF-8 conversion");
	blen = normalize_u16(get_normalizer(CDP_FORM_NFD), a, alen, b, UBUF_UNITS);
	if (blen < 0)
		return -1;
	/* Any non-ASCII letter ends the scan: every mark dropped is on ASCII. */
	for (int32 i = 0; i < blen; i++)
	{
		if (b[i] < 0x80)
		{
			if (n == cap)
				return -1;
			out[n++] = (char) b[i];
		}
		else if (b[i] < 0x0300 || b[i] > 0x036F || n == 0 ||
				 !is_ascii_alnum(out[n - 1]))
			return -1;			/* not a diacritic on an ASCII letter */
	}
	return n;
}
