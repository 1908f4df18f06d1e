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
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"

#include "segments/rule_internal.h"

#define MAX_SEQUENCE_STEPS 8

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

static char *
child_path(const char *path, const char *key, int index)
{
	return index < 0 ? psprintf("%s.%s", path, key) : psprintf("%s.%s[%d]", path, key, index);
}

/*
 * The jsonb SQL expression of a named value under base: a name is a key
 * ("city"), an array of names a path into nested objects (["address",
 * "city"]).
 */
static char *
value_subject(const char *base, JsonbValue *name, const char *path, const char *key)
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
static char *
timestamp_literal(JsonbValue *v, const char *path, const char *key)
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
static List *
object_array(JsonbValue *v, const char *path, const char *key)
{
	List	   *items = NIL;

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerSize(v->val.binary.data) == 0)
		CdpRuleError(path, psprintf("\"%s\" must be a non-empty array", key));
	for (uint32 i = 0; i < JsonContainerSize(v->val.binary.data); i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(v->val.binary.data, i);

		if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
			CdpRuleError(child_path(path, key, i), "must be an object");
		items = lappend(items, e->val.binary.data);
	}
	return items;
}

/*
 * The events of profile p under alias, as FROM items and the condition
 * that ties them to p: each of the profile's identities, then that
 * identity's events by cdp.events.anchor.  The same rows as
 * cdp.profile_events, in a plan that cannot flip: OFFSET 0 keeps the
 * events side a lookup per identity, whatever the statistics say (a fresh
 * partition without statistics otherwise invites scanning every event
 * for every profile).
 */
static char *
profile_events(const char *alias)
{
	return psprintf("cdp.identities i_%s CROSS JOIN LATERAL"
					" (SELECT x.* FROM cdp.events x WHERE x.anchor OPERATOR(cdp.=) i_%s.ident OFFSET 0) %s",
					alias, alias, alias);
}

static char *
profile_events_of_p(const char *alias)
{
	return psprintf("i_%s.profile_id = p.profile_id", alias);
}

static const char *const event_types[] = {"identify", "track", "page", "screen", "group", "alias"};

/*
 * Which events an event condition or sequence step counts, on the events
 * of alias: name, type and property filters (no time).
 */
static char *
event_match(JsonbContainer *obj, const char *alias, const char *path, RuleCompile *rc)
{
	StringInfoData out;
	char	   *name = CdpRuleString(CdpRuleField(obj, "event"), path, "event");
	JsonbValue *typev = CdpRuleField(obj, "type");
	JsonbValue *where = CdpRuleField(obj, "where");
	char	   *type = "track";

	if (typev != NULL)
	{
		bool		known = false;

		type = CdpRuleString(typev, path, "type");
		for (size_t i = 0; i < lengthof(event_types); i++)
			known |= strcmp(type, event_types[i]) == 0;
		if (!known)
			CdpRuleError(path, "\"type\" must be identify, track, page, screen, group or alias");
	}
	initStringInfo(&out);
	appendStringInfo(&out, "%s.type = %s AND %s.event = %s", alias, quote_literal_cstr(type),
					 alias, quote_literal_cstr(name));
	if (where != NULL)
	{
		static const char *const filter_keys[] = {"property", "op", "value", NULL};
		ListCell   *lc;
		int			i = 0;

		foreach(lc, object_array(where, path, "where"))
		{
			JsonbContainer *f = lfirst(lc);
			char	   *fpath = child_path(path, "where", i++);

			CdpRuleCheckKeys(f, filter_keys, fpath);
			appendStringInfo(&out, " AND coalesce(%s, false)",
							 CdpRuleValueCondition(value_subject(psprintf("%s.payload -> 'properties'", alias),
																 CdpRuleField(f, "property"), fpath,
																 "property"),
												   f, fpath, false, rc));
		}
	}
	return out.data;
}

/*
 * An event condition's time window on the events of alias "e", and its
 * lapse: events leave a "within" window, and future-dated events arrive.
 */
