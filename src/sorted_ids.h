/*-------------------------------------------------------------------------
 *
 * sorted_ids.h
 *	  Sorted arrays of 64-bit ids: the comparison for qsort, and the
 *	  binary search.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_SORTED_IDS_H
#define CDP_SORTED_IDS_H

#include "postgres.h"

extern int	CdpIdCmp(const void *a, const void *b);
extern int32 CdpIdFind(const int64 *sorted, int32 n, int64 id);

#endif							/* CDP_SORTED_IDS_H */
