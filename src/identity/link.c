/*-------------------------------------------------------------------------
 *
 * link.c
 *	  The SQL functions that change the identity graph by hand: cdp.link(),
 *	  cdp.unlink() and cdp.quarantine().
 *
 * Every change runs under the stitching lock (stitch.c), so it sees what
 * earlier changes committed and never races ingestion.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "consent/consent.h"
#include "identity/identity_internal.h"

PG_FUNCTION_INFO_V1(cdp_link);
PG_FUNCTION_INFO_V1(cdp_unlink);
PG_FUNCTION_INFO_V1(cdp_quarantine);

static CdpPlanCache forget_unlink_plan;
static CdpPlanCache cut_plan;
static CdpPlanCache quarantine_plan;
static CdpPlanCache refused_plan;

/*
 * cdp.link(a, b, reason): joins a and b, and so their profiles, by hand.
 * Limits per kind do not apply to a person's decision; a pair cut by
 * cdp.unlink() may be joined again this way.  Returns the profile id.
 */
Datum
cdp_link(PG_FUNCTION_ARGS)
{
	CdpStitchEvent ev;
	CdpStitchStats stats = {0};
	Datum		idents[2];
	CdpIdentity x,
				y;
	int64		profile_id;

	CdpRequireArgument(fcinfo, 0, "a");
	CdpRequireArgument(fcinfo, 1, "b");
	CdpRequireArgument(fcinfo, 2, "reason");
	idents[0] = PG_GETARG_DATUM(0);
	idents[1] = PG_GETARG_DATUM(1);
	CdpRequireDistinct(idents[0], idents[1]);

	SPI_connect();
	CdpGraphLockExclusive();
	for (int i = 0; i < 2; i++)
	{
		CdpIdentity id;

		if (CdpFindIdentity(idents[i], false, &id) && id.quarantined)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("identifier %s is quarantined", i == 0 ? "a" : "b"),
					 errhint("A quarantined identifier joins nothing.")));
	}
	if (CdpFindIdentity(idents[0], false, &x) && CdpFindIdentity(idents[1], false, &y))
	{
		Oid			argtypes[2] = {INT8OID, INT8OID};
		Datum		args[2];

		args[0] = Int64GetDatum(Min(x.identity_id, y.identity_id));
		args[1] = Int64GetDatum(Max(x.identity_id, y.identity_id));
		CdpExecute(CdpPlan(&forget_unlink_plan,
						   "DELETE FROM cdp.unlinked_pairs WHERE a_id = $1 AND b_id = $2",
						   2, argtypes),
				   args, SPI_OK_DELETE);
	}

	memset(&ev, 0, sizeof(ev));
	ev.occurred_at = GetCurrentTransactionStartTimestamp();
	ev.rule = "manual";
	ev.reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
	ev.enforce_limits = false;
	ev.nidentifiers = 2;
	ev.identifiers = idents;
	CdpStitch(&ev, 1, &stats);

	x = CdpKnownIdentity(idents[0], "a");
	profile_id = x.profile_id;
	CdpAudit("link", profile_id,
			 psprintf("{\"profiles_merged\": " INT64_FORMAT "}", stats.merges));
	SPI_finish();
	PG_RETURN_INT64(profile_id);
}

/*
 * Tries again the links that kind limits refused into or out of the
 * profiles a split left: with the identifier that had joined them gone,
 * they may fit now.  Each retry keeps the evidence of the refused link.
 */
static void
retry_refusals(const CdpRestitchResult *split)
{
	Oid			argtype = INT8ARRAYOID;
	Datum		arg = CdpInt8Array(split->profiles, split->nprofiles);
	CdpStitchEvent *events;
	CdpStitchStats stats = {0};
	int			n;

	CdpExecute(CdpPlan(&refused_plan,
					   "SELECT DISTINCT ON (a.identity_id, b.identity_id)"
					   "       a.ident, b.ident, l.event_id, l.source_id, l.logged_at"
					   " FROM cdp.merge_log l"
					   " JOIN cdp.identities a ON a.identity_id = l.a_id"
					   " JOIN cdp.identities b ON b.identity_id = l.b_id"
					   " WHERE l.action = 'refuse' AND NOT a.quarantined AND NOT b.quarantined"
					   "   AND a.profile_id <> b.profile_id"
					   "   AND (a.profile_id = ANY ($1) OR b.profile_id = ANY ($1))"
					   " ORDER BY a.identity_id, b.identity_id, l.entry_id", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	n = SPI_processed;
	if (n == 0)
		return;
	events = palloc0(n * sizeof(CdpStitchEvent));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull,
					event_null,
					source_null;
		Datum		event_id = SPI_getbinval(tuple, desc, 3, &event_null);
		Datum		source_id = SPI_getbinval(tuple, desc, 4, &source_null);

		events[i].identifiers = palloc(2 * sizeof(Datum));
		events[i].identifiers[0] = SPI_getbinval(tuple, desc, 1, &isnull);
		events[i].identifiers[1] = SPI_getbinval(tuple, desc, 2, &isnull);
		events[i].nidentifiers = 2;
		events[i].event_id = event_null ? 0 : DatumGetInt64(event_id);
		events[i].source_id = source_null ? 0 : DatumGetInt32(source_id);
		events[i].occurred_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 5, &isnull));
		events[i].rule = "event";
		events[i].enforce_limits = true;
	}
	CdpStitch(events, n, &stats);
}

