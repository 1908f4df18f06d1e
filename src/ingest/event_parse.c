/*-------------------------------------------------------------------------
 *
 * event_parse.c
 *	  Validation of Segment-spec events and extraction of what cdp stores:
 *	  typed columns and the time the event occurred (its identifiers:
 *	  event_identifiers.c).
 *
 * Validation reports problems through a CdpError instead of raising them,
 * so that a batch can set a bad event aside and go on without a
 * subtransaction per event.  Messages name fields, never values: event
 * payloads hold customer data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "ingest/ingest_internal.h"

/* How far in the future an event may claim to have happened. */
#define MAX_FUTURE_SKEW		USECS_PER_DAY

/* Earliest accepted event time: 1970-01-01 00:00:00 UTC. */
#define MIN_EVENT_TIME \
	((TimestampTz) (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)

#define EVENT_TYPES_HINT	"It is one of identify, track, page, screen, group, alias."

static const char *const event_types[] = {
	"identify", "track", "page", "screen", "group", "alias"
};

/*
 * CdpFieldError fills *error for the event field at fault (its path, or
 * NULL for the event as a whole) and returns false.
 */
bool
CdpFieldError(CdpError *error, int sqlerrcode, const char *field, const char *message,
			  const char *detail)
{
	CdpFail(error, sqlerrcode, message, detail, NULL);
	error->field = field;
	return false;
}

/*
 * CdpGetEventField looks key up in an object; JSON null counts as absent.
 * Returns false when the key is missing.
 */
bool
CdpGetEventField(JsonbContainer *object, const char *key, JsonbValue *value)
{
	if (object == NULL ||
		getKeyJsonValueFromContainer(object, key, strlen(key), value) == NULL)
		return false;
	return value->type != jbvNull;
}

/*
 * Whether every value of context.consent.categoryPreferences is a boolean
 * (what the Segment spec sends); else an error naming the field.
 */
static bool
check_consent_preferences(JsonbContainer *preferences, CdpError *error)
{
	JsonbIterator *it = JsonbIteratorInit(preferences);
	JsonbValue	v;
	JsonbIteratorToken token;

	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (token == WJB_VALUE && v.type != jbvBool)
			return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE,
								 "context.consent.categoryPreferences",
								 "the values of event field \"context.consent.categoryPreferences\" must be booleans",
								 NULL);
	return true;
}

/*
 * Finds the object stored under key (NULL when the key is absent); an
 * error, naming the field by its path, when it holds anything but an
 * object.
 */
static bool
get_object(JsonbContainer *parent, const char *key, const char *path,
		   JsonbContainer **object, CdpError *error)
{
	JsonbValue	v;

	*object = NULL;
	if (!CdpGetEventField(parent, key, &v))
		return true;
	if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, path,
							 psprintf("event field \"%s\" must be an object", path), NULL);
	*object = v.val.binary.data;
	return true;
}

/*
 * CdpScalarText renders a string or number as text; NULL for other JSON types (which the
 * caller reports or ignores) and for the empty string.
 */
text *
CdpScalarText(const JsonbValue *v)
{
	if (v->type == jbvString)
		return v->val.string.len > 0 ?
			cstring_to_text_with_len(v->val.string.val, v->val.string.len) : NULL;
	if (v->type == jbvNumeric)
		return cstring_to_text(DatumGetCString(DirectFunctionCall1(numeric_out,
																   NumericGetDatum(v->val.numeric))));
	return NULL;
}

/*
 * Reads an identifier-like field (userId, messageId, ...): a non-empty
 * string or a number, at most CDP_MAX_ID_BYTES long.  *result is NULL when
 * the field is absent or empty.
 */
static bool
get_id_field(JsonbContainer *object, const char *key, text **result,
			 CdpError *error)
{
	JsonbValue	v;

	*result = NULL;
	if (!CdpGetEventField(object, key, &v))
		return true;
	if (v.type != jbvString && v.type != jbvNumeric)
		return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, key,
							 psprintf("event field \"%s\" must be a string or a number", key),
							 NULL);
	*result = CdpScalarText(&v);
	if (*result != NULL && VARSIZE_ANY_EXHDR(*result) > CDP_MAX_ID_BYTES)
		return CdpFieldError(error, ERRCODE_STRING_DATA_RIGHT_TRUNCATION, key,
							 psprintf("event field \"%s\" is longer than %d bytes", key,
									  CDP_MAX_ID_BYTES), NULL);
	return true;
}

