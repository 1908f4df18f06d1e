/*-------------------------------------------------------------------------
 *
 * activation.h
 *	  The public header of src/activation: destinations that receive
 *	  segment changes and events, through an outbox written in the
 *	  changing transaction and a delivery worker that sends it.
 *
 *	  destinations.sql		destinations, their segments and event filters
 *	  outbox.sql			the outbox and what writes it
 *	  delivery.sql			requests, retries, dead letters, status
 *	  activation_settings.c	the cdp.delivery_* settings
 *	  outbox_notice.c		whether events are forwarded; waking the worker
 *	  run_as_owner.c		transforms and table inserts with the owner's rights
 *	  delivery_request.c	one HTTP request (libcurl), signed
 *	  delivery_worker.c		the delivery worker's loop
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_ACTIVATION_H
#define CDP_ACTIVATION_H

#include "core/core.h"

/* cdp.delivery_* (activation_settings.c) */
extern int	cdp_delivery_retry_delay;
extern int	cdp_delivery_max_retry_delay;
extern int	cdp_delivery_circuit_failures;
extern int	cdp_delivery_circuit_pause;

extern void CdpActivationInit(void);

/* Whether some destination forwards ingested events (cdp.forward_events). */
extern bool CdpEventsForwarded(void);

/*
 * The delivery worker's work, in the database it is connected to: sends
 * what the outbox holds until period_end (then finishes what is in
 * flight) or until nothing is due within a moment.  Returns true when
 * more is due now; else *next_due is when something is (0: nothing is
 * waiting).
 */
extern bool CdpDeliveryServe(TimestampTz period_end, TimestampTz *next_due);

#endif							/* CDP_ACTIVATION_H */
