/*-------------------------------------------------------------------------
 *
 * purpose.c
 *	  The purpose a session declares (SET cdp.purpose) and what row
 *	  security asks of it: the purpose's bit, once the current role may use
 *	  it (cdp.purpose_mask()); whether the role may see a region
 *	  (cdp.region_allowed()); and, after a consent's expiry, whether a
 *	  profile still consents to the purpose (cdp.consent_in_force()).
 *
 * Row security calls these on every row, so the answers are worked out
 * once per statement, for the role and purpose of that statement: a
 * prepared statement reused after SET ROLE or SET cdp.purpose gets the
 * new answer, and so does the next statement after a grant changes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "consent/consent_internal.h"

PG_FUNCTION_INFO_V1(cdp_purpose_mask);
PG_FUNCTION_INFO_V1(cdp_region_allowed);
PG_FUNCTION_INFO_V1(cdp_consent_in_force);

char	   *cdp_purpose_setting = NULL;

/* Bumped by every SET cdp.purpose: the per-statement answer is stale. */
static uint64 purpose_generation = 0;

/* The answers for one statement, role and purpose. */
typedef struct StatementAccess
{
	bool		valid;
	Oid			userid;
	TimestampTz statement_start;
	LocalTransactionId lxid;
	uint64		purpose_generation;
	uint64		catalog_generation;
	int64		mask;			/* the purpose's bit; 0 when none declared */
	bool		all_regions;	/* granted "*" (or a superuser) */
	int			nregions;
	char	  **regions;		/* in access_cxt */
} StatementAccess;

static StatementAccess stmt_access;
static MemoryContext access_cxt = NULL;

/*
 * Accepts "" or a purpose name's shape (lower-case letters, digits and _,
 * starting with a letter, at most 63 bytes).  Whether the purpose exists
 * and the role may use it is checked when row security asks, in a
 * transaction.
 */
bool
CdpCheckPurpose(char **newval, void **extra pg_attribute_unused(),
				GucSource source pg_attribute_unused())
{
	const char *p = *newval;
	size_t		len = strlen(p);

	if (len == 0)
		return true;
	if (len > 63 || !(p[0] >= 'a' && p[0] <= 'z'))
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			goto bad;
	return true;
bad:
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errmsg("invalid purpose name");
	GUC_check_errdetail("A purpose is named by 1 to 63 lower-case letters, digits and _, starting with a letter.");
	GUC_check_errhint("The purposes are listed in cdp.purposes.");
	return false;
}

void
CdpAssignPurpose(const char *newval pg_attribute_unused(), void *extra pg_attribute_unused())
{
	purpose_generation++;
}

void
CdpConsentInit(void)
{
	CdpPurposeCatalogRegister();
	CdpMaskingKeyRegister();
	CdpPrivacyInit();
}

/* Whether the current role has the privileges of one of roles[0..n). */
static bool
has_any_role(Oid userid, const Oid *roles, int n)
{
	for (int i = 0; i < n; i++)
		if (has_privs_of_role(userid, roles[i]))
			return true;
	return false;
}

/* The purpose's bit, raising 22023 / 42501 unless userid may use it. */
static int64
resolve_purpose(const CdpPurposeCatalog *cat, Oid userid)
{
	const char *name = cdp_purpose_setting;

	if (name == NULL || *name == '\0')
		return 0;
	for (int i = 0; i < cat->npurposes; i++)
	{
		const CdpPurpose *purpose = &cat->purposes[i];

		if (strcmp(purpose->name, name) != 0)
			continue;
		if (!superuser_arg(userid) && !has_any_role(userid, purpose->roles, purpose->nroles))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("role \"%s\" may not use purpose \"%s\"",
							GetUserNameFromId(userid, false), name),
					 errhint("cdp.grant_purpose(role, purpose) grants a role a purpose.")));
		return INT64CONST(1) << purpose->bit;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("purpose \"%s\" does not exist", name),
			 errhint("The purposes are listed in cdp.purposes.")));
	return 0;					/* keep the compiler quiet */
}

