/*-------------------------------------------------------------------------
 *
 * outbox_notice.c
 *	  What the outbox tells others: ingestion, whether any destination
 *	  forwards events (so that it writes nothing when none does), and the
 *	  delivery worker, that a transaction left something to send.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"

#include "activation/activation_internal.h"

PG_FUNCTION_INFO_V1(cdp_announce_delivery);

static CdpTableCache filters_cache = {.tables = {"destination_event_filters"}};
static bool forwarded = false;

void
CdpOutboxNoticeInit(void)
{
	CdpTableCacheRegister(&filters_cache);
}

bool
CdpEventsForwarded(void)
{
	if (!CdpTableCacheCurrent(&filters_cache))
	{
		(void) CdpTableCacheLoading(&filters_cache);
		forwarded = false;
		if (OidIsValid(filters_cache.relids[0]))
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			if (SPI_execute("SELECT 1 FROM cdp.destination_event_filters LIMIT 1", true, 1) != SPI_OK_SELECT)
				elog(ERROR, "reading cdp.destination_event_filters failed");
			forwarded = (SPI_processed > 0);
			SPI_finish();
		}
		CdpTableCacheLoaded(&filters_cache);
	}
	return forwarded;
}

/* cdp.announce_delivery(queued): wake the delivery worker at commit. */
Datum
cdp_announce_delivery(PG_FUNCTION_ARGS)
{
	if (PG_GETARG_INT64(0) > 0)
		CdpAnnounceWork(CDP_WORK_DELIVERY);
	PG_RETURN_VOID();
}
