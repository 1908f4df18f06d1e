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

static bool work_announced = false;

/* CdpAnnounceWork notes that this transaction leaves work behind. */
void
CdpAnnounceWork(void)
{
	work_announced = true;
}

/*
 * CdpTakeAnnouncedWork returns whether work was announced since the last
 * call, and forgets it (called at the end of every transaction).
 */
bool
CdpTakeAnnouncedWork(void)
{
	bool		announced = work_announced;

	work_announced = false;
	return announced;
}
