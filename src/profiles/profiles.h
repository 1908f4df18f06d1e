/*-------------------------------------------------------------------------
 *
 * profiles.h
 *	  The public header of src/profiles: golden records (one profile per
 *	  person, traits chosen by survivorship rules) and the profile API.
 *
 *	  golden_record.c	recomputing the golden record of profiles
 *	  profiles.sql		cdp.refresh_profiles(), cdp.profile(), views
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_PROFILES_H
#define CDP_PROFILES_H

#include "core/core.h"

/*
 * Recomputes the golden record of profile_ids[0..n) and marks them
 * updated; SPI is connected.
 */
extern void CdpRefreshProfiles(const int64 *profile_ids, int n);

#endif							/* CDP_PROFILES_H */
