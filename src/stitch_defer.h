/*-------------------------------------------------------------------------
 *
 * stitch_defer.h
 *	  Stitching of ingested events when their transaction commits.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_STITCH_DEFER_H
#define CDP_STITCH_DEFER_H

#include "stitch.h"

extern void CdpStitchDefer(const CdpStitchEvent *events, int n);
extern void CdpStitchDeferInit(void);

#endif							/* CDP_STITCH_DEFER_H */
