/*-------------------------------------------------------------------------
 *
 * http_console.c
 *	  The web console, GET and POST /console/...: sign-in with a read token,
 *	  a session cookie, and pages rendered in SQL (cdp.console_page,
 *	  src/console/console_pages.sql) as the session's role, for its
 *	  purpose, so that row security decides what they show.
 *
 * Signing in takes the token from a posted form, or once from the link
 * /console/login?token=... (for scripts and headless browsers); either
 * answers 303 with the session cookie, so the token is in no later URL.
 * The cookie is HttpOnly and SameSite=Strict, and every POST must also
 * carry the session's form secret, compared in constant time.  A page is
 * read in a subtransaction that is rolled back; a POST's, or a sign-in's,
 * is kept.
 * Nothing here logs a URL, a token or what a form carried.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <microhttpd.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "http/http_internal.h"

#define SESSION_COOKIE "cdp_console"

/* What a request carries once read: its fields, and its session's. */
typedef struct ConsoleRequest
{
	int			nfields;
	Datum	   *keys;
	Datum	   *values;
	char	   *role;			/* the session's, or NULL: not signed in */
	char	   *purpose;
	char	   *csrf;
} ConsoleRequest;

static CdpPlanCache stylesheet_plan;
static CdpPlanCache sign_in_page_plan;
static CdpPlanCache sign_in_plan;
static CdpPlanCache session_plan;
static CdpPlanCache sign_out_plan;
static CdpPlanCache role_plan;
static CdpPlanCache page_plan;

static const char failure_page[] =
	"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>cdp console</title></head>"
	"<body><p>The console could not answer this request. Try again.</p></body></html>";

/* Sets a request's answer: a body of a content type (copied). */
static void
answer(CdpHttpRequest *request, int status, const char *content_type, const char *body)
{
	CdpHttpAnswer(request, status, body);
	if (request->status == status)
		request->content_type = content_type;
}

static void
answer_html(CdpHttpRequest *request, int status, const char *html)
{
	answer(request, status, "text/html; charset=utf-8", html);
}

/* Sends the browser elsewhere (303), setting or clearing the cookie. */
static void
redirect(CdpHttpRequest *request, const char *location, const char *cookie)
{
	answer_html(request, MHD_HTTP_SEE_OTHER, "");
	free(request->location);
	request->location = strdup(location);
	if (cookie != NULL)
	{
		free(request->set_cookie);
		request->set_cookie = strdup(cookie);
	}
	if (request->location == NULL || (cookie != NULL && request->set_cookie == NULL))
		answer_html(request, MHD_HTTP_SERVICE_UNAVAILABLE, failure_page);
}

/* Whether two strings are equal, in a time that does not tell where they differ. */
static bool
equal_secrets(const char *a, const char *b)
{
	size_t		alen = strlen(a);
	size_t		blen = strlen(b);
	unsigned char diff = (alen != blen);

	for (size_t i = 0; i < alen; i++)
		diff |= (unsigned char) a[i] ^ (unsigned char) b[i % Max(blen, 1)];
	return diff == 0;
}

/* Decodes a form field in place: '+' is a space, %XX a byte. */
static void
form_decode(char *s)
{
	for (char *c = s; *c; c++)
		if (*c == '+')
			*c = ' ';
	MHD_http_unescape(s);
}

/* Adds a field; false when it is not valid in the database encoding. */
static bool
add_field(ConsoleRequest *cr, const char *key, const char *value, int *size)
{
	if (!pg_verifymbstr(key, strlen(key), true) || !pg_verifymbstr(value, strlen(value), true))
		return false;
	if (cr->nfields == *size)
	{
		*size *= 2;
		cr->keys = repalloc(cr->keys, *size * sizeof(Datum));
		cr->values = repalloc(cr->values, *size * sizeof(Datum));
	}
	cr->keys[cr->nfields] = CStringGetTextDatum(key);
	cr->values[cr->nfields] = CStringGetTextDatum(value);
	cr->nfields++;
	return true;
}

/*
 * The fields of a request: its GET arguments (decoded by the library) and,
 * for a POST, its form (application/x-www-form-urlencoded).  False when a
 * field is not text.
 */
