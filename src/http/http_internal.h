/*-------------------------------------------------------------------------
 *
 * http_internal.h
 *	  Shared between the files of src/http.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_HTTP_INTERNAL_H
#define CDP_HTTP_INTERNAL_H

#include "utils/timestamp.h"

#include "http/http.h"

/* Segment's limits: bytes per request body (inflated too), events per request. */
#define CDP_HTTP_MAX_BODY		(500 * 1024)
#define CDP_HTTP_MAX_EVENTS		2500

/*
 * Bodies one group commit takes at most (more waits for the next): bounds
 * a transaction's size and so the wait of the requests behind it.
 */
#define CDP_HTTP_GROUP_BYTES	(4 * 1024 * 1024)

/* The event type a collection endpoint implies; NULL: a batch. */
typedef struct CdpHttpEndpoint
{
	const char *path;
	const char *type;
	bool		profile_api;	/* GET /v1/profiles/...: path is a prefix */
	bool		console;		/* GET and POST /console...: path is a prefix */
} CdpHttpEndpoint;

/*
 * A request being received or answered.  Allocated with malloc: it lives
 * in libmicrohttpd's callbacks, where nothing may raise a PostgreSQL error.
 */
typedef struct CdpHttpRequest
{
	struct MHD_Connection *connection;
	const CdpHttpEndpoint *endpoint;
	TimestampTz began;			/* when its headers arrived */
	TimestampTz queued;			/* when its body had arrived */
	int64		events;			/* new events it stored */
	bool		parsing;		/* its body is being parsed (an error means "not JSON") */
	char	   *credential;		/* write key or read token (Basic auth, Bearer), or NULL */
	char	   *profile_path;	/* profile API: what follows /v1/profiles/ */
	int			limit;			/* profile API: events to show */
	bool		gzip;			/* Content-Encoding: gzip */
	char	   *body;
	size_t		body_len;
	bool		too_large;		/* more than CDP_HTTP_MAX_BODY arrived */
	bool		answered;		/* status and answer are set */
	int			status;
	char	   *answer;			/* JSON, malloc'd */
	int			retry_after;	/* seconds, for 503; 0: none */
	/* The web console (http_console.c): */
	bool		post;			/* POST, else GET */
	char	   *console_path;	/* what follows /console: "" or "/..." */
	char	   *args;			/* GET arguments: key, NUL, value, NUL, ... */
	size_t		args_len;
	char	   *session;		/* the session cookie, or NULL */
	const char *content_type;	/* of the answer; NULL: JSON */
	char	   *location;		/* where a 303 sends */
	char	   *set_cookie;
	struct CdpHttpRequest *next_pending;
} CdpHttpRequest;

/* http_stats.c: the counters of cdp.http_status */
extern void CdpHttpStatsInit(void);
extern void CdpHttpStatsStarted(void);
extern void CdpHttpStatsAnswered(unsigned int status, TimestampTz began);
extern void CdpHttpStatsCommitted(int64 requests, int64 events);

/* http_collect.c: ingests the pending requests, in one transaction. */
extern void CdpHttpCollect(CdpHttpRequest *pending);
extern ErrorData *CdpHttpSubtransaction(void (*work) (CdpHttpRequest *), CdpHttpRequest *request,
										bool keep);

/* Answers a request that failed by no fault of its own: 503 or 500. */
extern void CdpHttpAnswerFailure(CdpHttpRequest *request, const ErrorData *edata);

/* http_profiles.c: answers a profile API request (in a transaction). */
extern void CdpHttpReadProfile(CdpHttpRequest *request);

/* http_console.c: answers a web console request (in a transaction). */
extern void CdpHttpConsole(CdpHttpRequest *request);

/* http_settings.c: the Retry-After of a 503, in seconds. */
extern int	CdpHttpRetryAfter(void);

/* Sets a request's answer (a JSON body, copied). */
extern void CdpHttpAnswer(CdpHttpRequest *request, int status, const char *json);

/*
 * http_gzip.c: inflates in[0..in_len) into a palloc'd buffer of at most
 * max bytes; NULL when it is not gzip or inflates beyond max (*too_large).
 */
extern char *CdpHttpGunzip(const char *in, size_t in_len, size_t max,
						   size_t *out_len, bool *too_large);

#endif							/* CDP_HTTP_INTERNAL_H */
