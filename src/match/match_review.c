/*-------------------------------------------------------------------------
 *
 * match_review.c
 *	  cdp.review_match(): a person's decision on a pair that
 *	  cdp.link_matches() queued in cdp.match_review.
 *
 * An accepted pair is linked at once, as a person's decision (kind limits
 * do not apply, as for cdp.link()), with the model's score kept on the
 * edge; a rejected pair is never proposed again by that model.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "identity/identity.h"
#include "match/match_internal.h"

PG_FUNCTION_INFO_V1(cdp_review_match);

static CdpPlanCache pending_plan;
static CdpPlanCache decide_plan;
static CdpPlanCache profile_plan;

/*
 * cdp.review_match(review_id bigint, accept boolean, note text DEFAULT NULL)
 * → jsonb: {"review_id", "status", "profile_id"}, the profile the pair's
 * identities are in afterwards.
 */
Datum
cdp_review_match(PG_FUNCTION_ARGS)
{
	int64		review_id;
	bool		accept;
	Oid			argtypes[4] = {INT8OID, TEXTOID, TEXTOID, NAMEOID};
	Datum		args[4];
	bool		nulls_arg[4] = {0};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	Datum		left_ident,
				right_ident;
	int32		model_id;
	double		weight,
				probability;
	int64		profile_id;
	Oid			identtype;
	char	   *json;
	Datum		out;

	CdpRequireArgument(fcinfo, 0, "review_id");
	CdpRequireArgument(fcinfo, 1, "accept");
	review_id = PG_GETARG_INT64(0);
	accept = PG_GETARG_BOOL(1);
	SPI_connect();

	args[0] = Int64GetDatum(review_id);
	CdpExecute(CdpPlan(&pending_plan,
					   "SELECT v.status, a.ident, b.ident, v.model_id, v.match_weight, v.probability"
					   " FROM cdp.match_review v"
					   " JOIN cdp.identities a ON a.identity_id = v.left_identity_id"
					   " JOIN cdp.identities b ON b.identity_id = v.right_identity_id"
					   " WHERE v.review_id = $1 FOR UPDATE OF v", 1, argtypes),
			   args, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("match review " INT64_FORMAT " does not exist", review_id)));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	if (strcmp(SPI_getvalue(tuple, desc, 1), "pending") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("match review " INT64_FORMAT " was decided already", review_id)));
	left_ident = SPI_datumTransfer(SPI_getbinval(tuple, desc, 2, &isnull), false, -1);
	right_ident = SPI_datumTransfer(SPI_getbinval(tuple, desc, 3, &isnull), false, -1);
	model_id = DatumGetInt32(SPI_getbinval(tuple, desc, 4, &isnull));
	weight = DatumGetFloat8(SPI_getbinval(tuple, desc, 5, &isnull));
	probability = DatumGetFloat8(SPI_getbinval(tuple, desc, 6, &isnull));

	args[1] = CStringGetTextDatum(accept ? "accepted" : "rejected");
	args[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	nulls_arg[2] = PG_ARGISNULL(2);
	args[3] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	{
		char		nulls[4] = {' ', ' ', nulls_arg[2] ? 'n' : ' ', ' '};
		int			ret = SPI_execute_plan(CdpPlan(&decide_plan,
												   "UPDATE cdp.match_review SET status = $2, note = $3,"
												   "   decided_by = $4, decided_at = pg_catalog.now()"
												   " WHERE review_id = $1", 4, argtypes),
										   args, nulls, false, 0);

		if (ret != SPI_OK_UPDATE)
			elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
	}

	if (accept)
	{
		CdpStitchEvent ev = {0};
		CdpStitchStats stats = {0};
		Datum		idents[2] = {left_ident, right_ident};

		ev.occurred_at = GetCurrentTransactionStartTimestamp();
		ev.rule = "match";
		ev.reason = psprintf("review " INT64_FORMAT " accepted by %s", review_id,
							 GetUserNameFromId(GetUserId(), false));
		ev.enforce_limits = false;
		ev.nidentifiers = 2;
		ev.identifiers = idents;
		ev.model_id = model_id;
		ev.match_weight = weight;
		ev.probability = probability;
		CdpStitch(&ev, 1, &stats);
	}
	identtype = CdpTypeOid("ident");
	CdpExecute(CdpPlan(&profile_plan, "SELECT profile_id FROM cdp.identities WHERE ident = $1",
					   1, &identtype),
			   &left_ident, SPI_OK_SELECT);
	profile_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	json = psprintf("{\"review_id\": " INT64_FORMAT ", \"status\": \"%s\", \"profile_id\": " INT64_FORMAT "}",
					review_id, accept ? "accepted" : "rejected", profile_id);
	out = SPI_datumTransfer(CdpJsonbFromString(json), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}
