/*-------------------------------------------------------------------------
 *
 * normalize_sql.c
 *	  The normalizers as SQL functions: cdp.normalize_email(),
 *	  cdp.normalize_phone() and cdp.normalize_name().
 *
 * Each takes text in the database encoding, normalizes its UTF-8 form and
 * returns the result in the database encoding; a bad value raises its
 * normalizer's reason as "invalid <what>: <reason>", never the value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "ident/ident_internal.h"

PG_FUNCTION_INFO_V1(cdp_normalize_email);
PG_FUNCTION_INFO_V1(cdp_normalize_phone);
PG_FUNCTION_INFO_V1(cdp_normalize_name);

/* Raises what a normalizer reported about a value of the sort what. */
static void
raise_invalid(const char *what, CdpError *error)
{
	error->message = psprintf("invalid %s: %s", what, error->message);
	CdpRaise(error);
}

/*
 * Returns the UTF-8 form of a text argument, its length in *len; longer
 * than an identifier value may be, it is refused.
 */
static const char *
argument_utf8(text *arg, const char *what, int *len)
{
	CdpError	error;
	const char *s;

	*len = VARSIZE_ANY_EXHDR(arg);
	if (*len > CDP_IDENT_MAX_BYTES)
	{
		CdpTooLong(&error);
		raise_invalid(what, &error);
	}
	s = CdpServerToUtf8(VARDATA_ANY(arg), len, &error);
	if (s == NULL)
		raise_invalid(what, &error);
	return s;
}

/* Returns the normalized UTF-8 out[0..len) as text in the database encoding. */
static Datum
result_text(const char *out, int len, const char *what)
{
	CdpError	error;
	const char *s = CdpUtf8ToServer(out, &len);

	if (s == NULL)
	{
		CdpFail(&error, ERRCODE_UNTRANSLATABLE_CHARACTER, CDP_UNTRANSLATABLE_REASON, NULL, NULL);
		raise_invalid(what, &error);
	}
	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

/* Normalizes a text argument with normalizer, raising on a bad value. */
static Datum
normalize_argument(text *arg, const char *what,
				   bool (*normalizer) (const char *, int, char *, int, int *, CdpError *))
{
	char		out[CDP_IDENT_MAX_BYTES];
	CdpError	error;
	int			len;
	const char *s = argument_utf8(arg, what, &len);

	if (!normalizer(s, len, out, sizeof(out), &len, &error))
		raise_invalid(what, &error);
	return result_text(out, len, what);
}

/* cdp.normalize_email(text): see CdpNormalizeEmail. */
Datum
cdp_normalize_email(PG_FUNCTION_ARGS)
{
	return normalize_argument(PG_GETARG_TEXT_PP(0), "email address", CdpNormalizeEmail);
}

/*
 * cdp.normalize_phone(text, region text DEFAULT NULL): the number in
 * E.164, national numbers read in region (NULL: cdp.default_region); NULL
 * for a NULL number.
 */
Datum
cdp_normalize_phone(PG_FUNCTION_ARGS)
{
	char		out[CDP_IDENT_MAX_BYTES];
	const char *region = NULL;
	CdpError	error;
	int			len;
	const char *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(1))
	{
		region = CdpPhoneRegionCanonical(text_to_cstring(PG_GETARG_TEXT_PP(1)));
		if (region == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unsupported phone region"),
					 errdetail("A region is an ISO 3166 alpha-2 code of a supported region."),
					 errhint("Supported regions: %s.", CdpPhoneRegionList())));
	}
	s = argument_utf8(PG_GETARG_TEXT_PP(0), "phone number", &len);
	if (!CdpNormalizePhone(s, len, region, out, sizeof(out), &len, &error))
		raise_invalid("phone number", &error);
	return result_text(out, len, "phone number");
}

/* cdp.normalize_name(text): see CdpNormalizeName. */
Datum
cdp_normalize_name(PG_FUNCTION_ARGS)
{
	return normalize_argument(PG_GETARG_TEXT_PP(0), "name", CdpNormalizeName);
}
