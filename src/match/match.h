/*-------------------------------------------------------------------------
 *
 * match.h
 *	  The public header of src/match: probabilistic record linkage
 *	  (Fellegi-Sunter) over any relation and over the profiles' golden
 *	  records, feeding the identity graph.
 *
 *	  match_spec.c			the model spec; cdp.create_match_model()
 *	  match_records.c		records held in memory
 *	  match_compare.c		a pair's outcomes and weight
 *	  match_pairs_source.c	candidate pairs from the blocking rules
 *	  match_train.c			u by sampling, m by EM, the prior
 *	  match_score.c			cdp.train_match_model(), match_pairs(), explain_match()
 *	  match_cluster.c		cdp.match_clusters()
 *	  match_link.c			cdp.link_matches(), match_profile(): into the identity graph
 *	  match_review.c		cdp.review_match()
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_MATCH_H
#define CDP_MATCH_H

#include "core/core.h"

#endif							/* CDP_MATCH_H */
