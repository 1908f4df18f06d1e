/*-------------------------------------------------------------------------
 *
 * activation_internal.h
 *	  Shared between the files of src/activation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_ACTIVATION_INTERNAL_H
#define CDP_ACTIVATION_INTERNAL_H

#include <curl/curl.h>

#include "activation/activation.h"

/* outbox_notice.c */
extern void CdpOutboxNoticeInit(void);

/*
 * delivery_request.c: one request of a batch (cdp.delivery_claim()), sent
 * through a curl multi handle, and its outcome.
 */
typedef struct CdpDeliveryRequest
{
	int64		batch_id;
	int32		destination_id;
	MemoryContext cxt;			/* holds the request; deleted with it */
	CURL	   *easy;
	struct curl_slist *headers;
	char	   *body;
	size_t		body_len;
	/* the outcome, once done */
	int			status;			/* HTTP status; 0: no answer */
	const char *error;			/* why there was no answer (static text) */
	int			retry_after;	/* seconds the answer asked to wait, or -1 */
} CdpDeliveryRequest;

/* Fields of a claimed batch, as cdp.delivery_claim() returns them. */
typedef struct CdpClaimedBatch
{
	int64		batch_id;
	int32		destination_id;
	const char *method;
	const char *url;
	int			nheaders;
	const char **headers;		/* "Name: value" */
	const char *body;
	const char *idempotency_key;
	const uint8 *secret;		/* or NULL */
	int			secret_len;
	int			timeout_ms;
} CdpClaimedBatch;

extern CdpDeliveryRequest *CdpDeliveryRequestStart(CURLM *multi, const CdpClaimedBatch *batch);
extern void CdpDeliveryRequestDone(CdpDeliveryRequest *request, CURLcode result);
extern void CdpDeliveryRequestFree(CURLM *multi, CdpDeliveryRequest *request);

#endif							/* CDP_ACTIVATION_INTERNAL_H */
