/*-------------------------------------------------------------------------
 *
 * http_stats.c
 *	  The HTTP server's counters, in shared memory: requests by outcome,
 *	  events stored, group commits, and a histogram of request latency
 *	  (from the first byte of a request to its answer).  The HTTP worker
 *	  is their one writer, with atomics that are safe in libmicrohttpd's
 *	  callbacks; cdp.http_status() reads them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "port/pg_bitutils.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "http/http_internal.h"

/* Latency buckets: bucket b holds [2^b, 2^(b+1)) microseconds. */
#define LATENCY_BUCKETS 32

typedef struct CdpHttpStats
{
	pg_atomic_uint64 started_at;	/* TimestampTz of the server's start; 0: never */
	pg_atomic_uint64 requests;
	pg_atomic_uint64 answered_ok;
	pg_atomic_uint64 client_errors;
	pg_atomic_uint64 server_errors;
	pg_atomic_uint64 unavailable;	/* 503: busy or not stored, retry */
	pg_atomic_uint64 events;
	pg_atomic_uint64 commits;
	pg_atomic_uint64 committed_requests;
	pg_atomic_uint64 latency[LATENCY_BUCKETS];
} CdpHttpStats;

static CdpHttpStats *stats = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

PG_FUNCTION_INFO_V1(cdp_http_status);

static void
request_shmem(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(CdpHttpStats)));
}

static void
startup_shmem(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	stats = ShmemInitStruct("cdp http stats", sizeof(CdpHttpStats), &found);
	if (!found)
	{
		pg_atomic_init_u64(&stats->started_at, 0);
		pg_atomic_init_u64(&stats->requests, 0);
		pg_atomic_init_u64(&stats->answered_ok, 0);
		pg_atomic_init_u64(&stats->client_errors, 0);
		pg_atomic_init_u64(&stats->server_errors, 0);
		pg_atomic_init_u64(&stats->unavailable, 0);
		pg_atomic_init_u64(&stats->events, 0);
		pg_atomic_init_u64(&stats->commits, 0);
		pg_atomic_init_u64(&stats->committed_requests, 0);
		for (int b = 0; b < LATENCY_BUCKETS; b++)
			pg_atomic_init_u64(&stats->latency[b], 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* CdpHttpStatsInit asks for the counters' shared memory (when preloaded). */
void
CdpHttpStatsInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = request_shmem;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = startup_shmem;
}

/* CdpHttpStatsStarted records that the server (re)started listening. */
void
CdpHttpStatsStarted(void)
{
	if (stats != NULL)
		pg_atomic_write_u64(&stats->started_at, (uint64) GetCurrentTimestamp());
}

/*
 * CdpHttpStatsAnswered counts an answered request: its status and how
 * long it took since began (a TimestampTz).  Safe in the library's callbacks.
 */
void
CdpHttpStatsAnswered(unsigned int status, TimestampTz began)
{
	int64		micros = Max(GetCurrentTimestamp() - began, 1);
	int			bucket = Min(pg_leftmost_one_pos64((uint64) micros), LATENCY_BUCKETS - 1);

	if (stats == NULL)
		return;
	pg_atomic_fetch_add_u64(&stats->requests, 1);
	if (status < 300)
		pg_atomic_fetch_add_u64(&stats->answered_ok, 1);
	else if (status < 500)
		pg_atomic_fetch_add_u64(&stats->client_errors, 1);
	else
		pg_atomic_fetch_add_u64(&stats->server_errors, 1);
	if (status == 503)
		pg_atomic_fetch_add_u64(&stats->unavailable, 1);
	pg_atomic_fetch_add_u64(&stats->latency[bucket], 1);
}

/*
 * CdpHttpStatsCommitted counts a group commit, the requests it held and
 * the new events it stored.
 */
void
CdpHttpStatsCommitted(int64 requests, int64 events)
{
	if (stats == NULL)
		return;
	pg_atomic_fetch_add_u64(&stats->commits, 1);
	pg_atomic_fetch_add_u64(&stats->committed_requests, (uint64) requests);
	pg_atomic_fetch_add_u64(&stats->events, (uint64) events);
}

/*
 * The latency below which a fraction q of the requests were answered, in
 * milliseconds: the upper bound of the bucket that holds it (so within a
 * factor of two above the truth); NULL before any request.
 */
static Datum
latency_quantile(const uint64 *counts, uint64 total, double q, bool *isnull)
{
	uint64		seen = 0;

	*isnull = (total == 0);
	for (int b = 0; b < LATENCY_BUCKETS && total > 0; b++)
	{
		seen += counts[b];
		if ((double) seen >= q * (double) total)
			return Float8GetDatum((double) ((uint64) 1 << (b + 1)) / 1000.0);
	}
	return Float8GetDatum(0);
}

Datum
cdp_http_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[12];
	bool		nulls[12] = {0};
	uint64		counts[LATENCY_BUCKETS];
	uint64		total = 0;
	uint64		started;

	InitMaterializedSRF(fcinfo, 0);
	if (stats == NULL)
		return (Datum) 0;
	started = pg_atomic_read_u64(&stats->started_at);
	for (int b = 0; b < LATENCY_BUCKETS; b++)
		total += (counts[b] = pg_atomic_read_u64(&stats->latency[b]));
	values[0] = CStringGetTextDatum(cdp_http_listen);
	values[1] = TimestampTzGetDatum((TimestampTz) started);
	nulls[1] = (started == 0);
	values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->requests));
	values[3] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->answered_ok));
	values[4] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->client_errors));
	values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->server_errors));
	values[6] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->unavailable));
	values[7] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->events));
	values[8] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->commits));
	values[9] = Int64GetDatum((int64) pg_atomic_read_u64(&stats->committed_requests));
	values[10] = latency_quantile(counts, total, 0.5, &nulls[10]);
	values[11] = latency_quantile(counts, total, 0.99, &nulls[11]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