static char *
event_window(JsonbContainer *obj, const char *match, const char *path, RuleCompile *rc)
{
	JsonbValue *within = CdpRuleField(obj, "within");
	JsonbValue *between = CdpRuleField(obj, "between");
	char	   *window;
	char	   *arrive = "";

	if (within != NULL && between != NULL)
		CdpRuleError(path, "an event condition has \"within\" or \"between\", not both");
	if (within != NULL)
	{
		char	   *iv = CdpRuleInterval(within, path, "within");

		window = psprintf("e.occurred_at > %s - %s AND e.occurred_at <= %s", RULE_NOW, iv, RULE_NOW);
		rc->lapses = lappend(rc->lapses,
							 psprintf("(SELECT LEAST("
									  "pg_catalog.min(e.occurred_at) FILTER (WHERE e.occurred_at > %s),"
									  " pg_catalog.min(e.occurred_at) FILTER (WHERE %s) + %s)"
									  " FROM %s WHERE %s AND %s)",
									  RULE_NOW, window, iv, profile_events("e"), profile_events_of_p("e"),
									  match));
		return window;
	}
	if (between != NULL)
	{
		if (between->type != jbvBinary || !JsonContainerIsArray(between->val.binary.data) ||
			JsonContainerSize(between->val.binary.data) != 2)
			CdpRuleError(path, "\"between\" takes an array of two timestamps");
		arrive = psprintf(" AND e.occurred_at BETWEEN %s AND %s",
						  timestamp_literal(getIthJsonbValueFromContainer(between->val.binary.data, 0),
											path, "between"),
						  timestamp_literal(getIthJsonbValueFromContainer(between->val.binary.data, 1),
											path, "between"));
	}
	window = psprintf("e.occurred_at <= %s%s", RULE_NOW, arrive);
	rc->lapses = lappend(rc->lapses,
						 psprintf("(SELECT pg_catalog.min(e.occurred_at) FROM %s"
								  " WHERE %s AND %s AND e.occurred_at > %s%s)",
								  profile_events("e"), profile_events_of_p("e"), match, RULE_NOW, arrive));
	return window;
}

static const char *const aggregates[] = {"sum", "avg", "min", "max"};

/* The SQL of a property of the events "e", named by the rule's key. */
static char *
property_subject(JsonbContainer *obj, const char *key, const char *path)
{
	return value_subject("e.payload -> 'properties'", CdpRuleField(obj, key), path, key);
}

/* The numeric aggregate SQL of a property (SQL jsonb) of the events "e". */
static char *
aggregate_sql(const char *agg, const char *property)
{
	char	   *x = psprintf("cdp.rule_numeric(%s)", property);

	if (strcmp(agg, "sum") == 0)
		return psprintf("coalesce(pg_catalog.sum(%s), 0)", x);
	return psprintf("pg_catalog.%s(%s)", agg, x);
}

/* FROM and WHERE of the events "e" an event condition counts. */
static char *
event_from(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	char	   *match = event_match(obj, "e", path, rc);
	char	   *window = event_window(obj, match, path, rc);

	return psprintf("FROM %s WHERE %s AND %s AND %s", profile_events("e"), profile_events_of_p("e"),
					match, window);
}

static char *
compile_event(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	static const char *const keys[] = {"event", "type", "where", "count", "sum", "avg", "min",
	"max", "op", "value", "within", "between", NULL};
	char	   *from;
	JsonbValue *count = CdpRuleField(obj, "count");
	const char *agg = NULL;

	CdpRuleCheckKeys(obj, keys, path);
	from = event_from(obj, path, rc);
	for (size_t i = 0; i < lengthof(aggregates); i++)
	{
		if (CdpRuleField(obj, aggregates[i]) == NULL)
			continue;
		if (agg != NULL || count != NULL)
			CdpRuleError(path, "an event condition has at most one of count, sum, avg, min and max");
		agg = aggregates[i];
	}
	if (count != NULL)
	{
		if (count->type != jbvBinary || !JsonContainerIsObject(count->val.binary.data))
			CdpRuleError(path, "\"count\" must be an object with \"op\" and \"value\"");
		if (CdpRuleField(obj, "op") != NULL || CdpRuleField(obj, "value") != NULL)
			CdpRuleError(path, "with \"count\", \"op\" and \"value\" go inside it");
		CdpRuleCheckKeys(count->val.binary.data, (const char *const[]) {"op", "value", NULL},
						 child_path(path, "count", -1));
		return CdpRuleNumericCondition(psprintf("(SELECT pg_catalog.count(*) %s)", from),
									   CdpRuleField(count->val.binary.data, "op"),
									   CdpRuleField(count->val.binary.data, "value"),
									   child_path(path, "count", -1));
	}
	if (agg != NULL)
	{
		char	   *property = property_subject(obj, agg, path);

		return CdpRuleNumericCondition(psprintf("(SELECT %s %s)", aggregate_sql(agg, property), from),
									   CdpRuleField(obj, "op"), CdpRuleField(obj, "value"), path);
	}
	if (CdpRuleField(obj, "op") != NULL || CdpRuleField(obj, "value") != NULL)
		CdpRuleError(path, "\"op\" and \"value\" need an aggregate (sum, avg, min or max)");
	return psprintf("EXISTS (SELECT 1 %s)", from);
}

