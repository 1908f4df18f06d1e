/*-------------------------------------------------------------------------
 *
 * http.h
 *	  The public header of src/http: the Segment HTTP Tracking API, served
 *	  by a background worker (src/worker starts it) so that the Segment and
 *	  RudderStack SDKs send straight to cdp, the profile API and the web
 *	  console.
 *
 *	  http_settings.c		the cdp.http_* settings
 *	  http_server.c			the server: libmicrohttpd driven from the
 *							worker's own wait loop, one thread
 *	  http_collect.c		turning the requests that arrived into events,
 *							ingested in one transaction
 *	  http_profiles.c		the profile API (GET /v1/profiles/...), read
 *							as a read token's role, for its purpose
 *	  http_console.c		the web console (/console/...): sign-in, the
 *							session cookie and form secret; the pages are
 *							SQL (src/console/console_pages.sql)
 *	  http_gzip.c			gzip request bodies, inflated within a bound
 *	  http_stats.c			the counters of cdp.http_status
 *	  write_keys.sql		write keys (cdp.create_write_key)
 *	  read_tokens.sql		read tokens (cdp.create_read_token)
 *	  http_status.sql		cdp.http_status
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_HTTP_H
#define CDP_HTTP_H

#include "core/core.h"

/* cdp.http_listen: "host:port" to serve on, or "" (off). */
extern char *cdp_http_listen;

/* cdp.http_database: the database served; "" for the first of cdp.database. */
extern char *cdp_http_database;

/* cdp.http_workers: processes serving the port together. */
extern int	cdp_http_workers;

/* cdp.http_tls_cert, cdp.http_tls_key: PEM files; both set: HTTPS. */
extern char *cdp_http_tls_cert;
extern char *cdp_http_tls_key;

/* cdp.http_max_wait: milliseconds a request may wait for the database. */
extern int	cdp_http_max_wait;

/* cdp.http_max_connections, cdp.http_client_connections (per address; 0: any). */
extern int	cdp_http_max_connections;
extern int	cdp_http_client_connections;

/* Defines the settings (from _PG_init). */
extern void CdpHttpInit(void);

/*
 * The HTTP worker's loop, connected to its database: serves until its
 * settings (cdp.http_*) change on a reload, then returns.  Errors out when the
 * address cannot be served.
 */
extern void CdpHttpServe(void);

#endif							/* CDP_HTTP_H */
