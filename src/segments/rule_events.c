/*-------------------------------------------------------------------------
 *
 * rule_events.c
 *	  The event parts of the JSON rule language: event conditions (name,
 *	  type, property filters, windows, counts and aggregates), sequences,
 *	  and the aggregates of computed traits.
 *
 *	  Each compiles twice.  The row form reads the events of one profile p
 *	  (a lookup per identity): cheap for the few profiles an incremental
 *	  refresh evaluates.  The full form reads all events at once, grouped
 *	  by profile (hash joins and aggregates): what a refresh of every
 *	  profile wants.  The property test and the benchmark check that both
 *	  forms give the same audiences.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "segments/rule_internal.h"

/*
 * The events of profile p under alias, as FROM items, and the condition
 * that ties them to p: each of the profile's identities, then that
 * identity's events by cdp.events.anchor.  The same rows as
 * cdp.profile_events, in a plan that cannot flip: OFFSET 0 keeps the
 * events side a lookup per identity, whatever the statistics say (a fresh
 * partition without statistics otherwise invites scanning every event
 * for every profile).  time_of_x, a condition on the time of the events
 * (alias x) or NULL, goes inside, where it prunes partitions.
 */
static char *
events_of_p(const char *alias, const char *time_of_x)
{
	return psprintf("cdp.identities i_%s CROSS JOIN LATERAL"
					" (SELECT x.* FROM cdp.events x WHERE x.anchor OPERATOR(cdp.=) i_%s.ident%s%s OFFSET 0) %s"
					" WHERE i_%s.profile_id = p.profile_id",
					alias, alias, time_of_x ? " AND " : "", time_of_x ? time_of_x : "", alias, alias);
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

		foreach(lc, CdpRuleObjects(where, path, "where"))
		{
			JsonbContainer *f = lfirst(lc);
			char	   *fpath = CdpRulePath(path, "where", foreach_current_index(lc));

			CdpRuleCheckKeys(f, filter_keys, fpath);
			appendStringInfo(&out, " AND coalesce(%s, false)",
							 CdpRuleValueCondition(CdpRuleSubject(psprintf("%s.payload -> 'properties'", alias),
																  CdpRuleField(f, "property"), fpath,
																  "property"),
												   f, fpath, false, rc));
		}
	}
	return out.data;
}

/*
 * Records when the events "e" that match may change a result by time:
 * due is an aggregate over them, per profile; only the events after
 * recent_after can (the others' windows have passed), which spares
 * reading old partitions.
 */
static void
add_lapse(RuleCompile *rc, const char *due, const char *match, const char *recent_after)
{
	rc->lapses = lappend(rc->lapses,
						 psprintf("(SELECT %s FROM %s AND %s)", due,
								  events_of_p("e", psprintf("x.occurred_at > %s", recent_after)), match));
	rc->lapse_rows = lappend(rc->lapse_rows,
							 psprintf("SELECT e.profile_id, %s FROM cdp.profile_events e"
									  " WHERE %s AND e.occurred_at > %s GROUP BY 1",
									  due, match, recent_after));
}

/* An event condition's time window. */
typedef struct EventWindow
{
	char	   *within;			/* interval literal, or NULL */
	char	   *from;			/* "between": timestamptz literals, or NULL */
	char	   *to;
} EventWindow;

/* The window as a condition on the events of alias. */
static char *
window_on(const EventWindow *w, const char *alias)
{
	if (w->within != NULL)
		return psprintf("%s.occurred_at > %s - %s AND %s.occurred_at <= %s",
						alias, RULE_NOW, w->within, alias, RULE_NOW);
	if (w->from != NULL)
		return psprintf("%s.occurred_at <= %s AND %s.occurred_at BETWEEN %s AND %s",
						alias, RULE_NOW, alias, w->from, w->to);
	return psprintf("%s.occurred_at <= %s", alias, RULE_NOW);
}

/*
 * An event condition's time window, and its lapse: events leave a
 * "within" window, and future-dated events arrive.
 */
