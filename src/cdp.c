/*-------------------------------------------------------------------------
 *
 * cdp.c
 *	  Library entry point: module magic, _PG_init, the cdp.* settings, and
 *	  each subsystem's initialization.
 *
 * The library works whether or not it is listed in shared_preload_libraries;
 * only the parts that need shared memory or a background worker wait for
 * the preload.  Each setting's variable belongs to the subsystem that reads
 * it and is declared in that subsystem's public header.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "activation/activation.h"
#include "consent/consent.h"
#include "http/http.h"
#include "ident/ident.h"
#include "identity/identity.h"
#include "ingest/ingest.h"
#include "segments/segments.h"
#include "worker/worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Accepts "" or a supported ISO 3166 alpha-2 region for
 * cdp.default_region, upper-casing it.
 */
static bool
check_default_region(char **newval, void **extra pg_attribute_unused(),
					 GucSource source pg_attribute_unused())
{
	const char *region;

	if (**newval == '\0')
		return true;
	region = CdpPhoneRegionCanonical(*newval);
	if (region == NULL)
	{
		GUC_check_errdetail("\"%s\" is not a supported region.", *newval);
		GUC_check_errhint("Supported regions: %s.", CdpPhoneRegionList());
		return false;
	}
	strcpy(*newval, region);
	return true;
}

/*
 * _PG_init defines the settings, reserves the "cdp" prefix and initializes
 * the subsystems (cache invalidation and transaction callbacks).
 */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	DefineCustomIntVariable("cdp.max_event_bytes",
							"Largest event accepted by ingestion, in bytes.",
							"Measured on the event's jsonb form; larger events "
							"are rejected with SQLSTATE 54000.",
							&cdp_max_event_bytes,
							32768,
							1024,
							MaxAllocSize / 2,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.max_batch_events",
							"Most events accepted in one cdp.ingest_batch call.",
							"Larger batches are refused with SQLSTATE 54000 before "
							"anything is read or written.",
							&cdp_max_batch_events,
							10000,
							1,
							1000000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("cdp.default_region",
							   "Region of phone numbers written without country code.",
							   "An ISO 3166 alpha-2 code such as FR or US; empty means "
							   "that national numbers are refused.",
							   &cdp_default_region,
							   "",
							   PGC_USERSET,
							   0,
							   check_default_region, NULL, NULL);

	DefineCustomBoolVariable("cdp.email_provider_rules",
							 "Applies mailbox providers' address rules to emails.",
							 "Gmail ignores dots and \"+tag\" in the local part, and "
							 "googlemail.com is gmail.com.",
							 &cdp_email_provider_rules,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("cdp.inline_stitching",
							 "Stitches identities as events are ingested.",
							 "Off: events are queued in cdp.stitch_queue and stitched "
							 "later by cdp.stitch_pending().",
							 &cdp_inline_stitching,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.suspect_links",
							"Links from which cdp.identity_suspects lists an identifier.",
							NULL,
							&cdp_suspect_links,
							20,
							2,
							1000000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("cdp.segment_now",
							   "The time segments and computed traits are evaluated at.",
							   "Empty: now().  An ISO 8601 timestamp fixes it, for tests "
							   "and backfills.",
							   &cdp_segment_now_setting,
							   "",
							   PGC_USERSET,
							   0,
							   CdpCheckSegmentNow, CdpAssignSegmentNow, NULL);

	DefineCustomStringVariable("cdp.purpose",
							   "What the session uses personal data for.",
							   "A purpose of cdp.purposes granted to the role "
							   "(cdp.grant_purpose); row security shows only the "
							   "people who consented to it, and none when empty.",
							   &cdp_purpose_setting,
							   "",
							   PGC_USERSET,
							   0,
							   CdpCheckPurpose, CdpAssignPurpose, NULL);

	CdpConsentInit();
	CdpIdentInit();
	CdpIngestInit();
	CdpIdentityInit();
	CdpWorkerJobsInit();
	CdpWorkerInit();
	CdpHttpInit();
	CdpActivationInit();

	/*
	 * Last, once every subsystem has defined its settings: a cdp.* value in
	 * postgresql.conf read before the library loaded is kept only if it is
	 * defined by then.
	 */
	MarkGUCPrefixReserved("cdp");
}
