/*-------------------------------------------------------------------------
 *
 * match_score.c
 *	  Training, scoring and explaining as SQL functions:
 *	  cdp.train_match_model(), cdp.match_pairs(), cdp.explain_match().
 *
 * A pair's match weight is log2(λ / (1 - λ)) plus, per comparison, the
 * log2(m / u) of the level it falls in (term-frequency adjusted);
 * its probability is 2^w / (1 + 2^w).  The candidate pairs are those of
 * the blocking rules, each scored once however many rules give it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include <math.h>

#include "match/match_internal.h"

PG_FUNCTION_INFO_V1(cdp_train_match_model);
PG_FUNCTION_INFO_V1(cdp_match_pairs);
PG_FUNCTION_INFO_V1(cdp_explain_match);

/* The model named by argument 0, the relation and id column of 1 and 2. */
static CdpMatchModel *
model_argument(FunctionCallInfo fcinfo, Oid *relid, char **id_column)
{
	CdpRequireArgument(fcinfo, 0, "name");
	CdpRequireArgument(fcinfo, 1, "records");
	CdpRequireArgument(fcinfo, 2, "id_column");
	*relid = PG_GETARG_OID(1);
	*id_column = text_to_cstring(PG_GETARG_TEXT_PP(2));
	return CdpLoadMatchModel(PG_GETARG_TEXT_PP(0));
}

/*
 * cdp.train_match_model(name, records regclass, id_column text, options
 * jsonb DEFAULT '{}') → jsonb: see match_train.c.
 */
Datum
cdp_train_match_model(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *id_column;
	CdpMatchModel *model;
	Jsonb	   *params;
	Datum		out;

	SPI_connect();
	model = model_argument(fcinfo, &relid, &id_column);
	params = CdpTrainMatchModel(model, relid, id_column,
								PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3));
	out = SPI_datumTransfer(JsonbPGetDatum(params), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}

/*
 * cdp.match_pairs(name, records regclass, id_column text, min_probability
 * float8 DEFAULT 0) → TABLE(left_id, right_id, match_weight, probability):
 * every candidate pair, once, at or above min_probability.
 */
Datum
cdp_match_pairs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	char	   *id_column;
	CdpMatchModel *model;
	CdpMatchRecords *records;
	double		min_weight;
	int8	   *gamma;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	model = model_argument(fcinfo, &relid, &id_column);
	CdpRequireTrained(model);
	min_weight = CdpProbabilityWeight(PG_ARGISNULL(3) ? 0 : PG_GETARG_FLOAT8(3));
	CdpValidateMatchSql(model, relid, id_column);
	records = CdpLoadMatchRecords(model, relid, id_column, NULL);
	gamma = palloc(model->ncomparisons);

	for (int k = 0; k < model->nblocking; k++)
	{
		CdpPairSource *source = CdpOpenBlockingPairs(model, relid, id_column, k, NULL);
		CdpPairBatch batch;

		while (CdpNextPairs(source, records, &batch))
		{
			for (int b = 0; b < batch.n; b++)
			{
				double		w;
				Datum		values[4];
				bool		nulls[4] = {0};

				if (batch.earlier[b])
					continue;
				CdpComparePair(model, records, batch.left[b], batch.right[b],
							   &batch.sql_values[b * model->nsql], gamma);
				w = CdpPairWeight(model, records, batch.left[b], gamma);
				if (w < min_weight)
					continue;
				values[0] = CStringGetTextDatum(batch.left_ids[b]);
				values[1] = CStringGetTextDatum(batch.right_ids[b]);
				values[2] = Float8GetDatum(w);
				values[3] = Float8GetDatum(CdpWeightProbability(w));
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
			CHECK_FOR_INTERRUPTS();
		}
		CdpClosePairs(source);
	}
	SPI_finish();
	return (Datum) 0;
}

/* The record index of id argument argno, raising 22023 when it is none. */
static int32
record_argument(FunctionCallInfo fcinfo, const CdpMatchRecords *records, int argno,
				const char *name)
{
	int32		i = CdpMatchRecordIndex(records, text_to_cstring(PG_GETARG_TEXT_PP(argno)));

	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not an id of the records", name)));
	return i;
}

/*
 * cdp.explain_match(name, records, id_column, left_id, right_id) →
 * TABLE(comparison, level, left_value, right_value, weight): the prior,
 * then each comparison with the level the pair falls in and its weight;
 * the weights add up to the pair's match weight.
 */
Datum
cdp_explain_match(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	char	   *id_column;
	CdpMatchModel *model;
	CdpMatchRecords *records;
	int32		i,
				j;
	int8	   *gamma;
	bool	   *sql_values = NULL;
	Datum		values[5];
	bool		nulls[5] = {0};

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	model = model_argument(fcinfo, &relid, &id_column);
	CdpRequireTrained(model);
	CdpRequireArgument(fcinfo, 3, "left_id");
	CdpRequireArgument(fcinfo, 4, "right_id");
	CdpValidateMatchSql(model, relid, id_column);
	records = CdpLoadMatchRecords(model, relid, id_column, NULL);
	i = record_argument(fcinfo, records, 3, "left_id");
	j = record_argument(fcinfo, records, 4, "right_id");
	if (model->nsql > 0)
	{
		CdpPairSource *source = CdpOpenGivenPairs(model, relid, id_column, records, &i, &j, 1);
		CdpPairBatch batch;

		sql_values = palloc(model->nsql * sizeof(bool));
		if (CdpNextPairs(source, records, &batch) && batch.n == 1)
			memcpy(sql_values, batch.sql_values, model->nsql * sizeof(bool));
		CdpClosePairs(source);
	}
	gamma = palloc(model->ncomparisons);
	CdpComparePair(model, records, i, j, sql_values, gamma);

	values[0] = CStringGetTextDatum("prior");
	values[1] = CStringGetTextDatum(CDP_PRIOR_LEVEL);
	nulls[2] = nulls[3] = true;
	values[4] = Float8GetDatum(CdpPriorWeight(model));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	for (int c = 0; c < model->ncomparisons; c++)
	{
		const char *a = records->values[c][i];
		const char *b = records->values[c][j];

		values[0] = CStringGetTextDatum(model->comparisons[c].name);
		values[1] = CStringGetTextDatum(CdpGammaLabel(&model->comparisons[c], gamma[c]));
		nulls[2] = (a == NULL);
		values[2] = a ? CStringGetTextDatum(a) : (Datum) 0;
		nulls[3] = (b == NULL);
		values[3] = b ? CStringGetTextDatum(b) : (Datum) 0;
		values[4] = Float8GetDatum(CdpLevelWeight(model, records, c, i, gamma[c]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