/*
 * "Did step 1, then step 2, ... each after the one before and all within
 * the window of the first", over the profile's events up to now.
 */
static char *
compile_sequence(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	static const char *const keys[] = {"sequence", "within", NULL};
	static const char *const step_keys[] = {"event", "type", "where", NULL};
	List	   *steps;
	JsonbValue *within = CdpRuleField(obj, "within");
	char	   *iv = NULL;
	StringInfoData from;
	StringInfoData where;
	StringInfoData any_step;
	ListCell   *lc;

	CdpRuleCheckKeys(obj, keys, path);
	steps = object_array(CdpRuleField(obj, "sequence"), path, "sequence");
	if (list_length(steps) < 2 || list_length(steps) > MAX_SEQUENCE_STEPS)
		CdpRuleError(path, "a sequence has from 2 to 8 steps");
	if (within != NULL)
		iv = CdpRuleInterval(within, path, "within");
	initStringInfo(&from);
	initStringInfo(&where);
	initStringInfo(&any_step);
	foreach(lc, steps)
	{
		int			i = foreach_current_index(lc) + 1;
		char	   *spath = child_path(path, "sequence", i - 1);
		char	   *alias = psprintf("e%d", i);
		char	   *match;

		CdpRuleCheckKeys(lfirst(lc), step_keys, spath);
		match = event_match(lfirst(lc), alias, spath, rc);
		appendStringInfo(&from, "%s%s", i > 1 ? ", " : "", profile_events(alias));
		appendStringInfo(&where, " AND %s AND %s AND %s.occurred_at <= %s",
						 profile_events_of_p(alias), match, alias, RULE_NOW);
		if (i > 1)
		{
			appendStringInfo(&where, " AND (e%d.occurred_at, e%d.event_id) > (e%d.occurred_at, e%d.event_id)",
							 i, i, i - 1, i - 1);
			if (iv != NULL)
				appendStringInfo(&where, " AND e%d.occurred_at <= e1.occurred_at + %s", i, iv);
		}
		appendStringInfo(&any_step, "%s(%s)", i > 1 ? " OR " : "",
						 event_match(lfirst(lc), "e", spath, rc));
	}
	/* only the arrival of future-dated events changes a sequence by time */
	rc->lapses = lappend(rc->lapses,
						 psprintf("(SELECT pg_catalog.min(e.occurred_at) FROM %s"
								  " WHERE %s AND e.occurred_at > %s AND (%s))",
								  profile_events("e"), profile_events_of_p("e"), RULE_NOW, any_step.data));
	return psprintf("EXISTS (SELECT 1 FROM %s WHERE true%s)", from.data, where.data);
}

/* A reference to another segment: its condition, inlined. */
static char *
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

	CdpRuleCheckKeys(obj, keys, path);
	name = CdpRuleString(CdpRuleField(obj, "segment"), path, "segment");
	if (rc->self != NULL && strcmp(name, rc->self) == 0)
		CdpRuleError(path, "a segment cannot refer to itself (a cycle)");
	arg = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT s.segment_id, s.condition, s.lapse, s.incremental,"
							  " s.computed_ids FROM cdp.segments s WHERE s.name = $1",
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
	lapse = SPI_getvalue(row, desc, 3);
	if (lapse != NULL)
		rc->lapses = lappend(rc->lapses, lapse);
	rc->incremental &= DatumGetBool(SPI_getbinval(row, desc, 4, &isnull));
	/* its computed traits are refreshed before this segment too */
	computed = DatumGetArrayTypeP(SPI_getbinval(row, desc, 5, &isnull));
	deconstruct_array(computed, INT4OID, sizeof(int32), true, TYPALIGN_INT, &ids, NULL, &nids);
	for (int i = 0; i < nids; i++)
		rc->computed_ids = list_append_unique_int(rc->computed_ids, DatumGetInt32(ids[i]));
	return psprintf("(%s)", SPI_getvalue(row, desc, 2));
}

