/*-------------------------------------------------------------------------
 *
 * rule_values.c
 *	  The JSON rule language's comparisons of one value (a trait, a computed
 *	  trait or an event property): = <> < <= > >= in not_in contains
 *	  starts_with exists not_exists between within.
 *
 *	  A comparison is typed by the rule's value: a number compares
 *	  numerically (cdp.rule_numeric reads numbers and numeric strings), a
 *	  string as text, a boolean as a boolean.  A missing value, or one of
 *	  another type, makes every comparison false except not_exists and
 *	  not_in; the caller wraps each condition in coalesce(..., false) so
 *	  that rules have two-valued logic and "not" is exact.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "segments/rule_internal.h"

/* The SQL literal of a scalar rule value, typed for comparing with it. */
static char *
typed_literal(JsonbValue *v, const char *path)
{
	switch (v->type)
	{
		case jbvNumeric:
			return psprintf("%s::numeric",
							quote_literal_cstr(DatumGetCString(DirectFunctionCall1(numeric_out,
																				   NumericGetDatum(v->val.numeric)))));
		case jbvString:
			return quote_literal_cstr(pnstrdup(v->val.string.val, v->val.string.len));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			CdpRuleError(path, "\"value\" must be a number, a string or a boolean");
	}
}

/* subject read as the value's type. */
static char *
typed_subject(const char *subject, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNumeric:
			return psprintf("cdp.rule_numeric(%s)", subject);
		case jbvString:
			return psprintf("cdp.rule_text(%s)", subject);
		default:
			return psprintf("cdp.rule_boolean(%s)", subject);
	}
}

static bool
is_comparison(const char *op)
{
	return strcmp(op, "=") == 0 || strcmp(op, "<>") == 0 || strcmp(op, "<") == 0 ||
		strcmp(op, "<=") == 0 || strcmp(op, ">") == 0 || strcmp(op, ">=") == 0;
}

/* (subject = v1 OR subject = v2 ...), each false when types differ. */
static char *
any_equal(const char *subject, JsonbValue *list, const char *path)
{
	StringInfoData out;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			n = 0;

	if (list->type != jbvBinary || !JsonContainerIsArray(list->val.binary.data) ||
		JsonContainerSize(list->val.binary.data) == 0)
		CdpRuleError(path, "\"in\" and \"not_in\" take a non-empty array of values");
	initStringInfo(&out);
	appendStringInfoChar(&out, '(');
	it = JsonbIteratorInit(list->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		appendStringInfo(&out, "%scoalesce(%s = %s, false)", n++ > 0 ? " OR " : "",
						 typed_subject(subject, &elem), typed_literal(&elem, path));
	}
	appendStringInfoChar(&out, ')');
	return out.data;
}

