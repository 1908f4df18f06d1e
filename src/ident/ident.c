/*-------------------------------------------------------------------------
 *
 * ident.c
 *	  The cdp.ident type: construction (CdpIdentMake), text and binary
 *	  input/output, cdp.ident(), cdp.ident_kind() and cdp.ident_value().
 *
 * Layout: varlena header, kind code (2 bytes, big-endian), normalized value
 * (UTF-8).  The text form is kind:value in the database encoding; the
 * binary form is a format byte (1), the kind name as a NUL-terminated
 * string and the value as text, both in the client encoding.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "ident/ident_internal.h"

PG_FUNCTION_INFO_V1(cdp_ident_in);
PG_FUNCTION_INFO_V1(cdp_ident_out);
PG_FUNCTION_INFO_V1(cdp_ident_recv);
PG_FUNCTION_INFO_V1(cdp_ident_send);
PG_FUNCTION_INFO_V1(cdp_ident);
PG_FUNCTION_INFO_V1(cdp_ident_kind);
PG_FUNCTION_INFO_V1(cdp_ident_names_person);
PG_FUNCTION_INFO_V1(cdp_ident_value);

#define IDENT_BINARY_VERSION	1

/* Tells whether name[0..len) is spelled like a kind: [a-z][a-z0-9_]{0,62}. */
static bool
is_kind_name(const char *name, int len)
{
	if (len < 1 || len >= NAMEDATALEN || name[0] < 'a' || name[0] > 'z')
		return false;
	for (int i = 1; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
			  name[i] == '_'))
			return false;
	return true;
}

/*
 * Words what the normalizer of kind kind_name reported as the message of
 * an invalid identifier; returns false.
 */
static bool
invalid_value(CdpError *error, const char *kind_name)
{
	error->message = psprintf("invalid identifier of kind \"%s\": %s", kind_name,
							  error->message);
	return false;
}

/*
 * CdpIdentMake normalizes value for the kind named kind and builds a
 * cdp.ident datum; on bad input returns false and fills *error (see
 * ident.h).
 */
bool
CdpIdentMake(const char *kind, int kind_len, const char *value, int value_len,
			 Datum *result, CdpError *error)
{
	char		out[CDP_IDENT_MAX_BYTES];
	const CdpIdentKind *k;
	const char *utf8;
	struct varlena *ident;
	int			len;
	int			server_len;

	k = is_kind_name(kind, kind_len) ? CdpIdentKindByName(kind, kind_len) : NULL;
	if (k == NULL)
		return CdpFail(error, ERRCODE_INVALID_TEXT_REPRESENTATION,
					   is_kind_name(kind, kind_len)
					   ? psprintf("unknown identifier kind \"%.*s\"", kind_len, kind)
					   : "invalid identifier kind",
					   NULL, "The identifier kinds are the rows of cdp.identifier_kinds.");
	if (value_len > CDP_IDENT_MAX_BYTES)
	{
		CdpTooLong(error);
		return invalid_value(error, k->name);
	}

	len = value_len;
	utf8 = CdpServerToUtf8(value, &len, error);
	if (utf8 == NULL || !CdpNormalize(k->normalizer, utf8, len, out, sizeof(out), &len, error))
		return invalid_value(error, k->name);
	if (len == 0)
	{
		CdpFail(error, ERRCODE_INVALID_TEXT_REPRESENTATION, "value is empty", NULL, NULL);
		return invalid_value(error, k->name);
	}
	/* In other encodings, keep only what can be shown again. */
	server_len = len;
	if (CdpUtf8ToServer(out, &server_len) == NULL)
	{
		CdpFail(error, ERRCODE_UNTRANSLATABLE_CHARACTER, CDP_UNTRANSLATABLE_REASON, NULL, NULL);
		return invalid_value(error, k->name);
	}

	ident = palloc(VARHDRSZ + CDP_IDENT_CODE_BYTES + len);
	SET_VARSIZE(ident, VARHDRSZ + CDP_IDENT_CODE_BYTES + len);
	((unsigned char *) VARDATA(ident))[0] = (unsigned char) (k->code >> 8);
	((unsigned char *) VARDATA(ident))[1] = (unsigned char) (k->code & 0xFF);
	memcpy(VARDATA(ident) + CDP_IDENT_CODE_BYTES, out, len);
	*result = PointerGetDatum(ident);
	return true;
}

/* Builds an identifier, raising what CdpIdentMake reports. */
static Datum
make_or_raise(const char *kind, int kind_len, const char *value, int value_len)
{
	CdpError	error;
	Datum		result;

	if (!CdpIdentMake(kind, kind_len, value, value_len, &result, &error))
		CdpRaise(&error);
	return result;
}

