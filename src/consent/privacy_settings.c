/*-------------------------------------------------------------------------
 *
 * privacy_settings.c
 *	  The start of the privacy operations in a backend: the settings of
 *	  cdp.apply_retention() (src/consent/retention.sql), how long anonymous
 *	  profiles and the deduplication keys of ingested messages are kept,
 *	  and the invalidation of the suppression cache.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "consent/consent_internal.h"

#define SECONDS_PER_DAY_INT	86400

/* cdp.anonymous_retention, in seconds */
int			cdp_anonymous_retention = 90 * SECONDS_PER_DAY_INT;

/* cdp.replay_window, in seconds */
int			cdp_replay_window = 30 * SECONDS_PER_DAY_INT;

/*
 * CdpPrivacyInit defines the settings and registers the suppression
 * cache's invalidation; from CdpConsentInit.
 */
void
CdpPrivacyInit(void)
{
	DefineCustomIntVariable("cdp.anonymous_retention",
							"How long a profile of anonymous identifiers only is kept after its last event.",
							"cdp.apply_retention() erases profiles whose identifiers are all "
							"anonymous_id or device_id and that have no event this recent.",
							&cdp_anonymous_retention,
							90 * SECONDS_PER_DAY_INT,
							1,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.replay_window",
							"How long the messageIds of ingested events are kept for deduplication.",
							"cdp.apply_retention() removes older keys from cdp.ingested_messages: "
							"a message replayed later than this is ingested again.",
							&cdp_replay_window,
							30 * SECONDS_PER_DAY_INT,
							1,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	CdpSuppressionCacheRegister();
}
