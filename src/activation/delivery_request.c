/*-------------------------------------------------------------------------
 *
 * delivery_request.c
 *	  One request of the delivery worker, with libcurl: a batch's body
 *	  POSTed (or DELETEd, for Meta removals) as JSON, with its
 *	  Idempotency-Key and, when the destination has a secret, an
 *	  HMAC-SHA256 of the body (X-Cdp-Signature: sha256=<hex>).
 *
 * Requests go through the worker's one multi handle, which keeps the
 * connections to each destination open between requests.  Redirects are
 * not followed (a 3xx is an answer, and refused) and only http and https
 * are spoken.  The outcome keeps the HTTP status, or libcurl's text for
 * why there was none (never the URL nor anything of the body), and the
 * Retry-After the answer asked for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/memutils.h"

#include "activation/activation_internal.h"

/* Connecting takes at most this long, within the destination's timeout. */
#define CONNECT_TIMEOUT_MS	5000

/* Discards the answer's body: only its status and headers count. */
static size_t
discard_body(char *ptr pg_attribute_unused(), size_t size, size_t nmemb,
			 void *userdata pg_attribute_unused())
{
	return size * nmemb;
}

static void
add_header(CdpDeliveryRequest *request, const char *line)
{
	struct curl_slist *list = curl_slist_append(request->headers, line);

	if (list == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	request->headers = list;
}

/* The signature header of body under secret. */
static char *
signature_header(const CdpClaimedBatch *batch)
{
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	char		hex[PG_SHA256_DIGEST_LENGTH * 2 + 1];

	CdpHmacSha256(batch->secret, batch->secret_len, batch->body, strlen(batch->body), mac);
	hex[hex_encode((const char *) mac, sizeof(mac), hex)] = '\0';
	return psprintf("X-Cdp-Signature: sha256=%s", hex);
}

#define SET_OPT(easy, opt, value) \
	do { \
		if (curl_easy_setopt((easy), (opt), (value)) != CURLE_OK) \
			elog(ERROR, "curl_easy_setopt(%s) failed", #opt); \
	} while (0)

/*
 * Starts sending batch through multi; the request lives in its own memory
 * context until CdpDeliveryRequestFree.
 */
CdpDeliveryRequest *
CdpDeliveryRequestStart(CURLM *multi, const CdpClaimedBatch *batch)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "cdp delivery request",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CdpDeliveryRequest *request = palloc0(sizeof(CdpDeliveryRequest));
	CURL	   *easy;

	request->cxt = cxt;
	request->batch_id = batch->batch_id;
	request->destination_id = batch->destination_id;
	request->body = pstrdup(batch->body);
	request->body_len = strlen(request->body);
	request->retry_after = -1;

	easy = curl_easy_init();
	if (easy == NULL)
		elog(ERROR, "curl_easy_init failed");
	request->easy = easy;
	add_header(request, "Content-Type: application/json");
	add_header(request, "Expect:");		/* no 100-continue round trip */
	add_header(request, psprintf("Idempotency-Key: %s", batch->idempotency_key));
	if (batch->secret != NULL)
		add_header(request, signature_header(batch));
	for (int i = 0; i < batch->nheaders; i++)
		add_header(request, batch->headers[i]);

	SET_OPT(easy, CURLOPT_URL, batch->url);
	SET_OPT(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	SET_OPT(easy, CURLOPT_FOLLOWLOCATION, 0L);
	SET_OPT(easy, CURLOPT_NOSIGNAL, 1L);
	SET_OPT(easy, CURLOPT_USERAGENT, "cdp-delivery");
	SET_OPT(easy, CURLOPT_HTTPHEADER, request->headers);
	SET_OPT(easy, CURLOPT_POSTFIELDS, request->body);
	SET_OPT(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) request->body_len);
	if (strcmp(batch->method, "POST") != 0)
		SET_OPT(easy, CURLOPT_CUSTOMREQUEST, batch->method);
	SET_OPT(easy, CURLOPT_TIMEOUT_MS, (long) batch->timeout_ms);
	SET_OPT(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) Min(batch->timeout_ms, CONNECT_TIMEOUT_MS));
	SET_OPT(easy, CURLOPT_WRITEFUNCTION, discard_body);
	SET_OPT(easy, CURLOPT_PRIVATE, (void *) request);
	if (curl_multi_add_handle(multi, easy) != CURLM_OK)
		elog(ERROR, "curl_multi_add_handle failed");
	MemoryContextSwitchTo(old);
	return request;
}

/* Records the outcome of a finished request. */
void
CdpDeliveryRequestDone(CdpDeliveryRequest *request, CURLcode result)
{
	long		status = 0;
	curl_off_t	retry_after = -1;

	if (result != CURLE_OK)
	{
		request->status = 0;
		request->error = curl_easy_strerror(result);
		return;
	}
	(void) curl_easy_getinfo(request->easy, CURLINFO_RESPONSE_CODE, &status);
	request->status = (int) status;
	if (curl_easy_getinfo(request->easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		retry_after > 0)
		request->retry_after = (int) Min(retry_after, (curl_off_t) 86400);
	if (status == 0)
		request->error = "no HTTP status in the answer";
}

void
CdpDeliveryRequestFree(CURLM *multi, CdpDeliveryRequest *request)
{
	curl_multi_remove_handle(multi, request->easy);
	curl_easy_cleanup(request->easy);
	curl_slist_free_all(request->headers);
	MemoryContextDelete(request->cxt);
}
