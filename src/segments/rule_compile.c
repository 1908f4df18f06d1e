/*-------------------------------------------------------------------------
 *
 * rule_compile.c
 *	  Compiles the JSON rule language of segments and computed traits into
 *	  SQL over one profile row p (cdp.profiles) and its events
 *	  (the rows of cdp.profile_events), evaluated at cdp.segment_now().
 *
 *	  Besides the condition, a compilation gives the "lapse": a timestamptz
 *	  expression for when the result may next change by the passing of time
 *	  alone (an event leaving its window, a future-dated event arriving, a
 *	  relative date crossing its bound).  Refreshes store it per profile and
 *	  re-evaluate a profile when it is due, so windowed memberships end on
 *	  time without recomputing everyone.
 *
 *	  Every leaf is wrapped in coalesce(..., false): rules have two-valued
 *	  logic, and {"not": X} holds exactly where X does not.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"

#include "segments/rule_internal.h"

void
CdpRuleError(const char *path, const char *message)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid rule: %s", message),
			 errdetail("At %s.", path)));
}

JsonbValue *
CdpRuleField(JsonbContainer *obj, const char *key)
{
	return getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
}

void
CdpRuleCheckKeys(JsonbContainer *obj, const char *const *allowed, const char *path)
{
	int			n = 0;
	int			len;
	const char *key;

	while (allowed[n] != NULL)
		n++;
	key = CdpJsonbUnknownKey(obj, allowed, n, &len);
	if (key != NULL)
		CdpRuleError(path, psprintf("unknown key \"%.*s\"", Min(len, 64), key));
}

char *
CdpRuleString(JsonbValue *v, const char *path, const char *key)
{
	if (v == NULL || v->type != jbvString || v->val.string.len == 0)
		CdpRuleError(path, psprintf("\"%s\" must be a non-empty string", key));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * A window length: "<n> minute(s)|hour(s)|day(s)|week(s)", as an SQL
 * interval literal.
 */
char *
CdpRuleInterval(JsonbValue *v, const char *path, const char *key)
{
	static const char *const units[] = {"minute", "hour", "day", "week"};
	char	   *s = CdpRuleString(v, path, key);
	char	   *p = s;
	long		n;
	char	   *end;

	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		CdpRuleError(path, psprintf("\"%s\" must be like \"30 days\" (minutes, hours, days or weeks)", key));
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno != 0 || n <= 0 || n > 1000000)
		CdpRuleError(path, psprintf("\"%s\" must be a positive length of at most 1000000 units", key));
	p = end;
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < lengthof(units); i++)
	{
		size_t		len = strlen(units[i]);

		if (strncmp(p, units[i], len) == 0 &&
			(p[len] == '\0' || (p[len] == 's' && p[len + 1] == '\0')))
			return psprintf("'%ld %ss'::interval", n, units[i]);
	}
	CdpRuleError(path, psprintf("\"%s\" must be like \"30 days\" (minutes, hours, days or weeks)", key));
}

char *
CdpRulePath(const char *path, const char *key, int index)
{
	return index < 0 ? psprintf("%s.%s", path, key) : psprintf("%s.%s[%d]", path, key, index);
}

/*
 * The jsonb SQL expression of a named value under base: a name is a key
 * ("city"), an array of names a path into nested objects (["address",
 * "city"]).
 */
char *
CdpRuleSubject(const char *base, JsonbValue *name, const char *path, const char *key)
{
	StringInfoData out;

	if (name == NULL || name->type != jbvBinary || !JsonContainerIsArray(name->val.binary.data))
		return psprintf("%s -> %s", base, quote_literal_cstr(CdpRuleString(name, path, key)));
	if (JsonContainerSize(name->val.binary.data) == 0)
		CdpRuleError(path, psprintf("\"%s\" must be a name or a non-empty array of names", key));
	initStringInfo(&out);
	appendStringInfo(&out, "%s #> ARRAY[", base);
	for (uint32 i = 0; i < JsonContainerSize(name->val.binary.data); i++)
		appendStringInfo(&out, "%s%s", i > 0 ? ", " : "",
						 quote_literal_cstr(CdpRuleString(getIthJsonbValueFromContainer(name->val.binary.data, i),
														  path, key)));
	appendStringInfoString(&out, "]::text[]");
	return out.data;
}

