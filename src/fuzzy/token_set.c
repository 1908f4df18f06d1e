/*-------------------------------------------------------------------------
 *
 * token_set.c
 *	  Token set similarity: word order and repeated words do not matter.
 *
 * The definition is that of rapidfuzz's fuzz.token_set_ratio (without a
 * preprocessor) divided by 100.  Both strings are split on white space (as
 * Python's str.split() sees it) into
 * sets of tokens; I is the intersection, A and B the tokens found in only
 * one string, each sorted and joined with one space.  When I is not empty
 * and A or B is, the result is 1.  Otherwise it is the largest of
 * ratio(I, I+A), ratio(I, I+B) and ratio(I+A, I+B) (only the last when I is
 * empty), where I+A is I, a space and A, and ratio(s, t) is the normalized
 * Indel similarity 1 - indel(s, t) / (|s| + |t|).  Two strings without
 * tokens have similarity 1; one without tokens and one with, 0.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "fuzzy/fuzzy.h"
#include "fuzzy/fuzzy_text.h"

PG_FUNCTION_INFO_V1(cdp_token_set_similarity);

/* A token: a run of characters without white space. */
typedef struct Token
{
	const uint32 *chars;
	int			len;
} Token;

/* Tokens kept on the stack per string. */
#define TOKENS_INLINE		(CDP_FUZZY_INLINE / 2 + 1)

/* compare_tokens orders tokens by code points, a prefix first. */
static inline int
compare_tokens(const Token *x, const Token *y)
{
	int			n = Min(x->len, y->len);

	for (int i = 0; i < n; i++)
		if (x->chars[i] != y->chars[i])
			return x->chars[i] < y->chars[i] ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

#define ST_SORT sort_tokens
#define ST_ELEMENT_TYPE Token
#define ST_COMPARE(a, b) compare_tokens(a, b)
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* is_space tells whether c separates tokens. */
static inline bool
is_space(uint32 c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F) ||
		c == 0x85 || c == 0xA0 ||
		c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
		c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/*
 * tokenize stores the distinct tokens of s in tokens, sorted, and returns
 * their number.
 */
static int
tokenize(const CdpFuzzyText *s, Token *tokens)
{
	int			n = 0;
	int			kept = 0;
	int			i = 0;

	while (i < s->len)
	{
		int			start;

		while (i < s->len && is_space(s->chars[i]))
			i++;
		if (i == s->len)
			break;
		start = i;
		while (i < s->len && !is_space(s->chars[i]))
			i++;
		tokens[n].chars = s->chars + start;
		tokens[n].len = i - start;
		n++;
	}
	sort_tokens(tokens, n);
	for (int k = 0; k < n; k++)
		if (kept == 0 || compare_tokens(&tokens[kept - 1], &tokens[k]) != 0)
			tokens[kept++] = tokens[k];
	return kept;
}

/* append_token adds a token to out, after a space unless out is empty. */
static void
append_token(CdpFuzzyText *out, const Token *t)
{
	if (out->len > 0)
		out->chars[out->len++] = ' ';
	memcpy(out->chars + out->len, t->chars, t->len * sizeof(uint32));
	out->len += t->len;
}

/*
 * CdpTokenSetSimilarity returns the token set similarity of x and y.
 */
double
CdpTokenSetSimilarity(const CdpFuzzyText *x, const CdpFuzzyText *y)
{
	Token		inline_tx[TOKENS_INLINE];
	Token		inline_ty[TOKENS_INLINE];
	Token	   *tx = inline_tx;
	Token	   *ty = inline_ty;
	int			nx;
	int			ny;
	int			i = 0;
	int			j = 0;
	int			sect_len = 0;
	bool		any_common = false;
	CdpFuzzyText only_x;
	CdpFuzzyText only_y;
	double		best;
	int			indel;

	/* A string of n characters has at most n / 2 + 1 tokens. */
	if (x->len / 2 + 1 > TOKENS_INLINE)
		tx = palloc((x->len / 2 + 1) * sizeof(Token));
	if (y->len / 2 + 1 > TOKENS_INLINE)
		ty = palloc((y->len / 2 + 1) * sizeof(Token));
	nx = tokenize(x, tx);
	ny = tokenize(y, ty);

	CdpFuzzyReserve(&only_x, x->len, x->ascii);
	CdpFuzzyReserve(&only_y, y->len, y->ascii);
	while (i < nx || j < ny)
	{
		int			c = i == nx ? 1 : j == ny ? -1 : compare_tokens(&tx[i], &ty[j]);

		if (c < 0)
			append_token(&only_x, &tx[i++]);
		else if (c > 0)
			append_token(&only_y, &ty[j++]);
		else
		{
			sect_len += (any_common ? 1 : 0) + tx[i].len;
			any_common = true;
			i++;
			j++;
		}
	}

	if (nx == 0 || ny == 0)
		best = (nx == 0 && ny == 0) ? 1.0 : 0.0;
	else if (any_common && (only_x.len == 0 || only_y.len == 0))
		best = 1.0;
	else if (!any_common)
	{
		int			total = only_x.len + only_y.len;

		indel = CdpIndelDistance(&only_x, &only_y);
		best = 1.0 - (double) indel / total;
	}
	else
	{
		/* I+A and I+B share the prefix "I ", so indel(I+A, I+B) = indel(A, B). */
		int			sect_x = sect_len + 1 + only_x.len;
		int			sect_y = sect_len + 1 + only_y.len;

		best = Max(1.0 - (double) (only_x.len + 1) / (sect_len + sect_x),
				   1.0 - (double) (only_y.len + 1) / (sect_len + sect_y));
		indel = CdpIndelDistance(&only_x, &only_y);
		best = Max(best, 1.0 - (double) indel / (sect_x + sect_y));
	}

	CdpFuzzyFree(&only_x);
	CdpFuzzyFree(&only_y);
	if (tx != inline_tx)
		pfree(tx);
	if (ty != inline_ty)
		pfree(ty);
	return best;
}

/* cdp.token_set_similarity(a text, b text) float8 */
Datum
cdp_token_set_similarity(PG_FUNCTION_ARGS)
{
	CdpFuzzyText a;
	CdpFuzzyText b;
	double		s;

	CdpFuzzyDecodeArg(fcinfo, 0, CDP_FUZZY_MAX_QUADRATIC, &a);
	CdpFuzzyDecodeArg(fcinfo, 1, CDP_FUZZY_MAX_QUADRATIC, &b);
	s = CdpTokenSetSimilarity(&a, &b);
	CdpFuzzyFree(&a);
	CdpFuzzyFree(&b);
	PG_RETURN_FLOAT8(s);
}
