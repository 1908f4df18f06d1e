/*-------------------------------------------------------------------------
 *
 * match_train.c
 *	  Unsupervised training of a Fellegi-Sunter model
 *	  (cdp.train_match_model()): no ground truth.
 *
 * u, the probability of each outcome among non-matches, is counted on a
 * seeded random sample of pairs of records (random pairs are almost all
 * non-matches).  m, its probability among matches, is estimated by
 * expectation-maximisation over the pairs of each blocking rule in turn,
 * u held fixed, and with the comparisons whose column or expression the
 * rule reads left out of the session: within a block they agree by construction and
 * would teach EM that agreeing means nothing (a single EM over all pairs
 * drifts towards matching everything).  Each comparison's m is the mean of
 * its sessions.  The prior λ, that two random records match, comes from
 * the deterministic rules when the spec has some (pairs they give, over
 * all pairs, over their assumed recall), else from the expected number of
 * matches among all candidate pairs under the trained m and u.
 *
 * Pairs are reduced to their outcome patterns (one count per distinct
 * vector of outcomes), so EM costs nothing per pair.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "common/pg_prng.h"
#include "nodes/nodeFuncs.h"
#include "parser/parser.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include <math.h>

#include "match/match_internal.h"

/* Outcome patterns of a set of pairs, with how often each occurs. */
typedef struct Pattern
{
	int8	   *gamma;			/* ncomparisons outcomes */
	int64		count;			/* pairs */
	int64		first;			/* pairs no earlier rule gave */
	uint32		hash;
	char		status;
} Pattern;

#define SH_PREFIX		patterns
#define SH_ELEMENT_TYPE	Pattern
#define SH_KEY_TYPE		const int8 *
#define SH_KEY			gamma
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), *(int *) (tb)->private_data)
#define SH_EQUAL(tb, a, b) (memcmp(a, b, *(int *) (tb)->private_data) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Training options, from the options argument. */
typedef struct TrainOptions
{
	int64		u_pairs;		/* random pairs for u */
	uint64		seed;
	int			max_iterations;
	double		tolerance;
	double		deterministic_recall;
} TrainOptions;

/* What one EM session did. */
typedef struct Session
{
	const char *rule;			/* "blocking[0]" */
	int64		pairs;
	int			patterns;
	int			iterations;
	bool		converged;
	double		lambda;			/* share of matches among its pairs */
	bool	   *fixed;			/* per comparison: left out */
	double	  **m;				/* per comparison and outcome */
} Session;

/* The outcome patterns of the pairs of every rule. */
typedef struct PatternSet
{
	int			ncomparisons;	/* the hash table's key length */
	patterns_hash *table;
	int64		pairs;
} PatternSet;

/* Reads the options (an object); unknown keys and bad values raise 22023. */
static void
read_options(Jsonb *options, TrainOptions *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	o->u_pairs = 1000000;
	o->seed = 42;
	o->max_iterations = 25;
	o->tolerance = 1e-4;
	o->deterministic_recall = 1.0;
	if (options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("training options must be a JSON object")));
	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		double		d;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, Min(v.val.string.len, NAMEDATALEN));
		tok = JsonbIteratorNext(&it, &v, true);
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("training option \"%s\" must be a number", key)));
		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
		if (strcmp(key, "u_pairs") == 0 && d >= 1000 && d <= 1e9)
			o->u_pairs = (int64) d;
		else if (strcmp(key, "seed") == 0 && d >= 0 && d <= 1e15 && d == floor(d))
			o->seed = (uint64) d;
		else if (strcmp(key, "max_iterations") == 0 && d >= 1 && d <= 1000)
			o->max_iterations = (int) d;
		else if (strcmp(key, "tolerance") == 0 && d > 0 && d < 1)
			o->tolerance = d;
		else if (strcmp(key, "deterministic_recall") == 0 && d > 0 && d <= 1)
			o->deterministic_recall = d;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("training option \"%s\" is unknown or out of range", key),
					 errhint("Options: u_pairs (1000 to 1e9), seed, max_iterations (1 to 1000), "
							 "tolerance (0 to 1), deterministic_recall (0 to 1].")));
	}
}

