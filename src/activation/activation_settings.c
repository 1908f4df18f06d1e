/*-------------------------------------------------------------------------
 *
 * activation_settings.c
 *	  The settings of delivery: the backoff between attempts and the
 *	  circuit breaker.  Read by the delivery SQL (current_setting) when it
 *	  records an outcome, so the worker follows the configuration file;
 *	  a superuser may set them in a session that calls that SQL itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "activation/activation_internal.h"

int			cdp_delivery_retry_delay = 1000;
int			cdp_delivery_max_retry_delay = 300000;
int			cdp_delivery_circuit_failures = 10;
int			cdp_delivery_circuit_pause = 60000;

void
CdpActivationInit(void)
{
	CdpOutboxNoticeInit();
	DefineCustomIntVariable("cdp.delivery_retry_delay",
							"Wait before the first retry of a failed delivery.",
							"Each further retry waits twice as long (with jitter: "
							"half to all of it), up to cdp.delivery_max_retry_delay; "
							"longer when the destination's Retry-After asks.",
							&cdp_delivery_retry_delay,
							1000, 1, 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.delivery_max_retry_delay",
							"Longest wait between retries of a failed delivery.",
							NULL,
							&cdp_delivery_max_retry_delay,
							300000, 1, 24 * 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.delivery_circuit_failures",
							"Failed attempts in a row after which a destination is paused.",
							"The circuit breaker: a destination that keeps failing is "
							"not tried for cdp.delivery_circuit_pause, then once; its "
							"failures do not hold up the other destinations.",
							&cdp_delivery_circuit_failures,
							10, 1, 1000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.delivery_circuit_pause",
							"How long a destination that keeps failing is paused.",
							NULL,
							&cdp_delivery_circuit_pause,
							60000, 1, 24 * 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}
