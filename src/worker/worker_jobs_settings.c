/*-------------------------------------------------------------------------
 *
 * worker_jobs_settings.c
 *	  The settings of the background worker's jobs (src/worker/jobs.sql):
 *	  how often the history tables are refreshed and retention runs, how many times a failing item is tried
 *	  before it is set aside, and the backoff after failures; and
 *	  cdp.worker_settings(), through which cdp.run_pending() reads them
 *	  (calling it also loads the library, which defines them).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "worker/worker.h"

#define SECONDS_PER_DAY_INT	86400

int			cdp_retention_interval = SECONDS_PER_DAY_INT;
int			cdp_stats_interval = 300;
int			cdp_worker_max_tries = 5;
int			cdp_worker_retry_delay = 10;
int			cdp_worker_max_retry_delay = 3600;

PG_FUNCTION_INFO_V1(cdp_worker_settings);

/* An interval of secs seconds. */
static Datum
seconds_interval(int secs)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = (int64) secs * USECS_PER_SEC;
	return IntervalPGetDatum(iv);
}

/*
 * cdp.worker_settings(): the settings as (retention_interval interval,
 * stats_interval interval, max_tries integer, retry_delay interval, max_retry_delay interval).
 */
Datum
cdp_worker_settings(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	desc = BlessTupleDesc(desc);
	values[0] = seconds_interval(cdp_retention_interval);
	values[1] = seconds_interval(cdp_stats_interval);
	values[2] = Int32GetDatum(cdp_worker_max_tries);
	values[3] = seconds_interval(cdp_worker_retry_delay);
	values[4] = seconds_interval(cdp_worker_max_retry_delay);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* CdpWorkerJobsInit defines the settings; from _PG_init. */
void
CdpWorkerJobsInit(void)
{
	DefineCustomIntVariable("cdp.retention_interval",
							"How often the background jobs run cdp.apply_retention().",
							"0: never; retention is then run by hand or by pg_cron.",
							&cdp_retention_interval,
							SECONDS_PER_DAY_INT,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.stats_interval",
							"How often the background jobs run cdp.refresh_stats().",
							"0: never; the history tables are then refreshed by hand or by pg_cron.",
							&cdp_stats_interval,
							300,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.worker_max_tries",
							"Failures after which a background job sets an item aside.",
							"A queued event, profile, segment, computed trait or matching "
							"model that failed this many times in a row is moved to "
							"cdp.worker_set_aside until cdp.retry_set_aside().",
							&cdp_worker_max_tries,
							5,
							1,
							1000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.worker_retry_delay",
							"How long a background job waits before retrying after a failure.",
							"Doubled after each further failure in a row, up to "
							"cdp.worker_max_retry_delay; 0 retries at the next run.",
							&cdp_worker_retry_delay,
							10,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("cdp.worker_max_retry_delay",
							"The longest wait of a background job before it retries.",
							NULL,
							&cdp_worker_max_retry_delay,
							3600,
							0,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
}