static EventWindow
event_window(JsonbContainer *obj, const char *match, const char *path, RuleCompile *rc)
{
	JsonbValue *within = CdpRuleField(obj, "within");
	JsonbValue *between = CdpRuleField(obj, "between");
	EventWindow w = {NULL, NULL, NULL};

	if (within != NULL && between != NULL)
		CdpRuleError(path, "an event condition has \"within\" or \"between\", not both");
	if (within != NULL)
	{
		w.within = CdpRuleInterval(within, path, "within");
		add_lapse(rc, psprintf("LEAST(pg_catalog.min(e.occurred_at) FILTER (WHERE e.occurred_at > %s),"
							   " pg_catalog.min(e.occurred_at) FILTER (WHERE %s) + %s)",
							   RULE_NOW, window_on(&w, "e"), w.within),
				  match, psprintf("%s - %s", RULE_NOW, w.within));
		return w;
	}
	if (between != NULL)
	{
		if (between->type != jbvBinary || !JsonContainerIsArray(between->val.binary.data) ||
			JsonContainerSize(between->val.binary.data) != 2)
			CdpRuleError(path, "\"between\" takes an array of two timestamps");
		w.from = CdpRuleTimestamp(getIthJsonbValueFromContainer(between->val.binary.data, 0),
								  path, "between");
		w.to = CdpRuleTimestamp(getIthJsonbValueFromContainer(between->val.binary.data, 1),
								path, "between");
		add_lapse(rc, "pg_catalog.min(e.occurred_at)",
				  psprintf("%s AND e.occurred_at BETWEEN %s AND %s", match, w.from, w.to), RULE_NOW);
		return w;
	}
	add_lapse(rc, "pg_catalog.min(e.occurred_at)", match, RULE_NOW);
	return w;
}

/* The events "e" an event condition counts: of profile p, and of all. */
typedef struct EventSource
{
	char	   *of_p;			/* FROM ... WHERE, for one profile p */
	char	   *of_all;			/* FROM ... WHERE, every profile (e.profile_id) */
} EventSource;

static EventSource
event_source(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	char	   *match = event_match(obj, "e", path, rc);
	EventWindow w = event_window(obj, match, path, rc);
	EventSource src;

	src.of_p = psprintf("FROM %s AND %s", events_of_p("e", window_on(&w, "x")), match);
	src.of_all = psprintf("FROM cdp.profile_events e WHERE %s AND %s", match, window_on(&w, "e"));
	return src;
}

