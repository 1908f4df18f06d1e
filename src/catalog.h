/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Lookups of cdp's own tables and the invalidation of the caches that
 *	  backends keep of them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_CATALOG_H
#define CDP_CATALOG_H

#include "postgres.h"

extern Oid	CdpSchemaOid(void);
extern Oid	CdpRelationOid(const char *relname);
extern Oid	CdpTypeOid(const char *typname);
extern void CdpRegisterCacheCallbacks(void);

#endif							/* CDP_CATALOG_H */
