/*-------------------------------------------------------------------------
 *
 * stitch_defer.c
 *	  Stitching of ingested events when their transaction commits.
 *
 * Stitching serializes on one lock that is held until commit (stitch.c).
 * Taken at ingestion, it would make every other ingesting session wait for
 * as long as the first one keeps its transaction open.  So ingestion only
 * remembers the evidence of its new events, and the transaction stitches
 * it all just before it commits (or prepares): the lock is then held for
 * the stitching and the commit itself, however long the transaction ran.
 * Evidence of a rolled-back subtransaction is dropped with it.  Stitching
 * at commit runs with the rights of the owner of the ingest functions (the
 * extension owner) that deferred it.
 *
 * A transaction that gathers more than MAX_DEFERRED events stitches what
 * it has at once, to bound its memory.
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

#define MAX_DEFERRED	100000

typedef struct Deferred
{
	CdpStitchEvent event;
	int			nest_level;		/* subtransaction that ingested it */
} Deferred;

static Deferred *deferred = NULL;
static int	ndeferred = 0;
static int	deferred_cap = 0;

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

/* Stitches all deferred evidence now. */
static void
stitch_deferred(void)
{
	CdpStitchEvent *events;
	CdpStitchStats stats = {0};
	int			n = ndeferred;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;

	if (n == 0)
		return;
	events = palloc(n * sizeof(CdpStitchEvent));
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
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CdpStitch(events, n, &stats);
	SPI_finish();
	PopActiveSnapshot();
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/*
 * CdpStitchAtCommit remembers events[0..n) (copied) for stitching when the
 * transaction commits; events without identifiers have nothing to stitch.
 */
void
CdpStitchAtCommit(const CdpStitchEvent *events, int n)
{
	MemoryContext old;
	int			level = GetCurrentTransactionNestLevel();

	CdpStitchCheckIsolation();
	deferred_owner = GetUserId();
	old = MemoryContextSwitchTo(TopTransactionContext);

	if (ndeferred + n > deferred_cap)
	{
		int			cap = Max(deferred_cap * 2, ndeferred + n);

		deferred = (deferred_cap == 0) ? palloc(cap * sizeof(Deferred)) :
			repalloc(deferred, cap * sizeof(Deferred));
		deferred_cap = cap;
	}
	for (int i = 0; i < n; i++)
	{
		Deferred   *d;

		if (events[i].nidentifiers == 0)
			continue;
		d = &deferred[ndeferred++];
		d->event = events[i];
		d->nest_level = level;
		d->event.identifiers = palloc(Max(events[i].nidentifiers, 1) * sizeof(Datum));
		for (int k = 0; k < events[i].nidentifiers; k++)
			d->event.identifiers[k] = copy_varlena(events[i].identifiers[k]);
		if (events[i].traits != NULL)
			d->event.traits = DatumGetJsonbP(copy_varlena(JsonbPGetDatum(events[i].traits)));
	}
	MemoryContextSwitchTo(old);

	if (ndeferred > MAX_DEFERRED)
		stitch_deferred();
}

static void
forget_deferred(void)
{
	deferred = NULL;
	ndeferred = 0;
	deferred_cap = 0;
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
