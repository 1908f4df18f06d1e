/*-------------------------------------------------------------------------
 *
 * fuzzy.h
 *	  String similarity measures over code points, for the matching code.
 *
 * The measures take decoded strings (see fuzzy_text.h).  Those that compare
 * characters for equality renumber both arguments in place into a dense
 * alphabet: decode again before reusing an argument with another measure.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_FUZZY_H
#define CDP_FUZZY_H

#include "fuzzy/fuzzy_text.h"

extern int	CdpLevenshtein(CdpFuzzyText *x, CdpFuzzyText *y, int max_d);
extern int	CdpOsaDistance(CdpFuzzyText *x, CdpFuzzyText *y);
extern int	CdpDamerauLevenshtein(CdpFuzzyText *x, CdpFuzzyText *y);
extern int	CdpIndelDistance(CdpFuzzyText *x, CdpFuzzyText *y);
extern double CdpJaro(CdpFuzzyText *x, CdpFuzzyText *y);
extern double CdpJaroWinkler(CdpFuzzyText *x, CdpFuzzyText *y);
extern double CdpQgramSimilarity(const CdpFuzzyText *x, const CdpFuzzyText *y,
								 int q);
extern double CdpTokenSetSimilarity(const CdpFuzzyText *x,
									const CdpFuzzyText *y);

#endif							/* CDP_FUZZY_H */
