/*-------------------------------------------------------------------------
 *
 * identity_api.c
 *	  The SQL functions that change or explain the identity graph:
 *	  cdp.link, cdp.unlink, cdp.quarantine, cdp.why_linked, cdp.restitch,
 *	  cdp.stitch_pending.
 *
 * Every change runs under the stitching lock (stitch.c), so it sees what
 * earlier changes committed and never races ingestion.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "ident.h"
#include "merge_log.h"
#include "restitch.h"
#include "sorted_ids.h"
#include "spi_util.h"
#include "stitch.h"

PG_FUNCTION_INFO_V1(cdp_link);
PG_FUNCTION_INFO_V1(cdp_unlink);
PG_FUNCTION_INFO_V1(cdp_quarantine);
PG_FUNCTION_INFO_V1(cdp_why_linked);
PG_FUNCTION_INFO_V1(cdp_restitch);
PG_FUNCTION_INFO_V1(cdp_stitch_pending);

static CdpPlanCache identity_plan;
static CdpPlanCache forget_unlink_plan;
static CdpPlanCache cut_plan;
static CdpPlanCache quarantine_plan;
static CdpPlanCache edges_plan;
static CdpPlanCache members_plan;
static CdpPlanCache pending_plan;
static CdpPlanCache dequeue_plan;
static CdpPlanCache refused_plan;

/* An identity as stored. */
typedef struct Identity
{
	int64		identity_id;
	int64		profile_id;
	bool		quarantined;
} Identity;

static void
require(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/*
 * Reads the identity of ident; false when it is unknown.  SPI is
 * connected.
 */
static bool
find_identity(Datum ident, Identity *identity)
{
	Oid			argtype = CdpTypeOid("ident");
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;

	CdpExecute(CdpPlan(&identity_plan,
					   "SELECT identity_id, profile_id, quarantined FROM cdp.identities"
					   " WHERE ident = $1", 1, &argtype),
			   &ident, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return false;
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	identity->identity_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	identity->profile_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
	identity->quarantined = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
	return true;
}

/* As find_identity, raising 42704 when ident is unknown. */
static Identity
known_identity(Datum ident, const char *argname)
{
	Identity	identity;

	if (!find_identity(ident, &identity))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("identifier %s is unknown", argname),
				 errdetail("No event or link has carried it.")));
	return identity;
}

static void
require_distinct(Datum a, Datum b)
{
	struct varlena *x = DatumGetCdpIdentP(a);
	struct varlena *y = DatumGetCdpIdentP(b);

	if (VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
		memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the two identifiers are the same")));
}

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
	Identity	x,
				y;
	int64		profile_id;

	require(fcinfo, 0, "a");
	require(fcinfo, 1, "b");
	require(fcinfo, 2, "reason");
	idents[0] = PG_GETARG_DATUM(0);
	idents[1] = PG_GETARG_DATUM(1);
	require_distinct(idents[0], idents[1]);

	SPI_connect();
	CdpStitchLock();
	for (int i = 0; i < 2; i++)
	{
		Identity	id;

		if (find_identity(idents[i], &id) && id.quarantined)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("identifier %s is quarantined", i == 0 ? "a" : "b"),
					 errhint("A quarantined identifier joins nothing.")));
	}
	if (find_identity(idents[0], &x) && find_identity(idents[1], &y))
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

	x = known_identity(idents[0], "a");
	profile_id = x.profile_id;
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
		bool		isnull;

		events[i].identifiers = palloc(2 * sizeof(Datum));
		events[i].identifiers[0] = SPI_getbinval(tuple, desc, 1, &isnull);
		events[i].identifiers[1] = SPI_getbinval(tuple, desc, 2, &isnull);
		events[i].nidentifiers = 2;
		events[i].event_id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
		events[i].source_id = isnull ? 0 : DatumGetInt32(SPI_getbinval(tuple, desc, 4, &isnull));
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
	Identity	x,
				y;
	Oid			argtypes[3] = {INT8OID, INT8OID, TEXTOID};
	Datum		args[3];
	const char *reason;
	CdpRestitchResult result;
	Datum		profiles;
	CdpLogRows	log;

	require(fcinfo, 0, "a");
	require(fcinfo, 1, "b");
	a = PG_GETARG_DATUM(0);
	b = PG_GETARG_DATUM(1);
	require_distinct(a, b);
	reason = PG_ARGISNULL(2) ? "unlink" : text_to_cstring(PG_GETARG_TEXT_PP(2));

	SPI_connect();
	CdpStitchLock();
	x = known_identity(a, "a");
	y = known_identity(b, "b");

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
	Identity	x;
	const char *reason;
	Oid			argtypes[1] = {INT8OID};
	Datum		arg;
	uint64		links;
	CdpRestitchResult result;
	CdpLogRows	log;
	StringInfoData json;
	Datum		out;

	require(fcinfo, 0, "ident");
	reason = PG_ARGISNULL(1) ? "quarantine" : text_to_cstring(PG_GETARG_TEXT_PP(1));

	SPI_connect();
	CdpStitchLock();
	x = known_identity(PG_GETARG_DATUM(0), "ident");
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
					 x.profile_id, links, known_identity(PG_GETARG_DATUM(0), "ident").profile_id);
	for (int i = 0; i < result.nprofiles; i++)
		appendStringInfo(&json, "%s" INT64_FORMAT, i > 0 ? ", " : "", result.profiles[i]);
	appendStringInfoString(&json, "]}");
	out = SPI_datumTransfer(DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data)), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}

