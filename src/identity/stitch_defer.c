/*-------------------------------------------------------------------------
 *
 * stitch_defer.c
 *	  Stitching of ingested events when their transaction commits.
 *
 * Stitching locks the profiles and identifiers it changes until commit
 * (graph_lock.c).  Taken at ingestion, those locks would make every other
 * session ingesting events of the same people wait for as long as the
 * first one keeps its transaction open.  So ingestion only
 * remembers the evidence of its new events, and the transaction stitches
 * it all just before it commits (or prepares): the locks are then held for
 * the stitching and the commit itself, however long the transaction ran.
 * Evidence of a rolled-back subtransaction is dropped with it.  Stitching
 * at commit runs with the rights of the owner of the ingest functions (the
 * extension owner) that deferred it.
 *
 * The evidence kept for commit is bounded by work_mem: beyond it, the
 * events of the current (sub)transaction go to cdp.stitch_queue, as with
 * cdp.inline_stitching off, and the commit reads them back and stitches
 * them too, so the locks are still taken only at commit.  Queued rows roll
 * back with the subtransaction that wrote them, as the evidence in memory
 * does.  At commit the events are stitched STITCH_CHUNK at a time, each
 * chunk's memory freed before the next.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "identity/identity_internal.h"

/*
 * Events stitched at once at commit: as many as the default largest batch
 * (cdp.max_batch_events), so that such a batch is stitched as one.
 */
#define STITCH_CHUNK	10000

typedef struct Deferred
{
	CdpStitchEvent event;
	int			nest_level;		/* subtransaction that ingested it */
} Deferred;

/* The evidence kept in memory, in deferred_cxt (under TopTransactionContext). */
static MemoryContext deferred_cxt = NULL;
static Deferred *deferred = NULL;
static int	ndeferred = 0;
static int	deferred_cap = 0;

/* The smallest event id this transaction queued in cdp.stitch_queue, or 0. */
static int64 first_queued = 0;

/* Whose rights stitching runs with: the ingest functions' owner. */
static Oid	deferred_owner = InvalidOid;

/* Copies a datum of varlena type into the current memory context. */
static Datum
copy_varlena(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	Size		size = VARSIZE_ANY(v);
	struct varlena *copy = palloc(size);

	memcpy(copy, v, size);
	return PointerGetDatum(copy);
}

/* Appends a copy of ev, ingested at nest_level, to the evidence in memory. */
static void
keep_evidence(const CdpStitchEvent *ev, int nest_level)
{
	MemoryContext old = MemoryContextSwitchTo(deferred_cxt);
	Deferred   *d;

	if (ndeferred == deferred_cap)
	{
		deferred_cap = Max(deferred_cap * 2, 64);
		deferred = (deferred == NULL) ? palloc(deferred_cap * sizeof(Deferred)) :
			repalloc(deferred, deferred_cap * sizeof(Deferred));
	}
	d = &deferred[ndeferred++];
	d->event = *ev;
	d->nest_level = nest_level;
	d->event.identifiers = palloc(Max(ev->nidentifiers, 1) * sizeof(Datum));
	for (int k = 0; k < ev->nidentifiers; k++)
		d->event.identifiers[k] = copy_varlena(ev->identifiers[k]);
	if (ev->traits != NULL)
		d->event.traits = DatumGetJsonbP(copy_varlena(JsonbPGetDatum(ev->traits)));
	MemoryContextSwitchTo(old);
}

/*
 * Moves the evidence of the current subtransaction level to
 * cdp.stitch_queue, and the rest to a fresh memory context: evidence of
 * enclosing levels must stay in memory, as a rollback to a savepoint
 * would take its queued rows with it.
 */
