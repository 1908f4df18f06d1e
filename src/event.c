/*-------------------------------------------------------------------------
 *
 * event.c
 *	  Validation of Segment-spec events and extraction of what cdp stores:
 *	  typed columns, identifiers and the time the event occurred.
 *
 * Validation reports problems through CdpEventError instead of raising them,
 * so that a batch can set a bad event aside and go on without a
 * subtransaction per event.  Messages name fields, never values: event
 * payloads hold customer data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "cdp.h"
#include "digest.h"
#include "blocklist.h"
#include "event.h"
#include "ident.h"
#include "iso8601.h"

/* How far in the future an event may claim to have happened. */
#define MAX_FUTURE_SKEW		USECS_PER_DAY

/* Earliest accepted event time: 1970-01-01 00:00:00 UTC. */
#define MIN_EVENT_TIME \
	((TimestampTz) (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)

static const char *const event_types[] = {
	"identify", "track", "page", "screen", "group", "alias"
};

static bool
fail(CdpEventError *error, int sqlerrcode, const char *message, const char *detail)
{
	error->sqlerrcode = sqlerrcode;
	error->message = message;
	error->detail = detail;
	error->hint = NULL;
	return false;
}

/*
 * Looks key up in an object; JSON null counts as absent.  Returns false when
 * the key is missing.
 */
static bool
get_field(JsonbContainer *object, const char *key, JsonbValue *value)
{
	if (object == NULL ||
		getKeyJsonValueFromContainer(object, key, strlen(key), value) == NULL)
		return false;
	return value->type != jbvNull;
}

/*
 * Returns the object stored under key, or NULL when the key is absent; an
 * error, naming the field by its path, when it holds anything but an
 * object.
 */
static bool
get_object(JsonbContainer *parent, const char *key, const char *path,
		   JsonbContainer **object, CdpEventError *error)
{
	JsonbValue	v;

	*object = NULL;
	if (!get_field(parent, key, &v))
		return true;
	if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					psprintf("event field \"%s\" must be an object", path), NULL);
	*object = v.val.binary.data;
	return true;
}

/*
 * Renders a string or number as text; NULL for other JSON types (which the
 * caller reports or ignores) and for the empty string.
 */
static text *
scalar_text(const JsonbValue *v)
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
			 CdpEventError *error)
{
	JsonbValue	v;

	*result = NULL;
	if (!get_field(object, key, &v))
		return true;
	if (v.type != jbvString && v.type != jbvNumeric)
		return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					psprintf("event field \"%s\" must be a string or a number", key), NULL);
	*result = scalar_text(&v);
	if (*result != NULL && VARSIZE_ANY_EXHDR(*result) > CDP_MAX_ID_BYTES)
		return fail(error, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
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
					   TimestampTz *result, bool *found, CdpEventError *error)
{
	JsonbValue	v;

	*found = get_field(object, field, &v);
	if (!*found)
		return true;
	if (v.type != jbvString ||
		!CdpParseIso8601(v.val.string.val, v.val.string.len, result))
		return fail(error, ERRCODE_INVALID_DATETIME_FORMAT,
					psprintf("event field \"%s\" is not an ISO 8601 timestamp", field),
					"Timestamps look like 2026-11-29T14:03:07.123Z.");
	return true;
}

/*
 * Adds the identifier kind:value to the event unless it is there already
 * or blocked (cdp.blocked_identifiers).  A value its kind's normalizer
 * refuses makes the event invalid when required (the event's own userId,
 * anonymousId, previousId) and is skipped otherwise (a trait or mapped
 * value is data, not a promise).  The first required identifier added is
 * whose event it is.
 */
