/*-------------------------------------------------------------------------
 *
 * translit.c
 *	  Transliteration of any script to ASCII with ICU, for name matching.
 *
 * Uses the ICU transform "Any-Latin; Latin-ASCII" (Иван -> Ivan,
 * Müller -> Muller, Ærøskøbing -> AEroskobing, Straße -> Strasse).  Opening
 * a transliterator costs milliseconds, so each backend opens it once and
 * keeps it, with the results for recent short texts; ASCII input never
 * reaches ICU.  Long text is transliterated in pieces (see PIECE_UNITS),
 * parted at white space or between characters, and can be cancelled between
 * them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>

#include "text/text.h"

static UTransliterator *to_ascii = NULL;
static UBreakIterator *characters = NULL;

/*
 * Longest piece of text, in UTF-16 units, given to ICU at once.  ICU's time
 * grows with the square of the length of what it transliterates (320,000
 * characters took 12.5 s, 40,000 took 0.27 s, a million about 160 s), so
 * long text goes in pieces of about this size: its cost stays linear
 * (about 2 s for a million), and the loop between pieces can be cancelled.
 */
#define PIECE_UNITS		512

/* Room for a transliterated piece, which may be longer (Æ -> AE). */
#define PIECE_ROOM		(4 * PIECE_UNITS + 16)

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

/* Returns this backend's iterator over user-perceived characters. */
static UBreakIterator *
get_character_iterator(void)
{
	if (characters == NULL)
	{
		UErrorCode	status = U_ZERO_ERROR;

		characters = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &status);
		CdpCheckIcu(status, "character iterator open");
	}
	return characters;
}

/*
 * piece_end returns where the piece of text[0..len) that starts at start
 * ends: after the last white space within PIECE_UNITS, else at the last
 * boundary between user-perceived characters (a letter is not parted from
 * its combining marks), else between two code points.
 */
static int32
piece_end(const UChar *text, int32 len, int32 start)
{
	int32		limit = start + PIECE_UNITS;
	int32		end;
	UErrorCode	status = U_ZERO_ERROR;
	UBreakIterator *iter;

	if (len - start <= PIECE_UNITS)
		return len;
	for (end = limit; end > start; end--)
		if (u_isUWhiteSpace(text[end - 1]))
			return end;

	iter = get_character_iterator();
	/* A few units past the limit show whether a character goes on. */
	ubrk_setText(iter, text + start, Min(len, limit + 16) - start, &status);
	CdpCheckIcu(status, "character iteration");
	end = ubrk_preceding(iter, PIECE_UNITS + 1);
	if (end != UBRK_DONE && end > 0)
		return start + end;
	/* One character of more than PIECE_UNITS units: part it anyway. */
	return U16_IS_TRAIL(text[limit]) ? limit - 1 : limit;
}

/*
 * transliterate_piece appends the ASCII transliteration of the UTF-16
 * piece[0..len) (len <= PIECE_UNITS) to out.
 */
static void
transliterate_piece(const UChar *piece, int32 len, StringInfo out)
{
	UChar		buf[PIECE_ROOM];
	UChar	   *work = buf;
	int32		capacity = PIECE_ROOM;
	int32		n = len;
	int32		limit = len;
	UErrorCode	status = U_ZERO_ERROR;

	memcpy(buf, piece, len * sizeof(UChar));
	utrans_transUChars(get_transliterator(), work, &n, capacity, 0, &limit, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		/* Pathological expansion: redo with the room ICU asked for. */
		capacity = n + 1;
		work = palloc(capacity * sizeof(UChar));
		memcpy(work, piece, len * sizeof(UChar));
		n = limit = len;
		status = U_ZERO_ERROR;
		utrans_transUChars(get_transliterator(), work, &n, capacity, 0, &limit, &status);
	}
	CdpCheckIcu(status, "transliteration");

	enlargeStringInfo(out, n);
	for (int32 i = 0; i < n; i++)
		if (work[i] < 0x80)
			out->data[out->len++] = (char) work[i];
	out->data[out->len] = '\0';
	if (work != buf)
		pfree(work);
}

/*
 * transliterate returns the palloc'd ASCII transliteration of the UTF-8
 * text utf8[0..len) and its length in *result_len, made piece by piece.
 */
static char *
transliterate(const char *utf8, int len, int *result_len)
{
	UChar	   *text;
	int32		ulen;
	UErrorCode	status = U_ZERO_ERROR;
	StringInfoData out;

	/* UTF-16 never takes more units than UTF-8 takes bytes. */
	text = palloc((len + 1) * sizeof(UChar));
	u_strFromUTF8(text, len + 1, &ulen, utf8, len, &status);
	CdpCheckIcu(status, "UTF-8 conversion");

	initStringInfo(&out);
	for (int32 start = 0, end; start < ulen; start = end)
	{
		CHECK_FOR_INTERRUPTS();
		end = piece_end(text, ulen, start);
		transliterate_piece(text + start, end - start, &out);
	}
	pfree(text);
	*result_len = out.len;
	return out.data;
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
 * CdpUtf8ToAscii returns a palloc'd, NUL-terminated ASCII rendering of the
 * UTF-8 text utf8[0..len) and its length in *result_len.  Characters ICU
 * cannot render in ASCII are dropped.
 */
char *
CdpUtf8ToAscii(const char *utf8, int len, int *result_len)
{
	CachedText *entry;
	CacheKey	key;
	bool		found;
	MemoryContext old;

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

/*
 * CdpToAscii is CdpUtf8ToAscii for text s[0..len) in the database encoding;
 * ASCII input never reaches ICU.
 */
char *
CdpToAscii(const char *s, int len, int *result_len)
{
	char	   *utf8;

	if (CdpIsAscii(s, len))
	{
		*result_len = len;
		return pnstrdup(s, len);
	}
	utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
											  GetDatabaseEncoding(), PG_UTF8);
	if (utf8 != s)
		len = strlen(utf8);
	return CdpUtf8ToAscii(utf8, len, result_len);
}
