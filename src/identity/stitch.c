/*-------------------------------------------------------------------------
 *
 * stitch.c
 *	  Deterministic identity stitching: identifiers seen together join one
 *	  profile, within the limits of cdp.identifier_kinds.
 *
 * A batch of evidence (events, or a manual link) is stitched as a whole:
 *
 * 1. every distinct identifier becomes a node; known ones are read from
 *    cdp.identities with their profile in one statement;
 * 2. each existing profile and each new identifier is a unit of a
 *    union-find; in each event the identifier of the highest priority is
 *    joined to each other one, unless one of them is quarantined, the pair
 *    was unlinked, or the join would give the profile more identifiers of
 *    a kind than its max_per_profile allows (the join is then refused and
 *    logged, and the lower-priority side stays apart);
 * 3. each resulting set keeps the oldest (smallest) profile id among its
 *    profiles, or gets a new one; the others are merged into it and stay
 *    resolvable through cdp.profile_aliases;
 * 4. new identities, new edges (first evidence of each pair, with
 *    provenance), merges, refusals and trait values are written with a
 *    fixed number of statements, and the golden records of the profiles
 *    touched are recomputed.
 *
 * A stitch locks the identifiers it creates and the profiles it reads
 * (graph_lock.c) before it decides anything, and reads them again once the
 * locks are held, so it sees everything an earlier stitcher of the same
 * people committed: two sessions can never make two profiles of one set of
 * identifiers, while stitchers of different people run side by side.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "identity/stitch_batch.h"

static CdpPlanCache lookup_plan;
static CdpPlanCache limits_plan;
static CdpPlanCache counts_plan;
static CdpPlanCache unlinked_plan;

/* The row of cdp.identifier_kinds for ident's kind. */
static const CdpIdentKind *
kind_row(const struct varlena *ident)
{
	const char *name = CdpIdentKindOf(ident)->name;
	const CdpIdentKind *row = CdpIdentKindLookup(name, strlen(name));

	if (row == NULL)
		elog(ERROR, "identifier kind \"%s\" is not in cdp.identifier_kinds", name);
	return row;
}

/* Reads the kinds that have a max_per_profile. */
static void
load_limits(CdpStitchBatch *b)
{
	CdpExecute(CdpPlan(&limits_plan,
					   "SELECT kind, max_per_profile FROM cdp.identifier_kinds"
					   " WHERE max_per_profile IS NOT NULL ORDER BY kind", 0, NULL),
			   NULL, SPI_OK_SELECT);
	b->nlimited = SPI_processed;
	b->limited_names = palloc(Max(b->nlimited, 1) * sizeof(char *));
	b->limited_max = palloc(Max(b->nlimited, 1) * sizeof(int32));
	for (int k = 0; k < b->nlimited; k++)
	{
		bool		isnull;

		b->limited_names[k] = SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);
		b->limited_max[k] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[k],
														SPI_tuptable->tupdesc, 2, &isnull));
	}
}

static int
limited_index(CdpStitchBatch *b, const char *kind)
{
	for (int k = 0; k < b->nlimited; k++)
		if (strcmp(b->limited_names[k], kind) == 0)
			return k;
	return -1;
}

/* Makes a node of every distinct identifier, in order of appearance. */
static void
collect_nodes(CdpStitchBatch *b)
{
	int			total = 0;

	for (int e = 0; e < b->nevents; e++)
		total += b->events[e].nidentifiers;
	b->nodes = palloc0(Max(total, 1) * sizeof(CdpGraphNode));
	b->by_ident = cdp_identmap_create(CurrentMemoryContext, Max(total, 16), NULL);

	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];

		for (int i = 0; i < ev->nidentifiers; i++)
		{
			struct varlena *ident = DatumGetCdpIdentP(ev->identifiers[i]);
			bool		found;
			CdpIdentEntry *entry = cdp_identmap_insert(b->by_ident, ident, &found);

			if (!found)
			{
				CdpGraphNode *node = &b->nodes[b->nnodes];
				const CdpIdentKind *kind = kind_row(ident);

				node->ident = ident;
				node->priority = kind->priority;
				node->limited = limited_index(b, kind->name);
				node->first_seen = ev->occurred_at;
				node->first_event_id = ev->event_id;
				node->source_id = ev->source_id;
				entry->node = b->nnodes++;
			}
		}
	}
}

/* The nodes' identifiers as a cdp.ident[], for lookup_nodes. */
static Datum
node_idents(CdpStitchBatch *b)
{
	Datum	   *idents = palloc(Max(b->nnodes, 1) * sizeof(Datum));

	for (int i = 0; i < b->nnodes; i++)
		idents[i] = PointerGetDatum(b->nodes[i].ident);
	return CdpDatumArray(idents, b->nnodes, CdpTypeOid("ident"));
}

