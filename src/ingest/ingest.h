/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  The public header of src/ingest: Segment-spec events in.
 *
 *	  ingest.c			cdp.ingest(), cdp.ingest_batch(); hands new events to
 *						the identity graph
 *	  event_parse.c		validation of an event, its typed fields and time
 *	  event_identifiers.c	the identifiers an event carries
 *	  event_store.c		deduplication and set-based inserts
 *	  event_suppress.c	drops the events of erased people
 *	  partitions.c		the monthly partitions of cdp.events
 *	  source_cache.c	cdp.sources, their mappings and grants, cached
 *	  source_access.c	who may ingest into a source; the owner's rights
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_INGEST_H
#define CDP_INGEST_H

#include "core/core.h"

/* cdp.max_event_bytes: largest accepted event, in bytes of jsonb */
extern int	cdp_max_event_bytes;

/* cdp.max_batch_events: most events in one cdp.ingest_batch call */
extern int	cdp_max_batch_events;

/* cdp.inline_stitching: stitch new events when their transaction commits */
extern bool cdp_inline_stitching;

/* Registers the caches' invalidation callbacks; from _PG_init. */
extern void CdpIngestInit(void);

#endif							/* CDP_INGEST_H */
