/*-------------------------------------------------------------------------
 *
 * hash_ident.c
 *	  cdp.hash_ident(): SHA-256 of an identifier normalized the way an ad
 *	  platform's customer match requires.
 *
 * 'google' (Customer Match, Data Manager API): email lower-cased and, for
 * gmail.com and googlemail.com, without dots and "+tag" in the local part;
 * phone in E.164 with "+".  'meta' (Custom Audiences, Conversions API):
 * email trimmed and lower-cased; phone as digits with the country code,
 * without "+".  Identifiers of other normalizers are hashed as stored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "ident/ident.h"

PG_FUNCTION_INFO_V1(cdp_hash_ident);

typedef enum Destination
{
	DEST_GOOGLE,
	DEST_META
} Destination;

/* Parses the destination argument, raising for an unknown one. */
static Destination
parse_destination(text *arg)
{
	const char *s = VARDATA_ANY(arg);
	int			len = VARSIZE_ANY_EXHDR(arg);

	if (len == 6 && pg_strncasecmp(s, "google", 6) == 0)
		return DEST_GOOGLE;
	if (len == 4 && pg_strncasecmp(s, "meta", 4) == 0)
		return DEST_META;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown hash destination"),
			 errhint("Use 'google' or 'meta'.")));
	pg_unreachable();
}

/*
 * Writes into out the form of the normalized email value[0..len) that
 * Google hashes; returns its length.
 */
static int
google_email(const char *value, int len, char *out)
{
	const char *at = memchr(value, '@', len);
	int			local_len = at - value;
	int			domain_len = len - local_len;
	int			n = 0;

	Assert(at != NULL);
	if (!((domain_len == 10 && memcmp(at, "@gmail.com", 10) == 0) ||
		  (domain_len == 15 && memcmp(at, "@googlemail.com", 15) == 0)))
	{
		memcpy(out, value, len);
		return len;
	}
	for (int i = 0; i < local_len && value[i] != '+'; i++)
		if (value[i] != '.')
			out[n++] = value[i];
	memcpy(out + n, at, domain_len);
	return n + domain_len;
}

/* Returns the lower-case hex SHA-256 of data[0..len). */
static text *
sha256_hex(const char *data, int len)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char		hex[PG_SHA256_DIGEST_LENGTH * 2];

	CdpSha256(data, len, digest);
	hex_encode((const char *) digest, sizeof(digest), hex);
	return cstring_to_text_with_len(hex, sizeof(hex));
}

/* cdp.hash_ident(cdp.ident, destination text) */
Datum
cdp_hash_ident(PG_FUNCTION_ARGS)
{
	struct varlena *ident = PG_GETARG_CDP_IDENT_P(0);
	Destination dest = parse_destination(PG_GETARG_TEXT_PP(1));
	const CdpIdentKind *kind = CdpIdentKindOf(ident);
	char		buf[CDP_IDENT_MAX_BYTES];
	int			len;
	const char *value = CdpIdentValue(ident, &len);

	if (kind->normalizer == CDP_NORMALIZER_EMAIL && dest == DEST_GOOGLE)
	{
		len = google_email(value, len, buf);
		value = buf;
	}
	else if (kind->normalizer == CDP_NORMALIZER_PHONE && dest == DEST_META)
	{
		/* Stored as "+" and digits. */
		value++;
		len--;
	}
	PG_RETURN_TEXT_P(sha256_hex(value, len));
}