/* The SQL (jsonb) of a property of the events "e", named by the rule's key. */
static char *
property_subject(JsonbContainer *obj, const char *key, const char *path)
{
	return CdpRuleSubject("e.payload -> 'properties'", CdpRuleField(obj, key), path, key);
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

/*
 * "aggregate op value" over the events of src, both forms.  Profiles
 * without such events are in when the aggregate of nothing (0 for count
 * and sum, NULL otherwise) meets the comparison; that test is a constant
 * the planner folds away.
 */
static RuleSql
aggregate_condition(EventSource src, const char *aggregate, bool zero_when_empty,
					JsonbValue *op, JsonbValue *value, const char *path)
{
	RuleSql		sql;
	char	   *having = CdpRuleNumericCondition(aggregate, op, value, path);

	sql.row = CdpRuleNumericCondition(psprintf("(SELECT %s %s)", aggregate, src.of_p), op, value, path);
	sql.full = psprintf("p.profile_id IN (SELECT e.profile_id %s GROUP BY 1 HAVING %s)", src.of_all, having);
	if (zero_when_empty)
		sql.full = psprintf("(%s OR (%s AND p.profile_id NOT IN (SELECT e.profile_id %s)))", sql.full,
							CdpRuleNumericCondition("0::numeric", op, value, path), src.of_all);
	return sql;
}

static const char *const aggregates[] = {"sum", "avg", "min", "max"};

RuleSql
CdpRuleEvent(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	static const char *const keys[] = {"event", "type", "where", "count", "sum", "avg", "min",
	"max", "op", "value", "within", "between", NULL};
	EventSource src;
	JsonbValue *count = CdpRuleField(obj, "count");
	const char *agg = NULL;
	RuleSql		sql;

	CdpRuleCheckKeys(obj, keys, path);
	src = event_source(obj, path, rc);
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
		char	   *cpath = CdpRulePath(path, "count", -1);

		if (count->type != jbvBinary || !JsonContainerIsObject(count->val.binary.data))
			CdpRuleError(path, "\"count\" must be an object with \"op\" and \"value\"");
		if (CdpRuleField(obj, "op") != NULL || CdpRuleField(obj, "value") != NULL)
			CdpRuleError(path, "with \"count\", \"op\" and \"value\" go inside it");
		CdpRuleCheckKeys(count->val.binary.data, (const char *const[]) {"op", "value", NULL}, cpath);
		return aggregate_condition(src, "pg_catalog.count(*)", true,
								   CdpRuleField(count->val.binary.data, "op"),
								   CdpRuleField(count->val.binary.data, "value"), cpath);
	}
	if (agg != NULL)
		return aggregate_condition(src, aggregate_sql(agg, property_subject(obj, agg, path)),
								   strcmp(agg, "sum") == 0,
								   CdpRuleField(obj, "op"), CdpRuleField(obj, "value"), path);
	if (CdpRuleField(obj, "op") != NULL || CdpRuleField(obj, "value") != NULL)
		CdpRuleError(path, "\"op\" and \"value\" need an aggregate (sum, avg, min or max)");
	sql.row = psprintf("EXISTS (SELECT 1 %s)", src.of_p);
	sql.full = psprintf("p.profile_id IN (SELECT e.profile_id %s)", src.of_all);
	return sql;
}

#define MAX_SEQUENCE_STEPS 8

/*
 * "Did step 1, then step 2, ... each after the one before and all within
 * the window of the first", over the profile's events up to now.
 */
RuleSql
CdpRuleSequence(JsonbContainer *obj, const char *path, RuleCompile *rc)
{
	static const char *const keys[] = {"sequence", "within", NULL};
	static const char *const step_keys[] = {"event", "type", "where", NULL};
	List	   *steps;
	JsonbValue *within = CdpRuleField(obj, "within");
	char	   *iv = NULL;
	StringInfoData from_p;
	StringInfoData from_all;
	StringInfoData where;
	StringInfoData same_profile;
	StringInfoData any_step;
	ListCell   *lc;
	RuleSql		sql;

	CdpRuleCheckKeys(obj, keys, path);
	steps = CdpRuleObjects(CdpRuleField(obj, "sequence"), path, "sequence");
	if (list_length(steps) < 2 || list_length(steps) > MAX_SEQUENCE_STEPS)
		CdpRuleError(path, "a sequence has from 2 to 8 steps");
	if (within != NULL)
		iv = CdpRuleInterval(within, path, "within");
	initStringInfo(&from_p);
	initStringInfo(&from_all);
	initStringInfo(&where);
	initStringInfo(&same_profile);
	initStringInfo(&any_step);
	foreach(lc, steps)
	{
		int			i = foreach_current_index(lc) + 1;
		char	   *spath = CdpRulePath(path, "sequence", i - 1);
		char	   *alias = psprintf("e%d", i);

		CdpRuleCheckKeys(lfirst(lc), step_keys, spath);
		appendStringInfo(&from_p, "%s(SELECT %s.* FROM %s) %s", i > 1 ? ", " : "", alias,
						 events_of_p(alias, psprintf("x.occurred_at <= %s", RULE_NOW)), alias);
		appendStringInfo(&from_all, "%scdp.profile_events %s", i > 1 ? ", " : "", alias);
		appendStringInfo(&where, " AND %s AND %s.occurred_at <= %s",
						 event_match(lfirst(lc), alias, spath, rc), alias, RULE_NOW);
		if (i > 1)
		{
			appendStringInfo(&same_profile, " AND e%d.profile_id = e1.profile_id", i);
			appendStringInfo(&where, " AND (e%d.occurred_at, e%d.event_id) > (e%d.occurred_at, e%d.event_id)",
							 i, i, i - 1, i - 1);
			if (iv != NULL)
				appendStringInfo(&where, " AND e%d.occurred_at <= e1.occurred_at + %s", i, iv);
		}
		appendStringInfo(&any_step, "%s(%s)", i > 1 ? " OR " : "",
						 event_match(lfirst(lc), "e", spath, rc));
	}
	/* only the arrival of future-dated events changes a sequence by time */
	add_lapse(rc, "pg_catalog.min(e.occurred_at)", psprintf("(%s)", any_step.data), RULE_NOW);
	sql.row = psprintf("EXISTS (SELECT 1 FROM %s WHERE true%s)", from_p.data, where.data);
	sql.full = psprintf("p.profile_id IN (SELECT e1.profile_id FROM %s WHERE true%s%s)",
						from_all.data, same_profile.data, where.data);
	return sql;
}

