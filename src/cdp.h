/*-------------------------------------------------------------------------
 *
 * cdp.h
 *	  Settings and entry points shared by the cdp modules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_H
#define CDP_H

/* cdp.max_event_bytes: largest accepted event, in bytes of jsonb */
extern int	cdp_max_event_bytes;

/* cdp.default_region: region of national phone numbers, "" when unset */
extern char *cdp_default_region;

/* cdp.email_provider_rules: apply Gmail's dot and +tag rules to emails */
extern bool cdp_email_provider_rules;

/* cdp.inline_stitching: stitch identities during ingestion */
extern bool cdp_inline_stitching;

/* cdp.suspect_links: links from which an identifier is a suspect */
extern int	cdp_suspect_links;

#endif							/* CDP_H */