/* An ISO 8601 timestamp of the rule as an SQL literal, in UTC. */
char *
CdpRuleTimestamp(JsonbValue *v, const char *path, const char *key)
{
	char	   *s = CdpRuleString(v, path, key);
	TimestampTz ts;
	struct pg_tm tm;
	fsec_t		fsec;

	if (!CdpParseIso8601(s, strlen(s), &ts) ||
		timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		CdpRuleError(path, psprintf("\"%s\" must hold ISO 8601 timestamps", key));
	return psprintf("'%04d-%02d-%02d %02d:%02d:%02d.%06d+00'::timestamptz",
					tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
					(int) fsec);
}

/* Elements of a non-empty array field, as containers of objects. */
List *
CdpRuleObjects(JsonbValue *v, const char *path, const char *key)
{
	List	   *items = NIL;

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerSize(v->val.binary.data) == 0)
		CdpRuleError(path, psprintf("\"%s\" must be a non-empty array", key));
	for (uint32 i = 0; i < JsonContainerSize(v->val.binary.data); i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(v->val.binary.data, i);

		if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
			CdpRuleError(CdpRulePath(path, key, i), "must be an object");
		items = lappend(items, e->val.binary.data);
	}
	return items;
}

/* A reference to another segment: its conditions and lapses, inlined. */
static RuleSql
compile_segment_ref(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	static const char *const keys[] = {"segment", NULL};
	Oid			argtype = TEXTOID;
	Datum		arg;
	char	   *name;
	bool		isnull;
	HeapTuple	row;
	TupleDesc	desc;
	char	   *lapse;
	ArrayType  *computed;
	Datum	   *ids;
	int			nids;
	RuleSql		sql;

	CdpRuleCheckKeys(obj, keys, path);
	name = CdpRuleString(CdpRuleField(obj, "segment"), path, "segment");
	if (rc->self != NULL && strcmp(name, rc->self) == 0)
		CdpRuleError(path, "a segment cannot refer to itself (a cycle)");
	arg = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT s.segment_id, s.condition, s.condition_full, s.lapse,"
							  " s.lapse_rows, s.incremental, s.computed_ids"
							  " FROM cdp.segments s WHERE s.name = $1",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading cdp.segments failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("segment \"%.64s\" does not exist", name),
				 errdetail("At %s.", path)));
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	rc->segment_ids = list_append_unique_int(rc->segment_ids,
											 DatumGetInt32(SPI_getbinval(row, desc, 1, &isnull)));
	sql.row = psprintf("(%s)", SPI_getvalue(row, desc, 2));
	sql.full = psprintf("(%s)", SPI_getvalue(row, desc, 3));
	lapse = SPI_getvalue(row, desc, 4);
	if (lapse != NULL)
	{
		rc->lapses = lappend(rc->lapses, lapse);
		rc->lapse_rows = lappend(rc->lapse_rows, SPI_getvalue(row, desc, 5));
	}
	rc->incremental &= DatumGetBool(SPI_getbinval(row, desc, 6, &isnull));
	/* its computed traits are refreshed before this segment too */
	computed = DatumGetArrayTypeP(SPI_getbinval(row, desc, 7, &isnull));
	deconstruct_array(computed, INT4OID, sizeof(int32), true, TYPALIGN_INT, &ids, NULL, &nids);
	for (int i = 0; i < nids; i++)
		rc->computed_ids = list_append_unique_int(rc->computed_ids, DatumGetInt32(ids[i]));
	return sql;
}

/*
 * A computed trait's id, or 0 for a score model's output (kept by the
 * scores job, not refreshed before a segment); one of them must exist.
 */