static bool
add_identifier(CdpEvent *event, const char *kind, const text *value,
			   bool required, CdpEventError *error)
{
	Datum		datum;
	struct varlena *id;
	CdpIdentError ierr;

	if (!CdpIdentMake(kind, strlen(kind), VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value),
					  &datum, &ierr))
	{
		if (!required)
			return true;
		error->sqlerrcode = ierr.sqlerrcode;
		error->message = ierr.reason;
		error->detail = NULL;
		error->hint = ierr.hint;
		return false;
	}
	id = DatumGetCdpIdentP(datum);
	if (CdpIdentBlocked(id))
		return true;

	for (int i = 0; i < event->nidentifiers; i++)
	{
		struct varlena *other = DatumGetCdpIdentP(event->identifiers[i]);

		if (VARSIZE_ANY(other) == VARSIZE_ANY(id) &&
			memcmp(VARDATA_ANY(other), VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)) == 0)
			return true;
	}
	if (event->nidentifiers >= CDP_MAX_EVENT_IDENTIFIERS)
		return fail(error, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
					psprintf("event carries more than %d identifiers",
							 CDP_MAX_EVENT_IDENTIFIERS), NULL);
	if (event->identifiers == NULL)
	{
		event->identifiers_size = 4;
		event->identifiers = palloc(event->identifiers_size * sizeof(Datum));
	}
	else if (event->nidentifiers == event->identifiers_size)
	{
		event->identifiers_size *= 2;
		event->identifiers = repalloc(event->identifiers,
									  event->identifiers_size * sizeof(Datum));
	}
	if (required && event->anchor < 0)
		event->anchor = event->nidentifiers;
	event->identifiers[event->nidentifiers++] = PointerGetDatum(id);
	return true;
}

/* Adds the identifier found under key in object, if it is usable. */
static bool
add_trait_identifier(CdpEvent *event, JsonbContainer *object, const char *key,
					 const char *kind, CdpEventError *error)
{
	JsonbValue	v;
	text	   *value;

	/* Traits are free-form: a value of another type is no identifier. */
	if (!get_field(object, key, &v) || (value = scalar_text(&v)) == NULL)
		return true;
	return add_identifier(event, kind, value, false, error);
}

/* The empty object passed as jsonpath variables. */
static Jsonb *
empty_object(void)
{
	static Jsonb *empty = NULL;

	if (empty == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		empty = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
		MemoryContextSwitchTo(old);
	}
	return empty;
}

/* Evaluates a source's jsonpath mappings against the event. */
static bool
add_mapped_identifiers(CdpEvent *event, const CdpSource *source,
					   CdpEventError *error)
{
	for (int m = 0; m < source->nmappings; m++)
	{
		LOCAL_FCINFO(fcinfo, 4);
		Datum		found;
		Jsonb	   *array;
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		/* jsonb_path_query_array(payload, path, '{}', silent => true) */
		InitFunctionCallInfoData(*fcinfo, NULL, 4, InvalidOid, NULL, NULL);
		fcinfo->args[0].value = JsonbPGetDatum(event->payload);
		fcinfo->args[0].isnull = false;
		fcinfo->args[1].value = source->mappings[m].path;
		fcinfo->args[1].isnull = false;
		fcinfo->args[2].value = JsonbPGetDatum(empty_object());
		fcinfo->args[2].isnull = false;
		fcinfo->args[3].value = BoolGetDatum(true);
		fcinfo->args[3].isnull = false;
		found = jsonb_path_query_array(fcinfo);
		if (fcinfo->isnull)
			continue;
		array = DatumGetJsonbP(found);

		it = JsonbIteratorInit(&array->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			text	   *value;

			if (tok != WJB_ELEM || (value = scalar_text(&v)) == NULL)
				continue;
			if (!add_identifier(event, source->mappings[m].kind, value, false, error))
				return false;
		}
	}
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
		   TimestampTz *occurred_at, CdpEventError *error)
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
		return fail(error, ERRCODE_DATETIME_FIELD_OVERFLOW,
					"event time is before 1970", NULL);
	if (*occurred_at > cxt->received_at + MAX_FUTURE_SKEW)
		return fail(error, ERRCODE_DATETIME_FIELD_OVERFLOW,
					"event time is more than a day in the future",
					"The event time comes from \"timestamp\", or from \"originalTimestamp\" corrected by \"sentAt\".");
	return true;
}

/*
 * CdpParseEvent validates payload as a Segment-spec event and fills *event.
 * On a bad event it fills *error and returns false.
 */