/*
 * CdpParseTimestampField reads an ISO 8601 timestamp stored under field;
 * *found is false when it is absent.
 */
bool
CdpParseTimestampField(JsonbContainer *object, const char *field,
					   TimestampTz *result, bool *found, CdpError *error)
{
	JsonbValue	v;

	*found = CdpGetEventField(object, field, &v);
	if (!*found)
		return true;
	if (v.type != jbvString ||
		!CdpParseIso8601(v.val.string.val, v.val.string.len, result))
		return CdpFieldError(error, ERRCODE_INVALID_DATETIME_FORMAT, field,
							 psprintf("event field \"%s\" is not an ISO 8601 timestamp", field),
							 "Timestamps look like 2026-11-29T14:03:07.123Z.");
	return true;
}

/*
 * The messageId of an event that has none: a digest of its content, so a
 * replay of the same event is still recognized.
 */
static text *
content_message_id(Jsonb *payload)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char		hex[2 * 16 + 1];

	CdpSha256(VARDATA(payload), VARSIZE(payload) - VARHDRSZ, digest);
	hex_encode((const char *) digest, 16, hex);
	hex[32] = '\0';
	return cstring_to_text(psprintf("content:%s", hex));
}

/*
 * Works out when the event occurred, correcting client clock skew as the
 * Segment API does: timestamp when given; otherwise originalTimestamp
 * shifted by (received_at - sentAt); otherwise the time it was received.
 */
static bool
event_time(const CdpEventContext *cxt, JsonbContainer *root,
		   TimestampTz *occurred_at, CdpError *error)
{
	TimestampTz ts,
				original,
				sent_at;
	bool		has_ts,
				has_original,
				has_sent_at;

	if (!CdpParseTimestampField(root, "timestamp", &ts, &has_ts, error) ||
		!CdpParseTimestampField(root, "originalTimestamp", &original, &has_original, error) ||
		!CdpParseTimestampField(root, "sentAt", &sent_at, &has_sent_at, error))
		return false;
	if (!has_sent_at && cxt->has_sent_at)
	{
		sent_at = cxt->sent_at;
		has_sent_at = true;
	}

	if (has_ts)
		*occurred_at = ts;
	else if (has_original && has_sent_at)
		*occurred_at = original + (cxt->received_at - sent_at);
	else if (has_original)
		*occurred_at = original;
	else
		*occurred_at = cxt->received_at;

	if (*occurred_at < MIN_EVENT_TIME)
		return CdpFieldError(error, ERRCODE_DATETIME_FIELD_OVERFLOW, NULL,
							 "event time is before 1970", NULL);
	if (*occurred_at > cxt->received_at + MAX_FUTURE_SKEW)
		return CdpFieldError(error, ERRCODE_DATETIME_FIELD_OVERFLOW, NULL,
							 "event time is more than a day in the future",
							 "The event time comes from \"timestamp\", or from \"originalTimestamp\" corrected by \"sentAt\".");
	return true;
}

/* Checks that the event is an object within the size limit, of a known type. */
static bool
parse_type(Jsonb *payload, CdpEvent *event, CdpError *error)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(payload))
		return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, NULL,
							 "event must be a JSON object", NULL);
	if (VARSIZE(payload) > (Size) cdp_max_event_bytes)
		return CdpFieldError(error, ERRCODE_PROGRAM_LIMIT_EXCEEDED, NULL,
							 "event is larger than cdp.max_event_bytes", NULL);

	if (!CdpGetEventField(&payload->root, "type", &v))
		return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, "type",
							 "event field \"type\" is missing", EVENT_TYPES_HINT);
	if (v.type == jbvString)
	{
		for (int i = 0; i < (int) lengthof(event_types); i++)
			if (strlen(event_types[i]) == (size_t) v.val.string.len &&
				memcmp(event_types[i], v.val.string.val, v.val.string.len) == 0)
				event->type = event_types[i];
	}
	if (event->type == NULL)
		return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, "type",
							 "event field \"type\" is not a known event type", EVENT_TYPES_HINT);
	return true;
}