/* The regions userid may see, into stmt_access. */
static void
resolve_regions(const CdpPurposeCatalog *cat, Oid userid)
{
	stmt_access.all_regions = superuser_arg(userid);
	stmt_access.nregions = 0;
	stmt_access.regions = MemoryContextAlloc(access_cxt, Max(cat->ngrants, 1) * sizeof(char *));
	for (int i = 0; i < cat->ngrants && !stmt_access.all_regions; i++)
	{
		const CdpRegionGrant *grant = &cat->grants[i];

		if (!has_privs_of_role(userid, grant->role))
			continue;
		if (strcmp(grant->region, "*") == 0)
			stmt_access.all_regions = true;
		else
			stmt_access.regions[stmt_access.nregions++] = MemoryContextStrdup(access_cxt, grant->region);
	}
}

/*
 * The answers for the running statement, worked out on its first call
 * (function fn_oid reads the catalog as its owner).
 */
static const StatementAccess *
statement_access(Oid fn_oid)
{
	const CdpPurposeCatalog *cat = CdpPurposeCatalogGet(fn_oid);
	Oid			userid = GetUserId();
	TimestampTz start = GetCurrentStatementStartTimestamp();

	if (stmt_access.valid && stmt_access.userid == userid && stmt_access.statement_start == start &&
		stmt_access.lxid == MyProc->lxid && stmt_access.purpose_generation == purpose_generation &&
		stmt_access.catalog_generation == cat->generation)
		return &stmt_access;

	stmt_access.valid = false;
	if (access_cxt == NULL)
		access_cxt = AllocSetContextCreate(TopMemoryContext, "cdp statement access",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(access_cxt);
	stmt_access.mask = resolve_purpose(cat, userid);
	resolve_regions(cat, userid);
	stmt_access.userid = userid;
	stmt_access.statement_start = start;
	stmt_access.lxid = MyProc->lxid;
	stmt_access.purpose_generation = purpose_generation;
	stmt_access.catalog_generation = cat->generation;
	stmt_access.valid = true;
	return &stmt_access;
}

Datum
cdp_purpose_mask(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(statement_access(fcinfo->flinfo->fn_oid)->mask);
}

Datum
cdp_region_allowed(PG_FUNCTION_ARGS)
{
	const StatementAccess *a = statement_access(fcinfo->flinfo->fn_oid);
	text	   *region;

	if (a->all_regions)
		PG_RETURN_BOOL(true);
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	region = PG_GETARG_TEXT_PP(0);
	for (int i = 0; i < a->nregions; i++)
	{
		size_t		len = strlen(a->regions[i]);

		if (len == VARSIZE_ANY_EXHDR(region) && memcmp(a->regions[i], VARDATA_ANY(region), len) == 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}

static CdpPlanCache in_force_plan;

Datum
cdp_consent_in_force(PG_FUNCTION_ARGS)
{
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		args[2];
	Oid			saved_user;
	int			saved_context;
	bool		in_force = false;
	bool		isnull;

	if (statement_access(fn_oid)->mask == 0)
		PG_RETURN_BOOL(false);
	args[0] = PG_GETARG_DATUM(0);
	args[1] = CStringGetTextDatum(cdp_purpose_setting);
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(CdpFunctionOwner(fn_oid), saved_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CdpExecuteReadOnly(CdpPlan(&in_force_plan,
							   "SELECT pg_catalog.bool_and(c.granted AND (c.expires_at IS NULL"
							   "        OR c.expires_at OPERATOR(pg_catalog.>) pg_catalog.statement_timestamp()))"
							   "  FROM cdp.identities i"
							   "  JOIN cdp.identifier_consents c ON c.ident OPERATOR(cdp.=) i.ident"
							   " WHERE i.profile_id OPERATOR(pg_catalog.=) $1"
							   "   AND c.purpose OPERATOR(pg_catalog.=) $2",
							   2, argtypes),
					   args);
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		in_force = !isnull && DatumGetBool(d);
	}
	SPI_finish();
	SetUserIdAndSecContext(saved_user, saved_context);
	PG_RETURN_BOOL(in_force);
}
