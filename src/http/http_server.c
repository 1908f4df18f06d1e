/*-------------------------------------------------------------------------
 *
 * http_server.c
 *	  The HTTP server of the Segment Tracking API, in the HTTP worker:
 *	  libmicrohttpd (Debian's libmicrohttpd12) with its epoll descriptor in
 *	  the worker's own wait set beside its latch, so that one thread does
 *	  everything and PostgreSQL's code is only ever called outside the
 *	  library's callbacks.
 *
 * The callbacks only collect: a request's body is kept (up to Segment's
 * 500 KB), then its connection is suspended.  After each pass of the
 * library, the loop ingests every request that arrived in one transaction
 * (http_collect.c: a group commit) and resumes their connections, which
 * the library then answers: 200 only once the events are committed.
 * Nothing in the callbacks may raise a PostgreSQL error (it would unwind
 * through the library): they use malloc and report failure to the library.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <netdb.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"

#include "http/http_internal.h"

/* The collection endpoints: a batch, or one event of a type. */
static const CdpHttpEndpoint endpoints[] = {
	{"/v1/batch", NULL}, {"/v1/import", NULL},
	{"/v1/track", "track"}, {"/v1/t", "track"},
	{"/v1/identify", "identify"}, {"/v1/i", "identify"},
	{"/v1/page", "page"}, {"/v1/p", "page"},
	{"/v1/screen", "screen"}, {"/v1/s", "screen"},
	{"/v1/group", "group"}, {"/v1/g", "group"},
	{"/v1/alias", "alias"}, {"/v1/a", "alias"},
};

/* The profile API: GET /v1/profiles/{kind}:{value}[/traits|/segments|/events]. */
static const CdpHttpEndpoint profile_endpoint = {"/v1/profiles/", NULL, true, false};

/* The web console: GET and POST /console and /console/... */
static const CdpHttpEndpoint console_endpoint = {"/console", NULL, false, true};
#define DEFAULT_EVENTS_LIMIT 20
#define MAX_EVENTS_LIMIT 1000

/* Requests whose body has arrived, waiting to be ingested. */
static CdpHttpRequest *pending_head = NULL;
static CdpHttpRequest *pending_tail = NULL;

/* An answer for when memory ran out. */
static const char out_of_memory_answer[] = "{\"error\": \"out of memory, retry\"}";

void
CdpHttpAnswer(CdpHttpRequest *request, int status, const char *json)
{
	free(request->answer);
	request->answer = strdup(json);
	request->status = request->answer != NULL ? status : MHD_HTTP_SERVICE_UNAVAILABLE;
	request->retry_after = (request->status == MHD_HTTP_SERVICE_UNAVAILABLE) ? CdpHttpRetryAfter() : 0;
	request->answered = true;
}

static const CdpHttpEndpoint *
find_endpoint(const char *url)
{
	for (size_t i = 0; i < lengthof(endpoints); i++)
		if (strcmp(url, endpoints[i].path) == 0)
			return &endpoints[i];
	return NULL;
}

/*
 * CORS: any page may send events (the write key, not the origin, says
 * whether they are taken), with the headers the SDKs use.
 */
static void
add_cors(struct MHD_Connection *connection, struct MHD_Response *response)
{
	const char *origin = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Origin");

	MHD_add_response_header(response, "Access-Control-Allow-Origin", origin != NULL ? origin : "*");
	MHD_add_response_header(response, "Vary", "Origin");
	MHD_add_response_header(response, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
	MHD_add_response_header(response, "Access-Control-Allow-Headers",
							"Content-Type, Authorization, Content-Encoding");
	MHD_add_response_header(response, "Access-Control-Max-Age", "86400");
}

/*
 * Queues an answer: a JSON body (or none), CORS, Retry-After; counts it,
 * as taking since began.
 */
static enum MHD_Result
respond(struct MHD_Connection *connection, unsigned int status, const char *json, int retry_after,
		TimestampTz began)
{
	const char *body = (json != NULL) ? json : "";
	struct MHD_Response *response;
	enum MHD_Result rc;

	response = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_MUST_COPY);
	if (response == NULL)
		return MHD_NO;
	if (json != NULL)
		MHD_add_response_header(response, "Content-Type", "application/json");
	add_cors(connection, response);
	if (retry_after > 0)
	{
		char		seconds[16];

		snprintf(seconds, sizeof(seconds), "%d", retry_after);
		MHD_add_response_header(response, "Retry-After", seconds);
	}
	rc = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	CdpHttpStatsAnswered(status, began);
	return rc;
}

