/*-------------------------------------------------------------------------
 *
 * restitch.c
 *	  Rebuilds profiles from the links: all of them (cdp.restitch(), here),
 *	  or one profile after a link inside it was cut (cdp.unlink(),
 *	  cdp.quarantine()).
 *
 * The identities in scope and the edges among them are read with direct
 * scans into arrays: identity ids (sorted, so an edge's ends are found by
 * binary search) and the profile each belongs to now.  A union-find with
 * path halving over the edges gives the connected components; memory is
 * bounded by maintenance_work_mem.
 *
 * Each component then takes an existing profile id: candidates (component,
 * old profile, members in common) are taken greedily, most members first,
 * the older profile on ties, each id at most once.  So a component that
 * did not change keeps its id, the larger part of a split keeps the old
 * one, and the others get new ids.  An old id no component took is merged
 * into the component holding most of its identities.  Only the identities
 * whose profile changes are written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "identity/identity_internal.h"
#include "profiles/profiles.h"

PG_FUNCTION_INFO_V1(cdp_restitch);

/* The identities in scope: sorted ids and their profiles now. */
typedef struct Scope
{
	int64	   *ids;
	int64	   *old_profile;
	int32		n;
	int32		cap;
	Size		limit;			/* bytes allowed: maintenance_work_mem */
	/* ids from a sequence are dense: then index_of[id - min] finds them */
	int32	   *index_of;
	int64		min;
	int64		range;
} Scope;

/* A component's claim on an old profile id. */
typedef struct Candidate
{
	int32		root;
	int32		members;
	int64		profile_id;
} Candidate;

/* Profiles per golden-record refresh: bounds the memory of big rebuilds. */
#define REFRESH_CHUNK	50000

static CdpPlanCache move_plan;

/*
 * Bytes per identity a rebuild may hold at its peak: the scope (id, old
 * profile, index by id), the union-find (parent, size), roots, candidates,
 * assigned ids, the distinct old ids, the merge lists, the moved
 * identities and the profiles touched.
 */
#define BYTES_PER_IDENTITY	160

/* Allocates size bytes (at least 1), possibly more than 1 GB. */
static void *
huge_alloc(Size size, bool zero)
{
	return palloc_extended(Max(size, 1), MCXT_ALLOC_HUGE | (zero ? MCXT_ALLOC_ZERO : 0));
}

static void
scope_add(Scope *s, int64 id, int64 profile_id)
{
	if (s->n == s->cap)
	{
		int32		cap = (s->cap == 0) ? 1024 : s->cap * 2;

		if ((Size) cap * BYTES_PER_IDENTITY > s->limit && (Size) s->n * BYTES_PER_IDENTITY < s->limit)
			cap = s->limit / BYTES_PER_IDENTITY;
		if ((Size) cap * BYTES_PER_IDENTITY > s->limit || cap <= s->n)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("restitching needs more memory than maintenance_work_mem allows"),
					 errdetail("More than %d identities take about %zu kB.", s->n,
							   (Size) s->n * BYTES_PER_IDENTITY / 1024),
					 errhint("Raise maintenance_work_mem for this session.")));
		s->ids = (s->cap == 0) ? palloc_extended(cap * sizeof(int64), MCXT_ALLOC_HUGE) :
			repalloc_huge(s->ids, cap * sizeof(int64));
		s->old_profile = (s->cap == 0) ? palloc_extended(cap * sizeof(int64), MCXT_ALLOC_HUGE) :
			repalloc_huge(s->old_profile, cap * sizeof(int64));
		s->cap = cap;
	}
	s->ids[s->n] = id;
	s->old_profile[s->n] = profile_id;
	s->n++;
}

/* Sorts the scope by identity id (sorted input stays as it is). */
static void
scope_sort(Scope *s)
{
	bool		sorted = true;
	int64	   *pairs;

	for (int32 i = 1; i < s->n && sorted; i++)
		sorted = s->ids[i - 1] < s->ids[i];
	if (sorted)
		return;
	pairs = palloc_extended((Size) s->n * 2 * sizeof(int64), MCXT_ALLOC_HUGE);
	for (int32 i = 0; i < s->n; i++)
	{
		pairs[2 * i] = s->ids[i];
		pairs[2 * i + 1] = s->old_profile[i];
	}
	qsort(pairs, s->n, 2 * sizeof(int64), CdpIdCmp);
	for (int32 i = 0; i < s->n; i++)
	{
		s->ids[i] = pairs[2 * i];
		s->old_profile[i] = pairs[2 * i + 1];
	}
	pfree(pairs);
}