static bool
read_fields(const CdpHttpRequest *request, ConsoleRequest *cr)
{
	int			size = 8;

	cr->keys = palloc(size * sizeof(Datum));
	cr->values = palloc(size * sizeof(Datum));
	for (size_t at = 0; at < request->args_len;)
	{
		const char *key = request->args + at;
		const char *value = key + strlen(key) + 1;

		if (!add_field(cr, key, value, &size))
			return false;
		at = (value - request->args) + strlen(value) + 1;
	}
	if (request->post && request->body != NULL)
	{
		char	   *form = pnstrdup(request->body, request->body_len);
		char	   *save = NULL;

		if (strlen(form) != request->body_len)
			return false;		/* a NUL byte */
		for (char *pair = strtok_r(form, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save))
		{
			char	   *eq = strchr(pair, '=');
			char	   *value = "";

			if (eq != NULL)
			{
				*eq = '\0';
				value = eq + 1;
			}
			form_decode(pair);
			form_decode(value);
			if (!add_field(cr, pair, value, &size))
				return false;
		}
	}
	return true;
}

/* A field's value, or NULL. */
static const char *
field(const ConsoleRequest *cr, const char *key)
{
	for (int i = cr->nfields - 1; i >= 0; i--)
		if (strcmp(TextDatumGetCString(cr->keys[i]), key) == 0)
			return TextDatumGetCString(cr->values[i]);
	return NULL;
}

/* The text of the first column of a one-row result, or NULL. */
static char *
single_text(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed != 1)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NULL : TextDatumGetCString(d);
}

