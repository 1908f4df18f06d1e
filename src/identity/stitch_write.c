/*-------------------------------------------------------------------------
 *
 * stitch_write.c
 *	  Writes what a stitch decided (stitch.c): new profiles and identities,
 *	  merges, refused links, new edges with their evidence, trait values,
 *	  and the golden records of the profiles touched.  Each kind of write
 *	  is one statement or one bulk insert for the whole batch.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "identity/stitch_batch.h"
#include "profiles/profiles.h"
#include "segments/segments.h"

static CdpPlanCache edges_plan;
static CdpPlanCache traits_plan;

/*
 * The profile id each unit ends with: the oldest existing profile of its
 * set, or a new one.
 */
int64 *
CdpStitchAssignProfiles(CdpStitchBatch *b, CdpStitchStats *stats)
{
	int64	   *assigned = palloc0(Max(b->nunits, 1) * sizeof(int64));
	Oid			seq = CdpRelationOid("profiles_profile_id_seq");

	for (int u = 0; u < b->nunits; u++)
	{
		int			r = CdpUnionFindFind(b->uf, u);

		if (assigned[r] == 0)
		{
			if (b->unit_min_profile[r] != 0)
				assigned[r] = b->unit_min_profile[r];
			else
			{
				assigned[r] = nextval_internal(seq, false);
				stats->new_profiles++;
			}
		}
		assigned[u] = assigned[r];
	}
	return assigned;
}

/*
 * Appends the count of profiles created to cdp.stats_profile_deltas, for
 * cdp.refresh_stats() to fold into cdp.stats_profiles_daily (a database
 * still at 0.1.0 has no such table).
 */
static void
count_new_profiles(TimestampTz now, int64 n)
{
	static const char *const columns[] = {"day", "new_profiles"};
	Oid			relid = CdpRelationOidIfExists("stats_profile_deltas");
	CdpBulkInsert *bulk;
	Datum		values[2];
	bool		nulls[2] = {0};

	if (!OidIsValid(relid))
		return;
	bulk = CdpBulkInsertBegin(relid, columns, lengthof(columns));

	values[0] = DateADTGetDatum(CdpUtcDay(now));
	values[1] = Int64GetDatum(n);
	CdpBulkInsertRow(bulk, values, nulls);
	CdpBulkInsertEnd(bulk);
}

