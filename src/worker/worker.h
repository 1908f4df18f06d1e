/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The public header of src/worker: cdp's background processes.  With
 *	  shared_preload_libraries = 'cdp', a launcher starts a worker for each
 *	  database of cdp.database that has the extension; the worker runs the
 *	  pending work (cdp.run_pending()) in short transactions, woken by the
 *	  transactions that leave work, else every cdp.naptime.
 *
 *	  worker_shmem.c	the shared state: launcher, one slot per database
 *	  launcher.c		the launcher process
 *	  db_worker.c		a database's worker process
 *	  worker_wake.c		waking the worker when a transaction commits work
 *	  worker_status.c	cdp.worker_processes(): the shared state, read
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_WORKER_H
#define CDP_WORKER_H

#include "core/core.h"

/* cdp.database: the databases the launcher serves, comma-separated. */
extern char *cdp_worker_databases;

/* cdp.naptime: seconds between looks when no transaction wakes the worker. */
extern int	cdp_worker_naptime;

/*
 * Called from _PG_init: defines the settings and, when the library is
 * preloaded, asks for shared memory and registers the launcher.
 */
extern void CdpWorkerInit(void);

#endif							/* CDP_WORKER_H */