/* The profile ids of a rebuild as a bigint[]. */
static Datum
profiles_array(const CdpRestitchResult *r)
{
	return CdpInt8Array(r->profiles, r->nprofiles);
}

/*
 * cdp.unlink(a, b, reason): removes the link between a and b, records the
 * pair so that no later event joins it directly again, and rebuilds their
 * profile, which splits when nothing else holds it together.  Returns the
 * profiles that hold the old profile's identities now.
 */
Datum
cdp_unlink(PG_FUNCTION_ARGS)
{
	Datum		a,
				b;
	CdpIdentity x,
				y;
	Oid			argtypes[3] = {INT8OID, INT8OID, TEXTOID};
	Datum		args[3];
	const char *reason;
	CdpRestitchResult result;
	Datum		profiles;
	CdpLogRows	log;

	CdpRequireArgument(fcinfo, 0, "a");
	CdpRequireArgument(fcinfo, 1, "b");
	a = PG_GETARG_DATUM(0);
	b = PG_GETARG_DATUM(1);
	CdpRequireDistinct(a, b);
	reason = PG_ARGISNULL(2) ? "unlink" : text_to_cstring(PG_GETARG_TEXT_PP(2));

	SPI_connect();
	CdpGraphLockExclusive();
	x = CdpKnownIdentity(a, "a");
	y = CdpKnownIdentity(b, "b");

	args[0] = Int64GetDatum(Min(x.identity_id, y.identity_id));
	args[1] = Int64GetDatum(Max(x.identity_id, y.identity_id));
	args[2] = CStringGetTextDatum(reason);
	CdpExecute(CdpPlan(&cut_plan,
					   "WITH cut AS (DELETE FROM cdp.identity_edges WHERE a_id = $1 AND b_id = $2)"
					   " INSERT INTO cdp.unlinked_pairs (a_id, b_id, reason) VALUES ($1, $2, $3)"
					   " ON CONFLICT (a_id, b_id) DO UPDATE SET reason = excluded.reason,"
					   "   unlinked_at = excluded.unlinked_at, unlinked_by = excluded.unlinked_by",
					   3, argtypes),
			   args, SPI_OK_INSERT);

	CdpLogRowsInit(&log);
	CdpLogRow(&log, "unlink", x.profile_id, y.profile_id, x.identity_id, y.identity_id,
			  0, 0, reason);
	CdpLogRowsWrite(&log);

	if (x.profile_id == y.profile_id)
	{
		CdpRestitch(x.profile_id, reason, &result);
		retry_refusals(&result);
		profiles = profiles_array(&result);
	}
	else
	{
		int64		both[2];

		both[0] = Min(x.profile_id, y.profile_id);
		both[1] = Max(x.profile_id, y.profile_id);
		profiles = CdpInt8Array(both, 2);
	}
	CdpAudit("unlink", x.profile_id,
			 psprintf("{\"profiles_after\": %d}", x.profile_id == y.profile_id ? result.nprofiles : 2));
	profiles = SPI_datumTransfer(profiles, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(profiles);
}

/*
 * cdp.quarantine(ident, reason): cuts ident out of the graph (all its links
 * go, and no later event links it) and rebuilds the profile it was in, so
 * that the people it had wrongly joined fall apart with their events and
 * traits, and links it had made a kind limit refuse are tried again.
 */
Datum
cdp_quarantine(PG_FUNCTION_ARGS)
{
	CdpIdentity x;
	const char *reason;
	Oid			argtypes[1] = {INT8OID};
	Datum		arg;
	uint64		links;
	CdpRestitchResult result;
	CdpLogRows	log;
	StringInfoData json;
	Datum		out;

	CdpRequireArgument(fcinfo, 0, "ident");
	reason = PG_ARGISNULL(1) ? "quarantine" : text_to_cstring(PG_GETARG_TEXT_PP(1));

	SPI_connect();
	CdpGraphLockExclusive();
	x = CdpKnownIdentity(PG_GETARG_DATUM(0), "ident");
	arg = Int64GetDatum(x.identity_id);
	CdpExecute(CdpPlan(&quarantine_plan,
					   "WITH q AS (UPDATE cdp.identities SET quarantined = true WHERE identity_id = $1)"
					   " DELETE FROM cdp.identity_edges WHERE a_id = $1 OR b_id = $1",
					   1, argtypes),
			   &arg, SPI_OK_DELETE);
	links = SPI_processed;

	CdpLogRowsInit(&log);
	CdpLogRow(&log, "quarantine", x.profile_id, 0, x.identity_id, 0, 0, 0, reason);
	CdpLogRowsWrite(&log);
	CdpRestitch(x.profile_id, reason, &result);
	retry_refusals(&result);

	initStringInfo(&json);
	appendStringInfo(&json, "{\"profile_id\": " INT64_FORMAT ", \"links_removed\": " UINT64_FORMAT
					 ", \"identity_profile_id\": " INT64_FORMAT ", \"profiles\": [",
					 x.profile_id, links, CdpKnownIdentity(PG_GETARG_DATUM(0), "ident").profile_id);
	for (int i = 0; i < result.nprofiles; i++)
		appendStringInfo(&json, "%s" INT64_FORMAT, i > 0 ? ", " : "", result.profiles[i]);
	appendStringInfoString(&json, "]}");
	CdpAudit("quarantine", x.profile_id,
			 psprintf("{\"links_removed\": " UINT64_FORMAT "}", links));
	out = SPI_datumTransfer(CdpJsonbFromString(json.data), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}
