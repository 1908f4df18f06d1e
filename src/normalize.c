/*-------------------------------------------------------------------------
 *
 * normalize.c
 *	  Normalization of identifier values: exact, lower, email and name (the
 *	  phone normalizer is in phone.c), and the SQL functions
 *	  cdp.normalize_email() and cdp.normalize_name().
 *
 * Values are UTF-8 here whatever the database encoding.  Pure ASCII input
 * takes a fast path that never calls ICU; anything else goes through ICU
 * normalization (unorm2) and case folding (u_strFoldCase), and names are
 * then transliterated to ASCII by CdpToAscii (translit.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "cdp.h"
#include "normalize.h"
#include "translit.h"

PG_FUNCTION_INFO_V1(cdp_email_normalize);
PG_FUNCTION_INFO_V1(cdp_name_normalize);

/* Room for the UTF-16 form of a value, with NFKC's expansion. */
#define UBUF_UNITS	(4 * CDP_IDENT_MAX_BYTES)

/* Room for the UTF-8 form of a name before transliteration. */
#define NAME_BUF_BYTES	(4 * CDP_IDENT_MAX_BYTES)

/* Email length limits (RFC 5321). */
#define EMAIL_MAX_LOCAL		64
#define EMAIL_MAX_ADDRESS	254

/* Fills *error with a bad-value reason; returns -1 for the caller. */
static int
reject(CdpIdentError *error, int sqlerrcode, const char *reason)
{
	error->sqlerrcode = sqlerrcode;
	error->reason = reason;
	error->hint = NULL;
	return -1;
}

/* Fills *error for a malformed value (22P02); returns -1. */
static int
reject_value(CdpIdentError *error, const char *reason)
{
	return reject(error, ERRCODE_INVALID_TEXT_REPRESENTATION, reason);
}

