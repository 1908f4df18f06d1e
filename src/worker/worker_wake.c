/*-------------------------------------------------------------------------
 *
 * worker_wake.c
 *	  Waking a database's worker when a transaction that left work for it
 *	  (CdpAnnounceWork: queued events, changed profiles) commits: its latch
 *	  when it runs, else the launcher's, which starts one.  Nothing when
 *	  the library is not preloaded or the database is not served.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "worker/worker_internal.h"

static void
wake_worker(void)
{
	CdpWorkerSlot *slot;
	Latch	   *latch = NULL;

	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	slot = CdpWorkerSlotOf(MyDatabaseId);
	if (slot != NULL)
	{
		slot->wake = true;
		slot->last_wake = GetCurrentTimestamp();
		latch = (slot->latch != NULL) ? slot->latch : cdp_worker_shared->launcher_latch;
	}
	LWLockRelease(cdp_worker_shared->lock);
	if (latch != NULL)
		SetLatch(latch);
}

static void
wake_at_commit(XactEvent event, void *arg pg_attribute_unused())
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (CdpTakeAnnouncedWork() && cdp_worker_shared != NULL)
				wake_worker();
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
