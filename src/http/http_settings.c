/*-------------------------------------------------------------------------
 *
 * http_settings.c
 *	  The settings of the HTTP worker, and the Retry-After they imply.  Off by default: installing an
 *	  extension should open no port.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "http/http_internal.h"

char	   *cdp_http_listen = NULL;
char	   *cdp_http_database = NULL;
int			cdp_http_workers = 1;
char	   *cdp_http_tls_cert = NULL;
char	   *cdp_http_tls_key = NULL;
int			cdp_http_max_wait = 5000;
int			cdp_http_max_connections = 512;
int			cdp_http_client_connections = 64;

void
CdpHttpInit(void)
{
	DefineCustomStringVariable("cdp.http_listen",
							   "Address on which cdp serves the Segment HTTP Tracking API.",
							   "host:port, for example 127.0.0.1:8088 or 0.0.0.0:8088; empty: "
							   "no HTTP server.  Needs shared_preload_libraries = 'cdp'.",
							   &cdp_http_listen,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("cdp.http_database",
							   "Database whose sources the HTTP server ingests into.",
							   "One of cdp.database; empty: the first of them.",
							   &cdp_http_database,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.http_workers",
							"Processes that serve cdp.http_listen together.",
							"They share the port (SO_REUSEPORT): the kernel spreads "
							"connections over them, and each commits its own requests.",
							&cdp_http_workers,
							1,
							1,
							16,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("cdp.http_tls_cert",
							   "PEM file of the HTTP server's TLS certificate (chain).",
							   "With cdp.http_tls_key, the server speaks HTTPS only.",
							   &cdp_http_tls_cert,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("cdp.http_tls_key",
							   "PEM file of the HTTP server's TLS private key.",
							   "Readable by the server's operating system user only.",
							   &cdp_http_tls_key,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.http_max_wait",
							"How long a request may wait for the database before it is "
							"answered 503 with Retry-After.",
							"Bounds both a request's time in the queue and each wait for a "
							"lock while it is stored (the HTTP worker's lock_timeout).",
							&cdp_http_max_wait,
							5000,
							100,
							60000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.http_max_connections",
							"Connections each HTTP worker holds open at most.",
							"Beyond it, new connections are refused until one closes.  Each "
							"may hold a request body of up to 500 KB.",
							&cdp_http_max_connections,
							512,
							16,
							10000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.http_client_connections",
							"Connections one client address may hold open to each HTTP worker.",
							"So that one client (or a slow one) cannot take every "
							"connection; 0: no limit (behind a proxy, whose address is "
							"every client's).",
							&cdp_http_client_connections,
							64,
							0,
							10000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	CdpHttpStatsInit();
}

/* The Retry-After of a 503: the wait allowed, in whole seconds (at least 1). */
int
CdpHttpRetryAfter(void)
{
	return Max(1, (cdp_http_max_wait + 999) / 1000);
}
