/*-------------------------------------------------------------------------
 *
 * ingest_internal.h
 *	  What the files of src/ingest share: sources, parsed events, and the
 *	  event store.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_INGEST_INTERNAL_H
#define CDP_INGEST_INTERNAL_H

#include "utils/uuid.h"

#include "ident/ident.h"
#include "ingest/ingest.h"

#define CDP_MAX_ID_BYTES			255
#define CDP_MAX_EVENT_IDENTIFIERS	64

/* source_cache.c: a row of cdp.sources with its identifier mappings. */
typedef struct CdpIdentifierMapping
{
	char	   *kind;
	Datum		path;			/* jsonpath */
} CdpIdentifierMapping;

typedef struct CdpSource
{
	char		name[NAMEDATALEN];	/* hash key */
	int32		source_id;
	int			nmappings;
	CdpIdentifierMapping *mappings;
	bool		trusted_aliases;	/* its alias events join beyond kind limits */
	bool		bound;			/* only roles granted it may ingest (not 0.1.0) */
	int			ngrantees;
	Datum	   *grantees;		/* oids of the roles granted it */
} CdpSource;

extern const CdpSource *CdpLookupSource(text *name);
extern void CdpSourceCacheRegister(void);

/*
 * source_access.c: who may ingest into a source, and the rights ingestion
 * runs with.
 */
typedef struct CdpIngestUser
{
	Oid			userid;
	int			sec_context;
} CdpIngestUser;

extern const CdpSource *CdpBeginIngest(FunctionCallInfo fcinfo,
										CdpIngestUser *saved);
extern void CdpEndIngest(const CdpIngestUser *saved);

/* event_parse.c: what the whole batch (or the single call) gives each event. */
typedef struct CdpEventContext
{
	const CdpSource *source;
	TimestampTz received_at;
	bool		has_sent_at;	/* a batch-level sentAt */
	TimestampTz sent_at;
} CdpEventContext;

/* A Segment-spec event, validated and reduced to what cdp stores. */
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
	bool		has_consent;	/* carries context.consent.categoryPreferences */
	TimestampTz occurred_at;
	Jsonb	   *payload;
} CdpEvent;

extern bool CdpParseEvent(const CdpEventContext *cxt, Jsonb *payload,
						  CdpEvent *event, CdpError *error);
extern bool CdpParseTimestampField(JsonbContainer *object, const char *field,
								   TimestampTz *result, bool *found,
								   CdpError *error);
extern bool CdpGetEventField(JsonbContainer *object, const char *key, JsonbValue *value);
extern text *CdpScalarText(const JsonbValue *v);
extern bool CdpFieldError(CdpError *error, int sqlerrcode, const char *field,
						  const char *message, const char *detail);

/* event_identifiers.c: where an event's identifiers are, found by parsing */
typedef struct CdpIdentifierFields
{
	text	   *previous_id;	/* an alias event's previousId, or NULL */
	JsonbContainer *traits;		/* or NULL, like the others */
	JsonbContainer *context_traits;
	JsonbContainer *device;
} CdpIdentifierFields;

extern bool CdpAddEventIdentifiers(CdpEvent *event, const CdpSource *source,
								   const CdpIdentifierFields *fields,
								   CdpError *error);

/* event_forward.c */
extern void CdpForwardEvents(const CdpSource *source, const CdpEvent *events, int n,
							 const int64 *event_ids);

/* event_consent.c */
extern void CdpRecordEventConsents(const CdpEvent *events, int n, const int64 *event_ids);

/* event_store.c */
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
extern void CdpMessageKey(const text *message_id, pg_uuid_t *key);

/* event_counts.c: the stored events' counts, for cdp.stats_events_daily */
extern void CdpCountStoredEvents(const CdpSource *source, const CdpEvent *events, int n,
								 const int64 *event_ids);

/* event_suppress.c: the events of erased people are dropped */
extern int	CdpDropSuppressedEvents(const CdpSource *source, CdpEvent *events, int n,
									TimestampTz received_at);

/* partitions.c */
extern void CdpEnsurePartitions(const CdpEvent *events, int n);
extern void CdpPartitionCacheRegister(void);

#endif							/* CDP_INGEST_INTERNAL_H */
