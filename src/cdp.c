/*-------------------------------------------------------------------------
 *
 * cdp.c
 *	  Library entry point: module magic, _PG_init and the cdp.* settings.
 *
 * The library works whether or not it is listed in shared_preload_libraries;
 * only the parts that need shared memory or a background worker wait for
 * the preload.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "cdp.h"

PG_MODULE_MAGIC;

int			cdp_max_event_bytes = 32768;

void		_PG_init(void);

/*
 * _PG_init defines the settings and reserves the "cdp" prefix.
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

	MarkGUCPrefixReserved("cdp");

	CdpRegisterCacheCallbacks();
}