/*
 * Queues a console answer: HTML (or CSS), with the headers that keep a
 * browser from running or framing anything, caching it, or sending the
 * URL elsewhere; a redirect and a cookie.  No CORS: the console is for
 * its own pages only.
 */
static enum MHD_Result
respond_page(CdpHttpRequest *request)
{
	const char *body = request->answer != NULL ? request->answer : "";
	struct MHD_Response *response;
	enum MHD_Result rc;

	response = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_MUST_COPY);
	if (response == NULL)
		return MHD_NO;
	MHD_add_response_header(response, "Content-Type",
							request->content_type != NULL ? request->content_type : "application/json");
	MHD_add_response_header(response, "Content-Security-Policy",
							"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
							"frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(response, "Cache-Control", "no-store");
	if (request->location != NULL)
		MHD_add_response_header(response, "Location", request->location);
	if (request->set_cookie != NULL)
		MHD_add_response_header(response, "Set-Cookie", request->set_cookie);
	rc = MHD_queue_response(request->connection, request->status, response);
	MHD_destroy_response(response);
	CdpHttpStatsAnswered(request->status, request->began);
	return rc;
}

/*
 * Whether a credential (a Basic auth user name, a Bearer token) can be a
 * write key or read token: cdp.create_write_key and
 * cdp.create_read_token make "cdp_" or "cdpr_" and hex digits.  Anything
 * else (bytes that are not UTF-8 among them) is unknown, never looked up.
 */
static bool
credential_shaped(const char *user)
{
	size_t		len = strlen(user);

	if (len == 0 || len > 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char) user[i]) && user[i] != '_' && user[i] != '-')
			return false;
	return true;
}

/* Starts a request: the endpoint, the encoding, the Basic auth user. */
static CdpHttpRequest *
begin_request(struct MHD_Connection *connection, const CdpHttpEndpoint *endpoint)
{
	CdpHttpRequest *request = calloc(1, sizeof(CdpHttpRequest));
	const char *encoding;
	char	   *user;

	if (request == NULL)
		return NULL;
	request->connection = connection;
	request->endpoint = endpoint;
	request->began = GetCurrentTimestamp();
	encoding = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Encoding");
	request->gzip = (encoding != NULL && strcasecmp(encoding, "gzip") == 0);
	if (encoding != NULL && !request->gzip && strcasecmp(encoding, "identity") != 0)
		CdpHttpAnswer(request, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
					  "{\"error\": \"Content-Encoding must be gzip or identity\"}");
	/* The write key or token is the user name (the password is empty), or a Bearer token. */
	user = MHD_basic_auth_get_username_password(connection, NULL);
	if (user != NULL)
	{
		request->credential = strdup(credential_shaped(user) ? user : "");
		MHD_free(user);
	}
	else
	{
		const char *authorization = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
																"Authorization");

		if (authorization != NULL && strncasecmp(authorization, "Bearer ", 7) == 0)
			request->credential = strdup(credential_shaped(authorization + 7) ? authorization + 7 : "");
	}
	return request;
}

/*
 * Starts a profile API request: the path after /v1/profiles/, and the
 * events' limit (?limit=, 1 to MAX_EVENTS_LIMIT).
 */
static CdpHttpRequest *
begin_profile_request(struct MHD_Connection *connection, const char *path)
{
	CdpHttpRequest *request = begin_request(connection, &profile_endpoint);
	const char *limit;

	if (request == NULL)
		return NULL;
	request->profile_path = strdup(path);
	if (request->profile_path == NULL)
		CdpHttpAnswer(request, MHD_HTTP_SERVICE_UNAVAILABLE, out_of_memory_answer);
	request->limit = DEFAULT_EVENTS_LIMIT;
	limit = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "limit");
	if (limit != NULL)
	{
		char	   *end;
		long		n = strtol(limit, &end, 10);

		if (*limit == '\0' || *end != '\0' || n < 1 || n > MAX_EVENTS_LIMIT)
			CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST,
						  "{\"error\": \"limit must be a whole number from 1 to 1000\"}");
		else
			request->limit = (int) n;
	}
	return request;
}

