/*-------------------------------------------------------------------------
 *
 * merge_log.h
 *	  Entries of cdp.merge_log, gathered in memory and written at once.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_MERGE_LOG_H
#define CDP_MERGE_LOG_H

#include "postgres.h"

typedef struct CdpLogRows
{
	MemoryContext cxt;			/* holds the entries until written */
	int			n;
	int			cap;
	Datum	   *action;
	int64	   *profile_id;
	int64	   *other_id;
	int64	   *a_id;
	int64	   *b_id;
	int64	   *event_id;
	int32	   *source_id;
	Datum	   *reason;
} CdpLogRows;

extern void CdpLogRowsInit(CdpLogRows *rows);
extern void CdpLogRow(CdpLogRows *rows, const char *action, int64 profile_id,
					  int64 other_id, int64 a_id, int64 b_id, int64 event_id,
					  int32 source_id, const char *reason);
extern void CdpLogRowsWrite(CdpLogRows *rows);

#endif							/* CDP_MERGE_LOG_H */
