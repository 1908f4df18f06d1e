/*-------------------------------------------------------------------------
 *
 * owner_context.c
 *	  Running what a user supplied (a destination's transform, a scoring
 *	  model's feature query) with that user's rights, not those of the
 *	  caller, which may be a superuser's background worker.
 *
 * It runs as a security-restricted operation, as PostgreSQL runs a table
 * owner's index expressions during maintenance: the owner's code cannot
 * SET ROLE back to the caller's user, and the settings it changes are
 * undone afterwards.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "core/core.h"

void
CdpBecomeOwner(Oid owner, CdpOwnerContext *cxt)
{
	GetUserIdAndSecContext(&cxt->saved_user, &cxt->saved_sec_context);
	SetUserIdAndSecContext(owner, cxt->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	cxt->guc_nest_level = NewGUCNestLevel();
}

/* Back to the caller (an error gets there by the (sub)transaction's abort). */
void
CdpBackFromOwner(const CdpOwnerContext *cxt)
{
	AtEOXact_GUC(false, cxt->guc_nest_level);
	SetUserIdAndSecContext(cxt->saved_user, cxt->saved_sec_context);
}
