/*-------------------------------------------------------------------------
 *
 * event.h
 *	  A Segment-spec event, validated and reduced to what cdp stores.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_EVENT_H
#define CDP_EVENT_H

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "source_cache.h"

#define CDP_MAX_ID_BYTES			255
#define CDP_MAX_EVENT_IDENTIFIERS	64

/* What the whole batch (or the single call) contributes to each event. */
typedef struct CdpEventContext
{
	const CdpSource *source;
	TimestampTz received_at;
	bool		has_sent_at;	/* a batch-level sentAt */
	TimestampTz sent_at;
} CdpEventContext;

typedef struct CdpEvent
{
	const char *type;			/* identify, track, page, screen, group, alias */
	text	   *event;			/* track event name, page/screen name; or NULL */
	text	   *message_id;
	text	   *user_id;		/* or NULL */
	text	   *anonymous_id;	/* or NULL */
	int			nidentifiers;
	int			identifiers_size;	/* allocated length */
	Datum	   *identifiers;	/* cdp.ident */
	int			anchor;			/* index of whose event it is, or -1 */
	Jsonb	   *traits;			/* an identify event's traits, or NULL */
	TimestampTz occurred_at;
	Jsonb	   *payload;
} CdpEvent;

/* Why an event was refused: an SQLSTATE and a message naming the field. */
typedef struct CdpEventError
{
	int			sqlerrcode;
	const char *message;
	const char *detail;			/* or NULL */
	const char *hint;			/* or NULL */
} CdpEventError;

extern bool CdpParseEvent(const CdpEventContext *cxt, Jsonb *payload,
						  CdpEvent *event, CdpEventError *error);
extern bool CdpParseTimestampField(JsonbContainer *object, const char *field,
								   TimestampTz *result, bool *found,
								   CdpEventError *error);

#endif							/* CDP_EVENT_H */
