/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  Entries in cdp.audit_log from C: the identity graph's manual changes
 *	  (cdp.link, cdp.unlink, cdp.quarantine) say what they did to whom.
 *	  The entry is written by cdp.audit() (src/consent/audit.sql), as the
 *	  session's role and purpose.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "consent/consent_internal.h"

static CdpPlanCache audit_plan;

/*
 * CdpAudit appends an entry: action on profile_id, with detail (a JSON
 * object, no personal data).  SPI is connected.  A database still at
 * 0.1.0 has no audit log: nothing is written.
 */
void
CdpAudit(const char *action, int64 profile_id, const char *detail)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, INT8OID, JSONBOID};
	Datum		args[4];

	if (!OidIsValid(get_relname_relid("audit_log", CdpSchemaOid())))
		return;
	args[0] = CStringGetTextDatum(action);
	args[1] = CStringGetTextDatum(psprintf("profile:" INT64_FORMAT, profile_id));
	args[2] = Int64GetDatum(profile_id);
	args[3] = CdpJsonbFromString(detail);
	CdpExecute(CdpPlan(&audit_plan, "SELECT cdp.audit($1, $2, $3, $4)", 4, argtypes),
			   args, SPI_OK_SELECT);
}
