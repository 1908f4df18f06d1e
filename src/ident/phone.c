/*-------------------------------------------------------------------------
 *
 * phone.c
 *	  Phone numbers to E.164.
 *
 * A number written with its country code ("+33 6 12 34 56 78",
 * "0033 6 12 34 56 78", or the region's own international prefix such as
 * 011 in North America) needs no region; a national number ("06 12 34 56
 * 78") is read in the given region, or cdp.default_region.  Each supported
 * region has its country calling code, its trunk prefix (dropped from
 * national numbers, and from "+44 (0)20 ..."), the lengths its national
 * significant numbers may have and the digits they may start with.  That is
 * a plausibility check, not libphonenumber's per-range validation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "ident/ident_internal.h"

char	   *cdp_default_region = NULL;

/* E.164: at most 15 digits with the country code. */
#define E164_MAX_DIGITS		15
/* The shortest numbers in use (country code and 4 digits) */
#define E164_MIN_DIGITS		7

typedef struct PhoneRegion
{
	char		region[3];		/* ISO 3166 alpha-2 */
	const char *country_code;
	const char *trunk;			/* national trunk prefix, "" if none */
	const char *idd;			/* international prefix besides 00, or "" */
	int			min_len;		/* national significant number lengths */
	int			max_len;
	const char *first_digits;	/* digits such a number may start with */
} PhoneRegion;

/* Sorted by region. */
static const PhoneRegion regions[] = {
	{"AE", "971", "0", "", 8, 9, "23456789"},
	{"AR", "54", "0", "", 10, 11, "123456789"},
	{"AT", "43", "0", "", 4, 13, "123456789"},
	{"AU", "61", "0", "0011", 9, 9, "23478"},
	{"BE", "32", "0", "", 8, 9, "123456789"},
	{"BR", "55", "0", "", 10, 11, "123456789"},
	{"CA", "1", "1", "011", 10, 10, "23456789"},
	{"CH", "41", "0", "", 9, 9, "123456789"},
	{"CL", "56", "", "", 9, 9, "23456789"},
	{"CN", "86", "0", "", 9, 11, "123456789"},
	{"CO", "57", "", "", 10, 10, "123456789"},
	{"CZ", "420", "", "", 9, 9, "23456789"},
	{"DE", "49", "0", "", 6, 13, "123456789"},
	{"DK", "45", "", "", 8, 8, "23456789"},
	{"EG", "20", "0", "", 8, 10, "123456789"},
	{"ES", "34", "", "", 9, 9, "56789"},
	{"FI", "358", "0", "", 5, 12, "123456789"},
	{"FR", "33", "0", "", 9, 9, "123456789"},
	{"GB", "44", "0", "", 9, 10, "1235789"},
	{"GR", "30", "", "", 10, 10, "2689"},
	{"HK", "852", "", "", 8, 8, "23456789"},
	{"IE", "353", "0", "", 7, 9, "123456789"},
	{"IL", "972", "0", "", 8, 9, "23456789"},
	{"IN", "91", "0", "", 10, 10, "123456789"},
	{"IT", "39", "", "", 6, 11, "0123456789"},
	{"JP", "81", "0", "010", 9, 10, "123456789"},
	{"KR", "82", "0", "", 8, 10, "123456789"},
	{"KZ", "7", "8", "810", 10, 10, "67"},
	{"LU", "352", "", "", 4, 11, "123456789"},
	{"MX", "52", "", "", 10, 10, "123456789"},
	{"NG", "234", "0", "", 8, 10, "123456789"},
	{"NL", "31", "0", "", 9, 9, "123456789"},
	{"NO", "47", "", "", 8, 8, "23456789"},
	{"NZ", "64", "0", "", 8, 10, "23456789"},
	{"PL", "48", "", "", 9, 9, "123456789"},
	{"PT", "351", "", "", 9, 9, "2389"},
	{"RU", "7", "8", "810", 10, 10, "3489"},
	{"SA", "966", "0", "", 8, 9, "123456789"},
	{"SE", "46", "0", "", 6, 9, "123456789"},
	{"SG", "65", "", "", 8, 8, "3689"},
	{"TR", "90", "0", "", 10, 10, "2345789"},
	{"US", "1", "1", "011", 10, 10, "23456789"},
	{"ZA", "27", "0", "", 9, 9, "123456789"},
};

