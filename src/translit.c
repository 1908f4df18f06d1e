/*-------------------------------------------------------------------------
 *
 * translit.c
 *	  Transliteration of any script to ASCII with ICU, for name matching.
 *
 * Uses the ICU transform "Any-Latin; Latin-ASCII" (Иван -> Ivan,
 * Müller -> Muller, Ærøskøbing -> AEroskobing, Straße -> Strasse).  Opening
 * a transliterator costs milliseconds, so each backend opens it once and
 * keeps it; ASCII input never reaches ICU.  Input is in the server encoding
 * and is converted to UTF-8 first when the database uses another one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "translit.h"

static UTransliterator *to_ascii = NULL;

/* CdpCheckIcu raises an error when an ICU call failed. */
void
CdpCheckIcu(UErrorCode status, const char *what)
{
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("ICU %s failed: %s", what, u_errorName(status))));
}

static UTransliterator *
get_transliterator(void)
{
	if (to_ascii == NULL)
	{
		UErrorCode	status = U_ZERO_ERROR;
		UChar		id[64];

		u_uastrcpy(id, "Any-Latin; Latin-ASCII");
		to_ascii = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
		CdpCheckIcu(status, "transliterator open");
	}
	return to_ascii;
}

/* CdpIsAscii tells whether s[0..len) holds only 7-bit characters. */
bool
CdpIsAscii(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] & 0x80)
			return false;
	return true;
}

/*
 * CdpToAscii returns a palloc'd, NUL-terminated ASCII rendering of
 * s[0..len) and its length in *result_len.  Characters ICU cannot render in
 * ASCII are dropped.
 */
char *
CdpToAscii(const char *s, int len, int *result_len)
{
	char	   *utf8;
	UChar	   *buf;
	int32		ulen;
	int32		capacity;
	int32		limit;
	UErrorCode	status = U_ZERO_ERROR;
	char	   *result;
	int			n = 0;

	if (CdpIsAscii(s, len))
	{
		result = pnstrdup(s, len);
		*result_len = len;
		return result;
	}

	utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
											  GetDatabaseEncoding(), PG_UTF8);
	if (utf8 != s)
		len = strlen(utf8);

	/* Transliteration may lengthen the text (Æ -> AE); leave room for it. */
	capacity = 4 * len + 16;
	buf = palloc(capacity * sizeof(UChar));
	u_strFromUTF8(buf, capacity, &ulen, utf8, len, &status);
	CdpCheckIcu(status, "UTF-8 conversion");

	limit = ulen;
	utrans_transUChars(get_transliterator(), buf, &ulen, capacity, 0, &limit, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		/* Pathological expansion: redo with the size ICU asked for. */
		int32		needed = ulen;

		status = U_ZERO_ERROR;
		capacity = needed + 1;
		buf = repalloc(buf, capacity * sizeof(UChar));
		u_strFromUTF8(buf, capacity, &ulen, utf8, len, &status);
		CdpCheckIcu(status, "UTF-8 conversion");
		limit = ulen;
		utrans_transUChars(get_transliterator(), buf, &ulen, capacity, 0, &limit, &status);
	}
	CdpCheckIcu(status, "transliteration");

	result = palloc(ulen + 1);
	for (int32 i = 0; i < ulen; i++)
		if (buf[i] < 0x80)
			result[n++] = (char) buf[i];
	result[n] = '\0';
	pfree(buf);
	*result_len = n;
	return result;
}
