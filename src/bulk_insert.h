/*-------------------------------------------------------------------------
 *
 * bulk_insert.h
 *	  Multi-row insertion into a table (partitioned or not) the way COPY
 *	  FROM does it, for ingestion's hot path.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_BULK_INSERT_H
#define CDP_BULK_INSERT_H


typedef struct CdpBulkInsert CdpBulkInsert;

extern CdpBulkInsert *CdpBulkInsertBegin(Oid relid, const char *const *columns,
										 int ncolumns);
extern void CdpBulkInsertRow(CdpBulkInsert *bulk, const Datum *values,
							 const bool *nulls);
extern void CdpBulkInsertEnd(CdpBulkInsert *bulk);

#endif							/* CDP_BULK_INSERT_H */
