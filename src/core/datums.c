/*-------------------------------------------------------------------------
 *
 * datums.c
 *	  Values passed to and returned from SQL: arrays of ids and datums,
 *	  and jsonb.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/core.h"

/* CdpInt8Array makes a bigint[] of values[0..n). */
Datum
CdpInt8Array(const int64 *values, int n)
{
	Datum	   *datums = palloc(Max(n, 1) * sizeof(Datum));

	for (int i = 0; i < n; i++)
		datums[i] = Int64GetDatum(values[i]);
	return CdpDatumArray(datums, n, INT8OID);
}

/* CdpInt4Array makes an integer[] of values[0..n). */
Datum
CdpInt4Array(const int32 *values, int n)
{
	Datum	   *datums = palloc(Max(n, 1) * sizeof(Datum));

	for (int i = 0; i < n; i++)
		datums[i] = Int32GetDatum(values[i]);
	return CdpDatumArray(datums, n, INT4OID);
}

/* CdpDatumArray makes a one-dimensional array of elmtype from values. */
Datum
CdpDatumArray(const Datum *values, int n, Oid elmtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elmtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(unconstify(Datum *, values), n, elmtype,
										   typlen, typbyval, typalign));
}

/*
 * CdpEmptyJsonb returns the empty object {}, made once per backend; it
 * must not be modified.
 */
Jsonb *
CdpEmptyJsonb(void)
{
	static Jsonb *empty = NULL;

	if (empty == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		empty = DatumGetJsonbP(CdpJsonbFromString("{}"));
		MemoryContextSwitchTo(old);
	}
	return empty;
}

/* CdpJsonbFromString parses the JSON text json into a jsonb datum. */
Datum
CdpJsonbFromString(const char *json)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

/*
 * CdpJsonbUnknownKey returns the first key of object that is not one of
 * allowed[0..n), setting *len to its length (the key is not terminated),
 * or NULL when every key is allowed.  Callers report it their own way.
 */
const char *
CdpJsonbUnknownKey(JsonbContainer *object, const char *const *allowed, int n, int *len)
{
	JsonbIterator *it = JsonbIteratorInit(object);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		known = false;

		if (tok != WJB_KEY)
			continue;
		for (int i = 0; i < n && !known; i++)
			known = strlen(allowed[i]) == (size_t) v.val.string.len &&
				memcmp(allowed[i], v.val.string.val, v.val.string.len) == 0;
		if (!known)
		{
			*len = v.val.string.len;
			return v.val.string.val;
		}
	}
	return NULL;
}

/*
 * CdpRowDatum returns the row values[], nulls[] as the composite result
 * (OUT parameters) of the function called through fcinfo.
 */
Datum
CdpRowDatum(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}