/*
 * Indexes the sorted scope by id when the ids are dense (at most four
 * slots per identity), so that an edge's ends are found without a search.
 */
static void
scope_index(Scope *s)
{
	if (s->n == 0)
		return;
	s->min = s->ids[0];
	s->range = s->ids[s->n - 1] - s->min + 1;
	if (s->range > 4 * (int64) s->n)
		return;
	s->index_of = huge_alloc((Size) s->range * sizeof(int32), false);
	memset(s->index_of, 0xFF, (Size) s->range * sizeof(int32));
	for (int32 i = 0; i < s->n; i++)
		s->index_of[s->ids[i] - s->min] = i;
}

/* The index of identity id in the scope, or -1. */
static int32
scope_find(const Scope *s, int64 id)
{
	if (s->index_of != NULL)
		return (id < s->min || id - s->min >= s->range) ? -1 : s->index_of[id - s->min];
	return CdpIdFind(s->ids, s->n, id);
}

/*
 * Reads the identities in scope: all, or those of one profile (by the
 * profile_id index).
 */
static void
load_identities(Scope *s, int64 profile_id, Snapshot snapshot)
{
	Relation	rel = table_open(CdpRelationOid("identities"), AccessShareLock);
	AttrNumber	id_att = get_attnum(RelationGetRelid(rel), "identity_id");
	AttrNumber	profile_att = get_attnum(RelationGetRelid(rel), "profile_id");
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	if (profile_id != 0)
		ScanKeyInit(&key, profile_att, BTEqualStrategyNumber, F_INT8EQ,
					Int64GetDatum(profile_id));
	scan = systable_beginscan(rel, CdpRelationOid("identities_profile_id_idx"),
							  profile_id != 0, snapshot, profile_id != 0 ? 1 : 0, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		int64		id = DatumGetInt64(heap_getattr(tuple, id_att, RelationGetDescr(rel), &isnull));
		int64		pid = DatumGetInt64(heap_getattr(tuple, profile_att, RelationGetDescr(rel), &isnull));

		CHECK_FOR_INTERRUPTS();
		scope_add(s, id, pid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	scope_sort(s);
	scope_index(s);
}

/*
 * Joins the scope's identities along the edges among them: all edges, or
 * those starting at each identity of the scope.  Returns the number of
 * edges read.
 */
static int64
join_edges(const Scope *s, bool all, CdpUnionFind *uf, Snapshot snapshot)
{
	Relation	rel = table_open(CdpRelationOid("identity_edges"), AccessShareLock);
	Oid			pkey = CdpRelationOid("identity_edges_pkey");
	AttrNumber	a_att = get_attnum(RelationGetRelid(rel), "a_id");
	AttrNumber	b_att = get_attnum(RelationGetRelid(rel), "b_id");
	int64		nedges = 0;

	for (int32 i = 0; i < (all ? 1 : s->n); i++)
	{
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tuple;

		if (!all)
			ScanKeyInit(&key, a_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(s->ids[i]));
		scan = systable_beginscan(rel, pkey, !all, snapshot, all ? 0 : 1, &key);
		while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			bool		isnull;
			int32		a = scope_find(s, DatumGetInt64(heap_getattr(tuple, a_att,
																	 RelationGetDescr(rel), &isnull)));
			int32		b = scope_find(s, DatumGetInt64(heap_getattr(tuple, b_att,
																	 RelationGetDescr(rel), &isnull)));

			if ((nedges++ & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (a >= 0 && b >= 0)
				CdpUnionFindUnion(uf, a, b);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	return nedges;
}

static int
candidate_cmp(const void *x, const void *y)
{
	const Candidate *a = x;
	const Candidate *b = y;

	if (a->members != b->members)
		return (a->members > b->members) ? -1 : 1;
	if (a->profile_id != b->profile_id)
		return (a->profile_id < b->profile_id) ? -1 : 1;
	return (a->root > b->root) - (a->root < b->root);
}

/*
 * The candidates: for each component and each old profile among its
 * members, how many members they share.  Members are bucketed by root
 * (counting sort), then each component's old profiles are sorted; sorted
 * by members, most first, the older profile on ties.
 */
static Candidate *
count_candidates(const Scope *s, const int32 *root, int32 *ncandidates)
{
	int32	   *start = huge_alloc((Size) (s->n + 1) * sizeof(int32), true);
	int64	   *profiles = huge_alloc((Size) s->n * sizeof(int64), false);
	Candidate  *c = huge_alloc((Size) s->n * sizeof(Candidate), false);
	int32		n = 0;

	for (int32 i = 0; i < s->n; i++)
		start[root[i] + 1]++;
	for (int32 r = 0; r < s->n; r++)
		start[r + 1] += start[r];
	for (int32 i = 0; i < s->n; i++)
		profiles[start[root[i]]++] = s->old_profile[i];
	/* start[r] is now the end of r's bucket, and start[r - 1] its start. */
	for (int32 r = 0, from = 0; r < s->n; from = start[r], r++)
	{
		int32		to = start[r];

		if (to - from > 1)
			qsort(profiles + from, to - from, sizeof(int64), CdpIdCmp);
		for (int32 k = from; k < to; k++)
		{
			if (k > from && profiles[k] == profiles[k - 1])
				c[n - 1].members++;
			else
			{
				c[n].root = r;
				c[n].profile_id = profiles[k];
				c[n].members = 1;
				n++;
			}
		}
	}
	pfree(start);
	pfree(profiles);
	qsort(c, n, sizeof(Candidate), candidate_cmp);
	*ncandidates = n;
	return c;
}

/*
 * Gives each component an id: the old id it shares most members with
 * (greedily, each id once), else a new one, logged as split off.  Old ids
 * no component took are merged into the component holding most of their
 * members.  Fills assigned[root] and the merge lists.
 */
static void
assign_ids(const Scope *s, const Candidate *cand, int32 ncand, int64 *assigned,
		   const char *reason, CdpLogRows *log, CdpRestitchResult *result,
		   int64 **new_ids, int64 *merged_from, int64 *merged_into)
{
	Oid			seq = CdpRelationOid("profiles_profile_id_seq");
	int64	   *old_ids = huge_alloc((Size) s->n * sizeof(int64), false);
	bool	   *taken;
	int32		nold = 0;

	/* The distinct old ids, sorted, each taken at most once. */
	memcpy(old_ids, s->old_profile, (Size) s->n * sizeof(int64));
	qsort(old_ids, s->n, sizeof(int64), CdpIdCmp);
	for (int32 i = 0; i < s->n; i++)
		if (nold == 0 || old_ids[nold - 1] != old_ids[i])
			old_ids[nold++] = old_ids[i];
	taken = huge_alloc(nold, true);

	for (int32 i = 0; i < ncand; i++)
	{
		int32		k = CdpIdFind(old_ids, nold, cand[i].profile_id);

		if (assigned[cand[i].root] != 0 || taken[k])
			continue;
		taken[k] = true;
		assigned[cand[i].root] = cand[i].profile_id;
	}

	*new_ids = palloc(Max(ncand, 1) * sizeof(int64));
	for (int32 i = 0; i < ncand; i++)
	{
		const Candidate *c = &cand[i];

		if (assigned[c->root] != 0)
			continue;
		assigned[c->root] = nextval_internal(seq, false);
		(*new_ids)[result->new_profiles++] = assigned[c->root];
		CdpLogRow(log, "split", c->profile_id, assigned[c->root], 0, 0, 0, 0, reason);
	}
	for (int32 i = 0; i < ncand; i++)
	{
		const Candidate *c = &cand[i];
		int32		k = CdpIdFind(old_ids, nold, c->profile_id);

		if (taken[k])
			continue;
		taken[k] = true;
		merged_from[result->merged_profiles] = c->profile_id;
		merged_into[result->merged_profiles] = assigned[c->root];
		result->merged_profiles++;
		CdpLogRow(log, "merge", assigned[c->root], c->profile_id, 0, 0, 0, 0, reason);
	}
	pfree(old_ids);
	pfree(taken);
}

/* Inserts the rows of profiles split off. */
static void
insert_profiles(const int64 *ids, int64 n)
{
	static const char *const columns[] = {
		"profile_id", "created_at", "updated_at", "traits", "computed"
	};
	CdpBulkInsert *bulk;
	Datum		values[5];
	bool		nulls[5] = {0};

	if (n == 0)
		return;
	bulk = CdpBulkInsertBegin(CdpRelationOid("profiles"), columns, lengthof(columns));
	values[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	values[2] = values[1];
	values[3] = JsonbPGetDatum(CdpEmptyJsonb());
	values[4] = values[3];
	for (int64 i = 0; i < n; i++)
	{
		values[0] = Int64GetDatum(ids[i]);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
}

/* Moves identities to their new profiles. */
static void
move_identities(const int64 *ids, const int64 *to, int64 n)
{
	static const char *const move_sql[1] = {
		"UPDATE cdp.identities i SET profile_id = m.profile_id"
		" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS m(identity_id, profile_id)"
		" WHERE i.identity_id = m.identity_id"
	};
	static const int move_result[1] = {SPI_OK_UPDATE};

	CdpExecuteOnPairs(&move_plan, move_sql, move_result, 1, ids, to, n);
}

/* Recomputes the golden records of the given profiles, each once. */
static void
refresh_distinct(int64 *ids, int64 n)
{
	int64		k = CdpIdSortUnique(ids, n);
	MemoryContext chunk = AllocSetContextCreate(CurrentMemoryContext, "cdp refresh chunk",
												ALLOCSET_DEFAULT_SIZES);

	for (int64 start = 0; start < k; start += REFRESH_CHUNK)
	{
		MemoryContext old = MemoryContextSwitchTo(chunk);

		CdpAssert(k <= n && start < k);
		CdpRefreshProfiles(ids + start, Min(REFRESH_CHUNK, k - start));
		MemoryContextSwitchTo(old);
		MemoryContextReset(chunk);
	}
	MemoryContextDelete(chunk);
}

/*
 * CdpRestitch rebuilds the profiles of one profile's identities
 * (profile_id) or of all (0) from the edges, writes only what changed,
 * logs splits and merges with reason, and fills *result.  The caller holds
 * the stitching lock and has connected SPI.
 */
void
CdpRestitch(int64 profile_id, const char *reason, CdpRestitchResult *result)
{
	Scope		s;
	Snapshot	snapshot;
	CdpUnionFind *uf;
	int32	   *root;
	int64	   *assigned;
	Candidate  *cand;
	int32		ncand;
	CdpLogRows	log;
	int64	   *new_ids;
	int64	   *merged_from;
	int64	   *merged_into;
	int64	   *moved_ids;
	int64	   *moved_to;
	int64	   *touched;
	int64		ntouched = 0;

	memset(result, 0, sizeof(CdpRestitchResult));
	memset(&s, 0, sizeof(s));
	s.limit = (Size) maintenance_work_mem * 1024;

	snapshot = RegisterSnapshot(GetLatestSnapshot());
	load_identities(&s, profile_id, snapshot);
	result->identities = s.n;
	if (s.n == 0)
	{
		UnregisterSnapshot(snapshot);
		return;
	}
	uf = CdpUnionFindCreate(s.n);
	result->edges = join_edges(&s, profile_id == 0, uf, snapshot);
	UnregisterSnapshot(snapshot);

	root = palloc_extended((Size) s.n * sizeof(int32), MCXT_ALLOC_HUGE);
	for (int32 i = 0; i < s.n; i++)
		root[i] = CdpUnionFindFind(uf, i);
	cand = count_candidates(&s, root, &ncand);

	assigned = palloc_extended((Size) s.n * sizeof(int64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	merged_from = palloc(Max(ncand, 1) * sizeof(int64));
	merged_into = palloc(Max(ncand, 1) * sizeof(int64));
	CdpLogRowsInit(&log);
	assign_ids(&s, cand, ncand, assigned, reason, &log, result, &new_ids, merged_from, merged_into);

	/* The identities that move, and every profile they leave or join. */
	moved_ids = palloc_extended((Size) s.n * sizeof(int64), MCXT_ALLOC_HUGE);
	moved_to = palloc_extended((Size) s.n * sizeof(int64), MCXT_ALLOC_HUGE);
	touched = palloc_extended((Size) s.n * 2 * sizeof(int64), MCXT_ALLOC_HUGE);
	for (int32 i = 0; i < s.n; i++)
	{
		if (assigned[root[i]] == s.old_profile[i])
			continue;
		moved_ids[result->moved] = s.ids[i];
		moved_to[result->moved] = assigned[root[i]];
		result->moved++;
		touched[ntouched++] = assigned[root[i]];
		touched[ntouched++] = s.old_profile[i];
	}

	result->profiles = palloc(Max(ncand, 1) * sizeof(int64));
	for (int32 i = 0; i < s.n; i++)
		if (root[i] == i)
			result->profiles[result->nprofiles++] = assigned[i];
	qsort(result->profiles, result->nprofiles, sizeof(int64), CdpIdCmp);

	insert_profiles(new_ids, result->new_profiles);
	move_identities(moved_ids, moved_to, result->moved);
	CdpMergeProfiles(merged_from, merged_into, result->merged_profiles, false);
	CdpLogRowsWrite(&log);
	refresh_distinct(touched, ntouched);
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

	return CdpJsonbFromString(json);
}

/*
 * cdp.restitch(): rebuilds every profile from the links, keeping existing
 * profile ids where components did not change.
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
	CdpGraphLockExclusive();
	CdpRestitch(0, "restitch", &result);
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	out = SPI_datumTransfer(restitch_json(&result, INSTR_TIME_GET_DOUBLE(duration)), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}
