/*-------------------------------------------------------------------------
 *
 * match_spec.c
 *	  The model spec of probabilistic matching: its validation, and the
 *	  models stored in cdp.match_models (cdp.create_match_model()).
 *
 * A spec is checked whole before anything is stored: a bad one raises
 * 22023 naming the key at fault (comparisons[1].levels[0].jaro_winkler),
 * never a value of the records.  Its SQL pieces (exprs, blocking and
 * deterministic rules, sql levels) are checked for syntax here and
 * against a relation when the model is used on one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include <math.h>

#include "match/match_internal.h"

PG_FUNCTION_INFO_V1(cdp_create_match_model);

static CdpPlanCache insert_plan;
static CdpPlanCache load_plan;
static CdpPlanCache params_plan;

static const char *const level_kinds[CDP_LEVEL_KINDS] = {
	[CDP_LEVEL_EXACT] = "exact",
	[CDP_LEVEL_JARO_WINKLER] = "jaro_winkler",
	[CDP_LEVEL_JARO] = "jaro",
	[CDP_LEVEL_LEVENSHTEIN] = "levenshtein",
	[CDP_LEVEL_DAMERAU] = "damerau_levenshtein",
	[CDP_LEVEL_QGRAM] = "qgram",
	[CDP_LEVEL_TOKEN_SET] = "token_set",
	[CDP_LEVEL_DATE_WITHIN] = "date_within_days",
	[CDP_LEVEL_NUMERIC_WITHIN] = "numeric_within",
	[CDP_LEVEL_SQL] = "sql",
};

/* Raises 22023 for the spec key at path. */
static void
spec_error(const char *path, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid match model spec: %s %s", path, problem),
			 errhint("See the model spec in the README, \"Probabilistic matching\".")));
}

/* The value under key of object, or false when absent. */
static bool
spec_field(JsonbContainer *object, const char *key, JsonbValue *value)
{
	return getKeyJsonValueFromContainer(object, key, strlen(key), value) != NULL;
}

/* Raises for any key of object not in allowed[0..n). */
static void
check_keys(JsonbContainer *object, const char *path, const char *const *allowed, int n)
{
	int			len;
	const char *key = CdpJsonbUnknownKey(object, allowed, n, &len);

	if (key != NULL)
		spec_error(psprintf("%s%s%.*s", path, *path ? "." : "", Min(len, NAMEDATALEN), key),
				   "is not a key of the spec");
}

/* The object at value, or an error for path. */
static JsonbContainer *
spec_object(const JsonbValue *value, const char *path)
{
	if (value->type != jbvBinary || !JsonContainerIsObject(value->val.binary.data))
		spec_error(path, "must be an object");
	return value->val.binary.data;
}

/* The elements of the array at value (n in *n), or an error for path. */
static JsonbValue *
spec_array(const JsonbValue *value, const char *path, int *n)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	JsonbValue *elems;
	int			count = 0;

	if (value->type != jbvBinary || !JsonContainerIsArray(value->val.binary.data))
		spec_error(path, "must be an array");
	*n = JsonContainerSize(value->val.binary.data);
	elems = palloc(Max(*n, 1) * sizeof(JsonbValue));
	it = JsonbIteratorInit(value->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			elems[count++] = v;
	return elems;
}

/* The non-empty string at value, or an error for path. */
static char *
spec_string(const JsonbValue *value, const char *path)
{
	if (value->type != jbvString || value->val.string.len == 0)
		spec_error(path, "must be a non-empty string");
	return pnstrdup(value->val.string.val, value->val.string.len);
}

/* The number at value, between lo and hi, or an error for path. */
static double
spec_number(const JsonbValue *value, const char *path, double lo, double hi, bool integral)
{
	double		d;

	if (value->type != jbvNumeric)
		spec_error(path, "must be a number");
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(value->val.numeric)));
	if (!(d >= lo && d <= hi) || (integral && d != floor(d)))
		spec_error(path, psprintf("must be %s from %g to %g", integral ? "a whole number" : "a number",
								  lo, hi));
	return d;
}