/*
 * Reads which nodes (idents, from node_idents) are known identities, with
 * their profiles; the others are new.
 */
static void
lookup_nodes(CdpStitchBatch *b, Datum idents)
{
	Oid			argtype = get_array_type(CdpTypeOid("ident"));

	for (int i = 0; i < b->nnodes; i++)
	{
		b->nodes[i].identity_id = 0;
		b->nodes[i].profile_id = 0;
		b->nodes[i].quarantined = false;
	}
	CdpExecute(CdpPlan(&lookup_plan,
					   "SELECT ident, identity_id, profile_id, quarantined FROM cdp.identities"
					   " WHERE ident = ANY ($1)", 1, &argtype),
			   &idents, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		CdpGraphNode *node = &b->nodes[CdpStitchNodeOf(b, SPI_getbinval(tuple, desc, 1, &isnull))];

		node->identity_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
		node->profile_id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
		node->quarantined = DatumGetBool(SPI_getbinval(tuple, desc, 4, &isnull));
	}
}

/*
 * The fine locks of what lookup_nodes read: each identifier that is new
 * (its creator must be alone) and each existing profile (whoever changes
 * or merges it must be alone), sorted.
 */
static void
fine_locks_of(CdpStitchBatch *b, CdpFineLocks *locks)
{
	CdpFineLocksInit(locks, b->nnodes);
	for (int i = 0; i < b->nnodes; i++)
	{
		if (b->nodes[i].identity_id == 0)
			CdpFineLockIdent(locks, b->nodes[i].ident);
		else
			CdpFineLockProfile(locks, b->nodes[i].profile_id);
	}
	CdpFineLocksSort(locks);
}

/*
 * Looks the nodes up and locks what the stitch will change (graph_lock.c),
 * so that what it read stays true until it commits.  Whoever creates an
 * identifier holds its lock, and whoever moves identities into or out of
 * a profile holds that profile's lock (or the graph lock exclusively).  So
 * once the locks of what a lookup found are held, a lookup made after
 * taking them finds the same, or more was changed meanwhile (a profile
 * merged into another, an identifier created): the stitch then locks what
 * it finds now instead, and tries again.  A stitch that needs too many
 * locks, or keeps meeting changes, takes the graph lock exclusively.
 */
#define LOCK_ATTEMPTS	8

static void
lock_and_lookup(CdpStitchBatch *b)
{
	Datum		idents = node_idents(b);
	CdpFineLocks held;
	CdpFineLocks wanted;
	bool		took_share;

	lookup_nodes(b, idents);
	if (CdpGraphLockedExclusively())
		return;
	fine_locks_of(b, &held);
	if (held.n <= CdpFineLockLimit())
	{
		took_share = CdpGraphLockShared();
		for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++)
		{
			CdpFineLocksAcquire(&held);
			lookup_nodes(b, idents);
			fine_locks_of(b, &wanted);
			if (CdpFineLocksCover(&held, &wanted))
				return;
			CdpFineLocksRelease(&held);
			held = wanted;
			if (held.n > CdpFineLockLimit())
				break;
		}

		/*
		 * Taking the graph lock exclusively while holding it in share mode
		 * would deadlock with another stitcher doing the same.
		 */
		if (took_share)
			CdpGraphUnlockShared();
	}
	CdpGraphLockExclusive();
	lookup_nodes(b, idents);
}

/* Makes the units: one per existing profile, one per new identifier. */
static void
make_units(CdpStitchBatch *b)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(CdpProfileUnit);
	ctl.hcxt = CurrentMemoryContext;
	b->unit_of_profile = hash_create("cdp stitch profiles", Max(b->nnodes, 16), &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	b->unit_min_profile = palloc0(Max(b->nnodes, 1) * sizeof(int64));
	b->unit_counts = palloc0(Max(b->nnodes * b->nlimited, 1) * sizeof(int32));
	b->unit_traits = palloc0(Max(b->nnodes, 1) * sizeof(bool));
	b->unit_merge_event = palloc(Max(b->nnodes, 1) * sizeof(int));

	for (int i = 0; i < b->nnodes; i++)
	{
		CdpGraphNode *node = &b->nodes[i];

		if (node->profile_id != 0)
		{
			bool		found;
			CdpProfileUnit *pu = hash_search(b->unit_of_profile, &node->profile_id,
										  HASH_ENTER, &found);

			if (!found)
			{
				pu->unit = b->nunits++;
				b->unit_min_profile[pu->unit] = node->profile_id;
			}
			node->unit = pu->unit;
		}
		else
		{
			node->unit = b->nunits++;
			if (node->limited >= 0)
				b->unit_counts[node->unit * b->nlimited + node->limited] = 1;
		}
	}
	for (int u = 0; u < b->nunits; u++)
		b->unit_merge_event[u] = -1;
	b->uf = CdpUnionFindCreate(b->nunits);
}