/* Fills *error for a value over the length limit (22001); returns -1. */
static int
reject_too_long(CdpIdentError *error)
{
	return reject(error, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
				  "value is longer than " CppAsString2(CDP_IDENT_MAX_BYTES) " bytes");
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
 * result into out (cap bytes); returns its length, or -1 with *error set
 * when the input is not UTF-8 or the result does not fit.
 */
int
CdpUnicodeNormalize(CdpUnicodeForm form, const char *s, int len,
					char *out, int cap, CdpIdentError *error)
{
	UChar		a[UBUF_UNITS];
	UChar		b[UBUF_UNITS];
	int32		alen;
	int32		blen;
	int32		outlen;
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *norm = get_normalizer(form);

	if (len > CDP_IDENT_MAX_BYTES)
		return reject_too_long(error);
	u_strFromUTF8(a, UBUF_UNITS, &alen, s, len, &status);
	if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND)
		return reject(error, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
					  "value is not valid UTF-8");
	CdpCheckIcu(status, "UTF-8 conversion");

	blen = normalize_u16(norm, a, alen, b, UBUF_UNITS);
	if (blen < 0)
		return reject_too_long(error);
	if (form == CDP_FORM_NFKC_FOLD)
	{
		/* Folding may undo composition (U+01F0); normalize once more. */
		alen = u_strFoldCase(a, UBUF_UNITS, b, blen, U_FOLD_CASE_DEFAULT, &status);
		if (status == U_BUFFER_OVERFLOW_ERROR)
			return reject_too_long(error);
		CdpCheckIcu(status, "case folding");
		blen = normalize_u16(norm, a, alen, b, UBUF_UNITS);
		if (blen < 0)
			return reject_too_long(error);
	}

	/* A result of exactly cap bytes is fine: out needs no terminator. */
	u_strToUTF8(out, cap, &outlen, b, blen, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
		return reject_too_long(error);
	CdpCheckIcu(status, "UTF-8 conversion");
	return outlen;
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
 * Trims Unicode white space from both ends of valid UTF-8 s[0..*len) and
 * returns the new start.
 */
static const char *
trim_unicode(const char *s, int *len)
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

/*
 * Checks valid UTF-8 s[0..len) for control characters and, unless
 * allow_space, white space; returns the reason or NULL.
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
		if (!allow_space && u_isUWhiteSpace(c))
			return "value contains white space";
	}
	return NULL;
}

/*
 * Trims s[0..len) and brings it to form into out (cap bytes), refusing
 * control characters and, unless allow_space, inner white space.  ASCII
 * input is only lower-cased (forms that fold case) or copied.  Returns the
 * length, or -1 with *error set.
 */
static int
fold_and_check(CdpUnicodeForm form, bool allow_space, const char *s, int len,
			   char *out, int cap, CdpIdentError *error)
{
	const char *reason;

	CdpTrimAscii(&s, &len);
	if (len > cap)
		return reject_too_long(error);
	if (CdpIsAscii(s, len))
	{
		for (int i = 0; i < len; i++)
		{
			unsigned char c = s[i];

			if (c < 0x20 || c == 0x7F)
				return reject_value(error, "value contains a control character");
			if (c == ' ' && !allow_space)
				return reject_value(error, "value contains white space");
			out[i] = form == CDP_FORM_NFKC_FOLD ? pg_ascii_tolower(c) : c;
		}
		return len;
	}
	len = CdpUnicodeNormalize(form, s, len, out, cap, error);
	if (len < 0)
		return -1;
	s = trim_unicode(out, &len);
	reason = check_characters(s, len, allow_space);
	if (reason != NULL)
		return reject_value(error, reason);
	memmove(out, s, len);
	return len;
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
 * Normalizes an email address: trimmed, NFKC with full case folding; what
 * is not an address is refused.
 */
static int
normalize_email(const char *s, int len, char *out, int cap, CdpIdentError *error)
{
	const char *reason;
	int			at;

	len = fold_and_check(CDP_FORM_NFKC_FOLD, false, s, len, out, cap, error);
	if (len < 0)
		return -1;
	if (len == 0)
		return reject_value(error, "value is empty");

	reason = check_address(out, len, &at);
	if (reason != NULL)
		return reject_value(error, reason);
	if (cdp_email_provider_rules)
	{
		len = apply_provider_rules(out, len, at);
		if (len < 0)
			return reject_value(error, "local part is empty");
	}
	return len;
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
 * Decomposes UTF-8 s[0..len) (NFD) and drops its combining diacritical
 * marks (U+0300..U+036F), writing ASCII into out (cap bytes): for Latin
 * letters with diacritics, the same result as transliteration (Müller,
 * Zoë, François, Dvořák), at a fraction of its cost.  Returns the length,
 * or -1 when anything else remains (other scripts, whose marks may be
 * vowels; ß, æ, ø, ł), leaving those to CdpToAscii.
 */
static int
strip_marks(const char *s, int len, char *out, int cap)
{
	UChar		a[UBUF_UNITS];
	UChar		b[UBUF_UNITS];
	int32		alen;
	int32		blen;
	int			n = 0;
	UErrorCode	status = U_ZERO_ERROR;

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

/*
 * Normalizes a person's name: NFKC, case folding, transliteration to ASCII,
 * punctuation removed and white space collapsed.  ASCII input never reaches
 * ICU.
 */
static int
normalize_name(const char *s, int len, char *out, int cap, CdpIdentError *error)
{
	char		folded[NAME_BUF_BYTES];
	const char *server;
	char	   *ascii;
	int			ascii_len;
	int			n;

	if (CdpIsAscii(s, len))
	{
		if (len > cap)
			return reject_too_long(error);
		return fold_ascii_name(s, len, out);
	}

	len = CdpUnicodeNormalize(CDP_FORM_NFKC_FOLD, s, len, folded, sizeof(folded), error);
	if (len < 0)
		return -1;
	ascii_len = strip_marks(folded, len, out, cap);
	if (ascii_len >= 0)
		return fold_ascii_name(out, ascii_len, out);	/* never writes ahead */
	server = CdpUtf8ToServer(folded, &len);
	if (server == NULL)
		return reject(error, ERRCODE_UNTRANSLATABLE_CHARACTER, CDP_UNTRANSLATABLE_REASON);
	ascii = CdpToAscii(server, len, &ascii_len);
	if (ascii_len > cap)
		return reject_too_long(error);
	n = fold_ascii_name(ascii, ascii_len, out);
	pfree(ascii);
	if (server != folded)
		pfree((char *) server);
	return n;
}

/*
 * CdpNormalize normalizes UTF-8 s[0..len) with normalizer into out (cap
 * bytes); returns the length, or -1 with *error set.  Phone numbers are
 * read in the region of cdp.default_region.
 */
int
CdpNormalize(CdpNormalizer normalizer, const char *s, int len,
			 char *out, int cap, CdpIdentError *error)
{
	switch (normalizer)
	{
		case CDP_NORMALIZER_EXACT:
			return fold_and_check(CDP_FORM_NFC, true, s, len, out, cap, error);
		case CDP_NORMALIZER_LOWER:
			return fold_and_check(CDP_FORM_NFKC_FOLD, true, s, len, out, cap, error);
		case CDP_NORMALIZER_EMAIL:
			return normalize_email(s, len, out, cap, error);
		case CDP_NORMALIZER_PHONE:
			return CdpNormalizePhone(s, len, NULL, out, cap, error);
		case CDP_NORMALIZER_NAME:
			return normalize_name(s, len, out, cap, error);
	}
	elog(ERROR, "unknown identifier normalizer %d", (int) normalizer);
	pg_unreachable();
}

/*
 * CdpServerToUtf8 returns s[0..*len) (database encoding) in UTF-8, updating
 * *len; NULL with *error set when it is not valid UTF-8 (possible only in a
 * SQL_ASCII database, which does not check what it stores).
 */
const char *
CdpServerToUtf8(const char *s, int *len, CdpIdentError *error)
{
	int			encoding = GetDatabaseEncoding();
	char	   *utf8;

	if (encoding == PG_UTF8 || CdpIsAscii(s, *len))
		return s;
	if (encoding == PG_SQL_ASCII)
	{
		if (!pg_verify_mbstr(PG_UTF8, s, *len, true))
		{
			reject(error, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "value is not valid UTF-8");
			return NULL;
		}
		return s;
	}
	utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, *len, encoding, PG_UTF8);
	*len = strlen(utf8);
	return utf8;
}

/*
 * CdpUtf8ToServer returns UTF-8 s[0..*len) in the database encoding,
 * updating *len: s itself when no conversion is needed, else a palloc'd,
 * NUL-terminated copy.  NULL when s has a character the encoding lacks
 * (rather than PostgreSQL's error, which would quote its bytes).
 */
const char *
CdpUtf8ToServer(const char *s, int *len)
{
	int			encoding = GetDatabaseEncoding();
	int			cap = *len * MAX_CONVERSION_GROWTH + 1;
	unsigned char *buf;

	if (encoding == PG_UTF8 || encoding == PG_SQL_ASCII || CdpIsAscii(s, *len))
		return s;
	buf = palloc(cap);
	if (pg_do_encoding_conversion_buf(FindDefaultConversionProc(PG_UTF8, encoding),
									  PG_UTF8, encoding, (unsigned char *) s, *len,
									  buf, cap, true) < *len)
	{
		pfree(buf);
		return NULL;
	}
	*len = strlen((char *) buf);
	return (char *) buf;
}

/*
 * CdpRaiseUntranslatable reports a normalized value that the database
 * encoding cannot represent.
 */
void
CdpRaiseUntranslatable(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
			 errmsg("normalized value has a character that the database encoding cannot represent"),
			 errhint("Use a UTF-8 database.")));
}

/*
 * CdpNormalizeRaise raises what a normalizer reported about a value of the
 * sort what ("email address", ...).
 */
void
CdpNormalizeRaise(const char *what, const CdpIdentError *error)
{
	ereport(ERROR,
			(errcode(error->sqlerrcode),
			 errmsg("invalid %s: %s", what, error->reason),
			 error->hint ? errhint("%s", error->hint) : 0));
	pg_unreachable();
}

/*
 * Runs normalizer on a text argument and returns the text result in the
 * database encoding, raising on bad input.
 */
static Datum
normalize_text(text *arg, const char *what,
				 int (*normalizer) (const char *, int, char *, int, CdpIdentError *))
{
	char		out[CDP_IDENT_MAX_BYTES];
	CdpIdentError error;
	int			len = VARSIZE_ANY_EXHDR(arg);
	const char *s = CdpServerToUtf8(VARDATA_ANY(arg), &len, &error);

	if (s == NULL)
		CdpNormalizeRaise(what, &error);
	len = normalizer(s, len, out, sizeof(out), &error);
	if (len < 0)
		CdpNormalizeRaise(what, &error);
	s = CdpUtf8ToServer(out, &len);
	if (s == NULL)
	{
		reject(&error, ERRCODE_UNTRANSLATABLE_CHARACTER, CDP_UNTRANSLATABLE_REASON);
		CdpNormalizeRaise(what, &error);
	}
	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

/* cdp.normalize_email(text): see normalize_email. */
Datum
cdp_email_normalize(PG_FUNCTION_ARGS)
{
	return normalize_text(PG_GETARG_TEXT_PP(0), "email address", normalize_email);
}

/* cdp.normalize_name(text): see normalize_name. */
Datum
cdp_name_normalize(PG_FUNCTION_ARGS)
{
	return normalize_text(PG_GETARG_TEXT_PP(0), "name", normalize_name);
}