/*
 * CdpPhoneRegionCanonical returns the supported region written region
 * (any case), upper-cased, or NULL.
 */
const char *
CdpPhoneRegionCanonical(const char *region)
{
	if (strlen(region) != 2)
		return NULL;
	for (int i = 0; i < (int) lengthof(regions); i++)
		if (pg_ascii_toupper((unsigned char) region[0]) == regions[i].region[0] &&
			pg_ascii_toupper((unsigned char) region[1]) == regions[i].region[1])
			return regions[i].region;
	return NULL;
}

/* Returns the rules of region (upper case), or NULL. */
static const PhoneRegion *
find_region(const char *region)
{
	for (int i = 0; i < (int) lengthof(regions); i++)
		if (strcmp(regions[i].region, region) == 0)
			return &regions[i];
	return NULL;
}

/* CdpPhoneRegionList returns the supported regions, comma separated. */
char *
CdpPhoneRegionList(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(regions); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", regions[i].region);
	return buf.data;
}

/* Tells whether digits[0..n) starts with the non-empty prefix. */
static inline bool
starts_with(const char *digits, int n, const char *prefix)
{
	int			len = strlen(prefix);

	return len > 0 && n >= len && memcmp(digits, prefix, len) == 0;
}

/*
 * Collects the digits of UTF-8 s[0..len) into digits (room for cap), their
 * number into *n, and tells in *plus whether a leading "+" was written.
 * Separators are skipped, and so are invisible format characters (the
 * direction marks a number copied from right-to-left text carries).
 */
static bool
collect_digits(const char *s, int len, char *digits, int cap, int *n, bool *plus,
			   CdpError *error)
{
	int32		i = 0;

	*n = 0;
	*plus = false;
	while (i < len)
	{
		UChar32		c;
		int			digit = -1;

		if ((unsigned char) s[i] < 0x80)
			c = s[i++];
		else
			U8_NEXT(s, i, len, c);

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 0x80 && u_charType(c) == U_DECIMAL_DIGIT_NUMBER)
			digit = u_charDigitValue(c);
		else if (c == '+')
		{
			if (*n > 0 || *plus)
				return CdpInvalidValue(error, "\"+\" is not at the start of the number");
			*plus = true;
		}
		else if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/' ||
				 c == '\t' || (c >= 0x80 && (u_isUWhiteSpace(c) ||
											 u_charType(c) == U_DASH_PUNCTUATION ||
											 u_charType(c) == U_FORMAT_CHAR)))
			continue;
		else if (c >= 0 && u_isalpha(c))
			return CdpInvalidValue(error, "number contains a letter");
		else
			return CdpInvalidValue(error, "number contains a character not used in phone numbers");

		if (digit >= 0)
		{
			if (*n == cap)
				return CdpInvalidValue(error, "number has too many digits");
			digits[(*n)++] = '0' + digit;
		}
	}
	return true;
}

/*
 * Drops the trunk prefix from a national significant number when it has
 * one: when the number is too long with it, or cannot start with it.
 */
static void
drop_trunk(const PhoneRegion *r, const char **nsn, int *n)
{
	int			trunk_len = strlen(r->trunk);

	if (starts_with(*nsn, *n, r->trunk) &&
		(*n > r->max_len || strchr(r->first_digits, (*nsn)[0]) == NULL))
	{
		*nsn += trunk_len;
		*n -= trunk_len;
	}
}

/* Checks a national significant number against region r's rules. */
static const char *
check_nsn(const PhoneRegion *r, const char *nsn, int n)
{
	if (n < r->min_len)
		return psprintf("number has too few digits for region %s", r->region);
	if (n > r->max_len)
		return psprintf("number has too many digits for region %s", r->region);
	if (strchr(r->first_digits, nsn[0]) == NULL)
		return psprintf("number does not start like a number of region %s", r->region);
	return NULL;
}

/*
 * Checks the international number digits[0..n) (country code first) and
 * writes its national significant number's start into *nsn, its length in
 * *nsn_len.  Numbers of country codes without rules here only get the
 * E.164 length check.
 */
