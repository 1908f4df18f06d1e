/*-------------------------------------------------------------------------
 *
 * match_internal.h
 *	  What the files of src/match share: the model (spec and trained
 *	  parameters), records held in memory, pair sources and the comparison
 *	  of a pair.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_MATCH_INTERNAL_H
#define CDP_MATCH_INTERNAL_H

#include "lib/stringinfo.h"

#include "match/match.h"

/* Kinds of comparison level (model spec, "levels"). */
typedef enum CdpLevelKind
{
	CDP_LEVEL_EXACT,
	CDP_LEVEL_JARO_WINKLER,
	CDP_LEVEL_JARO,
	CDP_LEVEL_LEVENSHTEIN,
	CDP_LEVEL_DAMERAU,
	CDP_LEVEL_QGRAM,
	CDP_LEVEL_TOKEN_SET,
	CDP_LEVEL_DATE_WITHIN,
	CDP_LEVEL_NUMERIC_WITHIN,
	CDP_LEVEL_SQL
} CdpLevelKind;

#define CDP_LEVEL_KINDS		10

/* One declared level of a comparison. */
typedef struct CdpMatchLevel
{
	CdpLevelKind kind;
	double		threshold;		/* similarity >=, distance <=, days, amount */
	bool		tf;				/* exact: term-frequency adjustment */
	char	   *sql;			/* sql: a boolean over l and r */
	int			sql_column;		/* sql: its column among a pair's sql values */
	char	   *label;			/* "jaro_winkler >= 0.92" */
} CdpMatchLevel;

/*
 * Outcomes of a comparison for a pair: CDP_GAMMA_NULL (a NULL on either
 * side: weight 0), 0..nlevels-1 (the first declared level met), nlevels
 * (none met: the implicit last level, "else").
 */
#define CDP_GAMMA_NULL	(-1)

/* One comparison of the spec, and its trained parameters. */
typedef struct CdpMatchComparison
{
	char	   *name;
	char	   *sql;			/* what it reads: quoted column or (expr) */
	int			nlevels;		/* declared levels */
	CdpMatchLevel *levels;
	bool		needs_date;		/* has a date_within_days level */
	bool		needs_number;	/* has a numeric_within level */
	bool		has_tf;			/* has an exact level with tf */
	/* per outcome 0..nlevels (m, u: trained; NULL until then) */
	double	   *m;
	double	   *u;
} CdpMatchComparison;

/* A model: its spec, parsed, and its parameters once trained. */
typedef struct CdpMatchModel
{
	int32		model_id;
	char	   *name;
	int			ncomparisons;
	CdpMatchComparison *comparisons;
	int			nblocking;
	char	  **blocking;
	int			ndeterministic;
	char	  **deterministic;
	int			nsql;			/* sql levels, over all comparisons */
	bool		trained;
	double		lambda;			/* prior: two random records match */
	Jsonb	   *params;			/* as stored */
} CdpMatchModel;

/* match_spec.c */
extern CdpMatchModel *CdpParseMatchSpec(Jsonb *spec);
extern CdpMatchModel *CdpLoadMatchModel(text *name);
extern void CdpStoreMatchParams(CdpMatchModel *model, Jsonb *params);
extern void CdpApplyMatchParams(CdpMatchModel *model, Jsonb *params);
extern void CdpRequireTrained(const CdpMatchModel *model);
extern void CdpSpecKeyContext(void *arg);

/*
 * match_records.c: the records of a relation held in memory, with each
 * comparison's value (server encoding), parsed date and number, and term
 * frequency, by dense index.  Memory is bounded by maintenance_work_mem.
 */
typedef struct CdpMatchRecords
{
	int32		n;
	char	  **ids;			/* text form of the id column */
	char	 ***values;			/* [comparison][record], NULL for SQL NULL */
	int		  **lengths;		/* [comparison][record] */
	int32	  **dates;			/* [comparison][record] days, or CDP_NO_DATE */
	double	  **numbers;		/* [comparison][record], or NaN */
	double	  **tf;				/* [comparison][record]: value's share, or 0 */
	int64	   *unreadable;		/* [comparison]: values a level could not read */
	void	   *by_id;			/* id -> index */
	char	   *arena;			/* the strings, in blocks */
	Size		arena_used;
	Size		arena_size;
	MemoryContext cxt;
} CdpMatchRecords;

#define CDP_NO_DATE		PG_INT32_MIN

extern CdpMatchRecords *CdpLoadMatchRecords(const CdpMatchModel *model, Oid relid,
											const char *id_column, const Datum *ids);
extern int32 CdpMatchRecordIndex(const CdpMatchRecords *records, const char *id);
extern const char *CdpMatchSource(Oid relid);

/* match_compare.c: the outcome of each comparison for records i and j. */
extern void CdpComparePair(const CdpMatchModel *model, const CdpMatchRecords *records,
						   int32 i, int32 j, const bool *sql_values, int8 *gamma);
extern double CdpPairWeight(const CdpMatchModel *model, const CdpMatchRecords *records,
							int32 i, const int8 *gamma);
extern double CdpLevelWeight(const CdpMatchModel *model, const CdpMatchRecords *records,
							 int c, int32 i, int8 g);
extern double CdpPriorWeight(const CdpMatchModel *model);
/* The level shown for the prior in explanations. */
#define CDP_PRIOR_LEVEL "two random records match"
extern double CdpWeightProbability(double weight);
extern double CdpProbabilityWeight(double probability);
extern const char *CdpGammaLabel(const CdpMatchComparison *comparison, int8 g);

/*
 * match_pairs_source.c: candidate pairs from SQL, fetched in batches:
 * those of one blocking rule, or given ones.  Each row is two record
 * indexes, the sql levels' values, and (blocking) whether an earlier rule
 * gave the pair already.
 */
typedef struct CdpPairBatch
{
	int			n;
	char	  **left_ids;
	char	  **right_ids;
	int32	   *left;			/* record indexes, when records were given */
	int32	   *right;
	bool	   *sql_values;		/* n x model->nsql */
	bool	   *earlier;		/* gave by an earlier rule */
} CdpPairBatch;

typedef struct CdpPairSource CdpPairSource;

extern void CdpValidateMatchSql(const CdpMatchModel *model, Oid relid,
								const char *id_column);
extern CdpPairSource *CdpOpenBlockingPairs(const CdpMatchModel *model, Oid relid,
										   const char *id_column, int rule,
										   const Datum *left_ids);
extern CdpPairSource *CdpOpenGivenPairs(const CdpMatchModel *model, Oid relid,
										const char *id_column,
										const CdpMatchRecords *records,
										const int32 *left, const int32 *right, int n);
extern bool CdpNextPairs(CdpPairSource *source, const CdpMatchRecords *records,
						 CdpPairBatch *batch);
extern void CdpClosePairs(CdpPairSource *source);
extern int64 CdpCountRulePairs(Oid relid, const char *id_column, char **rules, int nrules);

/* match_train.c */
extern Jsonb *CdpTrainMatchModel(CdpMatchModel *model, Oid relid, const char *id_column,
								 Jsonb *options);

#endif							/* CDP_MATCH_INTERNAL_H */
