/*-------------------------------------------------------------------------
 *
 * masking.c
 *	  What cdp_analyst sees instead of personal data: keyed pseudonyms
 *	  (cdp.pseudonym(), an HMAC-SHA256 under the installation's masking
 *	  key, so that equal values still join and count alike) and partial
 *	  masks (cdp.mask_text()).
 *
 * The key is in cdp.masking_key, which only the extension owner reads;
 * the function reads it as its owner and keeps it for the backend until
 * the table changes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "consent/consent_internal.h"

PG_FUNCTION_INFO_V1(cdp_pseudonym);
PG_FUNCTION_INFO_V1(cdp_mask_text);

/* Bytes of the HMAC kept in a pseudonym: 128 bits, 32 hex digits. */
#define PSEUDONYM_BYTES 16

static CdpTableCache key_cache = {.tables = {"masking_key"}};
static uint8 *masking_key = NULL;
static size_t masking_key_len = 0;

void
CdpMaskingKeyRegister(void)
{
	CdpTableCacheRegister(&key_cache);
}

/* Reads the key as owner. */
static void
load_key(Oid owner)
{
	MemoryContext cxt = CdpTableCacheLoading(&key_cache);
	Oid			saved_user;
	int			saved_context;
	bool		isnull;
	bytea	   *key;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT k.key FROM cdp.masking_key k", true, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cdp.masking_key must hold exactly one key"),
				 errhint("The cdp extension is damaged; reinstall it.")));
	key = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	masking_key_len = VARSIZE_ANY_EXHDR(key);
	masking_key = MemoryContextAlloc(cxt, Max(masking_key_len, 1));
	memcpy(masking_key, VARDATA_ANY(key), masking_key_len);
	SPI_finish();
	SetUserIdAndSecContext(saved_user, saved_context);
	CdpTableCacheLoaded(&key_cache);
}

/* cdp.pseudonym(value text): the keyed hash of value, as 32 hex digits. */
Datum
cdp_pseudonym(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	char		hex[PSEUDONYM_BYTES * 2 + 1];

	if (!CdpTableCacheCurrent(&key_cache))
		load_key(CdpFunctionOwner(fcinfo->flinfo->fn_oid));
	CdpHmacSha256(masking_key, masking_key_len, VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), mac);
	hex_encode((const char *) mac, PSEUDONYM_BYTES, hex);
	hex[PSEUDONYM_BYTES * 2] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}

/*
 * cdp.mask_text(value text): the first character, then one * per further
 * character up to the last @ (an email keeps its domain); counted in
 * characters, never cutting one.
 */
Datum
cdp_mask_text(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);
	const char *at = NULL;
	StringInfoData out;
	int			pos;

	for (int i = 0; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	initStringInfo(&out);
	if (len == 0)
		PG_RETURN_TEXT_P(cstring_to_text(""));
	pos = pg_mblen(s);
	appendBinaryStringInfo(&out, s, Min(pos, len));
	while (pos < len && (at == NULL || s + pos < at))
	{
		appendStringInfoChar(&out, '*');
		pos += pg_mblen(s + pos);
	}
	if (at != NULL && s + pos <= at)
		appendBinaryStringInfo(&out, at, len - (at - s));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}