/* A computed trait's id, which must exist. */
static int
computed_trait_id(const char *name, const char *path)
{
	Oid			argtype = TEXTOID;
	Datum		arg = CStringGetTextDatum(name);
	bool		isnull;

	if (SPI_execute_with_args("SELECT c.trait_id FROM cdp.computed_traits c WHERE c.name = $1",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading cdp.computed_traits failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("computed trait \"%.64s\" does not exist", name),
				 errdetail("At %s.", path),
				 errhint("Create it with cdp.create_computed_trait().")));
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

static char *compile_node(JsonbContainer *node, const char *path, RuleCompile *rc);

/* all / any: the children joined by AND / OR. */
static char *
compile_list(JsonbContainer *obj, const char *key, const char *path, RuleCompile *rc)
{
	StringInfoData out;
	ListCell   *lc;

	CdpRuleCheckKeys(obj, (const char *const[]) {key, NULL}, path);
	initStringInfo(&out);
	appendStringInfoChar(&out, '(');
	foreach(lc, object_array(CdpRuleField(obj, key), path, key))
	{
		int			i = foreach_current_index(lc);

		appendStringInfo(&out, "%s%s", i > 0 ? (key[1] == 'l' ? " AND " : " OR ") : "",
						 compile_node(lfirst(lc), child_path(path, key, i), rc));
	}
	appendStringInfoChar(&out, ')');
	return out.data;
}

static const char *const node_kinds[] = {"all", "any", "not", "trait", "computed", "event",
"sequence", "segment"};

static char *
compile_node(JsonbContainer *node, const char *path, RuleCompile *rc)
{
	const char *kind = NULL;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
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
		CdpRuleError(path, "a condition needs one of all, any, not, trait, computed, event, sequence, segment");

	if (strcmp(kind, "all") == 0 || strcmp(kind, "any") == 0)
		return compile_list(node, kind, path, rc);
	if (strcmp(kind, "not") == 0)
	{
		JsonbValue *inner = CdpRuleField(node, "not");

		CdpRuleCheckKeys(node, (const char *const[]) {"not", NULL}, path);
		if (inner->type != jbvBinary || !JsonContainerIsObject(inner->val.binary.data))
			CdpRuleError(path, "\"not\" takes a condition object");
		return psprintf("(NOT %s)", compile_node(inner->val.binary.data,
												 child_path(path, "not", -1), rc));
	}
	if (strcmp(kind, "trait") == 0 || strcmp(kind, "computed") == 0)
	{
		const char *column = kind[0] == 't' ? "p.traits" : "p.computed";

		CdpRuleCheckKeys(node, (const char *const[]) {kind, "op", "value", NULL}, path);
		if (kind[0] == 'c')
			rc->computed_ids = list_append_unique_int(rc->computed_ids,
													  computed_trait_id(CdpRuleString(CdpRuleField(node, kind),
																					  path, kind),
																		path));
		return psprintf("coalesce(%s, false)",
						CdpRuleValueCondition(value_subject(column, CdpRuleField(node, kind), path, kind),
											  node, path, true, rc));
	}
	if (strcmp(kind, "event") == 0)
		return psprintf("coalesce(%s, false)", compile_event(node, path, rc));
	if (strcmp(kind, "sequence") == 0)
		return compile_sequence(node, path, rc);
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

/* LEAST of the lapses, or NULL when nothing changes by time alone. */
static char *
lapse_sql(List *lapses)
{
	StringInfoData out;
	ListCell   *lc;

	if (lapses == NIL)
		return NULL;
	if (list_length(lapses) == 1)
		return linitial(lapses);
	initStringInfo(&out);
	appendStringInfoString(&out, "LEAST(");
	foreach(lc, lapses)
		appendStringInfo(&out, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 (char *) lfirst(lc));
	appendStringInfoChar(&out, ')');
	return out.data;
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

/* Builds the OUT record of a compile function. */
static Datum
compile_result(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

PG_FUNCTION_INFO_V1(cdp_compile_segment_rule);

/*
 * cdp.compile_segment_rule(name text, rule jsonb, OUT condition text,
 * OUT lapse text, OUT segment_ids int[], OUT computed_ids int[],
 * OUT incremental boolean)
 */
Datum
cdp_compile_segment_rule(PG_FUNCTION_ARGS)
{
	RuleCompile rc = {0};
	MemoryContext caller = CurrentMemoryContext;
	char	   *condition;
	char	   *lapse;
	Datum		values[5];
	bool		nulls[5] = {false};

	CdpRequireArgument(fcinfo, 0, "name");
	CdpRequireArgument(fcinfo, 1, "rule");
	rc.self = text_to_cstring(PG_GETARG_TEXT_PP(0));
	rc.incremental = true;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	condition = compile_node(rule_root(PG_GETARG_JSONB_P(1)), "rule", &rc);
	lapse = lapse_sql(rc.lapses);
	/* the results outlive SPI's memory */
	MemoryContextSwitchTo(caller);
	values[0] = CStringGetTextDatum(condition);
	nulls[1] = (lapse == NULL);
	values[1] = nulls[1] ? (Datum) 0 : CStringGetTextDatum(lapse);
	values[2] = int_list_array(rc.segment_ids);
	values[3] = int_list_array(rc.computed_ids);
	values[4] = BoolGetDatum(rc.incremental);
	SPI_finish();
	PG_RETURN_DATUM(compile_result(fcinfo, values, nulls));
}

/* The jsonb value SQL of a computed trait's aggregate over "from". */
static char *
computed_value(JsonbContainer *obj, const char *from, const char *path)
{
	static const char *const flags[] = {"count", "first", "last"};
	static const char *const properties[] = {"sum", "avg", "min", "max", "most_frequent",
	"distinct_count"};
	const char *kind = NULL;
	char	   *property = NULL;
	char	   *x;

	for (size_t i = 0; i < lengthof(flags) + lengthof(properties); i++)
	{
		const char *k = i < lengthof(flags) ? flags[i] : properties[i - lengthof(flags)];
		JsonbValue *v = CdpRuleField(obj, k);

		if (v == NULL)
			continue;
		if (kind != NULL)
			CdpRuleError(path, "a computed trait has one aggregate");
		kind = k;
		if (i < lengthof(flags))
		{
			if (v->type != jbvBool || !v->val.boolean)
				CdpRuleError(path, psprintf("\"%s\" takes true", k));
		}
		else
			property = property_subject(obj, k, path);
	}
	if (kind == NULL)
		CdpRuleError(path, "a computed trait needs one of count, sum, avg, min, max, first, last, most_frequent, distinct_count");

	if (strcmp(kind, "count") == 0)
		return psprintf("pg_catalog.to_jsonb((SELECT pg_catalog.count(*) %s))", from);
	if (property == NULL)
		return psprintf("pg_catalog.to_jsonb((SELECT pg_catalog.to_char(pg_catalog.%s(e.occurred_at)"
						" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') %s))",
						kind[0] == 'f' ? "min" : "max", from);
	x = property;
	if (strcmp(kind, "most_frequent") == 0)
		return psprintf("(SELECT %s AS v %s AND pg_catalog.jsonb_typeof(%s) <> 'null'"
						" GROUP BY 1 ORDER BY pg_catalog.count(*) DESC,"
						" pg_catalog.max(e.occurred_at) DESC, 1 LIMIT 1)", x, from, x);
	if (strcmp(kind, "distinct_count") == 0)
		return psprintf("pg_catalog.to_jsonb((SELECT pg_catalog.count(DISTINCT %s) %s"
						" AND pg_catalog.jsonb_typeof(%s) <> 'null'))", x, from, x);
	return psprintf("pg_catalog.to_jsonb((SELECT %s %s))", aggregate_sql(kind, property), from);
}

PG_FUNCTION_INFO_V1(cdp_compile_computed_trait);

/* cdp.compile_computed_trait(rule jsonb, OUT value text, OUT lapse text) */
Datum
cdp_compile_computed_trait(PG_FUNCTION_ARGS)
{
	static const char *const keys[] = {"event", "type", "where", "within", "between", "count",
		"sum", "avg", "min", "max", "first", "last", "most_frequent", "distinct_count", NULL};
	RuleCompile rc = {0};
	JsonbContainer *root;
	char	   *value;
	char	   *lapse;
	Datum		values[2];
	bool		nulls[2] = {false};

	CdpRequireArgument(fcinfo, 0, "rule");
	root = rule_root(PG_GETARG_JSONB_P(0));
	CdpRuleCheckKeys(root, keys, "rule");
	value = computed_value(root, event_from(root, "rule", &rc), "rule");
	lapse = lapse_sql(rc.lapses);
	values[0] = CStringGetTextDatum(value);
	nulls[1] = (lapse == NULL);
	values[1] = nulls[1] ? (Datum) 0 : CStringGetTextDatum(lapse);
	PG_RETURN_DATUM(compile_result(fcinfo, values, nulls));
}