/* CdpSpecKeyContext names the spec key whose SQL an error is about. */
void
CdpSpecKeyContext(void *arg)
{
	errcontext("match model spec key %s", (const char *) arg);
}

/* What a syntax error in a spec's SQL is reported with. */
typedef struct SpecSqlError
{
	const char *path;			/* the spec key */
	const char *sql;			/* its SQL, as the user wrote it */
} SpecSqlError;

/* The prefix check_sql_syntax parses the SQL with. */
#define SQL_SYNTAX_PREFIX "SELECT ("

/*
 * Names the key of a syntax error, and points its cursor into the key's SQL
 * (shown as the internal query) rather than into the caller's statement.
 */
static void
spec_sql_error_context(void *arg)
{
	const SpecSqlError *where = (const SpecSqlError *) arg;
	int			position = geterrposition();

	if (position > 0)
	{
		errposition(0);
		internalerrposition(Max(position - (int) strlen(SQL_SYNTAX_PREFIX), 1));
		internalerrquery(where->sql);
	}
	CdpSpecKeyContext(unconstify(char *, where->path));
}

/*
 * Checks that sql parses as an expression; an error names the key path as
 * its context.  Names are checked later, against the relation the model is
 * used on (CdpValidateMatchSql).
 */
static void
check_sql_syntax(const char *sql, const char *path)
{
	ErrorContextCallback errcallback;
	SpecSqlError where = {path, sql};
	List	   *parsed;
	SelectStmt *select;

	errcallback.callback = spec_sql_error_context;
	errcallback.arg = &where;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	parsed = raw_parser(psprintf(SQL_SYNTAX_PREFIX "%s\n)", sql), RAW_PARSE_DEFAULT);
	error_context_stack = errcallback.previous;

	/* One expression, not a fragment that closes it and goes on. */
	select = list_length(parsed) == 1 ? (SelectStmt *) linitial_node(RawStmt, parsed)->stmt : NULL;
	if (select == NULL || !IsA(select, SelectStmt) || list_length(select->targetList) != 1 ||
		select->fromClause != NIL || select->whereClause != NULL || select->groupClause != NIL ||
		select->havingClause != NULL || select->windowClause != NIL || select->sortClause != NIL ||
		select->limitCount != NULL || select->limitOffset != NULL || select->op != SETOP_NONE ||
		select->distinctClause != NIL || select->withClause != NULL || select->lockingClause != NIL)
		spec_error(path, "must be one SQL expression");
}