/* Keeps a GET argument of a console request: key, NUL, value, NUL. */
static enum MHD_Result
keep_argument(void *cls, enum MHD_ValueKind kind pg_attribute_unused(), const char *key, const char *value)
{
	CdpHttpRequest *request = cls;
	size_t		klen = strlen(key);
	size_t		vlen = value != NULL ? strlen(value) : 0;
	char	   *grown;

	if (request->args_len + klen + vlen + 2 > CDP_HTTP_MAX_BODY)
		return MHD_NO;
	grown = realloc(request->args, request->args_len + klen + vlen + 2);
	if (grown == NULL)
		return MHD_NO;
	request->args = grown;
	memcpy(request->args + request->args_len, key, klen + 1);
	memcpy(request->args + request->args_len + klen + 1, value != NULL ? value : "", vlen + 1);
	request->args_len += klen + vlen + 2;
	return MHD_YES;
}

/*
 * Starts a console request: the path after /console, its GET arguments
 * and its session cookie.
 */
static CdpHttpRequest *
begin_console_request(struct MHD_Connection *connection, const char *path, bool post)
{
	CdpHttpRequest *request = begin_request(connection, &console_endpoint);
	const char *cookie;

	if (request == NULL)
		return NULL;
	request->post = post;
	request->console_path = strdup(path);
	cookie = MHD_lookup_connection_value(connection, MHD_COOKIE_KIND, "cdp_console");
	if (cookie != NULL && credential_shaped(cookie))
		request->session = strdup(cookie);
	if (request->console_path == NULL ||
		(size_t) MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, keep_argument, request) !=
		(size_t) MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, NULL, NULL))
		CdpHttpAnswer(request, MHD_HTTP_SERVICE_UNAVAILABLE, out_of_memory_answer);
	return request;
}

/* Appends received body bytes, up to the bound. */
static void
append_body(CdpHttpRequest *request, const char *data, size_t size)
{
	char	   *grown;

	if (request->too_large || request->answered)
		return;
	if (size > CDP_HTTP_MAX_BODY - request->body_len)
	{
		request->too_large = true;
		return;
	}
	grown = realloc(request->body, request->body_len + size + 1);
	if (grown == NULL)
	{
		CdpHttpAnswer(request, MHD_HTTP_SERVICE_UNAVAILABLE, out_of_memory_answer);
		return;
	}
	request->body = grown;
	memcpy(request->body + request->body_len, data, size);
	request->body_len += size;
	request->body[request->body_len] = '\0';
}

