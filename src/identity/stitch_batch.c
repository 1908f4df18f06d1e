/*-------------------------------------------------------------------------
 *
 * stitch_batch.c
 *	  Helpers of one stitch shared by joining (stitch.c) and writing
 *	  (stitch_write.c): nodes by identifier, and pairs of ids.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity/stitch_batch.h"

/* CdpStitchNodeOf returns the node of identifier ident. */
int
CdpStitchNodeOf(CdpStitchBatch *b, Datum ident)
{
	return cdp_identmap_lookup(b->by_ident, DatumGetCdpIdentP(ident))->node;
}

/* CdpStitchPair returns the pair (x, y), smaller first. */
CdpPairKey
CdpStitchPair(int64 x, int64 y)
{
	CdpPairKey	key;

	key.a = Min(x, y);
	key.b = Max(x, y);
	return key;
}

/*
 * CdpStitchAddResultPairs adds the (bigint, bigint) rows of the last SPI
 * result to set.
 */
void
CdpStitchAddResultPairs(cdp_pairset_hash *set)
{
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull,
					found;
		CdpPairKey	key;

		key.a = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		key.b = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
		cdp_pairset_insert(set, key, &found);
	}
}
