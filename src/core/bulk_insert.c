/*-------------------------------------------------------------------------
 *
 * bulk_insert.c
 *	  Multi-row insertion into a table (partitioned or not) the way COPY
 *	  FROM does it, for ingestion's hot path.
 *
 * Rows are routed to their partition by the executor's own tuple routing,
 * buffered, and written with table_multi_insert (one WAL record per page
 * instead of per row); index entries and CHECK constraints are handled by
 * the executor's functions, so unique indexes raise unique_violation as a
 * plain INSERT would.  Compared with INSERT ... SELECT FROM unnest(...)
 * this skips the planner, the projection and a tuplestore per batch.
 *
 * Columns the caller does not name get their defaults, evaluated per row
 * as COPY does.  Triggers are not fired, so a target with INSERT triggers is refused
 * rather than silently bypassed.  The caller must hold the privilege to
 * insert (checked here) and is expected to run as the table owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/execPartition.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"

#include "core/core.h"

/* Rows buffered per table_multi_insert call. */
#define BULK_BUFFER_ROWS	1000

struct CdpBulkInsert
{
	EState	   *estate;
	ModifyTableState *mtstate;
	ResultRelInfo *root;
	PartitionTupleRouting *proute;
	TupleTableSlot *root_slot;
	BulkInsertState bistate;
	CommandId	cid;

	/* the caller's columns: attribute index of each, or -1 */
	int			ncolumns;
	int		   *column_attr;

	/* the other columns that have a default: attribute index and expression */
	int			ndefaults;
	int		   *default_attr;
	ExprState **default_expr;

	/* rows waiting for the current leaf */
	ResultRelInfo *leaf;
	TupleTableSlot *slots[BULK_BUFFER_ROWS];
	int			nused;			/* buffered rows */
	int			nallocated;		/* slots created so far for the leaf */
};

/* Refuses a relation whose INSERT triggers bulk insertion would skip. */
static void
check_no_insert_triggers(ResultRelInfo *rri)
{
	TriggerDesc *trig = rri->ri_TrigDesc;

	if (trig != NULL &&
		(trig->trig_insert_before_row || trig->trig_insert_after_row ||
		 trig->trig_insert_instead_row || trig->trig_insert_before_statement ||
		 trig->trig_insert_after_statement))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("relation \"%s\" has INSERT triggers, which cdp's bulk ingestion does not fire",
						RelationGetRelationName(rri->ri_RelationDesc)),
				 errhint("Drop the triggers; read new rows with logical decoding instead.")));
}

/*
 * Prepares the defaults of the columns the caller does not name.  Rows are
 * routed before the defaults are evaluated, so the partition key must be
 * named.
 */
static void
prepare_defaults(CdpBulkInsert *bulk, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	PartitionKey key = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ?
		RelationGetPartitionKey(rel) : NULL;

	bulk->ndefaults = 0;
	bulk->default_attr = palloc(desc->natts * sizeof(int));
	bulk->default_expr = palloc(desc->natts * sizeof(ExprState *));
	for (int a = 0; a < desc->natts; a++)
	{
		Node	   *expr;
		bool		named = false;

		if (TupleDescAttr(desc, a)->attisdropped || TupleDescAttr(desc, a)->attgenerated)
			continue;
		for (int c = 0; c < bulk->ncolumns; c++)
			named |= (bulk->column_attr[c] == a);
		if (named || (expr = build_column_default(rel, a + 1)) == NULL)
			continue;
		for (int k = 0; key != NULL && k < key->partnatts; k++)
			if (key->partattrs[k] == a + 1)
				elog(ERROR, "bulk insertion must be given the partition key column \"%s\"",
					 NameStr(TupleDescAttr(desc, a)->attname));
		bulk->default_attr[bulk->ndefaults] = a;
		bulk->default_expr[bulk->ndefaults] = ExecPrepareExpr((Expr *) expr, bulk->estate);
		bulk->ndefaults++;
	}
}

/*
 * CdpBulkInsertBegin prepares to insert rows into relid.  Each row gives
 * values for the named columns, in that order; other columns get their
 * defaults (NULL when they have none).
 */
CdpBulkInsert *
CdpBulkInsertBegin(Oid relid, const char *const *columns, int ncolumns)
{
	CdpBulkInsert *bulk = palloc0(sizeof(CdpBulkInsert));
	RangeTblEntry *rte;
	Relation	rel;
	AclResult	aclresult;

	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_INSERT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));

	/* The executor expects the lock to be held already. */
	rel = table_open(relid, RowExclusiveLock);

	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;

	bulk->estate = CreateExecutorState();
	ExecInitRangeTable(bulk->estate, list_make1(rte));
	bulk->root = makeNode(ResultRelInfo);
	ExecInitResultRelation(bulk->estate, bulk->root, 1);
	CheckValidResultRel(bulk->root, CMD_INSERT);
	check_no_insert_triggers(bulk->root);
	ExecOpenIndices(bulk->root, false);

	/* Tuple routing wants a ModifyTableState; this one has no plan. */
	bulk->mtstate = makeNode(ModifyTableState);
	bulk->mtstate->ps.state = bulk->estate;
	bulk->mtstate->operation = CMD_INSERT;
	bulk->mtstate->mt_nrels = 1;
	bulk->mtstate->resultRelInfo = bulk->root;
	bulk->mtstate->rootResultRelInfo = bulk->root;

	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		bulk->proute = ExecSetupPartitionTupleRouting(bulk->estate, rel);

	bulk->root_slot = ExecInitExtraTupleSlot(bulk->estate, RelationGetDescr(rel),
											 &TTSOpsVirtual);
	bulk->ncolumns = ncolumns;
	bulk->column_attr = palloc(ncolumns * sizeof(int));
	for (int c = 0; c < ncolumns; c++)
	{
		AttrNumber	attnum = get_attnum(relid, columns[c]);

		if (attnum == InvalidAttrNumber)
			elog(ERROR, "column \"%s\" of relation \"%s\" does not exist",
				 columns[c], RelationGetRelationName(rel));
		bulk->column_attr[c] = attnum - 1;
	}
	prepare_defaults(bulk, rel);
	bulk->bistate = GetBulkInsertState();
	bulk->cid = GetCurrentCommandId(true);
	table_close(rel, NoLock);
	return bulk;
}

