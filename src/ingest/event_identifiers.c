/*-------------------------------------------------------------------------
 *
 * event_identifiers.c
 *	  The identifiers an event carries: its userId, previousId and
 *	  anonymousId, the email and phone of its traits, its device id, and
 *	  what the source's jsonpath mappings find.
 *
 * Each value is normalized by its kind (src/ident); blocked values
 * (cdp.blocked_identifiers) and repeats are dropped.  The event's own ids
 * must be valid identifiers; other values that are not are only skipped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "ingest/ingest_internal.h"

/*
 * Adds the identifier kind:value to the event unless it is there already
 * or blocked.  A value its kind's normalizer refuses makes the event
 * invalid when it is one of the event's own ids (field names it) and is
 * skipped otherwise (field NULL: a trait or mapped value is data, not a
 * promise).  The first of the event's own identifiers added is whose event
 * it is.
 */
static bool
add_identifier(CdpEvent *event, const char *kind, const text *value,
			   const char *field, CdpError *error)
{
	Datum		datum;
	struct varlena *id;

	if (!CdpIdentMake(kind, strlen(kind), VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value),
					  &datum, error))
	{
		if (field == NULL)
			return true;
		error->field = field;
		return false;
	}
	id = DatumGetCdpIdentP(datum);
	if (CdpIdentBlocked(id))
		return true;

	for (int i = 0; i < event->nidentifiers; i++)
		if (CdpIdentEqual(DatumGetCdpIdentP(event->identifiers[i]), id))
			return true;
	if (event->nidentifiers >= CDP_MAX_EVENT_IDENTIFIERS)
		return CdpFieldError(error, ERRCODE_PROGRAM_LIMIT_EXCEEDED, NULL,
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
	if (field != NULL && event->anchor < 0)
		event->anchor = event->nidentifiers;
	event->identifiers[event->nidentifiers++] = PointerGetDatum(id);
	return true;
}

/* Adds the identifier found under key in object, if it is usable. */
static bool
add_trait_identifier(CdpEvent *event, JsonbContainer *object, const char *key,
					 const char *kind, CdpError *error)
{
	JsonbValue	v;
	text	   *value;

	/* Traits are free-form: a value of another type is no identifier. */
	if (!CdpGetEventField(object, key, &v) || (value = CdpScalarText(&v)) == NULL)
		return true;
	return add_identifier(event, kind, value, NULL, error);
}

/* Evaluates a source's jsonpath mappings against the event. */
static bool
add_mapped_identifiers(CdpEvent *event, const CdpSource *source, CdpError *error)
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
		fcinfo->args[2].value = JsonbPGetDatum(CdpEmptyJsonb());
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

			if (tok != WJB_ELEM || (value = CdpScalarText(&v)) == NULL)
				continue;
			if (!add_identifier(event, source->mappings[m].kind, value, NULL, error))
				return false;
		}
	}
	return true;
}

/*
 * CdpAddEventIdentifiers adds the identifiers of a parsed event, most
 * specific first.
 */
bool
CdpAddEventIdentifiers(CdpEvent *event, const CdpSource *source,
					   const CdpIdentifierFields *fields, CdpError *error)
{
	return (event->user_id == NULL ||
			add_identifier(event, "user_id", event->user_id, "userId", error)) &&
		(fields->previous_id == NULL ||
		 add_identifier(event, "user_id", fields->previous_id, "previousId", error)) &&
		(event->anonymous_id == NULL ||
		 add_identifier(event, "anonymous_id", event->anonymous_id, "anonymousId", error)) &&
		add_trait_identifier(event, fields->traits, "email", "email", error) &&
		add_trait_identifier(event, fields->context_traits, "email", "email", error) &&
		add_trait_identifier(event, fields->traits, "phone", "phone", error) &&
		add_trait_identifier(event, fields->context_traits, "phone", "phone", error) &&
		add_trait_identifier(event, fields->device, "id", "device_id", error) &&
		add_mapped_identifiers(event, source, error);
}