/* Fills *level from the level object at path. */
static void
parse_level(JsonbContainer *object, const char *path, CdpMatchComparison *c, CdpMatchLevel *level)
{
	static const char *const allowed[] = {
		"exact", "tf", "jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "qgram",
		"token_set", "date_within_days", "numeric_within", "sql"
	};
	JsonbValue	v;
	int			found = -1;

	check_keys(object, path, allowed, lengthof(allowed));
	for (int k = 0; k < CDP_LEVEL_KINDS; k++)
	{
		if (!spec_field(object, level_kinds[k], &v))
			continue;
		if (found >= 0)
			spec_error(path, "must have one level kind");
		found = k;
	}
	if (found < 0)
		spec_error(path, "has no level kind (exact, jaro_winkler, jaro, levenshtein, "
				   "damerau_levenshtein, qgram, token_set, date_within_days, numeric_within, sql)");
	level->kind = (CdpLevelKind) found;
	spec_field(object, level_kinds[found], &v);
	path = psprintf("%s.%s", path, level_kinds[found]);
	switch (level->kind)
	{
		case CDP_LEVEL_EXACT:
			if (v.type != jbvBool || !v.val.boolean)
				spec_error(path, "must be true");
			break;
		case CDP_LEVEL_JARO_WINKLER:
		case CDP_LEVEL_JARO:
		case CDP_LEVEL_QGRAM:
		case CDP_LEVEL_TOKEN_SET:
			level->threshold = spec_number(&v, path, 0, 1, false);
			break;
		case CDP_LEVEL_LEVENSHTEIN:
		case CDP_LEVEL_DAMERAU:
			level->threshold = spec_number(&v, path, 0, 1000, true);
			break;
		case CDP_LEVEL_DATE_WITHIN:
			level->threshold = spec_number(&v, path, 0, 1e7, true);
			c->needs_date = true;
			break;
		case CDP_LEVEL_NUMERIC_WITHIN:
			level->threshold = spec_number(&v, path, 0, 1e300, false);
			c->needs_number = true;
			break;
		case CDP_LEVEL_SQL:
			level->sql = spec_string(&v, path);
			check_sql_syntax(level->sql, path);
			break;
	}
	if (spec_field(object, "tf", &v))
	{
		if (level->kind != CDP_LEVEL_EXACT)
			spec_error(psprintf("%s.tf", path), "is allowed on exact levels only");
		if (v.type != jbvBool)
			spec_error(psprintf("%s.tf", path), "must be true or false");
		level->tf = v.val.boolean;
		c->has_tf |= level->tf;
	}
	if (level->kind == CDP_LEVEL_EXACT)
		level->label = level->tf ? "exact (tf)" : "exact";
	else if (level->kind == CDP_LEVEL_SQL)
		level->label = psprintf("sql: %s", level->sql);
	else
		level->label = psprintf("%s %s %g", level_kinds[level->kind],
								level->kind == CDP_LEVEL_JARO_WINKLER || level->kind == CDP_LEVEL_JARO ||
								level->kind == CDP_LEVEL_QGRAM || level->kind == CDP_LEVEL_TOKEN_SET
								? ">=" : "<=",
								level->threshold);
}