static int
computed_trait_id(const char *name, const char *path)
{
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(name);
	bool		isnull;

	if (SPI_execute_with_args("SELECT c.trait_id FROM cdp.computed_traits c WHERE c.name = $1"
							  " UNION ALL"
							  " SELECT 0 FROM cdp.score_models m WHERE $1 = ANY (m.outputs)",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading cdp.computed_traits failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("computed trait \"%.64s\" does not exist", name),
				 errdetail("At %s.", path),
				 errhint("Create it with cdp.create_computed_trait(), or a score model with this output.")));
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Both forms of a condition that reads only the profile row. */
static RuleSql
row_condition(char *condition)
{
	RuleSql		sql = {condition, condition};

	return sql;
}

static RuleSql compile_node(JsonbContainer *node, const char *path, RuleCompile *rc);

/* all / any: the children joined by AND / OR. */
static RuleSql
compile_list(JsonbContainer *obj, const char *key, const char *path, RuleCompile *rc)
{
	StringInfoData row;
	StringInfoData full;
	const char *join = key[1] == 'l' ? " AND " : " OR ";
	ListCell   *lc;
	RuleSql		sql;

	CdpRuleCheckKeys(obj, (const char *const[]) {key, NULL}, path);
	initStringInfo(&row);
	initStringInfo(&full);
	foreach(lc, CdpRuleObjects(CdpRuleField(obj, key), path, key))
	{
		int			i = foreach_current_index(lc);
		RuleSql		child = compile_node(lfirst(lc), CdpRulePath(path, key, i), rc);

		appendStringInfo(&row, "%s%s", i > 0 ? join : "", child.row);
		appendStringInfo(&full, "%s%s", i > 0 ? join : "", child.full);
	}
	sql.row = psprintf("(%s)", row.data);
	sql.full = psprintf("(%s)", full.data);
	return sql;
}

/* Each form wrapped in coalesce(..., false): two-valued logic. */
static RuleSql
definite(RuleSql sql)
{
	sql.row = psprintf("coalesce(%s, false)", sql.row);
	sql.full = psprintf("coalesce(%s, false)", sql.full);
	return sql;
}

static const char *const node_kinds[] = {"all", "any", "not", "trait", "computed", "event",
"sequence", "segment"};

static RuleSql compile_kind(JsonbContainer *node, const char *path, RuleCompile *rc);

static RuleSql
compile_node(JsonbContainer *node, const char *path, RuleCompile *rc)
{
	RuleSql		sql;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (++rc->depth > RULE_MAX_DEPTH)
		CdpRuleError(path, psprintf("conditions nest at most %d deep", RULE_MAX_DEPTH));
	sql = compile_kind(node, path, rc);
	rc->depth--;
	return sql;
}

static RuleSql
compile_kind(JsonbContainer *node, const char *path, RuleCompile *rc)
{
	const char *kind = NULL;

	for (size_t i = 0; i < lengthof(node_kinds); i++)
	{
		if (CdpRuleField(node, node_kinds[i]) == NULL)
			continue;
		if (kind != NULL)
			CdpRuleError(path, psprintf("a condition has one of \"%s\" and \"%s\", not both",
										kind, node_kinds[i]));
		kind = node_kinds[i];
	}
	if (kind == NULL)
	{
		int			len;
		const char *unknown = CdpJsonbUnknownKey(node, node_kinds, lengthof(node_kinds), &len);

		if (unknown != NULL)
			CdpRuleError(path, psprintf("unknown key \"%.*s\"", Min(len, 64), unknown));
		CdpRuleError(path, "a condition needs one of all, any, not, trait, computed, event, sequence, segment");
	}

	if (strcmp(kind, "all") == 0 || strcmp(kind, "any") == 0)
		return compile_list(node, kind, path, rc);
	if (strcmp(kind, "not") == 0)
	{
		JsonbValue *inner = CdpRuleField(node, "not");
		RuleSql		sql;

		CdpRuleCheckKeys(node, (const char *const[]) {"not", NULL}, path);
		if (inner->type != jbvBinary || !JsonContainerIsObject(inner->val.binary.data))
			CdpRuleError(path, "\"not\" takes a condition object");
		sql = compile_node(inner->val.binary.data, CdpRulePath(path, "not", -1), rc);
		sql.row = psprintf("(NOT %s)", sql.row);
		sql.full = psprintf("(NOT %s)", sql.full);
		return sql;
	}
	if (strcmp(kind, "trait") == 0 || strcmp(kind, "computed") == 0)
	{
		const char *column = kind[0] == 't' ? "p.traits" : "p.computed";

		CdpRuleCheckKeys(node, (const char *const[]) {kind, "op", "value", NULL}, path);
		if (kind[0] == 'c')
		{
			int			trait_id = computed_trait_id(CdpRuleString(CdpRuleField(node, kind), path, kind),
													 path);

			if (trait_id != 0)
				rc->computed_ids = list_append_unique_int(rc->computed_ids, trait_id);
		}
		return definite(row_condition(CdpRuleValueCondition(CdpRuleSubject(column, CdpRuleField(node, kind),
																		   path, kind),
															node, path, true, rc)));
	}
	if (strcmp(kind, "event") == 0)
		return definite(CdpRuleEvent(node, path, rc));
	if (strcmp(kind, "sequence") == 0)
		return CdpRuleSequence(node, path, rc);
	return compile_segment_ref(node, path, rc);
}

/* The root container of a rule, which must be an object. */
static JsonbContainer *
rule_root(Jsonb *rule)
{
	if (!JB_ROOT_IS_OBJECT(rule))
		CdpRuleError("rule", "a rule is a JSON object");
	return &rule->root;
}

/* The SQL texts of parts, joined by sep. */
static char *
joined(List *parts, const char *sep)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	foreach(lc, parts)
		appendStringInfo(&out, "%s%s", foreach_current_index(lc) > 0 ? sep : "", (char *) lfirst(lc));
	return out.data;
}