/* The sign-in page, with a message ("" for none). */
static void
sign_in_page(CdpHttpRequest *request, int status, const char *message)
{
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(message);

	CdpExecute(CdpPlan(&sign_in_page_plan, "SELECT cdp.console_sign_in_page(NULLIF($1, ''))", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	answer_html(request, status, single_text());
}

/* The session of the request's cookie: its role, purpose and form secret. */
static void
find_session(const CdpHttpRequest *request, ConsoleRequest *cr)
{
	Oid			argtype = TEXTOID;
	Datum		arg;
	bool		isnull;

	if (request->session == NULL)
		return;
	arg = CStringGetTextDatum(request->session);
	CdpExecute(CdpPlan(&session_plan,
					   "SELECT s.role::pg_catalog.text, s.purpose, s.csrf FROM cdp.console_session($1) s"
					   " WHERE s.role IS NOT NULL", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	if (SPI_processed != 1)
		return;
	cr->role = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	cr->purpose = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	cr->csrf = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
}

/* /console/login: the page, or a token (posted, or in the link) tried. */
static void
sign_in(CdpHttpRequest *request, const ConsoleRequest *cr)
{
	const char *token = field(cr, "token");
	Oid			argtype = TEXTOID;
	Datum		arg;
	char	   *secret;

	if (token == NULL)
	{
		sign_in_page(request, MHD_HTTP_OK, "");
		return;
	}
	arg = CStringGetTextDatum(token);
	CdpExecute(CdpPlan(&sign_in_plan, "SELECT cdp.console_sign_in($1)", 1, &argtype), &arg, SPI_OK_SELECT);
	secret = single_text();
	if (secret == NULL)
	{
		sign_in_page(request, MHD_HTTP_UNAUTHORIZED, "That token is unknown or revoked.");
		return;
	}
	redirect(request, "/console/",
			 psprintf(SESSION_COOKIE "=%s; Path=/console; HttpOnly; SameSite=Strict%s", secret,
					  cdp_http_tls_cert[0] != '\0' ? "; Secure" : ""));
}

static void
sign_out(CdpHttpRequest *request, const ConsoleRequest *cr)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	args[0] = CStringGetTextDatum(request->session);
	args[1] = CStringGetTextDatum(cr->csrf);
	CdpExecute(CdpPlan(&sign_out_plan, "SELECT cdp.console_sign_out($1, $2)", 2, argtypes),
			   args, SPI_OK_SELECT);
	redirect(request, "/console/login",
			 SESSION_COOKIE "=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* A page, as the session's role for its purpose. */
static void
render(CdpHttpRequest *request, const ConsoleRequest *cr)
{
	Oid			argtypes[5] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID};
	Datum		args[5];
	bool		isnull;
	int			status;
	Datum		location;

	args[0] = CStringGetTextDatum(cr->role);
	args[1] = CStringGetTextDatum(cr->purpose);
	CdpExecute(CdpPlan(&role_plan,
					   "SELECT pg_catalog.set_config('role', $1, true),"
					   " pg_catalog.set_config('cdp.purpose', $2, true)",
					   2, argtypes),
			   args, SPI_OK_SELECT);
	args[0] = CStringGetTextDatum(request->post ? "POST" : "GET");
	args[1] = CStringGetTextDatum(request->console_path);
	args[2] = CdpDatumArray(cr->keys, cr->nfields, TEXTOID);
	args[3] = CdpDatumArray(cr->values, cr->nfields, TEXTOID);
	args[4] = CStringGetTextDatum(cr->csrf);
	CdpExecute(CdpPlan(&page_plan,
					   "SELECT p.status, p.body, p.location"
					   " FROM cdp.console_page($1, $2, pg_catalog.jsonb_object($3, $4), $5) p",
					   5, argtypes),
			   args, SPI_OK_SELECT);
	status = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	location = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	if (!isnull)
		redirect(request, TextDatumGetCString(location), NULL);
	else
		answer_html(request, status,
					TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)));
}

/* The request, in a subtransaction (kept for a POST). */
static void
console_request(CdpHttpRequest *request)
{
	ConsoleRequest cr = {0};
	const char *path = request->console_path;
	const char *csrf;

	if (strcmp(path, "/favicon.svg") == 0 && !request->post)
	{
		answer(request, MHD_HTTP_OK, "image/svg+xml",
			   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
			   "<circle cx=\"8\" cy=\"8\" r=\"7\" fill=\"#2f6fdf\"/></svg>");
		return;
	}
	if (strcmp(path, "/style.css") == 0 && !request->post)
	{
		CdpExecute(CdpPlan(&stylesheet_plan, "SELECT cdp.console_stylesheet()", 0, NULL), NULL, SPI_OK_SELECT);
		answer(request, MHD_HTTP_OK, "text/css; charset=utf-8", single_text());
		return;
	}
	if (!pg_verifymbstr(path, strlen(path), true) || !read_fields(request, &cr))
	{
		answer_html(request, MHD_HTTP_BAD_REQUEST, failure_page);
		return;
	}
	if (strcmp(path, "/login") == 0)
	{
		sign_in(request, &cr);
		return;
	}
	find_session(request, &cr);
	if (cr.role == NULL)
	{
		redirect(request, "/console/login", NULL);
		return;
	}
	csrf = field(&cr, "csrf");
	if (request->post && !equal_secrets(csrf != NULL ? csrf : "", cr.csrf))
	{
		answer_html(request, MHD_HTTP_FORBIDDEN,
					"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>cdp console</title>"
					"</head><body><p>This form has expired or did not come from the console:"
					" <a href=\"/console/\">reload the console</a>.</p></body></html>");
		return;
	}
	if (strcmp(path, "/logout") == 0 && request->post)
		sign_out(request, &cr);
	else
		render(request, &cr);
}

void
CdpHttpConsole(CdpHttpRequest *request)
{
	ErrorData  *edata;

	if (request->answered)
		return;
	/* A sign-in writes its session, even from the link (a GET). */
	edata = CdpHttpSubtransaction(console_request, request,
								  request->post || strcmp(request->console_path, "/login") == 0);
	if (edata == NULL)
		return;
	if (edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
		answer_html(request, MHD_HTTP_FORBIDDEN,
					"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>cdp console</title>"
					"</head><body><p>The role of this token may not use the console: grant it one of"
					" cdp's roles.</p></body></html>");
	else
	{
		CdpHttpAnswerFailure(request, edata);
		request->content_type = NULL;
	}
	FreeErrorData(edata);
}
