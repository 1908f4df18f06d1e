/*-------------------------------------------------------------------------
 *
 * normalize.c
 *	  Normalization of identifier values: exact, lower, email and name (the
 *	  phone normalizer is in phone.c, the SQL functions in
 *	  normalize_sql.c).
 *
 * Values are UTF-8 here whatever the database encoding.  Pure ASCII input
 * takes a fast path that never calls ICU; anything else goes through the
 * Unicode primitives of src/text (ICU normalization and case folding), and
 * names are then transliterated to ASCII by CdpUtf8ToAscii.  Invisible
 * format characters (General Category Cf: U+200B, U+FEFF, U+202E...) would
 * make two values that look the same differ, or spoof how they are shown:
 * the exact normalizer refuses them (stripping would merge values that the
 * source system keeps apart), the others drop them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"


#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "ident/ident_internal.h"

bool		cdp_email_provider_rules = false;

/* Room for the UTF-8 form of a name before transliteration. */
#define NAME_BUF_BYTES	(4 * CDP_IDENT_MAX_BYTES)

/* Email length limits (RFC 5321). */
#define EMAIL_MAX_LOCAL		64
#define EMAIL_MAX_ADDRESS	254

/*
 * Checks valid UTF-8 s[0..len) for control characters, format characters
 * (see CdpStripFormatChars) and, unless allow_space, white space; returns
 * the reason or NULL.
 */
static const char *
check_characters(const char *s, int len, bool allow_space)
{
	int32		i = 0;

	while (i < len)
	{
		UChar32		c;

		U8_NEXT(s, i, len, c);
		if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
			return "value contains a control character";
		if (u_charType(c) == U_FORMAT_CHAR)
			return "value contains an invisible format character";
		if (!allow_space && u_isUWhiteSpace(c))
			return "value contains white space";
	}
	return NULL;
}

/*
 * Trims s[0..len) and brings it to form into out (cap bytes), refusing
 * control characters and, unless allow_space, inner white space.  Format
 * characters are dropped first when strip_format, else refused.  ASCII
 * input is only lower-cased (forms that fold case) or copied.
 */
static bool
fold_and_check(CdpUnicodeForm form, bool allow_space, bool strip_format,
			   const char *s, int len, char *out, int cap, int *outlen,
			   CdpError *error)
{
	char		stripped[CDP_TEXT_MAX_BYTES];
	const char *reason;

	CdpTrimAscii(&s, &len);
	if (len > cap || len > (int) sizeof(stripped))
		return CdpTooLong(error);
	if (CdpIsAscii(s, len))
	{
		for (int i = 0; i < len; i++)
		{
			unsigned char c = s[i];

			if (c < 0x20 || c == 0x7F)
				return CdpInvalidValue(error, "value contains a control character");
			if (c == ' ' && !allow_space)
				return CdpInvalidValue(error, "value contains white space");
			out[i] = form == CDP_FORM_NFKC_FOLD ? pg_ascii_tolower(c) : c;
		}
		*outlen = len;
		return true;
	}
	/* Before normalizing: they would keep a mark from composing. */
	if (strip_format)
	{
		len = CdpStripFormatChars(s, len, stripped);
		s = stripped;
	}
	if (!CdpUnicodeNormalize(form, s, len, out, cap, &len, error))
		return false;
	s = CdpTrimUnicode(out, &len);
	reason = check_characters(s, len, allow_space);
	if (reason != NULL)
		return CdpInvalidValue(error, reason);
	memmove(out, s, len);
	*outlen = len;
	return true;
}