/* The expression of an SQL text, parsed (it parsed when the spec was stored). */
static Node *
parse_expression(const char *sql)
{
	List	   *parsed = raw_parser(psprintf("SELECT (%s\n)", sql), RAW_PARSE_DEFAULT);
	SelectStmt *select = (SelectStmt *) linitial_node(RawStmt, parsed)->stmt;

	return ((ResTarget *) linitial(select->targetList))->val;
}

/* Drops the l. or r. in front of the column references of a rule. */
static bool
unqualify(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *ref = (ColumnRef *) node;

		if (list_length(ref->fields) == 2 && IsA(linitial(ref->fields), String) &&
			(strcmp(strVal(linitial(ref->fields)), "l") == 0 ||
			 strcmp(strVal(linitial(ref->fields)), "r") == 0))
			ref->fields = list_delete_first(ref->fields);
		return false;
	}
	return raw_expression_tree_walker(node, unqualify, context);
}

/* Tells whether the expression context points at occurs in node. */
static bool
contains_expression(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (equal(node, context))
		return true;
	return raw_expression_tree_walker(node, contains_expression, context);
}

/*
 * Tells whether a rule reads what comparison reads: its column, or its
 * expression, on either side (l.surname, lower(r.postcode)).  Within such
 * a rule's pairs the comparison agrees by construction.
 */
static bool
rule_reads(const CdpMatchComparison *comparison, const char *rule)
{
	Node	   *rule_expr = parse_expression(rule);

	unqualify(rule_expr, NULL);
	return contains_expression(rule_expr, parse_expression(comparison->sql));
}

