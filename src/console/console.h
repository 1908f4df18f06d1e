/*-------------------------------------------------------------------------
 *
 * console.h
 *	  The dashboards: BI history tables and the web console.  Both are SQL;
 *	  nothing here is called from C.
 *
 *	  stats.sql				the history tables (cdp.stats_*) and
 *							cdp.refresh_stats(); the counts they fold are
 *							written by ingestion (src/ingest/event_counts.c)
 *							and stitching (src/identity/stitch_write.c,
 *							merge_log.c)
 *	  console_sessions.sql	signing in to the web console with a read token
 *	  console_html.sql		escaping, the page frame, tables, SVG charts
 *	  console_pages.sql		the pages (cdp.console_page), rendered as the
 *							session's role for its purpose
 *
 * The HTTP worker serves the console (src/http/http_console.c): it keeps
 * the session cookie and the form secret, sets the role and purpose, and
 * reaches these functions through SQL, as HTTP reaches everything.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_CONSOLE_H
#define CDP_CONSOLE_H

#endif							/* CDP_CONSOLE_H */