/* CdpIdentCode returns the kind code stored in ident. */
int
CdpIdentCode(const struct varlena *ident)
{
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(ident);

	return (p[0] << 8) | p[1];
}

/*
 * CdpIdentValue returns the normalized value of ident (UTF-8, not
 * NUL-terminated) and its length in *len.
 */
const char *
CdpIdentValue(const struct varlena *ident, int *len)
{
	*len = VARSIZE_ANY_EXHDR(ident) - CDP_IDENT_CODE_BYTES;
	return VARDATA_ANY(ident) + CDP_IDENT_CODE_BYTES;
}

/*
 * CdpIdentKindOf returns the kind of ident, raising when it was deleted
 * from cdp.identifier_kinds.
 */
const CdpIdentKind *
CdpIdentKindOf(const struct varlena *ident)
{
	const CdpIdentKind *kind = CdpIdentKindByCode(CdpIdentCode(ident));

	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("identifier kind with code %d does not exist", CdpIdentCode(ident)),
				 errhint("Insert it into cdp.identifier_kinds again with the same code and normalizer.")));
	return kind;
}

/*
 * Returns ident's value in the database encoding (not NUL-terminated) and
 * its length in *len.
 */
static const char *
value_to_server(const struct varlena *ident, int *len)
{
	const char *value = CdpUtf8ToServer(CdpIdentValue(ident, len), len);

	if (value == NULL)
		CdpRaiseUntranslatable();
	return value;
}

/* cdp.ident input: kind:value. */
Datum
cdp_ident_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *colon = strchr(str, ':');
	const char *kind = str;
	int			kind_len;

	if (colon == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid identifier: kind is missing"),
				 errdetail("An identifier is written kind:value, for example email:alice@example.com.")));
	kind_len = colon - str;
	CdpTrimAscii(&kind, &kind_len);
	PG_RETURN_DATUM(make_or_raise(kind, kind_len, colon + 1, strlen(colon + 1)));
}

/* cdp.ident output: kind:value. */
Datum
cdp_ident_out(PG_FUNCTION_ARGS)
{
	struct varlena *ident = PG_GETARG_CDP_IDENT_P(0);
	const char *kind = CdpIdentKindOf(ident)->name;
	int			len;
	const char *value = value_to_server(ident, &len);

	PG_RETURN_CSTRING(psprintf("%s:%.*s", kind, len, value));
}

/* cdp.ident binary input: format byte, kind name, value. */
Datum
cdp_ident_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	const char *kind;
	char	   *value;
	int			len;

	if (version != IDENT_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported cdp.ident binary format %d", version)));
	kind = pq_getmsgstring(buf);
	value = pq_getmsgtext(buf, buf->len - buf->cursor, &len);
	PG_RETURN_DATUM(make_or_raise(kind, strlen(kind), value, len));
}

/* cdp.ident binary output: format byte, kind name, value. */
Datum
cdp_ident_send(PG_FUNCTION_ARGS)
{
	struct varlena *ident = PG_GETARG_CDP_IDENT_P(0);
	const char *kind = CdpIdentKindOf(ident)->name;
	int			len;
	const char *value = value_to_server(ident, &len);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, IDENT_BINARY_VERSION);
	pq_sendstring(&buf, kind);
	pq_sendtext(&buf, value, len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* cdp.ident(kind text, value text) */
Datum
cdp_ident(PG_FUNCTION_ARGS)
{
	text	   *kind = PG_GETARG_TEXT_PP(0);
	text	   *value = PG_GETARG_TEXT_PP(1);

	PG_RETURN_DATUM(make_or_raise(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind),
								  VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)));
}

/* cdp.ident_kind(cdp.ident) */
Datum
cdp_ident_kind(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(CdpIdentKindOf(PG_GETARG_CDP_IDENT_P(0))->name));
}

/* cdp.ident_names_person(cdp.ident) */
Datum
cdp_ident_names_person(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CdpIdentNamesPerson(CdpIdentCode(PG_GETARG_CDP_IDENT_P(0))));
}

/* cdp.ident_value(cdp.ident) */
Datum
cdp_ident_value(PG_FUNCTION_ARGS)
{
	int			len;
	const char *value = value_to_server(PG_GETARG_CDP_IDENT_P(0), &len);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(value, len));
}

/* CdpIdentInit registers the caches' invalidation callbacks; from _PG_init. */
void
CdpIdentInit(void)
{
	CdpIdentKindsRegister();
	CdpBlocklistRegister();
}