/* Writes the new profiles and the new identities. */
void
CdpStitchWriteNew(CdpStitchBatch *b, const int64 *assigned, CdpStitchStats *stats)
{
	static const char *const profile_columns[] = {
		"profile_id", "created_at", "updated_at", "traits", "computed"
	};
	static const char *const identity_columns[] = {
		"identity_id", "ident", "profile_id", "first_seen", "first_event_id",
		"source_id", "quarantined"
	};
	Oid			seq = CdpRelationOid("identities_identity_id_seq");
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	Datum		empty = JsonbPGetDatum(CdpEmptyJsonb());
	CdpBulkInsert *bulk;

	if (stats->new_profiles > 0)
	{
		bulk = CdpBulkInsertBegin(CdpRelationOid("profiles"), profile_columns,
								  lengthof(profile_columns));
		for (int u = 0; u < b->nunits; u++)
		{
			Datum		values[5];
			bool		nulls[5] = {0};

			/* Once per new set: at its root. */
			if (CdpUnionFindFind(b->uf, u) != u || b->unit_min_profile[u] != 0)
				continue;
			values[0] = Int64GetDatum(assigned[u]);
			values[1] = TimestampTzGetDatum(now);
			values[2] = TimestampTzGetDatum(now);
			values[3] = empty;
			values[4] = empty;
			CdpBulkInsertRow(bulk, values, nulls);
		}
		CdpBulkInsertEnd(bulk);
		count_new_profiles(now, stats->new_profiles);
	}

	bulk = CdpBulkInsertBegin(CdpRelationOid("identities"), identity_columns,
							  lengthof(identity_columns));
	for (int i = 0; i < b->nnodes; i++)
	{
		CdpGraphNode *node = &b->nodes[i];
		Datum		values[7];
		bool		nulls[7] = {0};

		if (node->identity_id != 0)
			continue;
		node->identity_id = nextval_internal(seq, false);
		stats->new_identities++;
		values[0] = Int64GetDatum(node->identity_id);
		values[1] = PointerGetDatum(node->ident);
		values[2] = Int64GetDatum(assigned[node->unit]);
		values[3] = TimestampTzGetDatum(node->first_seen);
		values[4] = Int64GetDatum(node->first_event_id);
		nulls[4] = (node->first_event_id == 0);
		values[5] = Int32GetDatum(node->source_id);
		nulls[5] = (node->source_id == 0);
		values[6] = BoolGetDatum(false);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
}

/*
 * Merges every existing profile whose set kept another profile id into
 * that one: identities and aliases move, the absorbed row goes (the
 * survivor keeps the earliest created_at), and each merge is logged with
 * the evidence that first joined profiles in its set.
 */
void
CdpStitchWriteMerges(CdpStitchBatch *b, const int64 *assigned, CdpLogRows *log,
					 CdpStitchStats *stats)
{
	int64	   *absorbed = palloc(Max(b->nunits, 1) * sizeof(int64));
	int64	   *survivor = palloc(Max(b->nunits, 1) * sizeof(int64));
	int			n = 0;
	HASH_SEQ_STATUS seq;
	CdpProfileUnit *pu;

	hash_seq_init(&seq, b->unit_of_profile);
	while ((pu = hash_seq_search(&seq)) != NULL)
	{
		int			root = CdpUnionFindFind(b->uf, pu->unit);
		const CdpStitchEvent *ev;

		if (assigned[pu->unit] == pu->profile_id)
			continue;
		absorbed[n] = pu->profile_id;
		survivor[n] = assigned[pu->unit];
		n++;
		ev = &b->events[b->unit_merge_event[root]];
		CdpLogRow(log, "merge", assigned[pu->unit], pu->profile_id, 0, 0, ev->event_id,
				  ev->source_id, ev->reason ? ev->reason : ev->rule);
	}
	stats->merges += n;
	CdpMergeProfiles(absorbed, survivor, n, true);
}

/* Logs the refused links with the limit that refused them. */
void
CdpStitchLogRefusals(CdpStitchBatch *b, const int64 *assigned, CdpLogRows *log, CdpStitchStats *stats)
{
	for (int i = 0; i < b->nrefusals; i++)
	{
		CdpStitchLink *l = &b->refusals[i];
		CdpGraphNode *x = &b->nodes[l->a];
		CdpGraphNode *y = &b->nodes[l->b];
		int32		max = b->limited_max[l->kind];

		CdpLogRow(log, "refuse", assigned[x->unit], assigned[y->unit], x->identity_id,
				  y->identity_id, b->events[l->event].event_id, b->events[l->event].source_id,
				  psprintf("joining would give one profile more than %d %s identifier%s",
						 max, b->limited_names[l->kind], max == 1 ? "" : "s"));
	}
	stats->refused += b->nrefusals;
}

/*
 * Writes the edges that are new: the first evidence of each pair.  Pairs
 * of known identities may have an edge already.
 */
void
CdpStitchWriteEdges(CdpStitchBatch *b, CdpStitchStats *stats)
{
	static const char *const edge_columns[] = {
		"a_id", "b_id", "rule", "reason", "event_id", "source_id", "created_at",
		"model_id", "match_weight", "probability"
	};
	int64	   *known_a = palloc(Max(b->nlinks, 1) * sizeof(int64));
	int64	   *known_b = palloc(Max(b->nlinks, 1) * sizeof(int64));
	int			nknown = 0;
	cdp_pairset_hash *existing = cdp_pairset_create(CurrentMemoryContext, 16, NULL);
	CdpBulkInsert *bulk;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	bool		any_match = false;

	if (b->nlinks == 0)
		return;
	for (int i = 0; i < b->nlinks; i++)
	{
		CdpGraphNode *x = &b->nodes[b->links[i].a];
		CdpGraphNode *y = &b->nodes[b->links[i].b];

		if (x->profile_id != 0 && y->profile_id != 0)
		{
			CdpPairKey	key = CdpStitchPair(x->identity_id, y->identity_id);

			known_a[nknown] = key.a;
			known_b[nknown] = key.b;
			nknown++;
		}
	}
	if (nknown > 0)
	{
		Oid			argtypes[2] = {INT8ARRAYOID, INT8ARRAYOID};
		Datum		args[2];

		args[0] = CdpInt8Array(known_a, nknown);
		args[1] = CdpInt8Array(known_b, nknown);
		CdpExecute(CdpPlan(&edges_plan,
						   "SELECT e.a_id, e.b_id FROM cdp.identity_edges e"
						   " JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS p(a_id, b_id)"
						   "   ON e.a_id = p.a_id AND e.b_id = p.b_id", 2, argtypes),
				   args, SPI_OK_SELECT);
		CdpStitchAddResultPairs(existing);
	}

	/*
	 * The columns of a match's provenance only when there is a match: a
	 * database not yet updated to them still stitches its events.
	 */
	for (int e = 0; e < b->nevents && !any_match; e++)
		any_match = (b->events[e].model_id != 0);
	bulk = CdpBulkInsertBegin(CdpRelationOid("identity_edges"), edge_columns,
							  any_match ? lengthof(edge_columns) : lengthof(edge_columns) - 3);
	for (int i = 0; i < b->nlinks; i++)
	{
		CdpStitchLink *l = &b->links[i];
		CdpStitchEvent *ev = &b->events[l->event];
		CdpPairKey	key = CdpStitchPair(b->nodes[l->a].identity_id, b->nodes[l->b].identity_id);
		Datum		values[10];
		bool		nulls[10] = {0};

		if (cdp_pairset_lookup(existing, key) != NULL)
			continue;
		values[0] = Int64GetDatum(key.a);
		values[1] = Int64GetDatum(key.b);
		values[2] = CStringGetTextDatum(ev->rule);
		values[3] = ev->reason ? CStringGetTextDatum(ev->reason) : (Datum) 0;
		nulls[3] = (ev->reason == NULL);
		values[4] = Int64GetDatum(ev->event_id);
		nulls[4] = (ev->event_id == 0);
		values[5] = Int32GetDatum(ev->source_id);
		nulls[5] = (ev->source_id == 0);
		values[6] = TimestampTzGetDatum(now);
		values[7] = Int32GetDatum(ev->model_id);
		values[8] = Float8GetDatum(ev->match_weight);
		values[9] = Float8GetDatum(ev->probability);
		nulls[7] = nulls[8] = nulls[9] = (ev->model_id == 0);
		CdpBulkInsertRow(bulk, values, nulls);
		stats->new_edges++;
	}
	CdpBulkInsertEnd(bulk);
}

/*
 * A trait value as jsonb, allocated at its size: JsonbValueToJsonb
 * builds scalars in a buffer of 1 kB, which a batch of many values would
 * keep for each of them.
 */
static Datum
trait_value_jsonb(JsonbValue *v)
{
	Jsonb	   *built = JsonbValueToJsonb(v);
	Jsonb	   *value = palloc(VARSIZE(built));

	memcpy(value, built, VARSIZE(built));
	pfree(built);
	return JsonbPGetDatum(value);
}

/*
 * Records the trait values of identify events against the identity whose
 * event it is: one row per identity, trait, source and value, counting
 * how often and when it was seen.
 */
void
CdpStitchWriteTraits(CdpStitchBatch *b)
{
	int			cap = 0;
	int			n = 0;
	int64	   *identity_ids;
	Datum	   *traits;
	Datum	   *values;
	int32	   *source_ids;
	Datum	   *seen;
	Oid			argtypes[5] = {INT8ARRAYOID, TEXTARRAYOID, JSONBARRAYOID, INT4ARRAYOID,
	TIMESTAMPTZARRAYOID};
	Datum		args[5];

	for (int e = 0; e < b->nevents; e++)
		if (b->events[e].traits != NULL)
			cap += JsonContainerSize(&b->events[e].traits->root);
	if (cap == 0)
		return;
	identity_ids = palloc(cap * sizeof(int64));
	traits = palloc(cap * sizeof(Datum));
	values = palloc(cap * sizeof(Datum));
	source_ids = palloc(cap * sizeof(int32));
	seen = palloc(cap * sizeof(Datum));

	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		int64		identity_id;

		if (ev->traits == NULL || ev->nidentifiers == 0)
			continue;
		identity_id = b->nodes[CdpStitchNodeOf(b, ev->identifiers[0])].identity_id;
		it = JsonbIteratorInit(&ev->traits->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok != WJB_KEY)
				continue;
			traits[n] = PointerGetDatum(cstring_to_text_with_len(v.val.string.val, v.val.string.len));
			tok = JsonbIteratorNext(&it, &v, true);
			if (v.type == jbvNull)
				continue;
			identity_ids[n] = identity_id;
			values[n] = trait_value_jsonb(&v);
			source_ids[n] = ev->source_id;
			seen[n] = TimestampTzGetDatum(ev->occurred_at);
			n++;
		}
	}
	if (n == 0)
		return;
	args[0] = CdpInt8Array(identity_ids, n);
	args[1] = CdpDatumArray(traits, n, TEXTOID);
	args[2] = CdpDatumArray(values, n, JSONBOID);
	args[3] = CdpInt4Array(source_ids, n);
	args[4] = CdpDatumArray(seen, n, TIMESTAMPTZOID);
	/*
	 * The conflict target names the key, not its columns: they changed in
	 * 0.2.0 and an installation still at 0.1.0 runs this library too.
	 */
	CdpExecute(CdpPlan(&traits_plan,
					   "INSERT INTO cdp.trait_values AS t"
					   " (identity_id, trait, value, source_id, first_seen, last_seen, times)"
					   " SELECT v.identity_id, v.trait, v.value, v.source_id,"
					   "        pg_catalog.min(v.seen), pg_catalog.max(v.seen), pg_catalog.count(*)"
					   " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),"
					   "   pg_catalog.unnest($4), pg_catalog.unnest($5)) AS v(identity_id, trait, value, source_id, seen)"
					   " GROUP BY 1, 2, 3, 4"
					   " ON CONFLICT ON CONSTRAINT trait_values_pkey DO UPDATE"
					   " SET first_seen = LEAST(t.first_seen, excluded.first_seen),"
					   "     last_seen = GREATEST(t.last_seen, excluded.last_seen),"
					   "     times = t.times + excluded.times", 5, argtypes),
			   args, SPI_OK_INSERT);
}

/*
 * Recomputes the golden records that may have changed: of profiles that
 * got trait values or merged.  An identifier joining a profile brings no
 * trait values of its own.  Every profile the batch placed an event in is
 * logged as changed, for segments and computed traits.
 */
void
CdpStitchRefreshTouched(CdpStitchBatch *b, const int64 *assigned)
{
	int64	   *ids = palloc(Max(b->nunits, 1) * sizeof(int64));
	int64	   *placed = palloc(Max(b->nunits, 1) * sizeof(int64));
	int			n = 0;
	int			nplaced = 0;

	for (int u = 0; u < b->nunits; u++)
	{
		int			r = CdpUnionFindFind(b->uf, u);

		if (r != u)
			continue;
		placed[nplaced++] = assigned[u];
		if (b->unit_traits[u] || b->unit_merge_event[u] >= 0)
			ids[n++] = assigned[u];
	}
	CdpRefreshProfiles(ids, n);
	CdpLogChangedProfiles(placed, nplaced);
}
