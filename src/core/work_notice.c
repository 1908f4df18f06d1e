/*-------------------------------------------------------------------------
 *
 * work_notice.c
 *	  Whether the running transaction left work for the background worker
 *	  (events to stitch, profiles whose segments may change).  The stages
 *	  that leave work say so here; the worker subsystem reads it when the
 *	  transaction commits and wakes its database's worker.  Kept in core
 *	  so that ingestion and stitching need not know about the worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "core/core.h"

static int	work_announced = 0;

/*
 * CdpAnnounceWork notes that this transaction leaves work behind: work,
 * CdpWork flags, says for which of the database's workers.
 */
void
CdpAnnounceWork(int work)
{
	work_announced |= work;
}

/*
 * CdpTakeAnnouncedWork returns the work announced since the last call (0:
 * none), and forgets it (called at the end of every transaction).
 */
int
CdpTakeAnnouncedWork(void)
{
	int			announced = work_announced;

	work_announced = 0;
	return announced;
}
