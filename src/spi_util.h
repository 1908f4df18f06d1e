/*-------------------------------------------------------------------------
 *
 * spi_util.h
 *	  Small helpers for cdp's SPI code: kept plans and array arguments.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_SPI_UTIL_H
#define CDP_SPI_UTIL_H

#include "executor/spi.h"

/* A kept plan, and the cdp schema it was prepared against. */
typedef struct CdpPlanCache
{
	SPIPlanPtr	plan;
	Oid			schema;
} CdpPlanCache;

extern SPIPlanPtr CdpPlan(CdpPlanCache *cache, const char *query, int nargs,
						  const Oid *argtypes);
extern void CdpExecute(SPIPlanPtr plan, const Datum *args, int expected);
extern Datum CdpInt8Array(const int64 *values, int n);
extern Datum CdpInt4Array(const int32 *values, int n);
extern Datum CdpDatumArray(const Datum *values, int n, Oid elmtype);

#endif							/* CDP_SPI_UTIL_H */
