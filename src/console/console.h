/*-------------------------------------------------------------------------
 *
 * console.h
 *	  The dashboards: BI history tables and the web console.
 *
 *	  stats.sql				the history tables (cdp.stats_*) and
 *							cdp.refresh_stats(); the counts they fold are
 *							written by ingestion (src/ingest/event_counts.c)
 *							and stitching (src/identity/stitch_write.c,
 *							merge_log.c)
 *
 * Nothing here is called from C yet: the history tables are kept in SQL.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_CONSOLE_H
#define CDP_CONSOLE_H

#endif							/* CDP_CONSOLE_H */
