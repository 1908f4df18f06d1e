/*-------------------------------------------------------------------------
 *
 * segment_now.c
 *	  The evaluation time of segments and computed traits: the setting
 *	  cdp.segment_now (a strict ISO 8601 timestamp, or "" for now()) and
 *	  cdp.segment_now(), which every compiled rule calls instead of now() so
 *	  that windows can be tested and backfilled.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/timestamp.h"

#include "segments/segments.h"

char	   *cdp_segment_now_setting = NULL;

/*
 * Accepts "" or a timestamp cdp's ISO 8601 parser reads (no 'now',
 * 'epoch' or 'infinity': the time must be a time), keeping it parsed.
 */
bool
CdpCheckSegmentNow(char **newval, void **extra, GucSource source pg_attribute_unused())
{
	TimestampTz *parsed;
	TimestampTz ts;

	if (**newval == '\0')
		return true;
	if (!CdpParseIso8601(*newval, strlen(*newval), &ts))
	{
		GUC_check_errdetail("cdp.segment_now must be empty or an ISO 8601 timestamp.");
		GUC_check_errhint("For example '2026-01-31 12:00:00+00'.");
		return false;
	}
	/* GUC frees extra with free(). */
	parsed = malloc(sizeof(TimestampTz));
	if (parsed == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		return false;
	}
	*parsed = ts;
	*extra = parsed;
	return true;
}

static bool segment_now_set = false;
static TimestampTz segment_now_value;

void
CdpAssignSegmentNow(const char *newval, void *extra)
{
	segment_now_set = (newval != NULL && *newval != '\0' && extra != NULL);
	if (segment_now_set)
		segment_now_value = *(TimestampTz *) extra;
}

PG_FUNCTION_INFO_V1(cdp_segment_now);

/*
 * cdp.segment_now() → timestamptz: the setting when set, else the start of
 * the transaction (now()).
 */
Datum
cdp_segment_now(PG_FUNCTION_ARGS pg_attribute_unused())
{
	if (segment_now_set)
		PG_RETURN_TIMESTAMPTZ(segment_now_value);
	PG_RETURN_TIMESTAMPTZ(GetCurrentTransactionStartTimestamp());
}
