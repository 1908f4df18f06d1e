/*-------------------------------------------------------------------------
 *
 * event_store.h
 *	  The write path of ingestion: deduplication, monthly partitions, and
 *	  set-based inserts into cdp.events and cdp.rejected_events.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_EVENT_STORE_H
#define CDP_EVENT_STORE_H

#include "utils/uuid.h"

#include "event.h"

typedef struct CdpRejectedEvent
{
	int			batch_index;
	int			sqlerrcode;
	const char *reason;
	Jsonb	   *payload;		/* NULL when too large to keep */
	int			payload_bytes;
} CdpRejectedEvent;

extern int	CdpStoreEvents(const CdpSource *source, CdpEvent *events, int n,
						   TimestampTz received_at, int64 *event_ids);
extern void CdpStoreRejects(const CdpSource *source, CdpRejectedEvent *rejects,
							int n);
extern void CdpEventStoreInvalidate(Oid relid);
extern void CdpMessageKey(const text *message_id, pg_uuid_t *key);

#endif							/* CDP_EVENT_STORE_H */