/* Tells whether name is a comparison name: [a-z][a-z0-9_]{0,62}. */
static bool
is_comparison_name(const char *name)
{
	if (!(name[0] >= 'a' && name[0] <= 'z') || strlen(name) >= NAMEDATALEN)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* Fills *c from the comparison object at path. */
static void
parse_comparison(JsonbContainer *object, const char *path, CdpMatchComparison *c)
{
	static const char *const allowed[] = {"name", "column", "expr", "levels"};
	JsonbValue	v;
	JsonbValue *levels;
	bool		has_column,
				has_expr;

	check_keys(object, path, allowed, lengthof(allowed));
	if (!spec_field(object, "name", &v))
		spec_error(path, "has no name");
	c->name = spec_string(&v, psprintf("%s.name", path));
	if (!is_comparison_name(c->name))
		spec_error(psprintf("%s.name", path),
				   "must be 1 to 63 lower-case letters, digits or \"_\", starting with a letter");
	has_column = spec_field(object, "column", &v);
	if (has_column)
		c->sql = pstrdup(quote_identifier(spec_string(&v, psprintf("%s.column", path))));
	has_expr = spec_field(object, "expr", &v);
	if (has_expr)
	{
		c->sql = spec_string(&v, psprintf("%s.expr", path));
		check_sql_syntax(c->sql, psprintf("%s.expr", path));
		c->sql = psprintf("(%s)", c->sql);
	}
	if (has_column == has_expr)
		spec_error(path, "must have either column or expr");
	if (!spec_field(object, "levels", &v))
		spec_error(path, "has no levels");
	levels = spec_array(&v, psprintf("%s.levels", path), &c->nlevels);
	if (c->nlevels == 0 || c->nlevels > 100)
		spec_error(psprintf("%s.levels", path), "must have 1 to 100 levels");
	c->levels = palloc0(c->nlevels * sizeof(CdpMatchLevel));
	for (int l = 0; l < c->nlevels; l++)
	{
		char	   *lpath = psprintf("%s.levels[%d]", path, l);

		parse_level(spec_object(&levels[l], lpath), lpath, c, &c->levels[l]);
	}
}

/* Reads an array of SQL rules at key (required or not) into *rules. */
static int
parse_rules(JsonbContainer *root, const char *key, bool required, char ***rules)
{
	JsonbValue	v;
	JsonbValue *elems;
	int			n;

	*rules = NULL;
	if (!spec_field(root, key, &v))
	{
		if (required)
			spec_error(key, "is missing");
		return 0;
	}
	elems = spec_array(&v, key, &n);
	if (required && n == 0)
		spec_error(key, "must have at least one rule");
	*rules = palloc(Max(n, 1) * sizeof(char *));
	for (int i = 0; i < n; i++)
	{
		char	   *path = psprintf("%s[%d]", key, i);

		(*rules)[i] = spec_string(&elems[i], path);
		check_sql_syntax((*rules)[i], path);
	}
	return n;
}

/*
 * CdpParseMatchSpec validates spec and returns the model it describes
 * (untrained); raises 22023 naming the key at fault.
 */
CdpMatchModel *
CdpParseMatchSpec(Jsonb *spec)
{
	static const char *const allowed[] = {"comparisons", "blocking", "deterministic"};
	CdpMatchModel *model = palloc0(sizeof(CdpMatchModel));
	JsonbValue	v;
	JsonbValue *comparisons;

	if (!JB_ROOT_IS_OBJECT(spec))
		spec_error("spec", "must be a JSON object");
	check_keys(&spec->root, "", allowed, lengthof(allowed));
	if (!spec_field(&spec->root, "comparisons", &v))
		spec_error("comparisons", "is missing");
	comparisons = spec_array(&v, "comparisons", &model->ncomparisons);
	if (model->ncomparisons == 0 || model->ncomparisons > 100)
		spec_error("comparisons", "must have 1 to 100 comparisons");
	model->comparisons = palloc0(model->ncomparisons * sizeof(CdpMatchComparison));
	for (int c = 0; c < model->ncomparisons; c++)
	{
		char	   *path = psprintf("comparisons[%d]", c);

		parse_comparison(spec_object(&comparisons[c], path), path, &model->comparisons[c]);
		for (int d = 0; d < c; d++)
			if (strcmp(model->comparisons[d].name, model->comparisons[c].name) == 0)
				spec_error(psprintf("%s.name", path), "repeats the name of an earlier comparison");
		for (int l = 0; l < model->comparisons[c].nlevels; l++)
			if (model->comparisons[c].levels[l].kind == CDP_LEVEL_SQL)
				model->comparisons[c].levels[l].sql_column = model->nsql++;
	}
	model->nblocking = parse_rules(&spec->root, "blocking", true, &model->blocking);
	model->ndeterministic = parse_rules(&spec->root, "deterministic", false, &model->deterministic);
	return model;
}

/* Raises 22023 unless name spells an object name (see CdpIsObjectName). */
static void
check_model_name(text *name)
{
	if (!CdpIsObjectName(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid match model name"),
				 errdetail("A model name is 1 to 63 letters, digits, \"_\", \".\", \":\" or \"-\", starting with a letter or a digit.")));
}

/*
 * cdp.create_match_model(name text, spec jsonb) → integer: validates and
 * stores a model (untrained); returns its id.
 */
Datum
cdp_create_match_model(PG_FUNCTION_ARGS)
{
	Oid			argtypes[2] = {TEXTOID, JSONBOID};
	Datum		args[2];
	bool		isnull;
	int32		model_id;

	CdpRequireArgument(fcinfo, 0, "name");
	CdpRequireArgument(fcinfo, 1, "spec");
	check_model_name(PG_GETARG_TEXT_PP(0));
	(void) CdpParseMatchSpec(PG_GETARG_JSONB_P(1));

	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(1);
	SPI_connect();
	CdpExecute(CdpPlan(&insert_plan,
					   "INSERT INTO cdp.match_models (name, spec) VALUES ($1, $2) RETURNING model_id",
					   2, argtypes),
			   args, SPI_OK_INSERT_RETURNING);
	model_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	PG_RETURN_INT32(model_id);
}

/*
 * CdpLoadMatchModel reads the model called name (its spec and, when
 * trained, its parameters); raises 42704 when there is none.  SPI is
 * connected.
 */
CdpMatchModel *
CdpLoadMatchModel(text *name)
{
	Oid			argtype = TEXTOID;
	Datum		arg = PointerGetDatum(name);
	CdpMatchModel *model;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	Datum		params;

	CdpExecute(CdpPlan(&load_plan,
					   "SELECT model_id, spec, params FROM cdp.match_models WHERE name = $1",
					   1, &argtype),
			   &arg, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("match model \"%s\" does not exist",
						text_to_cstring(name)),
				 errhint("Create it with cdp.create_match_model().")));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	model = CdpParseMatchSpec(DatumGetJsonbPCopy(SPI_getbinval(tuple, desc, 2, &isnull)));
	model->model_id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
	model->name = text_to_cstring(name);
	params = SPI_getbinval(tuple, desc, 3, &isnull);
	if (!isnull)
		CdpApplyMatchParams(model, DatumGetJsonbPCopy(params));
	return model;
}

