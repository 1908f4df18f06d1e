/*-------------------------------------------------------------------------
 *
 * trait_access.c
 *	  cdp.trait(traits, name): a trait as text, like traits ->> name, but
 *	  LEAKPROOF.
 *
 * Under row security the planner keeps a condition away from an index
 * unless every function in it is leakproof, and jsonb's ->> is not marked
 * so.  This function cannot fail on any jsonb, so it is: an expression
 * index on cdp.trait(traits, 'plan') is still used when row security is
 * on.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "profiles/profiles.h"

PG_FUNCTION_INFO_V1(cdp_trait);

Datum
cdp_trait(PG_FUNCTION_ARGS)
{
	Jsonb	   *traits = PG_GETARG_JSONB_P(0);
	text	   *name = PG_GETARG_TEXT_PP(1);
	JsonbValue *v;

	if (!JB_ROOT_IS_OBJECT(traits))
		PG_RETURN_NULL();
	v = getKeyJsonValueFromContainer(&traits->root, VARDATA_ANY(name),
									 VARSIZE_ANY_EXHDR(name), NULL);
	if (v == NULL || v->type == jbvNull)
		PG_RETURN_NULL();
	switch (v->type)
	{
		case jbvString:
			PG_RETURN_TEXT_P(cstring_to_text_with_len(v->val.string.val, v->val.string.len));
		case jbvNumeric:
			PG_RETURN_TEXT_P(cstring_to_text(DatumGetCString(DirectFunctionCall1(numeric_out,
																				 NumericGetDatum(v->val.numeric)))));
		case jbvBool:
			PG_RETURN_TEXT_P(cstring_to_text(v->val.boolean ? "true" : "false"));
		default:
			PG_RETURN_TEXT_P(cstring_to_text(JsonbToCString(NULL, v->val.binary.data,
															v->val.binary.len)));
	}
}