static void
queue_current_level(void)
{
	int			level = GetCurrentTransactionNestLevel();
	MemoryContext old_cxt = deferred_cxt;
	Deferred   *old = deferred;
	int			nold = ndeferred;
	CdpStitchEvent *queued = palloc(Max(nold, 1) * sizeof(CdpStitchEvent));
	int			nqueued = 0;

	for (int i = 0; i < nold; i++)
		if (old[i].nest_level == level)
		{
			queued[nqueued++] = old[i].event;
			if (first_queued == 0 || old[i].event.event_id < first_queued)
				first_queued = old[i].event.event_id;
		}
	CdpStitchEnqueue(queued, nqueued);
	pfree(queued);

	deferred_cxt = AllocSetContextCreate(TopTransactionContext, "cdp deferred stitching",
										 ALLOCSET_DEFAULT_SIZES);
	deferred = NULL;
	ndeferred = 0;
	deferred_cap = 0;
	for (int i = 0; i < nold; i++)
		if (old[i].nest_level != level)
			keep_evidence(&old[i].event, old[i].nest_level);
	MemoryContextDelete(old_cxt);
}

/* Stitches events[0..n), STITCH_CHUNK at a time. */
static void
stitch_chunks(CdpStitchEvent *events, int n)
{
	for (int start = 0; start < n; start += STITCH_CHUNK)
	{
		CdpStitchStats stats = {0};

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		CdpStitch(events + start, Min(STITCH_CHUNK, n - start), &stats);
		SPI_finish();
	}
}

/* Stitches all deferred evidence now: what was queued, then what is in memory. */
static void
stitch_deferred(void)
{
	CdpStitchEvent *events;
	int			n = ndeferred;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;

	if (n == 0 && first_queued == 0)
		return;
	events = palloc(Max(n, 1) * sizeof(CdpStitchEvent));
	for (int i = 0; i < n; i++)
		events[i] = deferred[i].event;
	ndeferred = 0;

	/*
	 * At commit no function of ours is running: take on, as SECURITY
	 * DEFINER does, the rights of the ingest functions' owner and a safe
	 * search_path, and give SPI a snapshot to start from.  An error aborts
	 * the transaction, which undoes all three.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(deferred_owner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, cdp, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	PushActiveSnapshot(GetTransactionSnapshot());

	/*
	 * Stitching in several chunks would lock part of the graph per chunk,
	 * not all at once in one order (graph_lock.c): take it all first.
	 */
	if (first_queued != 0 || n > STITCH_CHUNK)
		CdpGraphLockExclusive();
	if (first_queued != 0)
		CdpStitchOwnQueued(first_queued, STITCH_CHUNK);
	first_queued = 0;
	stitch_chunks(events, n);
	PopActiveSnapshot();
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/*
 * CdpStitchAtCommit remembers events[0..n) (copied) for stitching when the
 * transaction commits; events without identifiers have nothing to stitch.
 * Past work_mem, the evidence goes to cdp.stitch_queue until then.
 */
void
CdpStitchAtCommit(const CdpStitchEvent *events, int n)
{
	int			level = GetCurrentTransactionNestLevel();

	CdpStitchCheckIsolation();
	deferred_owner = GetUserId();
	if (deferred_cxt == NULL)
		deferred_cxt = AllocSetContextCreate(TopTransactionContext, "cdp deferred stitching",
											 ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < n; i++)
		if (events[i].nidentifiers > 0)
			keep_evidence(&events[i], level);

	if (MemoryContextMemAllocated(deferred_cxt, false) > (Size) work_mem * 1024)
		queue_current_level();
}

static void
forget_deferred(void)
{
	/* deferred_cxt goes with TopTransactionContext */
	deferred_cxt = NULL;
	deferred = NULL;
	ndeferred = 0;
	deferred_cap = 0;
	first_queued = 0;
}

static void
defer_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			stitch_deferred();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			forget_deferred();
			break;
		default:
			break;
	}
}

static void
defer_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
					   SubTransactionId parentSubid pg_attribute_unused(),
					   void *arg pg_attribute_unused())
{
	int			level = GetCurrentTransactionNestLevel();
	int			kept = 0;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		for (int i = 0; i < ndeferred; i++)
			if (deferred[i].nest_level < level)
				deferred[kept++] = deferred[i];
		ndeferred = kept;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (int i = 0; i < ndeferred; i++)
			if (deferred[i].nest_level >= level)
				deferred[i].nest_level = level - 1;
	}
}

/* CdpIdentityInit registers the transaction callbacks; from _PG_init. */
void
CdpIdentityInit(void)
{
	RegisterXactCallback(defer_xact_callback, NULL);
	RegisterSubXactCallback(defer_subxact_callback, NULL);
}
