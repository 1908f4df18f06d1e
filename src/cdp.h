/*-------------------------------------------------------------------------
 *
 * cdp.h
 *	  Settings and entry points shared by the cdp modules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_H
#define CDP_H

/* cdp.max_event_bytes: largest accepted event, in bytes of jsonb */
extern int	cdp_max_event_bytes;

#endif							/* CDP_H */
