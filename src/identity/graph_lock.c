/*-------------------------------------------------------------------------
 *
 * graph_lock.c
 *	  The locks that keep concurrent changes to the identity graph apart.
 *
 * The graph lock is one transaction-level advisory lock per database.
 * Stitching ingested evidence takes it in share mode and then locks only
 * the part of the graph it changes: each existing profile it reads and
 * each identifier it is about to create (stitch.c).  So sessions whose
 * events concern different people stitch, and commit, side by side.
 * Changes that read or rewrite much of the graph (link, unlink,
 * quarantine, restitch, forget, retention, stitching the queue, segment
 * creation, and a stitch that would need too many locks) take the graph
 * lock exclusively instead and lock nothing finer.
 *
 * The finer locks are advisory locks too, in classes of their own (the
 * fourth field of the lock tag is 3 for an identifier, 4 for a profile;
 * pg_advisory_lock uses 1 and 2), so they never meet a user's.  They are
 * taken in one total order, which keeps stitchers from waiting on each
 * other in a cycle.  Everything is held until the transaction ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"

#include "identity/identity_internal.h"

/* The graph lock: "cdp" and 1, as pg_advisory_xact_lock(int, int) would tag it. */
#define GRAPH_LOCK_KEY1		0x00636470
#define GRAPH_LOCK_KEY2		1
#define GRAPH_LOCK_CLASS	2
#define IDENT_LOCK_CLASS	3
#define PROFILE_LOCK_CLASS	4

static void
graph_lock_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, GRAPH_LOCK_KEY1, GRAPH_LOCK_KEY2, GRAPH_LOCK_CLASS);
}

/* Takes the graph lock in mode until the transaction ends. */
static LockAcquireResult
acquire_graph_lock(LOCKMODE mode)
{
	LOCKTAG		tag;

	graph_lock_tag(&tag);
	return LockAcquire(&tag, mode, false, false);
}

/*
 * CdpStitchCheckIsolation refuses to stitch in a transaction that reads
 * from one snapshot: stitching must see what earlier stitchers committed.
 */
void
CdpStitchCheckIsolation(void)
{
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("identity stitching requires the READ COMMITTED isolation level"),
				 errhint("Ingest outside REPEATABLE READ and SERIALIZABLE transactions, or turn "
						 "cdp.inline_stitching off and stitch later with cdp.stitch_pending().")));
}

/*
 * CdpGraphLockExclusive takes the graph lock exclusively for the rest of
 * the transaction: no stitching runs beside it.  What it reads afterwards
 * (READ COMMITTED) includes everything earlier stitchers committed.
 */
void
CdpGraphLockExclusive(void)
{
	CdpStitchCheckIsolation();
	(void) acquire_graph_lock(ExclusiveLock);
}

PG_FUNCTION_INFO_V1(cdp_hold_stitching);

/*
 * cdp.hold_stitching() takes the graph lock exclusively for the rest of
 * the transaction, so that no stitching runs beside what the transaction
 * changes (segments.sql: a new segment is seen by every stitch that
 * commits after it, or its first refresh sees that stitch).  It reads
 * nothing of the graph, so any isolation level will do.
 */
Datum
cdp_hold_stitching(PG_FUNCTION_ARGS pg_attribute_unused())
{
	(void) acquire_graph_lock(ExclusiveLock);
	PG_RETURN_VOID();
}

/* Whether this transaction holds the graph lock exclusively. */
bool
CdpGraphLockedExclusively(void)
{
	LOCKTAG		tag;

	graph_lock_tag(&tag);
	return LockHeldByMe(&tag, ExclusiveLock);
}

/*
 * CdpGraphLockShared takes the graph lock beside other stitchers; true if
 * this transaction did not hold it in share mode already.
 */
bool
CdpGraphLockShared(void)
{
	return acquire_graph_lock(ShareLock) != LOCKACQUIRE_ALREADY_HELD;
}

