/*-------------------------------------------------------------------------
 *
 * union_find.c
 *	  Disjoint sets over dense integer nodes 0..n-1: union by size and
 *	  path halving, so any sequence of m operations costs
 *	  O(m alpha(n)), effectively linear.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "core/core.h"

/* CdpUnionFindCreate makes nnodes singleton sets. */
CdpUnionFind *
CdpUnionFindCreate(int32 nnodes)
{
	CdpUnionFind *uf = palloc(sizeof(CdpUnionFind));

	uf->nnodes = nnodes;
	uf->parent = palloc_extended(Max(nnodes, 1) * sizeof(int32), MCXT_ALLOC_HUGE);
	uf->size = palloc_extended(Max(nnodes, 1) * sizeof(int32), MCXT_ALLOC_HUGE);
	for (int32 i = 0; i < nnodes; i++)
	{
		uf->parent[i] = i;
		uf->size[i] = 1;
	}
	return uf;
}

/* CdpUnionFindFind returns the root of node's set, halving the path. */
int32
CdpUnionFindFind(CdpUnionFind *uf, int32 node)
{
	CdpAssert(node >= 0 && node < uf->nnodes);
	while (uf->parent[node] != node)
	{
		uf->parent[node] = uf->parent[uf->parent[node]];
		node = uf->parent[node];
	}
	return node;
}

/*
 * CdpUnionFindUnion joins the sets of a and b and returns the root of the
 * joined set.
 */
int32
CdpUnionFindUnion(CdpUnionFind *uf, int32 a, int32 b)
{
	int32		ra = CdpUnionFindFind(uf, a);
	int32		rb = CdpUnionFindFind(uf, b);

	if (ra == rb)
		return ra;
	/* Roots hold their set's size; two disjoint sets hold at most every node. */
	CdpAssert(uf->size[ra] >= 1 && uf->size[rb] >= 1 &&
			  uf->size[ra] <= uf->nnodes - uf->size[rb]);
	if (uf->size[ra] < uf->size[rb])
	{
		int32		t = ra;

		ra = rb;
		rb = t;
	}
	uf->parent[rb] = ra;
	uf->size[ra] += uf->size[rb];
	return ra;
}