static enum MHD_Result
on_request(void *cls pg_attribute_unused(), struct MHD_Connection *connection,
		   const char *url, const char *method, const char *version pg_attribute_unused(),
		   const char *upload_data, size_t *upload_data_size, void **request_cls)
{
	CdpHttpRequest *request = *request_cls;

	if (request == NULL)
	{
		const CdpHttpEndpoint *endpoint = find_endpoint(url);

		TimestampTz now = GetCurrentTimestamp();

		if (strcmp(method, "OPTIONS") == 0)
			return respond(connection, MHD_HTTP_NO_CONTENT, NULL, 0, now);
		if (strcmp(method, "GET") == 0 &&
			strncmp(url, profile_endpoint.path, strlen(profile_endpoint.path)) == 0)
		{
			request = begin_profile_request(connection, url + strlen(profile_endpoint.path));
			if (request == NULL)
				return respond(connection, MHD_HTTP_SERVICE_UNAVAILABLE, out_of_memory_answer, CdpHttpRetryAfter(), now);
			*request_cls = request;
			return MHD_YES;
		}
		if (strncmp(url, console_endpoint.path, strlen(console_endpoint.path)) == 0 &&
			(url[strlen(console_endpoint.path)] == '\0' || url[strlen(console_endpoint.path)] == '/'))
		{
			if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
				return respond(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\": \"use GET or POST\"}", 0, now);
			request = begin_console_request(connection, url + strlen(console_endpoint.path),
											strcmp(method, "POST") == 0);
			if (request == NULL)
				return respond(connection, MHD_HTTP_SERVICE_UNAVAILABLE, out_of_memory_answer, CdpHttpRetryAfter(), now);
			*request_cls = request;
			return MHD_YES;
		}
		if (endpoint == NULL)
			return respond(connection, MHD_HTTP_NOT_FOUND, "{\"error\": \"no such endpoint\"}", 0, now);
		if (strcmp(method, "POST") != 0)
			return respond(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\": \"use POST\"}", 0, now);
		request = begin_request(connection, endpoint);
		if (request == NULL)
			return respond(connection, MHD_HTTP_SERVICE_UNAVAILABLE, out_of_memory_answer, CdpHttpRetryAfter(), now);
		*request_cls = request;
		return MHD_YES;
	}
	if (*upload_data_size > 0)
	{
		append_body(request, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (request->too_large && !request->answered)
		CdpHttpAnswer(request, MHD_HTTP_CONTENT_TOO_LARGE,
					  "{\"error\": \"the body is larger than 500 KB\"}");
	if (request->answered && request->endpoint->console)
		return respond_page(request);
	if (request->answered)
		return respond(connection, request->status,
					   request->answer != NULL ? request->answer : out_of_memory_answer,
					   request->retry_after, request->began);
	/* The whole body is here: it waits to be ingested with the others. */
	MHD_suspend_connection(connection);
	request->queued = GetCurrentTimestamp();
	if (pending_tail != NULL)
		pending_tail->next_pending = request;
	else
		pending_head = request;
	pending_tail = request;
	return MHD_YES;
}

static void
on_completed(void *cls pg_attribute_unused(), struct MHD_Connection *connection pg_attribute_unused(),
			 void **request_cls, enum MHD_RequestTerminationCode code pg_attribute_unused())
{
	CdpHttpRequest *request = *request_cls;

	if (request == NULL)
		return;
	free(request->credential);
	free(request->profile_path);
	free(request->console_path);
	free(request->args);
	free(request->session);
	free(request->location);
	free(request->set_cookie);
	free(request->body);
	free(request->answer);
	free(request);
	*request_cls = NULL;
}

/* The address of cdp.http_listen ("host:port", "[v6]:port", ":port"). */
static void
listen_address(const char *listen, struct sockaddr_storage *address)
{
	char	   *host = pstrdup(listen);
	char	   *port = strrchr(host, ':');
	struct addrinfo hints;
	struct addrinfo *found = NULL;

	if (port == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cdp.http_listen must be host:port")));
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']')
	{
		host[strlen(host) - 1] = '\0';
		host++;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &found) != 0 || found == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cdp.http_listen: cannot resolve its host and port")));
	memcpy(address, found->ai_addr, found->ai_addrlen);
	freeaddrinfo(found);
}

/*
 * The contents of a PEM file named by a setting, NUL-terminated (at most
 * 1 MB).  The errors name the setting, never what the file holds.
 */
static char *
read_pem(const char *setting, const char *path)
{
	FILE	   *file = AllocateFile(path, "rb");
	char	   *pem = palloc(1024 * 1024 + 1);
	size_t		len;

	if (file == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("cdp HTTP server: cannot open the file of %s: %m", setting)));
	len = fread(pem, 1, 1024 * 1024 + 1, file);
	FreeFile(file);
	if (len == 0 || len > 1024 * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("cdp HTTP server: the file of %s is empty or larger than 1 MB", setting)));
	pem[len] = '\0';
	return pem;
}

/* The settings a running server was started with: a change restarts it. */
typedef struct ServerSettings
{
	char	   *listen;
	char	   *cert;
	char	   *key;
	int			max_connections;
	int			client_connections;
} ServerSettings;

static ServerSettings
current_settings(void)
{
	ServerSettings settings = {pstrdup(cdp_http_listen), pstrdup(cdp_http_tls_cert),
	pstrdup(cdp_http_tls_key), cdp_http_max_connections, cdp_http_client_connections};

	return settings;
}

static bool
settings_unchanged(const ServerSettings *settings)
{
	return strcmp(settings->listen, cdp_http_listen) == 0 &&
		strcmp(settings->cert, cdp_http_tls_cert) == 0 &&
		strcmp(settings->key, cdp_http_tls_key) == 0 &&
		settings->max_connections == cdp_http_max_connections &&
		settings->client_connections == cdp_http_client_connections;
}

/*
 * cdp.http_max_wait as this process's lock_timeout: a request that would
 * wait longer for a lock (a table locked by a DBA, say) fails, and its
 * group is answered 503 rather than held.
 */
static void
apply_max_wait(void)
{
	char		milliseconds[16];

	snprintf(milliseconds, sizeof(milliseconds), "%d", cdp_http_max_wait);
	SetConfigOption("lock_timeout", milliseconds, PGC_SUSET, PGC_S_OVERRIDE);
}

/*
 * Takes the next group off the queue: requests up to CDP_HTTP_GROUP_BYTES
 * of bodies (at least one).  A request that has waited in the queue
 * longer than cdp.http_max_wait (since its body arrived: a slow upload
 * is not the server's delay) is answered 503 with Retry-After instead:
 * the server is behind, and its client should come back later rather
 * than wait.
 */