/* Gives back the share CdpGraphLockShared took. */
void
CdpGraphUnlockShared(void)
{
	LOCKTAG		tag;

	graph_lock_tag(&tag);
	LockRelease(&tag, ShareLock, false);
}

/*
 * The most fine locks one stitch takes: beyond it, the shared lock table
 * (max_locks_per_transaction entries per session on average) could run
 * out, so the stitch takes the graph lock exclusively instead.
 */
int
CdpFineLockLimit(void)
{
	return max_locks_per_xact;
}

void
CdpFineLocksInit(CdpFineLocks *locks, int capacity)
{
	locks->n = 0;
	locks->tags = palloc(Max(capacity, 1) * sizeof(LOCKTAG));
}

static void
add_lock(CdpFineLocks *locks, uint32 key1, uint32 key2, uint16 class)
{
	SET_LOCKTAG_ADVISORY(locks->tags[locks->n], MyDatabaseId, key1, key2, class);
	locks->n++;
}

/* Adds the lock of an identifier (normalized, as cdp.identities holds it). */
void
CdpFineLockIdent(CdpFineLocks *locks, const struct varlena *ident)
{
	uint64		h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(ident),
										VARSIZE_ANY_EXHDR(ident), 0);

	add_lock(locks, (uint32) (h >> 32), (uint32) h, IDENT_LOCK_CLASS);
}

/* Adds the lock of an existing profile. */
void
CdpFineLockProfile(CdpFineLocks *locks, int64 profile_id)
{
	add_lock(locks, (uint32) ((uint64) profile_id >> 32), (uint32) profile_id, PROFILE_LOCK_CLASS);
}

/* The total order of fine locks: class, then keys. */
static int
tag_cmp(const void *a, const void *b)
{
	const LOCKTAG *x = a;
	const LOCKTAG *y = b;

	if (x->locktag_field4 != y->locktag_field4)
		return x->locktag_field4 < y->locktag_field4 ? -1 : 1;
	if (x->locktag_field2 != y->locktag_field2)
		return x->locktag_field2 < y->locktag_field2 ? -1 : 1;
	if (x->locktag_field3 != y->locktag_field3)
		return x->locktag_field3 < y->locktag_field3 ? -1 : 1;
	return 0;
}

/* CdpFineLocksSort puts the locks added in the total order, each once. */
void
CdpFineLocksSort(CdpFineLocks *locks)
{
	int			n = 0;

	qsort(locks->tags, locks->n, sizeof(LOCKTAG), tag_cmp);
	for (int i = 0; i < locks->n; i++)
		if (n == 0 || tag_cmp(&locks->tags[n - 1], &locks->tags[i]) != 0)
			locks->tags[n++] = locks->tags[i];
	locks->n = n;
}

/*
 * CdpFineLocksAcquire takes the sorted locks in their order, waiting for
 * whoever holds one.
 */
void
CdpFineLocksAcquire(CdpFineLocks *locks)
{
	for (int i = 0; i < locks->n; i++)
		(void) LockAcquire(&locks->tags[i], ExclusiveLock, false, false);
}

/* Whether the sorted set held includes every lock of the sorted set wanted. */
bool
CdpFineLocksCover(const CdpFineLocks *held, const CdpFineLocks *wanted)
{
	int			h = 0;

	for (int w = 0; w < wanted->n; w++)
	{
		while (h < held->n && tag_cmp(&held->tags[h], &wanted->tags[w]) < 0)
			h++;
		if (h == held->n || tag_cmp(&held->tags[h], &wanted->tags[w]) != 0)
			return false;
	}
	return true;
}

/*
 * CdpFineLocksRelease gives back what CdpFineLocksAcquire took and empties
 * the set, for a stitch that must lock something else.  A lock this
 * transaction held before (an earlier stitch) stays held: the lock manager
 * counts each acquisition.
 */
void
CdpFineLocksRelease(CdpFineLocks *locks)
{
	for (int i = 0; i < locks->n; i++)
		LockRelease(&locks->tags[i], ExclusiveLock, false);
	locks->n = 0;
}
