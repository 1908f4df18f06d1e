/*-------------------------------------------------------------------------
 *
 * rule_internal.h
 *	  Shared by the JSON rule compiler's files (rule_compile.c,
 *	  rule_events.c, rule_values.c): what a compilation collects besides
 *	  the condition, and the helpers they share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_RULE_INTERNAL_H
#define CDP_RULE_INTERNAL_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#include "segments/segments.h"

/* The evaluation time, in every compiled expression. */
#define RULE_NOW "cdp.segment_now()"

typedef struct RuleCompile
{
	const char *self;			/* the segment being defined, or NULL */
	List	   *lapses;			/* SQL timestamptz expressions (char *): when
								 * the condition may next change by time
								 * alone, for profile p; NULL means never */
	List	   *lapse_rows;		/* the same as queries of (profile_id, due)
								 * over every profile */
	List	   *segment_ids;	/* segments referred to (int) */
	List	   *computed_ids;	/* computed traits referred to (int) */
	bool		incremental;	/* depends only on the profile's own data */
	int			depth;			/* nesting of the condition being compiled */
} RuleCompile;

/* Deepest nesting of conditions (the SQL parser's stack is the limit). */
#define RULE_MAX_DEPTH 100

/*
 * A condition in its two forms: over one profile row p, reading that
 * profile's events (for a few profiles), and over the row p with
 * uncorrelated subqueries over all events (for every profile at once).
 */
typedef struct RuleSql
{
	char	   *row;
	char	   *full;
} RuleSql;

/* Rule errors: 22023 naming where in the rule, never a value. */
extern void CdpRuleError(const char *path, const char *message) pg_attribute_noreturn();
extern JsonbValue *CdpRuleField(JsonbContainer *obj, const char *key);
extern void CdpRuleCheckKeys(JsonbContainer *obj, const char *const *allowed,
							 const char *path);
extern char *CdpRuleString(JsonbValue *v, const char *path, const char *key);
extern char *CdpRuleInterval(JsonbValue *v, const char *path, const char *key);
extern char *CdpRulePath(const char *path, const char *key, int index);
extern char *CdpRuleSubject(const char *base, JsonbValue *name, const char *path,
							const char *key);
extern char *CdpRuleTimestamp(JsonbValue *v, const char *path, const char *key);
extern List *CdpRuleObjects(JsonbValue *v, const char *path, const char *key);

/* rule_events.c */
extern RuleSql CdpRuleEvent(JsonbContainer *obj, const char *path, RuleCompile *rc);
extern RuleSql CdpRuleSequence(JsonbContainer *obj, const char *path, RuleCompile *rc);
extern void CdpRuleComputedValue(JsonbContainer *obj, const char *path, RuleCompile *rc,
								 RuleSql *value, char **empty);

/*
 * The condition "op value" on the jsonb SQL expression subject, from the
 * rule object cond (keys op and value).  allow_within admits the relative
 * date op "within", whose lapse is added to rc.
 */
extern char *CdpRuleValueCondition(const char *subject, JsonbContainer *cond,
								   const char *path, bool allow_within,
								   RuleCompile *rc);

/* The condition "op value" on a numeric SQL expression (aggregates). */
extern char *CdpRuleNumericCondition(const char *subject, JsonbValue *op,
									 JsonbValue *value, const char *path);

#endif							/* CDP_RULE_INTERNAL_H */
