/*-------------------------------------------------------------------------
 *
 * why_linked.c
 *	  cdp.why_linked(a, b): the shortest chain of links from a to b within
 *	  their profile, each with its rule, reason and event.
 *
 * The profile's identities and links are read (in the caller's snapshot:
 * the function is STABLE), the links made into adjacency lists, and a
 * breadth-first search from a finds the chain.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/tuplestore.h"

#include "identity/identity_internal.h"

PG_FUNCTION_INFO_V1(cdp_why_linked);

static CdpPlanCache members_plan;
static CdpPlanCache edges_plan;

/* One link of the profile: member indexes, and its row among the links. */
typedef struct Edge
{
	int32		a;
	int32		b;
	int32		row;
} Edge;

/* A profile's identities (sorted by id) and its links, as read. */
typedef struct ProfileGraph
{
	int32		n;
	int64	   *ids;
	Datum	   *idents;
	SPITupleTable *links;		/* a_id, b_id, rule, reason, event_id */
	int32		nlinks;
	int32	   *adj_start;		/* adj[adj_start[v] .. adj_start[v + 1]) */
	Edge	   *adj;			/* each link both ways, a being the start */
} ProfileGraph;

/* Reads the identities and links of profile_id. */
static void
read_profile(int64 profile_id, ProfileGraph *g)
{
	Oid			argtype = INT8OID;
	Datum		arg = Int64GetDatum(profile_id);

	CdpExecuteReadOnly(CdpPlan(&members_plan,
							   "SELECT identity_id, ident FROM cdp.identities WHERE profile_id = $1"
							   " ORDER BY identity_id", 1, &argtype),
					   &arg);
	g->n = SPI_processed;
	g->ids = palloc(Max(g->n, 1) * sizeof(int64));
	g->idents = palloc(Max(g->n, 1) * sizeof(Datum));
	for (int32 i = 0; i < g->n; i++)
	{
		bool		isnull;

		g->ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		g->idents[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
	}
	CdpExecuteReadOnly(CdpPlan(&edges_plan,
							   "SELECT e.a_id, e.b_id, e.rule, e.reason, e.event_id"
							   " FROM cdp.identity_edges e JOIN cdp.identities i ON i.identity_id = e.a_id"
							   " WHERE i.profile_id = $1", 1, &argtype),
					   &arg);
	g->links = SPI_tuptable;
	g->nlinks = SPI_processed;
}

/* Makes the adjacency lists of the links (counting sort by start). */
static void
build_adjacency(ProfileGraph *g)
{
	Edge	   *list = palloc(Max(g->nlinks, 1) * sizeof(Edge));
	int32	   *fill = palloc0((g->n + 1) * sizeof(int32));

	g->adj_start = palloc0((g->n + 1) * sizeof(int32));
	g->adj = palloc(Max(2 * g->nlinks, 1) * sizeof(Edge));
	for (int32 r = 0; r < g->nlinks; r++)
	{
		HeapTuple	row = g->links->vals[r];
		bool		isnull;

		list[r].a = CdpIdFind(g->ids, g->n, DatumGetInt64(SPI_getbinval(row, g->links->tupdesc, 1, &isnull)));
		list[r].b = CdpIdFind(g->ids, g->n, DatumGetInt64(SPI_getbinval(row, g->links->tupdesc, 2, &isnull)));
		list[r].row = r;
		if (list[r].a >= 0 && list[r].b >= 0)
		{
			g->adj_start[list[r].a + 1]++;
			g->adj_start[list[r].b + 1]++;
		}
	}
	for (int32 i = 0; i < g->n; i++)
		g->adj_start[i + 1] += g->adj_start[i];
	for (int32 r = 0; r < g->nlinks; r++)
	{
		Edge		e = list[r];

		if (e.a < 0 || e.b < 0)
			continue;
		g->adj[g->adj_start[e.a] + fill[e.a]++] = e;
		g->adj[g->adj_start[e.b] + fill[e.b]++] = (Edge) {e.b, e.a, e.row};
	}
}

/*
 * Searches breadth-first from member from until member to is reached.
 * Returns, per member, the index in g->adj of the link it was reached by:
 * -1 for from, -2 for members not reached.
 */
static int32 *
search(const ProfileGraph *g, int32 from, int32 to)
{
	int32	   *parent_edge = palloc(g->n * sizeof(int32));
	int32	   *queue = palloc(g->n * sizeof(int32));
	int32		head = 0,
				tail = 0;

	for (int32 i = 0; i < g->n; i++)
		parent_edge[i] = -2;
	parent_edge[from] = -1;
	queue[tail++] = from;
	while (head < tail && parent_edge[to] == -2)
	{
		int32		v = queue[head++];

		for (int32 k = g->adj_start[v]; k < g->adj_start[v + 1]; k++)
		{
			const Edge *e = &g->adj[k];

			if (parent_edge[e->b] != -2)
				continue;
			parent_edge[e->b] = k;
			queue[tail++] = e->b;
		}
	}
	return parent_edge;
}

/* Emits the steps of the chain ending at to, from its start. */
static void
emit_chain(const ProfileGraph *g, const int32 *parent_edge, int32 to, ReturnSetInfo *rsinfo)
{
	int32	   *path = palloc(g->n * sizeof(int32));
	int32		len = 0;

	for (int32 v = to; parent_edge[v] >= 0; v = g->adj[parent_edge[v]].a)
		path[len++] = parent_edge[v];
	for (int32 s = 0; s < len; s++)
	{
		const Edge *e = &g->adj[path[len - 1 - s]];
		HeapTuple	row = g->links->vals[e->row];
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = Int32GetDatum(s + 1);
		values[1] = g->idents[e->a];
		values[2] = g->idents[e->b];
		values[3] = SPI_getbinval(row, g->links->tupdesc, 3, &nulls[3]);
		values[4] = SPI_getbinval(row, g->links->tupdesc, 4, &nulls[4]);
		values[5] = SPI_getbinval(row, g->links->tupdesc, 5, &nulls[5]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * cdp.why_linked(a, b): no rows when a and b are in different profiles, or
 * the same identifier.
 */
Datum
cdp_why_linked(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CdpIdentity x,
				y;
	ProfileGraph g;
	int32		from,
				to;
	int32	   *parent_edge;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (CdpFindIdentity(PG_GETARG_DATUM(0), true, &x) &&
		CdpFindIdentity(PG_GETARG_DATUM(1), true, &y) &&
		x.profile_id == y.profile_id && x.identity_id != y.identity_id)
	{
		read_profile(x.profile_id, &g);
		build_adjacency(&g);
		from = CdpIdFind(g.ids, g.n, x.identity_id);
		to = CdpIdFind(g.ids, g.n, y.identity_id);

		/*
		 * All reads share the calling query's snapshot, so both are members;
		 * should that ever not hold, there is no chain to show.
		 */
		if (from >= 0 && to >= 0)
		{
			parent_edge = search(&g, from, to);
			if (parent_edge[to] != -2)
				emit_chain(&g, parent_edge, to, rsinfo);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
