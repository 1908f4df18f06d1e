/*-------------------------------------------------------------------------
 *
 * encoding.c
 *	  Conversions between the database encoding and UTF-8, in which cdp
 *	  normalizes and stores identifier values whatever the database
 *	  encoding.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "mb/pg_wchar.h"

#include "text/text.h"

/*
 * CdpServerToUtf8 returns s[0..*len) (database encoding) in UTF-8, updating
 * *len; NULL with *error set when it is not valid UTF-8 (possible only in a
 * SQL_ASCII database, which does not check what it stores).
 */
const char *
CdpServerToUtf8(const char *s, int *len, CdpError *error)
{
	int			encoding = GetDatabaseEncoding();
	char	   *utf8;

	if (encoding == PG_UTF8 || CdpIsAscii(s, *len))
		return s;
	if (encoding == PG_SQL_ASCII)
	{
		if (!pg_verify_mbstr(PG_UTF8, s, *len, true))
		{
			CdpFail(error, ERRCODE_CHARACTER_NOT_IN_REPERTOIRE, "value is not valid UTF-8",
					NULL, NULL);
			return NULL;
		}
		return s;
	}
	utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, *len, encoding, PG_UTF8);
	*len = strlen(utf8);
	return utf8;
}

/*
 * CdpUtf8ToServer returns UTF-8 s[0..*len) in the database encoding,
 * updating *len: s itself when no conversion is needed, else a palloc'd,
 * NUL-terminated copy.  NULL when s has a character the encoding lacks
 * (rather than PostgreSQL's error, which would quote its bytes).
 */
const char *
CdpUtf8ToServer(const char *s, int *len)
{
	int			encoding = GetDatabaseEncoding();
	int			cap = *len * MAX_CONVERSION_GROWTH + 1;
	unsigned char *buf;

	if (encoding == PG_UTF8 || encoding == PG_SQL_ASCII || CdpIsAscii(s, *len))
		return s;
	buf = palloc(cap);
	if (pg_do_encoding_conversion_buf(FindDefaultConversionProc(PG_UTF8, encoding),
									  PG_UTF8, encoding, (unsigned char *) s, *len,
									  buf, cap, true) < *len)
	{
		pfree(buf);
		return NULL;
	}
	*len = strlen((char *) buf);
	return (char *) buf;
}

/*
 * CdpRaiseUntranslatable reports a normalized value that the database
 * encoding cannot represent.
 */
void
CdpRaiseUntranslatable(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
			 errmsg("normalized value has a character that the database encoding cannot represent"),
			 errhint("Use a UTF-8 database.")));
}
