/*-------------------------------------------------------------------------
 *
 * sql_definition.c
 *	  Segments defined in SQL: a boolean expression over the profile row p,
 *	  or a SELECT of profile ids.  The definition is parsed on its own
 *	  first, so that it is one expression or one read-only query and cannot
 *	  reach outside the refresh query it is placed in; then
 *	  cdp.create_segment() runs it once to check names and types.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"

#include "segments/segments.h"

static void
refuse(const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid segment definition: %s", message),
			 hint ? errhint("%s", hint) : 0));
}

/* Whether the definition starts with a keyword that begins a query. */
static bool
is_query(const char *def)
{
	static const char *const starts[] = {"select", "with", "values", "table"};

	while (*def == ' ' || *def == '\t' || *def == '\n' || *def == '\r')
		def++;
	for (size_t i = 0; i < lengthof(starts); i++)
	{
		size_t		len = strlen(starts[i]);

		if (pg_strncasecmp(def, starts[i], len) == 0 &&
			(def[len] == '\0' || def[len] == ' ' || def[len] == '\t' ||
			 def[len] == '\n' || def[len] == '\r' || def[len] == '('))
			return true;
	}
	return false;
}

/*
 * A syntax error points into the definition, not into the query that
 * called cdp.create_segment().
 */
static void
definition_error_callback(void *arg)
{
	int			position = geterrposition();

	if (position > 0)
	{
		errposition(0);
		internalerrposition(position);
		internalerrquery((const char *) arg);
	}
}

/* The one SelectStmt the definition parses to, in the given mode. */
static SelectStmt *
parse_one_select(const char *def, RawParseMode mode)
{
	ErrorContextCallback callback;
	List	   *stmts;
	Node	   *stmt;

	callback.callback = definition_error_callback;
	callback.arg = unconstify(char *, def);
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	stmts = raw_parser(def, mode);
	error_context_stack = callback.previous;

	if (list_length(stmts) != 1)
		refuse("it must be one expression or one SELECT", NULL);
	stmt = ((RawStmt *) linitial(stmts))->stmt;
	if (!IsA(stmt, SelectStmt))
		refuse("a SQL definition is a boolean expression or a SELECT of profile ids", NULL);
	return (SelectStmt *) stmt;
}

/*
 * Whether an expression reads more than the profile row, or the clock:
 * then changed profiles do not tell whom it changed for.
 */
static bool
reads_beyond_row(Node *node, void *context)
{
	static const char *const clocks[] = {"now", "clock_timestamp", "statement_timestamp",
	"transaction_timestamp", "timeofday", "segment_now", "random"};

	if (node == NULL)
		return false;
	if (IsA(node, SubLink) || IsA(node, SQLValueFunction))
		return true;
	if (IsA(node, FuncCall))
	{
		const char *name = strVal(llast(((FuncCall *) node)->funcname));

		for (size_t i = 0; i < lengthof(clocks); i++)
			if (strcmp(name, clocks[i]) == 0)
				return true;
	}
	return raw_expression_tree_walker(node, reads_beyond_row, context);
}

/* The OUT record (condition, incremental). */
static Datum
condition_result(FunctionCallInfo fcinfo, char *condition, bool incremental)
{
	Datum		values[2] = {CStringGetTextDatum(condition), BoolGetDatum(incremental)};
	bool		nulls[2] = {false, false};

	return CdpRowDatum(fcinfo, values, nulls);
}

PG_FUNCTION_INFO_V1(cdp_segment_sql_condition);

/*
 * cdp.segment_sql_condition(definition text, OUT condition text,
 * OUT incremental boolean): the condition on the profile row p a SQL
 * definition stands for, and whether changed profiles are enough to
 * refresh it (a boolean expression reading only the row; never a SELECT).
 */
Datum
cdp_segment_sql_condition(PG_FUNCTION_ARGS)
{
	char	   *def;
	SelectStmt *select;

	CdpRequireArgument(fcinfo, 0, "definition");
	def = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strspn(def, " \t\r\n") == strlen(def))
		refuse("it is empty", NULL);

	if (is_query(def))
	{
		ListCell   *lc;

		select = parse_one_select(def, RAW_PARSE_DEFAULT);
		if (select->intoClause != NULL || select->lockingClause != NIL)
			refuse("the SELECT may not use INTO or a locking clause", NULL);
		if (select->withClause != NULL)
			foreach(lc, select->withClause->ctes)
				if (!IsA(((CommonTableExpr *) lfirst(lc))->ctequery, SelectStmt))
					refuse("the SELECT may not modify data", NULL);
		/* the newlines end a trailing -- comment */
		PG_RETURN_DATUM(condition_result(fcinfo, psprintf("p.profile_id IN (\n%s\n)", def), false));
	}

	select = parse_one_select(def, RAW_PARSE_PLPGSQL_EXPR);
	if (list_length(select->targetList) != 1 || select->fromClause != NIL ||
		select->whereClause != NULL || select->groupClause != NIL ||
		select->havingClause != NULL || select->windowClause != NIL ||
		select->sortClause != NIL || select->limitCount != NULL ||
		select->limitOffset != NULL || select->distinctClause != NIL ||
		select->intoClause != NULL)
		refuse("it must be one boolean expression over the profile row",
			   "For example: traits->>'city' = 'Lyon' AND region = 'FR'.");
	PG_RETURN_DATUM(condition_result(fcinfo, psprintf("(\n%s\n)", def),
									 !reads_beyond_row(((ResTarget *) linitial(select->targetList))->val,
													   NULL)));
}