/*
 * Reads how many identifiers of each limited kind the existing profiles
 * that may join another one hold: those that share an event with an
 * identifier outside them.  Events that only restate a profile's own
 * identifiers (the usual case) need no count.
 */
static void
count_limited(CdpStitchBatch *b)
{
	int64	   *profiles = palloc(Max(b->nunits, 1) * sizeof(int64));
	bool	   *wanted = palloc0(Max(b->nunits, 1) * sizeof(bool));
	int			nprofiles = 0;
	Oid			argtypes[2] = {INT8ARRAYOID, TEXTARRAYOID};
	Datum		args[2];
	Datum	   *names;

	if (b->nlimited == 0)
		return;
	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];

		for (int i = 1; i < ev->nidentifiers; i++)
		{
			int			u0 = b->nodes[CdpStitchNodeOf(b, ev->identifiers[0])].unit;
			int			ui = b->nodes[CdpStitchNodeOf(b, ev->identifiers[i])].unit;

			if (u0 != ui)
			{
				/* Every identifier of this event may join the others. */
				for (int k = 0; k < ev->nidentifiers; k++)
					wanted[b->nodes[CdpStitchNodeOf(b, ev->identifiers[k])].unit] = true;
				break;
			}
		}
	}
	for (int u = 0; u < b->nunits; u++)
		if (wanted[u] && b->unit_min_profile[u] != 0)
			profiles[nprofiles++] = b->unit_min_profile[u];
	if (nprofiles == 0)
		return;

	names = palloc(b->nlimited * sizeof(Datum));
	for (int k = 0; k < b->nlimited; k++)
		names[k] = CStringGetTextDatum(b->limited_names[k]);
	args[0] = CdpInt8Array(profiles, nprofiles);
	args[1] = CdpDatumArray(names, b->nlimited, TEXTOID);
	CdpExecute(CdpPlan(&counts_plan,
					   "SELECT profile_id, cdp.ident_kind(ident) AS kind, count(*)::integer"
					   " FROM cdp.identities"
					   " WHERE profile_id = ANY ($1) AND cdp.ident_kind(ident) = ANY ($2)"
					   " GROUP BY 1, 2", 2, argtypes),
			   args, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		profile_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		int			k = limited_index(b, SPI_getvalue(tuple, desc, 2));
		CdpProfileUnit *pu = hash_search(b->unit_of_profile, &profile_id, HASH_FIND, NULL);

		b->unit_counts[pu->unit * b->nlimited + k] =
			DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
	}
}