/*
 * A computed trait's value, both forms: value->row is a jsonb expression
 * for profile p; value->full a query of (profile_id, value) for the
 * profiles with such events; *empty the value of the others (SQL jsonb,
 * or NULL: no value).
 */
void
CdpRuleComputedValue(JsonbContainer *obj, const char *path, RuleCompile *rc,
					 RuleSql *value, char **empty)
{
	static const char *const flags[] = {"count", "first", "last"};
	static const char *const properties[] = {"sum", "avg", "min", "max", "most_frequent",
	"distinct_count"};
	const char *kind = NULL;
	char	   *property = NULL;
	char	   *agg;
	EventSource src;

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
	src = event_source(obj, path, rc);

	*empty = NULL;
	if (strcmp(kind, "most_frequent") == 0)
	{
		value->row = psprintf("(SELECT %s AS v %s AND pg_catalog.jsonb_typeof(%s) <> 'null'"
							  " GROUP BY 1 ORDER BY pg_catalog.count(*) DESC,"
							  " pg_catalog.max(e.occurred_at) DESC, 1 LIMIT 1)",
							  property, src.of_p, property);
		value->full = psprintf("SELECT DISTINCT ON (f.profile_id) f.profile_id, f.v"
							   " FROM (SELECT e.profile_id, %s AS v, pg_catalog.count(*) AS n,"
							   " pg_catalog.max(e.occurred_at) AS last %s"
							   " AND pg_catalog.jsonb_typeof(%s) <> 'null' GROUP BY 1, 2) f"
							   " ORDER BY f.profile_id, f.n DESC, f.last DESC, f.v",
							   property, src.of_all, property);
		return;
	}
	if (strcmp(kind, "count") == 0)
		agg = "pg_catalog.count(*)";
	else if (strcmp(kind, "distinct_count") == 0)
		agg = psprintf("pg_catalog.count(DISTINCT %s) FILTER (WHERE pg_catalog.jsonb_typeof(%s) <> 'null')",
					   property, property);
	else if (property == NULL)
		agg = psprintf("pg_catalog.to_char(pg_catalog.%s(e.occurred_at) AT TIME ZONE 'UTC',"
					   " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", kind[0] == 'f' ? "min" : "max");
	else
		agg = aggregate_sql(kind, property);
	if (strcmp(kind, "count") == 0 || strcmp(kind, "distinct_count") == 0 || strcmp(kind, "sum") == 0)
		*empty = "'0'::jsonb";
	value->row = psprintf("pg_catalog.to_jsonb((SELECT %s %s))", agg, src.of_p);
	value->full = psprintf("SELECT e.profile_id, pg_catalog.to_jsonb(%s) %s GROUP BY 1", agg, src.of_all);
}
