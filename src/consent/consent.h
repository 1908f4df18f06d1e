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
 *	  suppression.c		HMACs of erased identifiers, keys, the erasure lock
 *	  suppression_cache.c	the backend's copy of cdp.suppressions
 *	  privacy_settings.c	cdp.anonymous_retention, cdp.replay_window
 *	  erasure.sql		cdp.forget, suppressions, privacy keys
 *	  export.sql		cdp.export_profile
 *	  retention.sql		cdp.apply_retention, per-source retention
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
/* cdp.anonymous_retention and cdp.replay_window, in seconds */
extern int	cdp_anonymous_retention;
extern int	cdp_replay_window;

/*
 * Ingestion's check of identifiers against cdp.suppressions.  Begin takes
 * the erasure lock shared for the rest of the transaction (an erasure
 * meanwhile waits; one under way is waited for) and returns NULL when
 * nothing is suppressed.  The caller runs as the extension's owner.
 */
typedef struct CdpSuppressionCheck CdpSuppressionCheck;

extern CdpSuppressionCheck *CdpSuppressionCheckBegin(void);
extern bool CdpIdentSuppressed(CdpSuppressionCheck *check, Datum ident);
extern void CdpSuppressionCheckEnd(CdpSuppressionCheck *check);

#endif							/* CDP_CONSENT_H */
