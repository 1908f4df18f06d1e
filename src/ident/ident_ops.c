/*-------------------------------------------------------------------------
 *
 * ident_ops.c
 *	  Comparison and hashing of cdp.ident, for its btree and hash operator
 *	  classes.
 *
 * Values are stored normalized, so equality is equality of the stored
 * bytes.  The code bytes are big-endian, so comparing the bytes after the
 * header orders by kind code, then by value bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/sortsupport.h"

#include "ident/ident.h"

PG_FUNCTION_INFO_V1(cdp_ident_eq);
PG_FUNCTION_INFO_V1(cdp_ident_ne);
PG_FUNCTION_INFO_V1(cdp_ident_lt);
PG_FUNCTION_INFO_V1(cdp_ident_le);
PG_FUNCTION_INFO_V1(cdp_ident_gt);
PG_FUNCTION_INFO_V1(cdp_ident_ge);
PG_FUNCTION_INFO_V1(cdp_ident_cmp);
PG_FUNCTION_INFO_V1(cdp_ident_sortsupport);
PG_FUNCTION_INFO_V1(cdp_ident_hash);
PG_FUNCTION_INFO_V1(cdp_ident_hash_extended);

/* Compares two identifiers: by kind code, then value bytes, then length. */
static int
ident_compare(const struct varlena *a, const struct varlena *b)
{
	int			alen = VARSIZE_ANY_EXHDR(a);
	int			blen = VARSIZE_ANY_EXHDR(b);
	int			cmp = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(alen, blen));

	if (cmp != 0)
		return cmp < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/*
 * CdpIdentEqual tells whether two identifiers are equal, without ordering
 * them: whatever their varlena headers, their bytes are the same.
 */
bool
CdpIdentEqual(const struct varlena *a, const struct varlena *b)
{
	Size		len = VARSIZE_ANY_EXHDR(a);

	return len == VARSIZE_ANY_EXHDR(b) && memcmp(VARDATA_ANY(a), VARDATA_ANY(b), len) == 0;
}

/* Runs ident_compare on the two arguments, freeing detoasted copies. */
static int
compare_args(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_GETARG_CDP_IDENT_P(0);
	struct varlena *b = PG_GETARG_CDP_IDENT_P(1);
	int			cmp = ident_compare(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return cmp;
}

/* a = b */
Datum
cdp_ident_eq(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CDP_IDENT_P(0);
	struct varlena *b = PG_GETARG_CDP_IDENT_P(1);
	bool		result = CdpIdentEqual(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	PG_RETURN_BOOL(result);
}

/* a <> b */
Datum
cdp_ident_ne(PG_FUNCTION_ARGS)
{
	return BoolGetDatum(!DatumGetBool(cdp_ident_eq(fcinfo)));
}

/* a < b */
Datum
cdp_ident_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) < 0);
}

/* a <= b */
Datum
cdp_ident_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) <= 0);
}

/* a > b */
Datum
cdp_ident_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) > 0);
}

/* a >= b */
Datum
cdp_ident_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) >= 0);
}

/* btree support function 1: -1, 0 or 1 */
Datum
cdp_ident_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(compare_args(fcinfo));
}

/* Sort comparator working on the datums directly. */
static int
ident_fastcmp(Datum x, Datum y, SortSupport ssup pg_attribute_unused())
{
	struct varlena *a = DatumGetCdpIdentP(x);
	struct varlena *b = DatumGetCdpIdentP(y);
	int			cmp = ident_compare(a, b);

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return cmp;
}

/* Btree support function 2: sorts without a function call per compare. */
Datum
cdp_ident_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = ident_fastcmp;
	PG_RETURN_VOID();
}

/* Hash support function 1: a hash of the stored bytes. */
Datum
cdp_ident_hash(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CDP_IDENT_P(0);
	Datum		result = hash_any((unsigned char *) VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a));

	PG_FREE_IF_COPY(a, 0);
	return result;
}

/* Hash support function 2: the same, seeded (hash partitioning). */
Datum
cdp_ident_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_CDP_IDENT_P(0);
	Datum		result = hash_any_extended((unsigned char *) VARDATA_ANY(a),
										   VARSIZE_ANY_EXHDR(a), PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(a, 0);
	return result;
}
