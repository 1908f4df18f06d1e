/*-------------------------------------------------------------------------
 *
 * scoring.h
 *	  The public header of src/scoring: predictive models fitted in C, as
 *	  SQL aggregates (like PostgreSQL's regr_*), and their predictors.
 *
 *	  scoring.sql		the aggregates and scalar functions
 *	  observations.c	rows collected by a fitting aggregate
 *	  nelder_mead.c		the derivative-free minimizer the fits use
 *	  max_likelihood.c	the final function of a maximum-likelihood fit
 *	  model_json.c		reading and writing a model's jsonb
 *	  bgnbd.c			BG/NBD (Fader, Hardie and Lee 2005): fit, P(alive),
 *						expected purchases
 *	  gamma_gamma.c		Gamma-Gamma spend model: fit, expected value
 *	  logistic.c		L2-regularised logistic regression (IRLS)
 *	  lifetime_value.c	discounted customer lifetime value
 *	  score_models.sql	models at the level of profiles: purchase history,
 *						RFM, defining and dropping models
 *	  score_fit.sql		fitting a model as of a calibration date, with
 *						held-out diagnostics
 *	  score_refresh.sql	scores into cdp.profiles.computed, incrementally;
 *						explaining a score
 *	  feature_rows.c	a propensity model's feature query, run as its owner
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_SCORING_H
#define CDP_SCORING_H

#include "core/core.h"

#endif							/* CDP_SCORING_H */
