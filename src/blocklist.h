/*-------------------------------------------------------------------------
 *
 * blocklist.h
 *	  cdp.blocked_identifiers: junk identifiers never taken from events.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_BLOCKLIST_H
#define CDP_BLOCKLIST_H

#include "postgres.h"

extern bool CdpIdentBlocked(const struct varlena *ident);
extern void CdpBlocklistInvalidate(Oid relid);

#endif							/* CDP_BLOCKLIST_H */