static CdpHttpRequest *
take_group(void)
{
	CdpHttpRequest *group = pending_head;
	CdpHttpRequest *last = NULL;
	size_t		bytes = 0;
	TimestampTz now = GetCurrentTimestamp();

	for (CdpHttpRequest *r = pending_head; r != NULL; r = r->next_pending)
	{
		if (last != NULL && bytes + r->body_len > CDP_HTTP_GROUP_BYTES)
			break;
		bytes += r->body_len;
		if (!r->answered && TimestampDifferenceExceeds(r->queued, now, cdp_http_max_wait))
			CdpHttpAnswer(r, MHD_HTTP_SERVICE_UNAVAILABLE,
						  "{\"error\": \"the server is busy, retry\"}");
		last = r;
	}
	pending_head = last->next_pending;
	if (pending_head == NULL)
		pending_tail = NULL;
	last->next_pending = NULL;
	return group;
}

/* Ingests the next group of what arrived, and lets the library answer it. */
static void
collect_group(struct MHD_Daemon *daemon)
{
	CdpHttpRequest *group = take_group();

	CdpHttpCollect(group);
	for (CdpHttpRequest *r = group; r != NULL;)
	{
		CdpHttpRequest *next = r->next_pending;

		r->next_pending = NULL;
		MHD_resume_connection(r->connection);
		r = next;
	}
	MHD_run(daemon);
}

void
CdpHttpServe(void)
{
	ServerSettings settings = current_settings();
	const char *listen = settings.listen;
	const char *cert = settings.cert;
	const char *key = settings.key;
	bool		tls = (cert[0] != '\0' || key[0] != '\0');
	struct MHD_OptionItem tls_options[3] = {{MHD_OPTION_END, 0, NULL}};
	struct sockaddr_storage address;
	struct MHD_Daemon *daemon;
	const union MHD_DaemonInfo *info;
	WaitEventSet *wait_set;

	listen_address(listen, &address);
	if (tls)
	{
		if (cert[0] == '\0' || key[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cdp HTTP server: set both cdp.http_tls_cert and cdp.http_tls_key, or neither")));
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cdp HTTP server: this libmicrohttpd has no TLS")));
		tls_options[0] = (struct MHD_OptionItem) {MHD_OPTION_HTTPS_MEM_CERT, 0, read_pem("cdp.http_tls_cert", cert)};
		tls_options[1] = (struct MHD_OptionItem) {MHD_OPTION_HTTPS_MEM_KEY, 0, read_pem("cdp.http_tls_key", key)};
		tls_options[2] = (struct MHD_OptionItem) {MHD_OPTION_END, 0, NULL};
	}
	daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0),
							  0, NULL, NULL, on_request, NULL,
							  MHD_OPTION_ARRAY, tls_options,
							  MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
							  MHD_OPTION_CONNECTION_LIMIT, (unsigned int) settings.max_connections,
							  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) settings.client_connections,
							  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 30,
							  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) 64 * 1024,
							  MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int) 1,
							  MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
							  MHD_OPTION_END);
	if (daemon == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("cdp HTTP server cannot listen on %s%s", listen,
						tls ? " (or its TLS certificate and key are not usable)" : "")));
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
	wait_set = CreateWaitEventSet(CurrentMemoryContext, 3);
	AddWaitEventToSet(wait_set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wait_set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(wait_set, WL_SOCKET_READABLE, info->epoll_fd, NULL, NULL);
	apply_max_wait();
	CdpHttpStatsStarted();
	ereport(LOG, (errmsg("cdp HTTP server listening on %s%s", listen, tls ? " (HTTPS)" : "")));

	for (;;)
	{
		WaitEvent	event;
		MHD_UNSIGNED_LONG_LONG library_timeout;
		long		timeout = 1000;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			if (!settings_unchanged(&settings))
				break;
			apply_max_wait();
		}
		if (MHD_get_timeout(daemon, &library_timeout) == MHD_YES)
			timeout = Min(timeout, (long) library_timeout);
		if (pending_head != NULL)
			timeout = 0;		/* more groups wait: only look for news */
		(void) WaitEventSetWait(wait_set, timeout, &event, 1, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		MHD_run(daemon);
		if (pending_head != NULL)
			collect_group(daemon);
	}
	/* What was received is answered before the old server stops. */
	while (pending_head != NULL)
		collect_group(daemon);
	FreeWaitEventSet(wait_set);
	MHD_stop_daemon(daemon);
	ereport(LOG, (errmsg("cdp HTTP server on %s stopped: its settings changed", listen)));
}