/* LEAST of the lapses, or NULL when nothing changes by time alone. */
static char *
lapse_sql(List *lapses)
{
	if (lapses == NIL)
		return NULL;
	if (list_length(lapses) == 1)
		return linitial(lapses);
	return psprintf("LEAST(%s)", joined(lapses, ", "));
}

/*
 * The same for every profile at once: a query of (profile_id, due), the
 * earliest of the lapse queries, or NULL.
 */
static char *
lapse_rows_sql(List *queries)
{
	if (queries == NIL)
		return NULL;
	return psprintf("SELECT l.profile_id, pg_catalog.min(l.due) AS due FROM ((%s))"
					" l(profile_id, due) WHERE l.due IS NOT NULL GROUP BY 1",
					joined(queries, ") UNION ALL ("));
}

static Datum
int_list_array(List *ids)
{
	int32	   *values = palloc(Max(list_length(ids), 1) * sizeof(int32));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, ids)
		values[n++] = lfirst_int(lc);
	return CdpInt4Array(values, n);
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s == NULL ? (Datum) 0 : CStringGetTextDatum(s);
}

PG_FUNCTION_INFO_V1(cdp_compile_segment_rule);

/*
 * cdp.compile_segment_rule(name text, rule jsonb, OUT condition text,
 * OUT condition_full text, OUT lapse text, OUT lapse_rows text,
 * OUT segment_ids int[], OUT computed_ids int[], OUT incremental boolean)
 */
Datum
cdp_compile_segment_rule(PG_FUNCTION_ARGS)
{
	RuleCompile rc = {0};
	MemoryContext caller = CurrentMemoryContext;
	RuleSql		sql;
	Datum		values[7];
	bool		nulls[7] = {false};

	CdpRequireArgument(fcinfo, 0, "name");
	CdpRequireArgument(fcinfo, 1, "rule");
	rc.self = text_to_cstring(PG_GETARG_TEXT_PP(0));
	rc.incremental = true;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	sql = compile_node(rule_root(PG_GETARG_JSONB_P(1)), "rule", &rc);
	/* the results outlive SPI's memory */
	MemoryContextSwitchTo(caller);
	values[0] = CStringGetTextDatum(sql.row);
	values[1] = CStringGetTextDatum(sql.full);
	values[2] = text_or_null(lapse_sql(rc.lapses), &nulls[2]);
	values[3] = text_or_null(lapse_rows_sql(rc.lapse_rows), &nulls[3]);
	values[4] = int_list_array(rc.segment_ids);
	values[5] = int_list_array(rc.computed_ids);
	values[6] = BoolGetDatum(rc.incremental);
	SPI_finish();
	PG_RETURN_DATUM(CdpRowDatum(fcinfo, values, nulls));
}

PG_FUNCTION_INFO_V1(cdp_compile_computed_trait);

/*
 * cdp.compile_computed_trait(rule jsonb, OUT value text, OUT value_full
 * text, OUT value_empty text, OUT lapse text, OUT lapse_rows text)
 */
Datum
cdp_compile_computed_trait(PG_FUNCTION_ARGS)
{
	static const char *const keys[] = {"event", "type", "where", "within", "between", "count",
		"sum", "avg", "min", "max", "first", "last", "most_frequent", "distinct_count", NULL};
	RuleCompile rc = {0};
	JsonbContainer *root;
	RuleSql		value;
	char	   *empty;
	Datum		values[5];
	bool		nulls[5] = {false};

	CdpRequireArgument(fcinfo, 0, "rule");
	root = rule_root(PG_GETARG_JSONB_P(0));
	CdpRuleCheckKeys(root, keys, "rule");
	CdpRuleComputedValue(root, "rule", &rc, &value, &empty);
	values[0] = CStringGetTextDatum(value.row);
	values[1] = CStringGetTextDatum(value.full);
	values[2] = text_or_null(empty, &nulls[2]);
	values[3] = text_or_null(lapse_sql(rc.lapses), &nulls[3]);
	values[4] = text_or_null(lapse_rows_sql(rc.lapse_rows), &nulls[4]);
	PG_RETURN_DATUM(CdpRowDatum(fcinfo, values, nulls));
}
