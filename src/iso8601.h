/*-------------------------------------------------------------------------
 *
 * iso8601.h
 *	  Strict ISO 8601 / RFC 3339 timestamp parsing for event payloads.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_ISO8601_H
#define CDP_ISO8601_H

#include "datatype/timestamp.h"

extern bool CdpParseIso8601(const char *str, int len, TimestampTz *result);

#endif							/* CDP_ISO8601_H */