bool
CdpParseEvent(const CdpEventContext *cxt, Jsonb *payload, CdpEvent *event,
			  CdpEventError *error)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *traits,
			   *context,
			   *properties,
			   *device = NULL,
			   *context_traits = NULL;
	JsonbValue	v;
	text	   *previous_id = NULL;
	text	   *group_id = NULL;

	memset(event, 0, sizeof(CdpEvent));
	event->payload = payload;
	event->anchor = -1;

	if (!JB_ROOT_IS_OBJECT(payload))
		return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					"event must be a JSON object", NULL);
	if (VARSIZE(payload) > (Size) cdp_max_event_bytes)
		return fail(error, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
					"event is larger than cdp.max_event_bytes", NULL);

	if (!get_field(root, "type", &v))
		return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					"event field \"type\" is missing",
					"It is one of identify, track, page, screen, group, alias.");
	if (v.type == jbvString)
	{
		for (int i = 0; i < (int) lengthof(event_types); i++)
			if (strlen(event_types[i]) == (size_t) v.val.string.len &&
				memcmp(event_types[i], v.val.string.val, v.val.string.len) == 0)
				event->type = event_types[i];
	}
	if (event->type == NULL)
		return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					"event field \"type\" is not a known event type",
					"It is one of identify, track, page, screen, group, alias.");

	if (!get_id_field(root, "messageId", &event->message_id, error) ||
		!get_id_field(root, "userId", &event->user_id, error) ||
		!get_id_field(root, "anonymousId", &event->anonymous_id, error) ||
		!get_object(root, "traits", "traits", &traits, error) ||
		!get_object(root, "properties", "properties", &properties, error) ||
		!get_object(root, "context", "context", &context, error) ||
		!get_object(context, "traits", "context.traits", &context_traits, error) ||
		!get_object(context, "device", "context.device", &device, error))
		return false;
	if (traits != NULL && strcmp(event->type, "identify") == 0 &&
		getKeyJsonValueFromContainer(root, "traits", 6, &v) != NULL)
		event->traits = JsonbValueToJsonb(&v);
	if (event->user_id == NULL && event->anonymous_id == NULL)
		return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
					"event has neither \"userId\" nor \"anonymousId\"", NULL);

	if (strcmp(event->type, "track") == 0)
	{
		if (!get_field(root, "event", &v) || v.type != jbvString || v.val.string.len == 0)
			return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
						"track event field \"event\" must be a non-empty string", NULL);
		event->event = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
	}
	else if (strcmp(event->type, "page") == 0 || strcmp(event->type, "screen") == 0)
	{
		if (get_field(root, "name", &v))
		{
			if (v.type != jbvString)
				return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
							"event field \"name\" must be a string", NULL);
			if (v.val.string.len > 0)
				event->event = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
		}
	}
	else if (strcmp(event->type, "alias") == 0)
	{
		if (!get_id_field(root, "previousId", &previous_id, error))
			return false;
		if (previous_id == NULL)
			return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
						"alias event field \"previousId\" is missing", NULL);
	}
	else if (strcmp(event->type, "group") == 0)
	{
		if (!get_id_field(root, "groupId", &group_id, error))
			return false;
		if (group_id == NULL)
			return fail(error, ERRCODE_INVALID_PARAMETER_VALUE,
						"group event field \"groupId\" is missing", NULL);
	}

	if (!event_time(cxt, root, &event->occurred_at, error))
		return false;

	if (event->message_id == NULL)
		event->message_id = content_message_id(payload);

	/* The identifiers, most specific first. */
	if ((event->user_id && !add_identifier(event, "user_id", event->user_id, true, error)) ||
		(previous_id && !add_identifier(event, "user_id", previous_id, true, error)) ||
		(event->anonymous_id && !add_identifier(event, "anonymous_id", event->anonymous_id, true, error)) ||
		!add_trait_identifier(event, traits, "email", "email", error) ||
		!add_trait_identifier(event, context_traits, "email", "email", error) ||
		!add_trait_identifier(event, traits, "phone", "phone", error) ||
		!add_trait_identifier(event, context_traits, "phone", "phone", error) ||
		!add_trait_identifier(event, device, "id", "device_id", error) ||
		!add_mapped_identifiers(event, cxt->source, error))
		return false;

	return true;
}
