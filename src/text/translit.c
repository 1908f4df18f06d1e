/*-------------------------------------------------------------------------
 *
 * translit.c
 *	  Transliteration of any script to ASCII with ICU, for name matching.
 *
 * Uses the ICU transform "Any-Latin; Latin-ASCII" (Иван -> Ivan,
 * Müller -> Muller, Ærøskøbing -> AEroskobing, Straße -> Strasse).  Opening
 * a transliterator costs milliseconds, so each backend opens it once and
 * keeps it, with the results for recent short texts; ASCII input never
 * reaches ICU.  Input is in the server encoding
 * and is converted to UTF-8 first when the database uses another one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "text/text.h"

static UTransliterator *to_ascii = NULL;

/* Returns this backend's transliterator, opening it the first time. */
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

/* The ICU transliteration of UTF-8 text[0..len), palloc'd. */
static char *
transliterate(const char *utf8, int len, int *result_len)
{
	UChar	   *buf;
	int32		ulen;
	int32		capacity;
	int32		limit;
	UErrorCode	status = U_ZERO_ERROR;
	char	   *result;
	int			n = 0;

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

/*
 * Transliteration is a thousand times dearer than a hash probe, and names
 * repeat: each backend remembers the results for short texts.  When full,
 * the cache starts over.
 */
#define CACHE_MAX_ENTRIES	8192
#define CACHE_MAX_BYTES		128

typedef struct CacheKey
{
	const char *text;			/* UTF-8 */
	int			len;
} CacheKey;

typedef struct CachedText
{
	CacheKey	key;			/* its text lives in cache_cxt */
	char	   *ascii;
	int			ascii_len;
	uint32		hash;
	char		status;
} CachedText;

#define SH_PREFIX		translit_cache
#define SH_ELEMENT_TYPE	CachedText
#define SH_KEY_TYPE		CacheKey
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_STORE_HASH
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key).text, (key).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).text, (b).text, (a).len) == 0)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#define SH_KEY			key
#include "lib/simplehash.h"

static MemoryContext cache_cxt = NULL;
static translit_cache_hash *cache = NULL;

/*
 * CdpToAscii returns a palloc'd, NUL-terminated ASCII rendering of
 * s[0..len) and its length in *result_len.  Characters ICU cannot render in
 * ASCII are dropped.
 */
char *
CdpToAscii(const char *s, int len, int *result_len)
{
	char	   *utf8;
	CachedText *entry;
	CacheKey	key;
	bool		found;
	MemoryContext old;

	if (CdpIsAscii(s, len))
	{
		*result_len = len;
		return pnstrdup(s, len);
	}

	utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
											  GetDatabaseEncoding(), PG_UTF8);
	if (utf8 != s)
		len = strlen(utf8);
	if (len > CACHE_MAX_BYTES)
		return transliterate(utf8, len, result_len);

	if (cache == NULL || cache->members >= CACHE_MAX_ENTRIES)
	{
		if (cache_cxt == NULL)
			cache_cxt = AllocSetContextCreate(TopMemoryContext, "cdp transliteration cache",
											  ALLOCSET_DEFAULT_SIZES);
		MemoryContextReset(cache_cxt);
		cache = translit_cache_create(cache_cxt, 1024, NULL);
	}
	key.text = utf8;
	key.len = len;
	entry = translit_cache_lookup(cache, key);
	if (entry == NULL)
	{
		char	   *ascii = transliterate(utf8, len, result_len);

		old = MemoryContextSwitchTo(cache_cxt);
		key.text = pnstrdup(utf8, len);
		entry = translit_cache_insert(cache, key, &found);
		entry->ascii = pnstrdup(ascii, *result_len);
		entry->ascii_len = *result_len;
		MemoryContextSwitchTo(old);
		return ascii;
	}
	*result_len = entry->ascii_len;
	return pnstrdup(entry->ascii, entry->ascii_len);
}