/* Writes the buffered rows of the current leaf and their index entries. */
static void
flush(CdpBulkInsert *bulk)
{
	ResultRelInfo *leaf = bulk->leaf;
	int			n = bulk->nused;

	if (n == 0)
		return;
	CdpAssert(leaf != NULL && n <= bulk->nallocated && bulk->nallocated <= BULK_BUFFER_ROWS);
	table_multi_insert(leaf->ri_RelationDesc, bulk->slots, n, bulk->cid, 0,
					   bulk->bistate);
	for (int i = 0; i < n; i++)
	{
		if (leaf->ri_NumIndices > 0)
			list_free(ExecInsertIndexTuples(leaf, bulk->slots[i], bulk->estate,
											false, false, NULL, NIL));
		ExecClearTuple(bulk->slots[i]);
	}
	bulk->nused = 0;
	ResetPerTupleExprContext(bulk->estate);
}

/* Starts buffering for another leaf relation. */
static void
switch_leaf(CdpBulkInsert *bulk, ResultRelInfo *leaf)
{
	flush(bulk);
	for (int i = 0; i < bulk->nallocated; i++)
		ExecDropSingleTupleTableSlot(bulk->slots[i]);
	bulk->nallocated = 0;
	bulk->leaf = leaf;
	check_no_insert_triggers(leaf);
	ReleaseBulkInsertStatePin(bulk->bistate);
}

/*
 * CdpBulkInsertRow adds one row: values of the columns named at the start.
 * Pass-by-reference values must stay valid until CdpBulkInsertEnd.
 */
void
CdpBulkInsertRow(CdpBulkInsert *bulk, const Datum *values, const bool *nulls)
{
	TupleTableSlot *slot = bulk->root_slot;
	int			natts = slot->tts_tupleDescriptor->natts;
	ResultRelInfo *leaf = bulk->root;
	TupleTableSlot *target;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, natts * sizeof(bool));
	for (int c = 0; c < bulk->ncolumns; c++)
	{
		CdpAssert(bulk->column_attr[c] >= 0 && bulk->column_attr[c] < natts);
		slot->tts_values[bulk->column_attr[c]] = values[c];
		slot->tts_isnull[bulk->column_attr[c]] = nulls[c];
	}
	ExecStoreVirtualTuple(slot);

	if (bulk->proute != NULL)
		leaf = ExecFindPartition(bulk->mtstate, bulk->root, bulk->proute, slot,
								 bulk->estate);
	if (leaf != bulk->leaf)
		switch_leaf(bulk, leaf);
	else if (bulk->nused == BULK_BUFFER_ROWS)
		flush(bulk);

	/*
	 * Defaults are evaluated after any flush, which resets the per-tuple
	 * memory they live in until the row is written.
	 */
	for (int d = 0; d < bulk->ndefaults; d++)
		slot->tts_values[bulk->default_attr[d]] =
			ExecEvalExprSwitchContext(bulk->default_expr[d], GetPerTupleExprContext(bulk->estate),
									  &slot->tts_isnull[bulk->default_attr[d]]);

	CdpAssert(bulk->nused < BULK_BUFFER_ROWS && bulk->nused <= bulk->nallocated);
	if (bulk->nused == bulk->nallocated)
		bulk->slots[bulk->nallocated++] = table_slot_create(leaf->ri_RelationDesc, NULL);
	target = bulk->slots[bulk->nused++];

	/* A partition may order its columns differently from the root. */
	if (leaf->ri_RootToPartitionMap != NULL)
		execute_attr_map_slot(leaf->ri_RootToPartitionMap->attrMap, slot, target);
	else
	{
		ExecClearTuple(target);
		memcpy(target->tts_values, slot->tts_values, natts * sizeof(Datum));
		memcpy(target->tts_isnull, slot->tts_isnull, natts * sizeof(bool));
		ExecStoreVirtualTuple(target);
	}

	if (leaf->ri_RelationDesc->rd_att->constr != NULL)
		ExecConstraints(leaf, target, bulk->estate);
}

/*
 * CdpBulkInsertEnd writes what is buffered and releases everything.  The
 * rows are visible to the commands that follow.
 */
void
CdpBulkInsertEnd(CdpBulkInsert *bulk)
{
	flush(bulk);
	for (int i = 0; i < bulk->nallocated; i++)
		ExecDropSingleTupleTableSlot(bulk->slots[i]);
	FreeBulkInsertState(bulk->bistate);
	if (bulk->proute != NULL)
		ExecCleanupTupleRouting(bulk->mtstate, bulk->proute);
	ExecResetTupleTable(bulk->estate->es_tupleTable, false);
	ExecCloseResultRelations(bulk->estate);
	ExecCloseRangeTableRelations(bulk->estate);
	FreeExecutorState(bulk->estate);
	pfree(bulk);
	CommandCounterIncrement();
}
