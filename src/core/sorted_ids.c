/*-------------------------------------------------------------------------
 *
 * sorted_ids.c
 *	  Sorted arrays of 64-bit ids: the comparison for qsort, and the
 *	  binary search.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "core/core.h"

/* CdpIdCmp orders int64 values, for qsort and bsearch. */
int
CdpIdCmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* CdpIdFind returns the index of id in sorted[0..n), or -1. */
int32
CdpIdFind(const int64 *sorted, int32 n, int64 id)
{
	int32		lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (sorted[mid] == id)
			return mid;
		if (sorted[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* CdpIdSortUnique sorts ids[0..n) and drops repeats; returns how many are left. */
int64
CdpIdSortUnique(int64 *ids, int64 n)
{
	int64		k = 0;

	qsort(ids, n, sizeof(int64), CdpIdCmp);
	for (int64 i = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	return k;
}