/*
 * Reads the fields every event may have: its ids, and the objects that may
 * carry traits and identifiers.
 */
static bool
parse_common_fields(JsonbContainer *root, CdpEvent *event, CdpIdentifierFields *fields,
					CdpError *error)
{
	JsonbContainer *properties,
			   *context,
			   *consent,
			   *preferences;
	JsonbValue	v;

	if (!get_id_field(root, "messageId", &event->message_id, error) ||
		!get_id_field(root, "userId", &event->user_id, error) ||
		!get_id_field(root, "anonymousId", &event->anonymous_id, error) ||
		!get_object(root, "traits", "traits", &fields->traits, error) ||
		!get_object(root, "properties", "properties", &properties, error) ||
		!get_object(root, "context", "context", &context, error) ||
		!get_object(context, "traits", "context.traits", &fields->context_traits, error) ||
		!get_object(context, "device", "context.device", &fields->device, error) ||
		!get_object(context, "consent", "context.consent", &consent, error) ||
		!get_object(consent, "categoryPreferences", "context.consent.categoryPreferences",
					&preferences, error) ||
		(preferences != NULL && !check_consent_preferences(preferences, error)))
		return false;
	event->has_consent = (preferences != NULL && JsonContainerSize(preferences) > 0);
	if (fields->traits != NULL && strcmp(event->type, "identify") == 0 &&
		getKeyJsonValueFromContainer(root, "traits", 6, &v) != NULL)
		event->traits = JsonbValueToJsonb(&v);
	if (event->user_id == NULL && event->anonymous_id == NULL)
		return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, NULL,
							 "event has neither \"userId\" nor \"anonymousId\"", NULL);
	return true;
}

/* Reads the fields an event of its type must or may have. */
static bool
parse_type_fields(JsonbContainer *root, CdpEvent *event, CdpIdentifierFields *fields,
				  CdpError *error)
{
	JsonbValue	v;
	text	   *group_id;

	if (strcmp(event->type, "track") == 0)
	{
		if (!CdpGetEventField(root, "event", &v) || v.type != jbvString || v.val.string.len == 0)
			return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, "event",
								 "track event field \"event\" must be a non-empty string", NULL);
		event->event = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
	}
	else if (strcmp(event->type, "page") == 0 || strcmp(event->type, "screen") == 0)
	{
		if (CdpGetEventField(root, "name", &v))
		{
			if (v.type != jbvString)
				return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, "name",
									 "event field \"name\" must be a string", NULL);
			if (v.val.string.len > 0)
				event->event = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
		}
	}
	else if (strcmp(event->type, "alias") == 0)
	{
		if (!get_id_field(root, "previousId", &fields->previous_id, error))
			return false;
		if (fields->previous_id == NULL)
			return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, "previousId",
								 "alias event field \"previousId\" is missing", NULL);
	}
	else if (strcmp(event->type, "group") == 0)
	{
		if (!get_id_field(root, "groupId", &group_id, error))
			return false;
		if (group_id == NULL)
			return CdpFieldError(error, ERRCODE_INVALID_PARAMETER_VALUE, "groupId",
								 "group event field \"groupId\" is missing", NULL);
	}
	return true;
}

/*
 * CdpParseEvent validates payload as a Segment-spec event and fills *event.
 * On a bad event it fills *error and returns false.
 */
bool
CdpParseEvent(const CdpEventContext *cxt, Jsonb *payload, CdpEvent *event,
			  CdpError *error)
{
	CdpIdentifierFields fields = {0};

	memset(event, 0, sizeof(CdpEvent));
	event->payload = payload;
	event->anchor = -1;

	if (!parse_type(payload, event, error) ||
		!parse_common_fields(&payload->root, event, &fields, error) ||
		!parse_type_fields(&payload->root, event, &fields, error) ||
		!event_time(cxt, &payload->root, &event->occurred_at, error))
		return false;
	if (event->message_id == NULL)
		event->message_id = content_message_id(payload);
	return CdpAddEventIdentifiers(event, cxt->source, &fields, error);
}
