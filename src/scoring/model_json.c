/*-------------------------------------------------------------------------
 *
 * model_json.c
 *	  A fitted model as jsonb: its parameters and diagnostics written by a
 *	  fit, read back by the predictors (so a model can be stored, edited
 *	  or taken from a published fit).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

#include "scoring/scoring_internal.h"

/* Pushes the key of the next member of the object being built. */
void
CdpJsonbPushKey(JsonbParseState **state, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);
}

/* Pushes value (finite) as a number: a member's value or an element. */
void
CdpJsonbPushFloat8(JsonbParseState **state, JsonbIteratorToken token, double value)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall1(float8_numeric, Float8GetDatum(value)));
	pushJsonbValue(state, token, &v);
}

/* Pushes value as a member's number. */
void
CdpJsonbPushInt64(JsonbParseState **state, int64 value)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(value);
	pushJsonbValue(state, WJB_VALUE, &v);
}

/* Pushes the members every fit reports: "iterations" and "converged". */
void
CdpJsonbPushFitStatus(JsonbParseState **state, int64 iterations, bool converged)
{
	JsonbValue	v;

	CdpJsonbPushKey(state, "iterations");
	CdpJsonbPushInt64(state, iterations);
	CdpJsonbPushKey(state, "converged");
	v.type = jbvBool;
	v.val.boolean = converged;
	pushJsonbValue(state, WJB_VALUE, &v);
}

/* An error unless value is finite (a fit must never store NaN). */
void
CdpRequireFinite(double value, const char *what)
{
	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the fit produced a value of %s that is not finite", what),
				 errhint("The data may not fit this model: check for extreme values.")));
}

/* {"<key>": value, ..., "iterations": n, "converged": bool} */
Jsonb *
CdpModelJsonb(const CdpModelField *fields, int n, int iterations, bool converged)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < n; i++)
	{
		CdpRequireFinite(fields[i].value, fields[i].key);
		CdpJsonbPushKey(&state, fields[i].key);
		CdpJsonbPushFloat8(&state, WJB_VALUE, fields[i].value);
	}
	CdpJsonbPushFitStatus(&state, iterations, converged);
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(result);
}

/* The number model->key, which must be there, finite and positive. */
double
CdpModelParameter(Jsonb *model, const char *key, const char *model_name)
{
	JsonbValue *v = NULL;
	double		value;

	if (JB_ROOT_IS_OBJECT(model))
		v = getKeyJsonValueFromContainer(&model->root, key, strlen(key), NULL);
	if (v == NULL || v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s model has no number \"%s\"", model_name, key),
				 errhint("Pass the jsonb its fit returned.")));
	value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	if (!(value > 0) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s model parameter \"%s\" must be a positive number", model_name, key)));
	return value;
}