/* Reads the number stored under key of object. */
static double
param_number(JsonbContainer *object, const char *key)
{
	JsonbValue	v;

	if (!spec_field(object, key, &v) || v.type != jbvNumeric)
		elog(ERROR, "match model parameters lack \"%s\"", key);
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
}

/*
 * CdpApplyMatchParams sets the model's λ, m and u from the parameters that
 * training stored (see match_train.c for their shape).
 */
void
CdpApplyMatchParams(CdpMatchModel *model, Jsonb *params)
{
	JsonbValue	v;
	JsonbValue *comparisons;
	int			n;

	model->params = params;
	model->lambda = param_number(&params->root, "lambda");
	if (!spec_field(&params->root, "comparisons", &v))
		elog(ERROR, "match model parameters lack \"comparisons\"");
	comparisons = spec_array(&v, "comparisons", &n);
	if (n != model->ncomparisons)
		elog(ERROR, "match model parameters do not fit its spec");
	for (int c = 0; c < n; c++)
	{
		CdpMatchComparison *comparison = &model->comparisons[c];
		JsonbValue	lv;
		JsonbValue *levels;
		int			nlevels;

		spec_field(comparisons[c].val.binary.data, "levels", &lv);
		levels = spec_array(&lv, "levels", &nlevels);
		if (nlevels != comparison->nlevels + 1)
			elog(ERROR, "match model parameters do not fit its spec");
		comparison->m = palloc(nlevels * sizeof(double));
		comparison->u = palloc(nlevels * sizeof(double));
		for (int l = 0; l < nlevels; l++)
		{
			comparison->m[l] = param_number(levels[l].val.binary.data, "m");
			comparison->u[l] = param_number(levels[l].val.binary.data, "u");
		}
	}
	model->trained = true;
}

/* CdpStoreMatchParams records trained parameters on the model's row. */
void
CdpStoreMatchParams(CdpMatchModel *model, Jsonb *params)
{
	Oid			argtypes[2] = {INT4OID, JSONBOID};
	Datum		args[2];

	args[0] = Int32GetDatum(model->model_id);
	args[1] = JsonbPGetDatum(params);
	CdpExecute(CdpPlan(&params_plan,
					   "UPDATE cdp.match_models SET params = $2, trained_at = pg_catalog.now()"
					   " WHERE model_id = $1", 2, argtypes),
			   args, SPI_OK_UPDATE);
	CdpApplyMatchParams(model, params);
}

/* CdpRequireTrained raises 55000 for a model not trained yet. */
void
CdpRequireTrained(const CdpMatchModel *model)
{
	if (!model->trained)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("match model \"%s\" is not trained", model->name),
				 errhint("Train it with cdp.train_match_model().")));
}
