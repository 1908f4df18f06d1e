/*-------------------------------------------------------------------------
 *
 * http_gzip.c
 *	  gzip request bodies (the RudderStack Node SDK compresses its batches),
 *	  inflated with zlib into a buffer that never grows past a bound, so a
 *	  small body cannot inflate into a large allocation (a gzip bomb).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <zlib.h>

#include "http/http_internal.h"

/*
 * CdpHttpGunzip inflates in[0..in_len) into a palloc'd, NUL-terminated
 * buffer of at most max bytes.  Returns NULL when the input is not whole,
 * valid gzip, or (*too_large) inflates beyond max.
 */
char *
CdpHttpGunzip(const char *in, size_t in_len, size_t max, size_t *out_len, bool *too_large)
{
	z_stream	z;
	char	   *out = palloc(max + 1);
	int			rc;

	*too_large = false;
	*out_len = 0;
	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer, the largest window. */
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return NULL;
	z.next_in = (Bytef *) in;
	z.avail_in = (uInt) in_len;
	z.next_out = (Bytef *) out;
	z.avail_out = (uInt) max;
	rc = inflate(&z, Z_FINISH);
	if (rc == Z_BUF_ERROR && z.avail_out == 0)
		*too_large = true;
	*out_len = max - z.avail_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
	{
		pfree(out);
		return NULL;
	}
	out[*out_len] = '\0';
	return out;
}
