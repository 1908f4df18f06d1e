/*-------------------------------------------------------------------------
 *
 * http_settings.c
 *	  The settings of the HTTP worker.  Off by default: installing an
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
	CdpHttpStatsInit();
}