/* Reads the unlinked pairs among the known identities. */
static void
lookup_unlinked(CdpStitchBatch *b)
{
	int64	   *ids = palloc(Max(b->nnodes, 1) * sizeof(int64));
	int			n = 0;
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;

	b->unlinked = cdp_pairset_create(CurrentMemoryContext, 16, NULL);
	for (int i = 0; i < b->nnodes; i++)
		if (b->nodes[i].identity_id != 0)
			ids[n++] = b->nodes[i].identity_id;
	if (n < 2)
		return;
	arg = CdpInt8Array(ids, n);
	CdpExecute(CdpPlan(&unlinked_plan,
					   "SELECT a_id, b_id FROM cdp.unlinked_pairs"
					   " WHERE a_id = ANY ($1) AND b_id = ANY ($1)", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	CdpStitchAddResultPairs(b->unlinked);
}

/*
 * The limited kind that joining the sets rooted at ru and rv would take
 * over its limit, or -1.
 */
static int
over_limit(CdpStitchBatch *b, int ru, int rv)
{
	for (int k = 0; k < b->nlimited; k++)
		if (b->unit_counts[ru * b->nlimited + k] + b->unit_counts[rv * b->nlimited + k] >
			b->limited_max[k])
			return k;
	return -1;
}

/* Joins the sets rooted at ru and rv, carrying their data to the new root. */
static void
join_units(CdpStitchBatch *b, int ru, int rv, int event)
{
	int			root = CdpUnionFindUnion(b->uf, ru, rv);
	int			other = (root == ru) ? rv : ru;
	int64		pa = b->unit_min_profile[root];
	int64		pb = b->unit_min_profile[other];

	if (pa != 0 && pb != 0 && b->unit_merge_event[root] < 0)
		b->unit_merge_event[root] = (b->unit_merge_event[other] >= 0) ?
			b->unit_merge_event[other] : event;
	else if (b->unit_merge_event[root] < 0)
		b->unit_merge_event[root] = b->unit_merge_event[other];
	b->unit_min_profile[root] = (pa == 0) ? pb : (pb == 0 ? pa : Min(pa, pb));
	for (int k = 0; k < b->nlimited; k++)
		b->unit_counts[root * b->nlimited + k] += b->unit_counts[other * b->nlimited + k];
	b->unit_traits[root] |= b->unit_traits[other];
}

static void
add_link(CdpStitchLink **list, int *n, int a, int bnode, int event, int kind)
{
	if (*n % 256 == 0)
		*list = (*n == 0) ? palloc(256 * sizeof(CdpStitchLink)) :
			repalloc(*list, (*n + 256) * sizeof(CdpStitchLink));
	(*list)[*n].a = a;
	(*list)[*n].b = bnode;
	(*list)[*n].event = event;
	(*list)[*n].kind = kind;
	(*n)++;
}

/* Applies the evidence of every event to the union-find. */
static void
join_events(CdpStitchBatch *b)
{
	b->linked = cdp_pairset_create(CurrentMemoryContext, Max(b->nnodes, 16), NULL);

	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];
		int			center = -1;

		/* The identifier of the highest priority joins the others. */
		for (int i = 0; i < ev->nidentifiers; i++)
		{
			int			n = CdpStitchNodeOf(b, ev->identifiers[i]);

			if (center < 0 || b->nodes[n].priority > b->nodes[center].priority)
				center = n;
		}
		for (int i = 0; i < ev->nidentifiers; i++)
		{
			int			x = CdpStitchNodeOf(b, ev->identifiers[i]);
			CdpGraphNode *nc = &b->nodes[center];
			CdpGraphNode *nx = &b->nodes[x];
			int			ru,
						rv;
			bool		found;

			if (x == center || nc->quarantined || nx->quarantined)
				continue;
			if (nc->identity_id != 0 && nx->identity_id != 0 &&
				cdp_pairset_lookup(b->unlinked, CdpStitchPair(nc->identity_id, nx->identity_id)) != NULL)
				continue;

			ru = CdpUnionFindFind(b->uf, nc->unit);
			rv = CdpUnionFindFind(b->uf, nx->unit);
			if (ru != rv)
			{
				int			k = ev->enforce_limits ? over_limit(b, ru, rv) : -1;

				if (k >= 0)
				{
					add_link(&b->refusals, &b->nrefusals, center, x, e, k);
					continue;
				}
				join_units(b, ru, rv, e);
			}
			cdp_pairset_insert(b->linked, CdpStitchPair(center, x), &found);
			if (!found)
				add_link(&b->links, &b->nlinks, center, x, e, -1);
		}
		if ((ev->traits != NULL || ev->consent) && ev->nidentifiers > 0)
		{
			int			anchor = CdpStitchNodeOf(b, ev->identifiers[0]);

			b->unit_traits[CdpUnionFindFind(b->uf, b->nodes[anchor].unit)] = true;
		}
	}
}

/*
 * CdpStitch stitches the evidence events[0..n) into the identity graph and
 * adds what it did to *stats.  The caller has connected SPI.
 */
void
CdpStitch(CdpStitchEvent *events, int n, CdpStitchStats *stats)
{
	CdpStitchBatch b;
	int64	   *assigned;
	CdpLogRows	log;

	memset(&b, 0, sizeof(b));
	b.events = events;
	b.nevents = n;

	CdpStitchCheckIsolation();
	load_limits(&b);
	collect_nodes(&b);
	if (b.nnodes == 0)
		return;
	lock_and_lookup(&b);
	make_units(&b);
	count_limited(&b);
	lookup_unlinked(&b);
	join_events(&b);

	assigned = CdpStitchAssignProfiles(&b, stats);
	CdpStitchWriteNew(&b, assigned, stats);
	CdpLogRowsInit(&log);
	CdpStitchWriteMerges(&b, assigned, &log, stats);
	CdpStitchLogRefusals(&b, assigned, &log, stats);
	CdpLogRowsWrite(&log);
	CdpStitchWriteEdges(&b, stats);
	CdpStitchWriteTraits(&b);
	CdpStitchRefreshTouched(&b, assigned);
}
