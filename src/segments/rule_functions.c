/*-------------------------------------------------------------------------
 *
 * rule_functions.c
 *	  Reading jsonb values the way compiled rules compare them:
 *	  cdp.rule_numeric() and cdp.rule_timestamptz().  Neither ever raises on
 *	  what clients sent: a value that is not a number (or a timestamp) is
 *	  NULL, so one odd event cannot stop a refresh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "segments/segments.h"

/* Longest numeric string read; longer ones are not numbers to a rule. */
#define MAX_NUMERIC_STRING 100

/*
 * Whether s[0..len) is a plain decimal number: optional sign, digits with
 * an optional point, an optional exponent of at most two digits (so that
 * numeric_in cannot fail on it).
 */
static bool
is_decimal(const char *s, int len)
{
	int			i = 0;
	int			digits = 0;
	int			exp_digits = 0;

	while (i < len && s[i] == ' ')
		i++;
	while (len > i && s[len - 1] == ' ')
		len--;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			exp_digits++;
		if (exp_digits == 0 || exp_digits > 2)
			return false;
	}
	return i == len;
}

/* The scalar of a jsonb value, or false when it is not a scalar. */
static bool
jsonb_scalar(Jsonb *jb, JsonbValue *v)
{
	return JB_ROOT_IS_SCALAR(jb) && JsonbExtractScalar(&jb->root, v);
}

PG_FUNCTION_INFO_V1(cdp_rule_numeric);

/*
 * cdp.rule_numeric(jsonb) → numeric: a JSON number, or a string holding a
 * plain decimal number ("59.90"); otherwise NULL.
 */
Datum
cdp_rule_numeric(PG_FUNCTION_ARGS)
{
	JsonbValue	v;

	if (!jsonb_scalar(PG_GETARG_JSONB_P(0), &v))
		PG_RETURN_NULL();
	if (v.type == jbvNumeric)
		PG_RETURN_NUMERIC(v.val.numeric);
	if (v.type == jbvString && v.val.string.len <= MAX_NUMERIC_STRING &&
		is_decimal(v.val.string.val, v.val.string.len))
		return DirectFunctionCall3(numeric_in,
								   CStringGetDatum(pnstrdup(v.val.string.val, v.val.string.len)),
								   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(cdp_rule_timestamptz);

/*
 * cdp.rule_timestamptz(jsonb) → timestamptz: a string holding an ISO 8601
 * timestamp (no offset: UTC); otherwise NULL.
 */
Datum
cdp_rule_timestamptz(PG_FUNCTION_ARGS)
{
	JsonbValue	v;
	TimestampTz ts;

	if (jsonb_scalar(PG_GETARG_JSONB_P(0), &v) && v.type == jbvString &&
		CdpParseIso8601(v.val.string.val, v.val.string.len, &ts))
		PG_RETURN_TIMESTAMPTZ(ts);
	PG_RETURN_NULL();
}
