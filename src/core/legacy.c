/*-------------------------------------------------------------------------
 *
 * legacy.c
 *	  The C entry points under the names that released install scripts
 *	  bind, for functions whose C name has changed since.
 *
 * An install script names each C function's symbol.  Until ALTER EXTENSION
 * cdp UPDATE has run, and in a cluster restored by pg_upgrade (which
 * recreates every function as the old script defined it), the functions
 * of an older version call this library under their old names, so the
 * library keeps them, as contrib modules keep the entry points of their
 * older versions (pg_stat_statements_1_2, ...).  Each one calls the
 * function under its current name: behaviour did not change.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

/* Declares current_name and defines old_name as a call of it. */
#define CDP_LEGACY_ENTRY(old_name, current_name) \
	extern PGDLLEXPORT Datum current_name(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(old_name); \
	Datum \
	old_name(PG_FUNCTION_ARGS) \
	{ \
		return current_name(fcinfo); \
	}

/* Names bound by cdp--0.1.0.sql. */
CDP_LEGACY_ENTRY(cdp_deletion_keys_make, cdp_deletion_keys)
CDP_LEGACY_ENTRY(cdp_phonetic_keys_make, cdp_phonetic_keys)
CDP_LEGACY_ENTRY(cdp_dmetaphone_encode, cdp_double_metaphone)
CDP_LEGACY_ENTRY(cdp_jaro_winkler_compare, cdp_jaro_winkler)
CDP_LEGACY_ENTRY(cdp_jaro_compare, cdp_jaro)
CDP_LEGACY_ENTRY(cdp_levenshtein_compare_bounded, cdp_levenshtein_bounded)
CDP_LEGACY_ENTRY(cdp_levenshtein_compare, cdp_levenshtein)
CDP_LEGACY_ENTRY(cdp_osa_compare, cdp_osa_distance)
CDP_LEGACY_ENTRY(cdp_damerau_compare, cdp_damerau_levenshtein)
CDP_LEGACY_ENTRY(cdp_qgram_compare, cdp_qgram_similarity)
CDP_LEGACY_ENTRY(cdp_soundex_encode, cdp_soundex)
CDP_LEGACY_ENTRY(cdp_token_set_compare, cdp_token_set_similarity)
CDP_LEGACY_ENTRY(cdp_ident_make, cdp_ident)
CDP_LEGACY_ENTRY(cdp_email_normalize, cdp_normalize_email)
CDP_LEGACY_ENTRY(cdp_phone_normalize, cdp_normalize_phone)
CDP_LEGACY_ENTRY(cdp_name_normalize, cdp_normalize_name)
CDP_LEGACY_ENTRY(cdp_ident_digest, cdp_hash_ident)
