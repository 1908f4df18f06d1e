/*-------------------------------------------------------------------------
 *
 * segments.h
 *	  The public header of src/segments: audiences (segments) and computed
 *	  traits, their rules compiled to SQL, the evaluation time, and the log
 *	  of profiles whose evaluation may have changed.
 *
 *	  segment_now.c		the cdp.segment_now setting and function
 *	  rule_compile.c	JSON rules: structure, segment references, entry points
 *	  rule_events.c		JSON rules: events, sequences, computed trait values
 *	  rule_values.c		JSON rules: comparisons of one value
 *	  rule_functions.c	how rules read jsonb values (cdp.rule_numeric, ...)
 *	  sql_definition.c	checking SQL definitions (expression or SELECT)
 *	  changed_profiles.c	logging profiles whose evaluation may change
 *	  segments.sql		tables, create / refresh / explain functions
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_SEGMENTS_H
#define CDP_SEGMENTS_H

#include "core/core.h"
#include "utils/guc.h"

/* cdp.segment_now: "" (now()) or a timestamp. */
extern char *cdp_segment_now_setting;
extern bool CdpCheckSegmentNow(char **newval, void **extra, GucSource source);
extern void CdpAssignSegmentNow(const char *newval, void *extra);

/*
 * Logs profile_ids[0..n) as changed, for the next incremental refresh of
 * every segment and computed trait; SPI is connected.
 */
extern void CdpLogChangedProfiles(const int64 *profile_ids, int n);

#endif							/* CDP_SEGMENTS_H */