char *
CdpRuleValueCondition(const char *subject, JsonbContainer *cond, const char *path,
					  bool allow_within, RuleCompile *rc)
{
	JsonbValue *opv = CdpRuleField(cond, "op");
	JsonbValue *value = CdpRuleField(cond, "value");
	char	   *op;
	char	   *present = psprintf("coalesce(pg_catalog.jsonb_typeof(%s) <> 'null', false)",
								   subject);

	if (opv == NULL)
		CdpRuleError(path, "the condition has no \"op\"");
	op = CdpRuleString(opv, path, "op");

	if (strcmp(op, "exists") == 0 || strcmp(op, "not_exists") == 0)
	{
		if (value != NULL)
			CdpRuleError(path, "\"exists\" and \"not_exists\" take no \"value\"");
		return op[0] == 'e' ? present : psprintf("(NOT %s)", present);
	}
	if (value == NULL)
		CdpRuleError(path, psprintf("op \"%.64s\" needs a \"value\"", op));

	if (is_comparison(op))
	{
		if (value->type == jbvBool && strcmp(op, "=") != 0 && strcmp(op, "<>") != 0)
			CdpRuleError(path, "a boolean compares only with \"=\" and \"<>\"");
		return psprintf("(%s %s %s)", typed_subject(subject, value), op,
						typed_literal(value, path));
	}
	if (strcmp(op, "in") == 0)
		return any_equal(subject, value, path);
	if (strcmp(op, "not_in") == 0)
		return psprintf("(%s AND NOT %s)", present, any_equal(subject, value, path));
	if (strcmp(op, "contains") == 0 || strcmp(op, "starts_with") == 0)
	{
		char	   *s;

		if (value->type != jbvString)
			CdpRuleError(path, psprintf("op \"%s\" takes a string \"value\"", op));
		s = typed_literal(value, path);
		if (op[0] == 's')
			return psprintf("pg_catalog.starts_with(cdp.rule_text(%s), %s)", subject, s);
		/* a substring of a string, or an element of an array */
		return psprintf("(pg_catalog.strpos(cdp.rule_text(%s), %s) > 0"
						" OR (pg_catalog.jsonb_typeof(%s) = 'array'"
						" AND %s OPERATOR(pg_catalog.@>) pg_catalog.jsonb_build_array(%s::text)))",
						subject, s, subject, subject, s);
	}
	if (strcmp(op, "between") == 0)
	{
		JsonbValue *lo,
				   *hi;

		if (value->type != jbvBinary || !JsonContainerIsArray(value->val.binary.data) ||
			JsonContainerSize(value->val.binary.data) != 2)
			CdpRuleError(path, "\"between\" takes an array of two values");
		lo = getIthJsonbValueFromContainer(value->val.binary.data, 0);
		hi = getIthJsonbValueFromContainer(value->val.binary.data, 1);
		if (lo->type != hi->type || (lo->type != jbvNumeric && lo->type != jbvString))
			CdpRuleError(path, "\"between\" takes two numbers or two strings");
		return psprintf("(%s BETWEEN %s AND %s)", typed_subject(subject, lo),
						typed_literal(lo, path), typed_literal(hi, path));
	}
	if (strcmp(op, "within") == 0 && allow_within)
	{
		char	   *window = CdpRuleInterval(value, path, "value");
		char	   *at = psprintf("cdp.rule_timestamptz(%s)", subject);

		char	   *due = psprintf("CASE WHEN %s > %s THEN %s WHEN %s > %s - %s THEN %s + %s END",
									   at, RULE_NOW, at, at, RULE_NOW, window, at, window);

		rc->lapses = lappend(rc->lapses, due);
		rc->lapse_rows = lappend(rc->lapse_rows,
								 psprintf("SELECT p.profile_id, %s FROM cdp.profiles p", due));
		return psprintf("(%s > %s - %s AND %s <= %s)", at, RULE_NOW, window, at, RULE_NOW);
	}
	CdpRuleError(path, psprintf("unknown op \"%.64s\"", op));
}

char *
CdpRuleNumericCondition(const char *subject, JsonbValue *opv, JsonbValue *value,
						const char *path)
{
	char	   *op;

	if (opv == NULL || value == NULL)
		CdpRuleError(path, "an aggregate needs \"op\" and \"value\"");
	op = CdpRuleString(opv, path, "op");
	if (strcmp(op, "between") == 0)
	{
		JsonbValue *lo,
				   *hi;

		if (value->type != jbvBinary || !JsonContainerIsArray(value->val.binary.data) ||
			JsonContainerSize(value->val.binary.data) != 2)
			CdpRuleError(path, "\"between\" takes an array of two numbers");
		lo = getIthJsonbValueFromContainer(value->val.binary.data, 0);
		hi = getIthJsonbValueFromContainer(value->val.binary.data, 1);
		if (lo->type != jbvNumeric || hi->type != jbvNumeric)
			CdpRuleError(path, "\"between\" takes an array of two numbers");
		return psprintf("(%s BETWEEN %s AND %s)", subject, typed_literal(lo, path),
						typed_literal(hi, path));
	}
	if (!is_comparison(op))
		CdpRuleError(path, psprintf("unknown op \"%.64s\" for an aggregate", op));
	if (value->type != jbvNumeric)
		CdpRuleError(path, "an aggregate compares with a number \"value\"");
	return psprintf("(%s %s %s)", subject, op, typed_literal(value, path));
}