static const char *
check_international(const char *digits, int n, int *cc_len, const char **nsn, int *nsn_len)
{
	const char *reason = NULL;
	bool		known = false;

	*cc_len = 0;
	*nsn = digits;
	*nsn_len = n;
	for (int i = 0; i < (int) lengthof(regions); i++)
	{
		const PhoneRegion *r = &regions[i];
		const char *rest;
		int			rest_len;
		int			len = strlen(r->country_code);

		if (!starts_with(digits, n, r->country_code))
			continue;
		/* Regions sharing a code (US, CA; RU, KZ): any may accept it. */
		known = true;
		rest = digits + len;
		rest_len = n - len;
		if (rest_len > 0)
			drop_trunk(r, &rest, &rest_len);
		reason = rest_len > 0 ? check_nsn(r, rest, rest_len) : "number has too few digits";
		if (reason == NULL)
		{
			*cc_len = len;
			*nsn = rest;
			*nsn_len = rest_len;
			return NULL;
		}
	}
	if (known)
		return reason;
	if (n < E164_MIN_DIGITS)
		return "number has too few digits";
	return NULL;
}

/* Writes "+", the country code and the national number into out. */
static int
write_e164(char *out, const char *cc, int cc_len, const char *nsn, int nsn_len)
{
	out[0] = '+';
	memcpy(out + 1, cc, cc_len);
	memcpy(out + 1 + cc_len, nsn, nsn_len);
	return 1 + cc_len + nsn_len;
}

/*
 * Reads the national number digits[0..n) in region r into out, as E.164.
 */
static bool
national_number(const PhoneRegion *r, const char *digits, int n, char *out,
				int *outlen, CdpError *error)
{
	const char *nsn = digits;
	int			nsn_len = n;
	const char *reason;

	if (r == NULL)
		return CdpFail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					   "a national number needs a region", NULL,
					   "Write the number with its country code, pass a region, or set cdp.default_region.");
	drop_trunk(r, &nsn, &nsn_len);
	reason = nsn_len > 0 ? check_nsn(r, nsn, nsn_len) : "number has too few digits";
	if (reason != NULL)
		return CdpInvalidValue(error, reason);
	if (strlen(r->country_code) + nsn_len > E164_MAX_DIGITS)
		return CdpInvalidValue(error, "number has too many digits");
	*outlen = write_e164(out, r->country_code, strlen(r->country_code), nsn, nsn_len);
	return true;
}

/*
 * CdpNormalizePhone writes UTF-8 s[0..len) as E.164 ("+" and digits) into
 * out (cap bytes, at least 16); region (NULL: cdp.default_region) reads
 * national numbers.
 */
bool
CdpNormalizePhone(const char *s, int len, const char *region,
				  char *out, int cap, int *outlen, CdpError *error)
{
	char		nfkc[CDP_IDENT_MAX_BYTES];
	char		digits[E164_MAX_DIGITS + 8];
	const PhoneRegion *r = NULL;
	const char *number;
	const char *nsn;
	const char *reason;
	int			n;
	int			cc_len;
	int			nsn_len;
	bool		plus;

	if (cap <= E164_MAX_DIGITS)
		elog(ERROR, "phone number buffer too small");
	if (region == NULL)
		region = cdp_default_region;
	if (region != NULL && region[0] != '\0')
		r = find_region(region);

	CdpTrimAscii(&s, &len);
	if (!CdpIsAscii(s, len))
	{
		/* Full-width digits and signs, no-break spaces become ASCII. */
		if (!CdpUnicodeNormalize(CDP_FORM_NFKC, s, len, nfkc, sizeof(nfkc), &len, error))
			return false;
		s = nfkc;
	}
	if (!collect_digits(s, len, digits, sizeof(digits), &n, &plus, error))
		return false;
	if (n == 0)
		return CdpInvalidValue(error, "number has no digits");

	number = digits;
	if (!plus)
	{
		if (r != NULL && starts_with(digits, n, r->idd))
			number += strlen(r->idd);
		else if (starts_with(digits, n, "00"))
			number += 2;
		else
			return national_number(r, digits, n, out, outlen, error);
	}

	n -= number - digits;
	if (n > E164_MAX_DIGITS)
		return CdpInvalidValue(error, "number has too many digits");
	if (n == 0 || number[0] == '0')
		return CdpInvalidValue(error, "country code is missing");
	reason = check_international(number, n, &cc_len, &nsn, &nsn_len);
	if (reason != NULL)
		return CdpInvalidValue(error, reason);
	*outlen = write_e164(out, number, cc_len, nsn, nsn_len);
	return true;
}
