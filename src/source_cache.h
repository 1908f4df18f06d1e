/*-------------------------------------------------------------------------
 *
 * source_cache.h
 *	  Per-backend cache of cdp.sources and cdp.identifier_mappings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_SOURCE_CACHE_H
#define CDP_SOURCE_CACHE_H

#include "postgres.h"

typedef struct CdpIdentifierMapping
{
	char	   *kind;
	Datum		path;			/* jsonpath */
} CdpIdentifierMapping;

typedef struct CdpSource
{
	char		name[NAMEDATALEN];	/* hash key */
	int32		source_id;
	int			nmappings;
	CdpIdentifierMapping *mappings;
} CdpSource;

extern const CdpSource *CdpLookupSource(text *name);
extern void CdpSourceCacheInvalidate(Oid relid);

#endif							/* CDP_SOURCE_CACHE_H */