/* One link of a profile, for the breadth-first search of why_linked. */
typedef struct Edge
{
	int32		a;				/* member indexes */
	int32		b;
	int32		row;			/* in the edge query's result */
} Edge;

/*
 * cdp.why_linked(a, b): the shortest chain of links from a to b within
 * their profile, each with its rule, reason and event.  No rows when they
 * are in different profiles (or the same identifier).
 */
Datum
cdp_why_linked(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Identity	x,
				y;
	Oid			argtype = INT8OID;
	Datum		arg;
	int64	   *ids;
	Datum	   *idents;
	int32		n;
	SPITupleTable *edges;
	int32		nedges;
	int32	   *parent_edge;
	int32	   *queue;
	int32	   *adj_start;
	Edge	   *adj;
	int32		head = 0,
				tail = 0;
	int32		from,
				to;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (!find_identity(PG_GETARG_DATUM(0), &x) || !find_identity(PG_GETARG_DATUM(1), &y) ||
		x.profile_id != y.profile_id || x.identity_id == y.identity_id)
	{
		SPI_finish();
		return (Datum) 0;
	}

	/* The profile's identities, sorted by id, and its links. */
	arg = Int64GetDatum(x.profile_id);
	CdpExecute(CdpPlan(&members_plan,
					   "SELECT identity_id, ident FROM cdp.identities WHERE profile_id = $1"
					   " ORDER BY identity_id", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	n = SPI_processed;
	ids = palloc(n * sizeof(int64));
	idents = palloc(n * sizeof(Datum));
	for (int32 i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		idents[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
	}
	CdpExecute(CdpPlan(&edges_plan,
					   "SELECT e.a_id, e.b_id, e.rule, e.reason, e.event_id"
					   " FROM cdp.identity_edges e JOIN cdp.identities i ON i.identity_id = e.a_id"
					   " WHERE i.profile_id = $1", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	edges = SPI_tuptable;
	nedges = SPI_processed;

	/* Adjacency lists (each link both ways), then breadth-first from a. */
	adj_start = palloc0((n + 1) * sizeof(int32));
	adj = palloc(Max(2 * nedges, 1) * sizeof(Edge));
	{
		Edge	   *list = palloc(Max(nedges, 1) * sizeof(Edge));
		int32	   *fill = palloc0((n + 1) * sizeof(int32));

		for (int32 r = 0; r < nedges; r++)
		{
			bool		isnull;

			list[r].a = CdpIdFind(ids, n, DatumGetInt64(SPI_getbinval(edges->vals[r], edges->tupdesc, 1, &isnull)));
			list[r].b = CdpIdFind(ids, n, DatumGetInt64(SPI_getbinval(edges->vals[r], edges->tupdesc, 2, &isnull)));
			list[r].row = r;
			if (list[r].a >= 0 && list[r].b >= 0)
			{
				adj_start[list[r].a + 1]++;
				adj_start[list[r].b + 1]++;
			}
		}
		for (int32 i = 0; i < n; i++)
			adj_start[i + 1] += adj_start[i];
		for (int32 r = 0; r < nedges; r++)
		{
			Edge		e = list[r];

			if (e.a < 0 || e.b < 0)
				continue;
			adj[adj_start[e.a] + fill[e.a]++] = e;
			adj[adj_start[e.b] + fill[e.b]++] = (Edge) {e.b, e.a, e.row};
		}
	}

	from = CdpIdFind(ids, n, x.identity_id);
	to = CdpIdFind(ids, n, y.identity_id);
	parent_edge = palloc(n * sizeof(int32));
	for (int32 i = 0; i < n; i++)
		parent_edge[i] = -2;
	queue = palloc(n * sizeof(int32));
	parent_edge[from] = -1;
	queue[tail++] = from;
	while (head < tail && parent_edge[to] == -2)
	{
		int32		v = queue[head++];

		for (int32 k = adj_start[v]; k < adj_start[v + 1]; k++)
		{
			Edge	   *e = &adj[k];

			if (parent_edge[e->b] != -2)
				continue;
			parent_edge[e->b] = k;
			queue[tail++] = e->b;
		}
	}

	/* Walk back from b, then emit the steps from a. */
	if (parent_edge[to] != -2)
	{
		int32	   *path = palloc(n * sizeof(int32));
		int32		len = 0;

		for (int32 v = to; parent_edge[v] >= 0; v = adj[parent_edge[v]].a)
			path[len++] = parent_edge[v];
		for (int32 s = 0; s < len; s++)
		{
			Edge	   *e = &adj[path[len - 1 - s]];
			HeapTuple	row = edges->vals[e->row];
			Datum		values[6];
			bool		nulls[6] = {0};

			values[0] = Int32GetDatum(s + 1);
			values[1] = idents[e->a];
			values[2] = idents[e->b];
			values[3] = SPI_getbinval(row, edges->tupdesc, 3, &nulls[3]);
			values[4] = SPI_getbinval(row, edges->tupdesc, 4, &nulls[4]);
			values[5] = SPI_getbinval(row, edges->tupdesc, 5, &nulls[5]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	SPI_finish();
	return (Datum) 0;
}

/* Renders a rebuild's result as jsonb. */
static Datum
restitch_json(const CdpRestitchResult *r, double seconds)
{
	char	   *json = psprintf("{\"identities\": " INT64_FORMAT ", \"edges\": " INT64_FORMAT
								", \"profiles\": %d, \"identities_moved\": " INT64_FORMAT
								", \"profiles_split_off\": " INT64_FORMAT
								", \"profiles_merged\": " INT64_FORMAT ", \"seconds\": %.3f}",
								r->identities, r->edges, r->nprofiles, r->moved,
								r->new_profiles, r->merged_profiles, seconds);

	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

/*
 * cdp.restitch(): rebuilds every profile from the links (see restitch.c),
 * keeping existing profile ids where components did not change.
 */
Datum
cdp_restitch(PG_FUNCTION_ARGS pg_attribute_unused())
{
	CdpRestitchResult result;
	instr_time	start,
				duration;
	Datum		out;

	INSTR_TIME_SET_CURRENT(start);
	SPI_connect();
	CdpStitchLock();
	CdpRestitch(0, "restitch", &result);
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	out = SPI_datumTransfer(restitch_json(&result, INSTR_TIME_GET_DOUBLE(duration)), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}

/*
 * cdp.stitch_pending(max_events): stitches up to max_events queued events,
 * oldest first, and removes them from the queue.
 */
Datum
cdp_stitch_pending(PG_FUNCTION_ARGS)
{
	int32		max_events;
	Oid			argtype = INT4OID;
	Datum		arg;
	CdpStitchEvent *events;
	int64	   *done;
	CdpStitchStats stats = {0};
	int32		n;
	char	   *json;
	Datum		out;
	Oid			ident_type;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	require(fcinfo, 0, "max_events");
	max_events = PG_GETARG_INT32(0);
	if (max_events < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_events must be at least 1")));

	SPI_connect();
	CdpStitchLock();
	arg = Int32GetDatum(max_events);
	CdpExecute(CdpPlan(&pending_plan,
					   "SELECT e.event_id, e.source_id, e.occurred_at, e.type, e.identifiers,"
					   "       CASE WHEN e.type = 'identify' AND e.anchor IS NOT NULL"
					   "            AND e.identifiers[1] OPERATOR(cdp.=) e.anchor"
					   "            AND pg_catalog.jsonb_typeof(e.payload->'traits') = 'object'"
					   "            THEN e.payload->'traits' END"
					   " FROM cdp.stitch_queue q"
					   " JOIN cdp.events e ON e.event_id = q.event_id AND e.occurred_at = q.occurred_at"
					   " ORDER BY q.event_id LIMIT $1", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	n = SPI_processed;
	events = palloc0(Max(n, 1) * sizeof(CdpStitchEvent));
	done = palloc(Max(n, 1) * sizeof(int64));
	ident_type = CdpTypeOid("ident");
	get_typlenbyvalalign(ident_type, &typlen, &typbyval, &typalign);
	for (int32 i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *type = SPI_getvalue(tuple, desc, 4);
		bool		alias = (strcmp(type, "alias") == 0);
		Datum		traits;

		done[i] = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		events[i].event_id = done[i];
		events[i].source_id = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		events[i].occurred_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &isnull));
		events[i].rule = alias ? "alias" : "event";
		events[i].enforce_limits = !alias;
		deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tuple, desc, 5, &isnull)), ident_type,
						  typlen, typbyval, typalign, &events[i].identifiers, NULL,
						  &events[i].nidentifiers);
		traits = SPI_getbinval(tuple, desc, 6, &isnull);
		events[i].traits = isnull ? NULL : DatumGetJsonbP(traits);
	}
	CdpStitch(events, n, &stats);

	arg = CdpInt8Array(done, n);
	argtype = INT8ARRAYOID;
	CdpExecute(CdpPlan(&dequeue_plan, "DELETE FROM cdp.stitch_queue WHERE event_id = ANY ($1)",
					   1, &argtype),
			   &arg, SPI_OK_DELETE);

	json = psprintf("{\"events\": %d, \"new_identities\": " INT64_FORMAT
					", \"new_profiles\": " INT64_FORMAT ", \"merges\": " INT64_FORMAT
					", \"new_links\": " INT64_FORMAT ", \"refused_links\": " INT64_FORMAT "}",
					n, stats.new_identities, stats.new_profiles, stats.merges,
					stats.new_edges, stats.refused);
	out = SPI_datumTransfer(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}