/* Counts u on random pairs of the records (or all pairs, when fewer). */
static int64
estimate_u(CdpMatchModel *model, const CdpMatchRecords *records, Oid relid,
		   const char *id_column, const TrainOptions *o)
{
	int			nc = model->ncomparisons;
	double		total = (double) records->n * (records->n - 1) / 2;
	bool		all = total <= o->u_pairs;
	int64		npairs = all ? (int64) total : o->u_pairs;
	int64	  **counts = palloc(nc * sizeof(int64 *));
	int8	   *gamma = palloc(nc);
	int32	   *left = palloc_extended(npairs * sizeof(int32), MCXT_ALLOC_HUGE);
	int32	   *right = palloc_extended(npairs * sizeof(int32), MCXT_ALLOC_HUGE);
	pg_prng_state rng;
	int64		k = 0;

	pg_prng_seed(&rng, o->seed);
	for (int c = 0; c < nc; c++)
		counts[c] = palloc0((model->comparisons[c].nlevels + 1) * sizeof(int64));
	for (int32 i = 0; all && i < records->n; i++)
		for (int32 j = i + 1; j < records->n; j++, k++)
		{
			left[k] = i;
			right[k] = j;
		}
	for (; !all && k < npairs; k++)
	{
		left[k] = (int32) pg_prng_uint64_range(&rng, 0, records->n - 1);
		right[k] = (int32) pg_prng_uint64_range(&rng, 0, records->n - 2);
		if (right[k] >= left[k])
			right[k]++;
	}

	if (model->nsql == 0)
	{
		for (k = 0; k < npairs; k++)
		{
			CdpComparePair(model, records, left[k], right[k], NULL, gamma);
			for (int c = 0; c < nc; c++)
				if (gamma[c] != CDP_GAMMA_NULL)
					counts[c][gamma[c]]++;
			if ((k & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	else
	{
		CdpPairSource *source = CdpOpenGivenPairs(model, relid, id_column, records, left, right,
												  (int) Min(npairs, PG_INT32_MAX));
		CdpPairBatch batch;

		while (CdpNextPairs(source, records, &batch))
			for (int b = 0; b < batch.n; b++)
			{
				CdpComparePair(model, records, batch.left[b], batch.right[b],
							   &batch.sql_values[b * model->nsql], gamma);
				for (int c = 0; c < nc; c++)
					if (gamma[c] != CDP_GAMMA_NULL)
						counts[c][gamma[c]]++;
			}
		CdpClosePairs(source);
	}

	/* Laplace smoothing: an outcome never seen is rare, not impossible. */
	for (int c = 0; c < nc; c++)
	{
		CdpMatchComparison *comparison = &model->comparisons[c];
		int			nout = comparison->nlevels + 1;
		int64		seen = 0;

		for (int g = 0; g < nout; g++)
			seen += counts[c][g];
		comparison->u = palloc(nout * sizeof(double));
		for (int g = 0; g < nout; g++)
			comparison->u[g] = (counts[c][g] + 1.0) / (seen + nout);
	}
	pfree(left);
	pfree(right);
	return npairs;
}

/* Starts an empty set of patterns. */
static PatternSet *
new_patterns(const CdpMatchModel *model)
{
	PatternSet *set = palloc0(sizeof(PatternSet));

	set->ncomparisons = model->ncomparisons;
	set->table = patterns_create(CurrentMemoryContext, 256, &set->ncomparisons);
	return set;
}

/* Counts one pair with outcomes gamma into set. */
static void
add_pattern(PatternSet *set, const int8 *gamma, bool earlier)
{
	bool		found;
	Pattern    *p = patterns_insert(set->table, gamma, &found);

	if (!found)
	{
		p->gamma = palloc(set->ncomparisons);
		memcpy(p->gamma, gamma, set->ncomparisons);
		p->count = 0;
		p->first = 0;
	}
	p->count++;
	if (!earlier)
		p->first++;
	set->pairs++;
}

/* The outcome patterns of the pairs of one rule (of rules[], blocking or not). */
static PatternSet *
rule_patterns(const CdpMatchModel *model, const CdpMatchRecords *records, Oid relid,
			  const char *id_column, int rule)
{
	PatternSet *set = new_patterns(model);
	CdpPairSource *source = CdpOpenBlockingPairs(model, relid, id_column, rule, NULL);
	CdpPairBatch batch;
	int8	   *gamma = palloc(model->ncomparisons);

	while (CdpNextPairs(source, records, &batch))
	{
		for (int b = 0; b < batch.n; b++)
		{
			CdpComparePair(model, records, batch.left[b], batch.right[b],
						   &batch.sql_values[b * model->nsql], gamma);
			add_pattern(set, gamma, batch.earlier[b]);
		}
		CHECK_FOR_INTERRUPTS();
	}
	CdpClosePairs(source);
	return set;
}

/* The log-probabilities of pattern p under match and non-match. */
static void
pattern_logs(const CdpMatchModel *model, const Pattern *p, double *const *m, const bool *fixed,
			 double *log_m, double *log_u)
{
	*log_m = 0;
	*log_u = 0;
	for (int c = 0; c < model->ncomparisons; c++)
	{
		int8		g = p->gamma[c];

		if (g == CDP_GAMMA_NULL || (fixed && fixed[c]))
			continue;
		*log_m += log(Max(m[c][g], 1e-12));
		*log_u += log(Max(model->comparisons[c].u[g], 1e-12));
	}
}

/* Probability that pattern p is a match, given prior lambda. */
static double
match_share(double lambda, double log_m, double log_u)
{
	double		a = log(lambda) + log_m;
	double		b = log(1 - lambda) + log_u;

	return 1.0 / (1.0 + exp(b - a));
}

/* Starting m: the strongest level likely, the others sharing what is left. */
static double **
initial_m(const CdpMatchModel *model)
{
	double	  **m = palloc(model->ncomparisons * sizeof(double *));

	for (int c = 0; c < model->ncomparisons; c++)
	{
		int			nout = model->comparisons[c].nlevels + 1;

		m[c] = palloc(nout * sizeof(double));
		m[c][0] = 0.9;
		for (int g = 1; g < nout; g++)
			m[c][g] = 0.1 / (nout - 1);
	}
	return m;
}

/*
 * Runs EM over the patterns of one rule, the comparisons in fixed[] left
 * out; fills the session.
 */
static void
run_em(const CdpMatchModel *model, PatternSet *set, const TrainOptions *o, Session *s)
{
	int			nc = model->ncomparisons;
	double	  **sums = palloc(nc * sizeof(double *));
	double		lambda = 0.1;
	patterns_iterator it;
	Pattern    *p;

	s->m = initial_m(model);
	s->pairs = set->pairs;
	s->patterns = set->table->members;
	for (int c = 0; c < nc; c++)
		sums[c] = palloc((model->comparisons[c].nlevels + 1) * sizeof(double));
	for (s->iterations = 1; s->iterations <= o->max_iterations; s->iterations++)
	{
		double		matches = 0,
					total = 0,
					change;

		for (int c = 0; c < nc; c++)
			memset(sums[c], 0, (model->comparisons[c].nlevels + 1) * sizeof(double));
		patterns_start_iterate(set->table, &it);
		while ((p = patterns_iterate(set->table, &it)) != NULL)
		{
			double		log_m,
						log_u,
						share;

			pattern_logs(model, p, s->m, s->fixed, &log_m, &log_u);
			share = match_share(lambda, log_m, log_u) * p->count;
			matches += share;
			total += p->count;
			for (int c = 0; c < nc; c++)
				if (p->gamma[c] != CDP_GAMMA_NULL)
					sums[c][p->gamma[c]] += share;
		}
		if (total == 0 || matches <= 0)
			break;
		change = fabs(matches / total - lambda);
		lambda = Min(Max(matches / total, 1e-9), 1 - 1e-9);
		for (int c = 0; c < nc; c++)
		{
			int			nout = model->comparisons[c].nlevels + 1;
			double		sum = 0;

			if (s->fixed[c])
				continue;
			for (int g = 0; g < nout; g++)
				sum += sums[c][g];
			if (sum <= 0)
				continue;
			for (int g = 0; g < nout; g++)
			{
				double		m = Max(sums[c][g] / sum, 1e-12);

				change = Max(change, fabs(m - s->m[c][g]));
				s->m[c][g] = m;
			}
		}
		if (change < o->tolerance)
		{
			s->converged = true;
			break;
		}
	}
	s->iterations = Min(s->iterations, o->max_iterations);
	s->lambda = lambda;
}

/*
 * The prior λ without deterministic rules: the expected share of matches
 * among all pairs, counting each candidate pair once, solved as a fixed
 * point (the expectation depends on λ itself).
 */
static double
estimate_lambda(const CdpMatchModel *model, List *sets, double total_pairs)
{
	double		lambda = 1e-4;
	double	  **m = palloc(model->ncomparisons * sizeof(double *));

	for (int c = 0; c < model->ncomparisons; c++)
		m[c] = model->comparisons[c].m;

	for (int iteration = 0; iteration < 200; iteration++)
	{
		double		expected = 0;
		double		next;
		ListCell   *lc;

		foreach(lc, sets)
		{
			PatternSet *set = lfirst(lc);
			patterns_iterator it;
			Pattern    *p;

			patterns_start_iterate(set->table, &it);
			while ((p = patterns_iterate(set->table, &it)) != NULL)
			{
				double		log_m,
							log_u;

				pattern_logs(model, p, m, NULL, &log_m, &log_u);
				expected += p->first * match_share(lambda, log_m, log_u);
			}
		}
		next = Min(Max(expected / total_pairs, 1e-12), 0.5);
		if (fabs(next - lambda) < 1e-12 + 1e-6 * lambda)
			return next;
		lambda = next;
	}
	return lambda;
}

/*
 * Runs one EM session per rule of rules[] (blocking or deterministic),
 * each leaving out the comparisons its rule reads; adds
 * the sessions to *sessions and, for blocking, the patterns to *sets.
 */
static void
run_sessions(CdpMatchModel *model, const CdpMatchRecords *records, Oid relid,
			 const char *id_column, char **rules, int nrules, const char *kind,
			 const TrainOptions *o, List **sessions, List **sets)
{
	CdpMatchModel ruled = *model;

	ruled.blocking = rules;
	ruled.nblocking = nrules;
	for (int k = 0; k < nrules; k++)
	{
		Session    *s = palloc0(sizeof(Session));
		PatternSet *set = rule_patterns(&ruled, records, relid, id_column, k);
		bool		any = false;

		s->rule = psprintf("%s[%d]", kind, k);
		s->fixed = palloc(model->ncomparisons * sizeof(bool));
		for (int c = 0; c < model->ncomparisons; c++)
		{
			s->fixed[c] = rule_reads(&model->comparisons[c], rules[k]);
			any |= !s->fixed[c];
		}
		if (any)
			run_em(model, set, o, s);
		else
		{
			s->pairs = set->pairs;
			s->patterns = set->table->members;
		}
		*sessions = lappend(*sessions, s);
		if (sets != NULL)
			*sets = lappend(*sets, set);
	}
}

/*
 * Sets each comparison's m to the mean of the sessions that estimated it;
 * returns how many sessions did, per comparison.
 */
static int *
combine_m(CdpMatchModel *model, List *sessions)
{
	int		   *used = palloc0(model->ncomparisons * sizeof(int));
	double	  **start = initial_m(model);

	for (int c = 0; c < model->ncomparisons; c++)
	{
		CdpMatchComparison *comparison = &model->comparisons[c];
		int			nout = comparison->nlevels + 1;
		ListCell   *lc;

		comparison->m = palloc0(nout * sizeof(double));
		foreach(lc, sessions)
		{
			Session    *s = lfirst(lc);

			if (s->m == NULL || s->fixed[c])
				continue;
			for (int g = 0; g < nout; g++)
				comparison->m[g] += s->m[c][g];
			used[c]++;
		}
		for (int g = 0; g < nout; g++)
			comparison->m[g] = used[c] > 0 ? comparison->m[g] / used[c] : start[c][g];
	}
	return used;
}

/* Appends "key": number to a JSON object being built. */
static void
json_number(StringInfo buf, const char *key, double value, bool first)
{
	appendStringInfo(buf, "%s\"%s\": %.17g", first ? "" : ", ", key, value);
}

/* Appends "key": string to a JSON object being built. */
static void
json_string(StringInfo buf, const char *key, const char *value, bool first)
{
	appendStringInfo(buf, "%s\"%s\": ", first ? "" : ", ", key);
	escape_json(buf, value);
}

/* Renders what training found and did as the parameters to store. */
static Jsonb *
params_json(const CdpMatchModel *model, const CdpMatchRecords *records, List *sessions,
			const int *used, const char *lambda_source, int64 u_pairs, const TrainOptions *o,
			double seconds)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	json_number(&buf, "lambda", model->lambda, true);
	json_string(&buf, "lambda_source", lambda_source, false);
	json_number(&buf, "records", records->n, false);
	json_number(&buf, "u_pairs", u_pairs, false);
	json_number(&buf, "seed", o->seed, false);
	json_number(&buf, "seconds", seconds, false);
	appendStringInfoString(&buf, ", \"comparisons\": [");
	for (int c = 0; c < model->ncomparisons; c++)
	{
		const CdpMatchComparison *comparison = &model->comparisons[c];

		appendStringInfoString(&buf, c > 0 ? ", {" : "{");
		json_string(&buf, "name", comparison->name, true);
		json_number(&buf, "m_sessions", used[c], false);
		json_number(&buf, "unreadable_values", records->unreadable[c], false);
		appendStringInfoString(&buf, ", \"levels\": [");
		for (int g = 0; g <= comparison->nlevels; g++)
		{
			appendStringInfoString(&buf, g > 0 ? ", {" : "{");
			json_string(&buf, "level", CdpGammaLabel(comparison, (int8) g), true);
			json_number(&buf, "m", comparison->m[g], false);
			json_number(&buf, "u", comparison->u[g], false);
			json_number(&buf, "weight", log2(Max(comparison->m[g], 1e-12) / Max(comparison->u[g], 1e-12)),
						false);
			appendStringInfoChar(&buf, '}');
		}
		appendStringInfoString(&buf, "]}");
	}
	appendStringInfoString(&buf, "], \"sessions\": [");
	foreach(lc, sessions)
	{
		Session    *s = lfirst(lc);
		bool		first_fixed = true;

		appendStringInfoString(&buf, foreach_current_index(lc) > 0 ? ", {" : "{");
		json_string(&buf, "rule", s->rule, true);
		json_number(&buf, "pairs", s->pairs, false);
		json_number(&buf, "patterns", s->patterns, false);
		json_number(&buf, "iterations", s->iterations, false);
		appendStringInfo(&buf, ", \"converged\": %s", s->converged ? "true" : "false");
		json_number(&buf, "match_share", s->lambda, false);
		appendStringInfoString(&buf, ", \"left_out\": [");
		for (int c = 0; c < model->ncomparisons; c++)
			if (s->fixed[c])
			{
				if (!first_fixed)
					appendStringInfoString(&buf, ", ");
				escape_json(&buf, model->comparisons[c].name);
				first_fixed = false;
			}
		appendStringInfoString(&buf, "]}");
	}
	appendStringInfoString(&buf, "]}");
	return DatumGetJsonbP(CdpJsonbFromString(buf.data));
}

/*
 * CdpTrainMatchModel trains model on the records of relid (id_column),
 * stores the parameters on the model and returns them.  SPI is connected.
 */
Jsonb *
CdpTrainMatchModel(CdpMatchModel *model, Oid relid, const char *id_column, Jsonb *options)
{
	TrainOptions o;
	CdpMatchRecords *records;
	List	   *sessions = NIL;
	List	   *sets = NIL;
	int		   *used;
	int64		u_pairs;
	double		total_pairs;
	const char *lambda_source;
	instr_time	start,
				duration;
	Jsonb	   *params;

	INSTR_TIME_SET_CURRENT(start);
	read_options(options, &o);
	CdpValidateMatchSql(model, relid, id_column);
	records = CdpLoadMatchRecords(model, relid, id_column, NULL);
	if (records->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("training needs at least two records")));
	total_pairs = (double) records->n * (records->n - 1) / 2;

	u_pairs = estimate_u(model, records, relid, id_column, &o);
	run_sessions(model, records, relid, id_column, model->blocking, model->nblocking,
				 "blocking", &o, &sessions, &sets);
	used = combine_m(model, sessions);
	for (int c = 0; c < model->ncomparisons; c++)
		if (used[c] == 0 && model->ndeterministic > 0)
		{
			/* Left out of every blocking session: learn it on the sure pairs. */
			run_sessions(model, records, relid, id_column, model->deterministic,
						 model->ndeterministic, "deterministic", &o, &sessions, NULL);
			used = combine_m(model, sessions);
			break;
		}
	for (int c = 0; c < model->ncomparisons; c++)
		if (used[c] == 0)
			ereport(WARNING,
					(errmsg("comparison \"%s\" of match model \"%s\" is read by every rule, so its m was not estimated",
							model->comparisons[c].name, model->name),
					 errhint("Add a blocking rule that does not read it, or a deterministic rule.")));

	if (model->ndeterministic > 0)
	{
		int64		sure = CdpCountRulePairs(relid, id_column, model->deterministic,
											 model->ndeterministic);

		model->lambda = Min(Max(sure / total_pairs / o.deterministic_recall, 1e-12), 0.5);
		lambda_source = "deterministic rules";
	}
	else
	{
		model->lambda = estimate_lambda(model, sets, total_pairs);
		lambda_source = "expected matches among candidate pairs";
	}

	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	params = params_json(model, records, sessions, used, lambda_source, u_pairs, &o,
						 INSTR_TIME_GET_DOUBLE(duration));
	CdpStoreMatchParams(model, params);
	return params;
}
