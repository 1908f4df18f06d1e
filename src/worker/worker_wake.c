/*-------------------------------------------------------------------------
 *
 * worker_wake.c
 *	  Waking a database's workers when a transaction that left work for
 *	  them (CdpAnnounceWork: queued events, changed profiles) commits: the
 *	  latch of each worker concerned when it runs, else the launcher's,
 *	  which starts it.  Nothing when
 *	  the library is not preloaded or the database is not served.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "worker/worker_internal.h"

StaticAssertDecl(CDP_WORK_STITCH == 1 << CDP_WORKER_STITCH &&
				 CDP_WORK_JOBS == 1 << CDP_WORKER_JOBS &&
				 CDP_WORK_DELIVERY == 1 << CDP_WORKER_DELIVERY,
				 "a kind of worker is woken by its work flag");

/* Wakes the workers of the kinds whose flags (CdpWork) work has. */
static void
wake_workers(int work)
{
	Latch	   *latches[CDP_WORKER_KINDS];
	int			n = 0;
	TimestampTz now = GetCurrentTimestamp();

	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	for (int kind = 0; kind < CDP_WORKER_KINDS; kind++)
	{
		CdpWorkerSlot *slot;

		if ((work & (1 << kind)) == 0 ||
			(slot = CdpWorkerSlotOf(MyDatabaseId, kind)) == NULL)
			continue;
		slot->wake = true;
		slot->last_wake = now;
		latches[n] = (slot->latch != NULL) ? slot->latch : cdp_worker_shared->launcher_latch;
		if (latches[n] != NULL)
			n++;
	}
	LWLockRelease(cdp_worker_shared->lock);
	for (int i = 0; i < n; i++)
		SetLatch(latches[i]);
}

static void
wake_at_commit(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			{
				int			work = CdpTakeAnnouncedWork();

				if (work != 0 && cdp_worker_shared != NULL)
					wake_workers(work);
			}
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			(void) CdpTakeAnnouncedWork();
			break;
		default:
			break;
	}
}

void
CdpWorkerWakeInit(void)
{
	RegisterXactCallback(wake_at_commit, NULL);
}
