/*-------------------------------------------------------------------------
 *
 * union_find.h
 *	  Disjoint sets over dense integer nodes 0..n-1.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_UNION_FIND_H
#define CDP_UNION_FIND_H

typedef struct CdpUnionFind
{
	int32		nnodes;
	int32	   *parent;
	int32	   *size;			/* component size, valid at roots */
} CdpUnionFind;

extern Size CdpUnionFindMemory(int32 nnodes);
extern CdpUnionFind *CdpUnionFindCreate(int32 nnodes);
extern int32 CdpUnionFindFind(CdpUnionFind *uf, int32 node);
extern int32 CdpUnionFindUnion(CdpUnionFind *uf, int32 a, int32 b);

#endif							/* CDP_UNION_FIND_H */