/* Tells whether c is an ASCII letter or digit. */
static inline bool
is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Characters allowed unquoted in the local part (RFC 5322 atext, dot). */
static inline bool
is_local_char(unsigned char c)
{
	return c >= 0x80 || is_ascii_alnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

/* Checks the domain of an address: dot-separated labels of a host name. */
static const char *
check_domain(const char *d, int len)
{
	int			labels = 0;
	int			start = 0;

	for (int i = 0; i <= len; i++)
	{
		if (i == len || d[i] == '.')
		{
			int			label_len = i - start;

			if (label_len == 0)
				return "domain has an empty label";
			if (label_len > 63)
				return "domain has a label longer than 63 bytes";
			if (d[start] == '-' || d[i - 1] == '-')
				return "domain has a label that starts or ends with \"-\"";
			labels++;
			start = i + 1;
		}
		else if (!((unsigned char) d[i] >= 0x80 || is_ascii_alnum(d[i]) || d[i] == '-'))
			return "domain has a character not allowed in a host name";
	}
	if (labels < 2)
		return "domain has no dot";
	return NULL;
}

/* Checks that s[0..len) is an address: local@domain, with their rules. */
static const char *
check_address(const char *s, int len, int *at_pos)
{
	const char *at = memchr(s, '@', len);
	int			local_len;
	const char *reason;

	if (at == NULL)
		return "address has no \"@\"";
	if (memchr(at + 1, '@', len - (at - s) - 1) != NULL)
		return "address has more than one \"@\"";
	local_len = at - s;
	if (local_len == 0)
		return "local part is empty";
	if (local_len == len - 1)
		return "domain is empty";
	if (local_len > EMAIL_MAX_LOCAL)
		return "local part is longer than 64 bytes";
	if (len > EMAIL_MAX_ADDRESS)
		return "address is longer than 254 bytes";
	for (int i = 0; i < local_len; i++)
		if (!is_local_char(s[i]))
			return "local part has a character not allowed in an address";
	if (s[0] == '.' || s[local_len - 1] == '.')
		return "local part has a misplaced dot";
	for (int i = 1; i < local_len; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return "local part has a misplaced dot";
	reason = check_domain(at + 1, len - local_len - 1);
	if (reason != NULL)
		return reason;
	*at_pos = local_len;
	return NULL;
}

/*
 * Applies the provider rules to a valid address in place: Gmail ignores
 * dots and "+tag" in the local part, and googlemail.com is gmail.com.
 * Returns the new length, or -1 when nothing is left of the local part.
 */
static int
apply_provider_rules(char *s, int len, int at)
{
	const char *domain = s + at + 1;
	int			domain_len = len - at - 1;
	int			n = 0;

	if (!((domain_len == 9 && memcmp(domain, "gmail.com", 9) == 0) ||
		  (domain_len == 14 && memcmp(domain, "googlemail.com", 14) == 0)))
		return len;
	for (int i = 0; i < at && s[i] != '+'; i++)
		if (s[i] != '.')
			s[n++] = s[i];
	if (n == 0)
		return -1;
	memcpy(s + n, "@gmail.com", 10);
	return n + 10;
}

/*
 * CdpNormalizeEmail normalizes an email address: trimmed, format characters
 * dropped, NFKC with full case folding; what is not an address is refused.
 */
bool
CdpNormalizeEmail(const char *s, int len, char *out, int cap, int *outlen, CdpError *error)
{
	const char *reason;
	int			at;

	if (!fold_and_check(CDP_FORM_NFKC_FOLD, false, true, s, len, out, cap, &len, error))
		return false;
	if (len == 0)
		return CdpInvalidValue(error, "value is empty");

	reason = check_address(out, len, &at);
	if (reason != NULL)
		return CdpInvalidValue(error, reason);
	if (cdp_email_provider_rules)
	{
		len = apply_provider_rules(out, len, at);
		if (len < 0)
			return CdpInvalidValue(error, "local part is empty");
	}
	*outlen = len;
	return true;
}

/*
 * Lower-cases the ASCII name s[0..len) into out: letters and digits kept,
 * apostrophes dropped, anything else separates words; words are joined by
 * one space.  Returns the length.
 */
static int
fold_ascii_name(const char *s, int len, char *out)
{
	int			n = 0;
	bool		gap = false;

	for (int i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if (is_ascii_alnum(c))
		{
			if (gap && n > 0)
				out[n++] = ' ';
			gap = false;
			out[n++] = pg_ascii_tolower(c);
		}
		else if (c != '\'' && c != '`')
			gap = true;
	}
	return n;
}

/*
 * CdpNormalizeName normalizes a person's name: format characters dropped,
 * NFKC, case folding, transliteration to ASCII, punctuation removed and
 * white space collapsed.  ASCII input never reaches ICU.  The result is
 * ASCII, whatever the database encoding.
 */
bool
CdpNormalizeName(const char *s, int len, char *out, int cap, int *outlen, CdpError *error)
{
	char		stripped[CDP_TEXT_MAX_BYTES];
	char		folded[NAME_BUF_BYTES];
	char	   *ascii;
	int			ascii_len;

	if (CdpIsAscii(s, len))
	{
		if (len > cap)
			return CdpTooLong(error);
		*outlen = fold_ascii_name(s, len, out);
		return true;
	}

	if (len > (int) sizeof(stripped))
		return CdpTooLong(error);
	len = CdpStripFormatChars(s, len, stripped);
	if (!CdpUnicodeNormalize(CDP_FORM_NFKC_FOLD, stripped, len, folded, sizeof(folded), &len, error))
		return false;
	ascii_len = CdpStripMarks(folded, len, out, cap);
	if (ascii_len >= 0)
	{
		*outlen = fold_ascii_name(out, ascii_len, out); /* never writes ahead */
		return true;
	}
	/* Transliterated from UTF-8: the database encoding plays no part. */
	ascii = CdpUtf8ToAscii(folded, len, &ascii_len);
	if (ascii_len > cap)
		return CdpTooLong(error);
	*outlen = fold_ascii_name(ascii, ascii_len, out);
	pfree(ascii);
	return true;
}

/*
 * CdpNormalize normalizes UTF-8 s[0..len) with normalizer into out (cap
 * bytes).  Phone numbers are read in the region of cdp.default_region.
 */
bool
CdpNormalize(CdpNormalizer normalizer, const char *s, int len,
			 char *out, int cap, int *outlen, CdpError *error)
{
	switch (normalizer)
	{
		case CDP_NORMALIZER_EXACT:
			/* An exact value is never changed: invisible characters are refused. */
			return fold_and_check(CDP_FORM_NFC, true, false, s, len, out, cap, outlen, error);
		case CDP_NORMALIZER_LOWER:
			return fold_and_check(CDP_FORM_NFKC_FOLD, true, true, s, len, out, cap, outlen, error);
		case CDP_NORMALIZER_EMAIL:
			return CdpNormalizeEmail(s, len, out, cap, outlen, error);
		case CDP_NORMALIZER_PHONE:
			return CdpNormalizePhone(s, len, NULL, out, cap, outlen, error);
		case CDP_NORMALIZER_NAME:
			return CdpNormalizeName(s, len, out, cap, outlen, error);
	}
	elog(ERROR, "unknown identifier normalizer %d", (int) normalizer);
	pg_unreachable();
}
