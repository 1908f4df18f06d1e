/*-------------------------------------------------------------------------
 *
 * consent.h
 *	  The public header of src/consent: the purpose a session declares
 *	  (cdp.purpose), the purposes and regions its role may use, and the
 *	  per-profile consent state that row security compares with them.
 *
 *	  purpose.c			the cdp.purpose setting; cdp.purpose_mask(),
 *						cdp.region_allowed(), cdp.consent_in_force()
 *	  purpose_cache.c	the backend's copy of cdp.purposes, role_purposes
 *						and role_regions
 *	  masking.c			keyed pseudonyms and partial masks for cdp_analyst
 *	  audit.c			audit log entries written from C
 *	  consent.sql		roles, purposes, consents and their current state
 *	  consent_api.sql	set_consent, grant_purpose, grant_region, ...
 *	  audit.sql			the append-only audit log
 *	  masking.sql		the masked views cdp_analyst reads
 *	  row_security.sql	the policies and the roles' grants
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_CONSENT_H
#define CDP_CONSENT_H

#include "core/core.h"
#include "utils/guc.h"

/* cdp.purpose: "" (none) or the name of a purpose. */
extern char *cdp_purpose_setting;
extern bool CdpCheckPurpose(char **newval, void **extra, GucSource source);
extern void CdpAssignPurpose(const char *newval, void *extra);

extern void CdpConsentInit(void);

/* audit.c: an entry in cdp.audit_log for action on a profile. */
extern void CdpAudit(const char *action, int64 profile_id, const char *detail);

#endif							/* CDP_CONSENT_H */
