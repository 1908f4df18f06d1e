/*-------------------------------------------------------------------------
 *
 * double_metaphone.c
 *	  Double Metaphone (Lawrence Philips, 2000): a primary and an alternate
 *	  phonetic code of up to four characters.
 *
 * The rules are those of the original algorithm as fuzzystrmatch's
 * dmetaphone() and dmetaphone_alt() apply them, so ASCII names get the same
 * codes.  Names with other letters are transliterated to ASCII first with
 * the backend's ICU transliterator, except that in a UTF-8 database C with
 * cedilla becomes S, as the original algorithm codes it.
 *
 * The word is upper-cased and followed by five spaces, so that rules may
 * look a few characters past its end ("-IER " tests for a final "IER").
 * Each letter has a handler that appends to both codes and returns the
 * position of the next letter to read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "fuzzy/fuzzy_text.h"
#include "fuzzy/phonetic.h"
#include "text/text.h"

PG_FUNCTION_INFO_V1(cdp_double_metaphone);

/* Spaces after the word. */
#define DM_PAD			5

/* Room for a code: four characters, what one step adds, and a NUL. */
#define DM_CODE_ROOM	16

typedef struct DmWord
{
	char	   *w;				/* upper-cased word and DM_PAD spaces */
	int			len;			/* length of the word */
	int			padded;			/* len + DM_PAD */
	int			last;			/* len - 1 */
	bool		slavo_germanic; /* has W, K or CZ */
	char		primary[DM_CODE_ROOM];
	char		alternate[DM_CODE_ROOM];
	int			plen;
	int			alen;
} DmWord;

/* at returns the character at pos, or NUL outside the padded word. */
static inline char
at(const DmWord *d, int pos)
{
	return (pos < 0 || pos >= d->padded) ? '\0' : d->w[pos];
}

/* is_vowel tells whether the character at pos is A, E, I, O, U or Y. */
static inline bool
is_vowel(const DmWord *d, int pos)
{
	char		c = at(d, pos);

	return c != '\0' && strchr("AEIOUY", c) != NULL;
}

/*
 * looking_at tells whether the padded word has, at start, one of the
 * alternatives in alts: strings of n characters each, written one after
 * the other ("GNKNPN" is GN, KN or PN).
 */
static bool
looking_at(const DmWord *d, int start, int n, const char *alts)
{
	if (start < 0 || start >= d->padded)
		return false;
	for (const char *alt = alts; *alt != '\0'; alt += n)
		if (strncmp(d->w + start, alt, n) == 0)
			return true;
	return false;
}

/* germanic_start tells whether the word starts with "VAN ", "VON " or SCH. */
static bool
germanic_start(const DmWord *d)
{
	return looking_at(d, 0, 4, "VAN VON ") || looking_at(d, 0, 3, "SCH");
}

/* append_code appends s to a code; what lies past the fourth is dropped. */
static void
append_code(char *code, int *len, const char *s)
{
	for (; *s != '\0' && *len < DM_CODE_ROOM - 1; s++)
		code[(*len)++] = *s;
	code[*len] = '\0';
}

/* add appends p to the primary code and a to the alternate. */
static void
add(DmWord *d, const char *p, const char *a)
{
	append_code(d->primary, &d->plen, p);
	append_code(d->alternate, &d->alen, a);
}

/* skip_double returns the next position, past a doubled letter c. */
static inline int
skip_double(const DmWord *d, int cur, char c)
{
	return at(d, cur + 1) == c ? cur + 2 : cur + 1;
}

/* code_ch handles C followed by H (cur is at the C). */
static int
code_ch(DmWord *d, int cur)
{
	/* "michael" */
	if (cur > 0 && looking_at(d, cur, 4, "CHAE"))
		add(d, "K", "X");
	/* Greek roots: "chemistry", "chorus" */
	else if (cur == 0 &&
			 (looking_at(d, cur + 1, 5, "HARACHARIS") ||
			  looking_at(d, cur + 1, 3, "HORHYMHIAHEM")) &&
			 !looking_at(d, 0, 5, "CHORE"))
		add(d, "K", "K");
	/* Germanic, Greek or otherwise a KH sound: "architect", "wachtler" */
	else if (germanic_start(d) ||
			 looking_at(d, cur - 2, 6, "ORCHESARCHITORCHID") ||
			 looking_at(d, cur + 2, 1, "TS") ||
			 ((looking_at(d, cur - 1, 1, "AOUE") || cur == 0) &&
			  looking_at(d, cur + 2, 1, "LRNMBHFVW ")))
		add(d, "K", "K");
	else if (cur == 0)
		add(d, "X", "X");
	else if (looking_at(d, 0, 2, "MC"))
		add(d, "K", "K");		/* "McHugh" */
	else
		add(d, "X", "K");
	return cur + 2;
}

/* code_c handles C. */
static int
code_c(DmWord *d, int cur)
{
	/* Germanic "-ACH-", but not "-ACHI-", "-ACHE-" unless BACHER, MACHER */
	if (cur > 1 && !is_vowel(d, cur - 2) && looking_at(d, cur - 1, 3, "ACH") &&
		at(d, cur + 2) != 'I' &&
		(at(d, cur + 2) != 'E' || looking_at(d, cur - 2, 6, "BACHERMACHER")))
	{
		add(d, "K", "K");
		return cur + 2;
	}
	if (cur == 0 && looking_at(d, cur, 6, "CAESAR"))
	{
		add(d, "S", "S");
		return cur + 2;
	}
	if (looking_at(d, cur, 4, "CHIA"))	/* "chianti" */
	{
		add(d, "K", "K");
		return cur + 2;
	}
	if (looking_at(d, cur, 2, "CH"))
		return code_ch(d, cur);
	if (looking_at(d, cur, 2, "CZ") && !looking_at(d, cur - 2, 4, "WICZ"))
	{
		add(d, "S", "X");		/* "czerny" */
		return cur + 2;
	}
	if (looking_at(d, cur + 1, 3, "CIA"))	/* "focaccia" */
	{
		add(d, "X", "X");
		return cur + 3;
	}
	/* Double C, but not in "McClellan" */
	if (looking_at(d, cur, 2, "CC") && !(cur == 1 && at(d, 0) == 'M'))
	{
		/* "bellocchio" but not "bacchus" */
		if (looking_at(d, cur + 2, 1, "IEH") && !looking_at(d, cur + 2, 2, "HU"))
		{
			/* "accident", "accede", "succeed" */
			if ((cur == 1 && at(d, cur - 1) == 'A') ||
				looking_at(d, cur - 1, 5, "UCCEEUCCES"))
				add(d, "KS", "KS");
			else
				add(d, "X", "X");	/* "bacci", "bertucci" */
			return cur + 3;
		}
		add(d, "K", "K");		/* Pierce's rule */
		return cur + 2;
	}
	if (looking_at(d, cur, 2, "CKCGCQ"))
	{
		add(d, "K", "K");
		return cur + 2;
	}
	if (looking_at(d, cur, 2, "CICECY"))
	{
		/* Italian against English */
		if (looking_at(d, cur, 3, "CIOCIECIA"))
			add(d, "S", "X");
		else
			add(d, "S", "S");
		return cur + 2;
	}
	add(d, "K", "K");
	/* "mac caffrey", "mac gregor" */
	if (looking_at(d, cur + 1, 2, " C Q G"))
		return cur + 3;
	if (looking_at(d, cur + 1, 1, "CKQ") && !looking_at(d, cur + 1, 2, "CECI"))
		return cur + 2;
	return cur + 1;
}

/* code_d handles D. */
static int
code_d(DmWord *d, int cur)
{
	if (looking_at(d, cur, 2, "DG"))
	{
		if (looking_at(d, cur + 2, 1, "IEY"))
		{
			add(d, "J", "J");	/* "edge" */
			return cur + 3;
		}
		add(d, "TK", "TK");		/* "edgar" */
		return cur + 2;
	}
	add(d, "T", "T");
	return looking_at(d, cur, 2, "DTDD") ? cur + 2 : cur + 1;
}

/* code_gh handles G followed by H. */
static int
code_gh(DmWord *d, int cur)
{
	if (cur > 0 && !is_vowel(d, cur - 1))
		add(d, "K", "K");
	else if (cur == 0)
	{
		/* "ghislane", "ghiradelli" */
		if (at(d, cur + 2) == 'I')
			add(d, "J", "J");
		else
			add(d, "K", "K");
	}
	/* Parker's rule: "hugh", "bough", "broughton" are silent */
	else if ((cur > 1 && looking_at(d, cur - 2, 1, "BHD")) ||
			 (cur > 2 && looking_at(d, cur - 3, 1, "BHD")) ||
			 (cur > 3 && looking_at(d, cur - 4, 1, "BH")))
		;
	/* "laugh", "McLaughlin", "cough", "rough", "tough" */
	else if (cur > 2 && at(d, cur - 1) == 'U' &&
			 looking_at(d, cur - 3, 1, "CGLRT"))
		add(d, "F", "F");
	else if (at(d, cur - 1) != 'I')
		add(d, "K", "K");
	return cur + 2;
}

/* code_g handles G. */
static int
code_g(DmWord *d, int cur)
{
	if (at(d, cur + 1) == 'H')
		return code_gh(d, cur);
	if (at(d, cur + 1) == 'N')
	{
		if (cur == 1 && is_vowel(d, 0) && !d->slavo_germanic)
			add(d, "KN", "N");
		else if (!looking_at(d, cur + 2, 2, "EY") && !d->slavo_germanic)
			add(d, "N", "KN");	/* not "cagney" */
		else
			add(d, "KN", "KN");
		return cur + 2;
	}
	if (looking_at(d, cur + 1, 2, "LI") && !d->slavo_germanic)
	{
		add(d, "KL", "L");		/* "tagliaro" */
		return cur + 2;
	}
	/* -GES-, -GEP-, -GEL-, -GIE- at the start */
	if (cur == 0 &&
		(at(d, cur + 1) == 'Y' ||
		 looking_at(d, cur + 1, 2, "ESEPEBELEYIBILINIEEIER")))
	{
		add(d, "K", "J");
		return cur + 2;
	}
	/* -GER-, -GY- */
	if ((looking_at(d, cur + 1, 2, "ER") || at(d, cur + 1) == 'Y') &&
		!looking_at(d, 0, 6, "DANGERRANGERMANGER") &&
		!looking_at(d, cur - 1, 1, "EI") &&
		!looking_at(d, cur - 1, 3, "RGYOGY"))
	{
		add(d, "K", "J");
		return cur + 2;
	}
	/* Italian "biaggi" */
	if (looking_at(d, cur + 1, 1, "EIY") || looking_at(d, cur - 1, 4, "AGGIOGGI"))
	{
		if (germanic_start(d) || looking_at(d, cur + 1, 2, "ET"))
			add(d, "K", "K");
		else if (looking_at(d, cur + 1, 4, "IER "))
			add(d, "J", "J");	/* French ending */
		else
			add(d, "J", "K");
		return cur + 2;
	}
	add(d, "K", "K");
	return skip_double(d, cur, 'G');
}

/* code_j handles J. */
static int
code_j(DmWord *d, int cur)
{
	/* Spanish "jose", "san jacinto" */
	if (looking_at(d, cur, 4, "JOSE") || looking_at(d, 0, 4, "SAN "))
	{
		if ((cur == 0 && at(d, cur + 4) == ' ') || looking_at(d, 0, 4, "SAN "))
			add(d, "H", "H");
		else
			add(d, "J", "H");
		return cur + 1;
	}
	if (cur == 0)
		add(d, "J", "A");		/* "Yankelovich" / "Jankelowicz" */
	else if (is_vowel(d, cur - 1) && !d->slavo_germanic &&
			 (at(d, cur + 1) == 'A' || at(d, cur + 1) == 'O'))
		add(d, "J", "H");		/* Spanish "bajador" */
	else if (cur == d->last)
		add(d, "J", "");
	else if (!looking_at(d, cur + 1, 1, "LTKSNMBZ") &&
			 !looking_at(d, cur - 1, 1, "SKL"))
		add(d, "J", "J");
	return skip_double(d, cur, 'J');
}

/* code_l handles L. */
static int
code_l(DmWord *d, int cur)
{
	if (at(d, cur + 1) != 'L')
	{
		add(d, "L", "L");
		return cur + 1;
	}
	/* Spanish "cabrillo", "gallegos" */
	if ((cur == d->len - 3 && looking_at(d, cur - 1, 4, "ILLOILLAALLE")) ||
		((looking_at(d, d->last - 1, 2, "ASOS") ||
		  looking_at(d, d->last, 1, "AO")) &&
		 looking_at(d, cur - 1, 4, "ALLE")))
		add(d, "L", "");
	else
		add(d, "L", "L");
	return cur + 2;
}

/* code_m handles M. */
static int
code_m(DmWord *d, int cur)
{
	add(d, "M", "M");
	/* "dumb", "thumb" */
	if ((looking_at(d, cur - 1, 3, "UMB") &&
		 (cur + 1 == d->last || looking_at(d, cur + 2, 2, "ER"))) ||
		at(d, cur + 1) == 'M')
		return cur + 2;
	return cur + 1;
}

/* code_r handles R. */
static int
code_r(DmWord *d, int cur)
{
	/* French "rogier", but not "hochmeier" */
	if (cur == d->last && !d->slavo_germanic &&
		looking_at(d, cur - 2, 2, "IE") && !looking_at(d, cur - 4, 2, "MEMA"))
		add(d, "", "R");
	else
		add(d, "R", "R");
	return skip_double(d, cur, 'R');
}

/* code_sc handles S followed by C. */
static int
code_sc(DmWord *d, int cur)
{
	if (at(d, cur + 2) == 'H')
	{
		/* Dutch "school", "schooner"; "schermerhorn", "schenker" */
		if (looking_at(d, cur + 3, 2, "OOERENUYEDEM"))
		{
			if (looking_at(d, cur + 3, 2, "EREN"))
				add(d, "X", "SK");
			else
				add(d, "SK", "SK");
		}
		else if (cur == 0 && !is_vowel(d, 3) && at(d, 3) != 'W')
			add(d, "X", "S");	/* Schlesinger's rule */
		else
			add(d, "X", "X");
	}
	else if (looking_at(d, cur + 2, 1, "IEY"))
		add(d, "S", "S");
	else
		add(d, "SK", "SK");
	return cur + 3;
}

/* code_s handles S. */
static int
code_s(DmWord *d, int cur)
{
	/* "island", "isle", "carlisle", "carlysle" */
	if (looking_at(d, cur - 1, 3, "ISLYSL"))
		return cur + 1;
	if (cur == 0 && looking_at(d, cur, 5, "SUGAR"))
	{
		add(d, "X", "S");
		return cur + 1;
	}
	if (looking_at(d, cur, 2, "SH"))
	{
		if (looking_at(d, cur + 1, 4, "HEIMHOEKHOLMHOLZ"))
			add(d, "S", "S");	/* Germanic */
		else
			add(d, "X", "X");
		return cur + 2;
	}
	/* Italian and Armenian */
	if (looking_at(d, cur, 3, "SIOSIA") || looking_at(d, cur, 4, "SIAN"))
	{
		if (d->slavo_germanic)
			add(d, "S", "S");
		else
			add(d, "S", "X");
		return cur + 3;
	}
	/* "smith" and "schmidt", "snider" and "schneider"; Slavic -SZ- */
	if ((cur == 0 && looking_at(d, cur + 1, 1, "MNLW")) ||
		looking_at(d, cur + 1, 1, "Z"))
	{
		add(d, "S", "X");
		return looking_at(d, cur + 1, 1, "Z") ? cur + 2 : cur + 1;
	}
	if (looking_at(d, cur, 2, "SC"))
		return code_sc(d, cur);
	/* French "resnais", "artois" */
	if (cur == d->last && looking_at(d, cur - 2, 2, "AIOI"))
		add(d, "", "S");
	else
		add(d, "S", "S");
	return looking_at(d, cur + 1, 1, "SZ") ? cur + 2 : cur + 1;
}

/* code_t handles T. */
static int
code_t(DmWord *d, int cur)
{
	if (looking_at(d, cur, 4, "TION") || looking_at(d, cur, 3, "TIATCH"))
	{
		add(d, "X", "X");
		return cur + 3;
	}
	if (looking_at(d, cur, 2, "TH") || looking_at(d, cur, 3, "TTH"))
	{
		/* "thomas", "thames", or Germanic */
		if (looking_at(d, cur + 2, 2, "OMAM") || germanic_start(d))
			add(d, "T", "T");
		else
			add(d, "0", "T");
		return cur + 2;
	}
	add(d, "T", "T");
	return looking_at(d, cur + 1, 1, "TD") ? cur + 2 : cur + 1;
}

/* code_w handles W. */
static int
code_w(DmWord *d, int cur)
{
	if (looking_at(d, cur, 2, "WR"))
	{
		add(d, "R", "R");
		return cur + 2;
	}
	if (cur == 0 && (is_vowel(d, cur + 1) || looking_at(d, cur, 2, "WH")))
	{
		/* "Wasserman" and "Vasserman"; "Uomo" and "Womo" */
		if (is_vowel(d, cur + 1))
			add(d, "A", "F");
		else
			add(d, "A", "A");
	}
	/* "Arnow" and "Arnoff" */
	if ((cur == d->last && is_vowel(d, cur - 1)) ||
		looking_at(d, cur - 1, 5, "EWSKIEWSKYOWSKIOWSKY") ||
		looking_at(d, 0, 3, "SCH"))
	{
		add(d, "", "F");
		return cur + 1;
	}
	/* Polish "filipowicz" */
	if (looking_at(d, cur, 4, "WICZWITZ"))
	{
		add(d, "TS", "FX");
		return cur + 4;
	}
	return cur + 1;
}

/* code_x handles X (not at the start). */
static int
code_x(DmWord *d, int cur)
{
	/* French "breaux" */
	if (!(cur == d->last &&
		  (looking_at(d, cur - 3, 3, "IAUEAU") || looking_at(d, cur - 2, 2, "AUOU"))))
		add(d, "KS", "KS");
	return looking_at(d, cur + 1, 1, "CX") ? cur + 2 : cur + 1;
}

/* code_z handles Z. */
static int
code_z(DmWord *d, int cur)
{
	if (at(d, cur + 1) == 'H')
	{
		add(d, "J", "J");		/* Chinese pinyin "zhao" */
		return cur + 2;
	}
	if (looking_at(d, cur + 1, 2, "ZOZIZA") ||
		(d->slavo_germanic && cur > 0 && at(d, cur - 1) != 'T'))
		add(d, "S", "TS");
	else
		add(d, "S", "S");
	return skip_double(d, cur, 'Z');
}

/* code_letter codes the letter at cur and returns the next position. */
static int
code_letter(DmWord *d, int cur)
{
	switch (at(d, cur))
	{
		case 'A':
		case 'E':
		case 'I':
		case 'O':
		case 'U':
		case 'Y':
			if (cur == 0)
				add(d, "A", "A");	/* every initial vowel is A */
			return cur + 1;
		case 'B':
			add(d, "P", "P");	/* "-mb" was skipped with the M */
			return skip_double(d, cur, 'B');
		case 'C':
			return code_c(d, cur);
		case 'D':
			return code_d(d, cur);
		case 'F':
			add(d, "F", "F");
			return skip_double(d, cur, 'F');
		case 'G':
			return code_g(d, cur);
		case 'H':
			/* kept only first or between vowels, before a vowel */
			if ((cur == 0 || is_vowel(d, cur - 1)) && is_vowel(d, cur + 1))
			{
				add(d, "H", "H");
				return cur + 2;
			}
			return cur + 1;
		case 'J':
			return code_j(d, cur);
		case 'K':
			add(d, "K", "K");
			return skip_double(d, cur, 'K');
		case 'L':
			return code_l(d, cur);
		case 'M':
			return code_m(d, cur);
		case 'N':
			add(d, "N", "N");
			return skip_double(d, cur, 'N');
		case 'P':
			if (at(d, cur + 1) == 'H')
			{
				add(d, "F", "F");
				return cur + 2;
			}
			add(d, "P", "P");	/* "campbell", "raspberry" */
			return looking_at(d, cur + 1, 1, "PB") ? cur + 2 : cur + 1;
		case 'Q':
			add(d, "K", "K");
			return skip_double(d, cur, 'Q');
		case 'R':
			return code_r(d, cur);
		case 'S':
			return code_s(d, cur);
		case 'T':
			return code_t(d, cur);
		case 'V':
			add(d, "F", "F");
			return skip_double(d, cur, 'V');
		case 'W':
			return code_w(d, cur);
		case 'X':
			return code_x(d, cur);
		case 'Z':
			return code_z(d, cur);
		default:
			return cur + 1;
	}
}

/*
 * CdpDoubleMetaphone writes the primary and alternate codes of the ASCII
 * word[0..len) (each at most CDP_DMETAPHONE_LEN characters).
 */
void
CdpDoubleMetaphone(const char *word, int len,
				   char primary[CDP_DMETAPHONE_LEN + 1],
				   char alternate[CDP_DMETAPHONE_LEN + 1])
{
	DmWord		d;
	int			cur = 0;
	char		inline_word[64];

	d.w = len + DM_PAD + 1 <= (int) sizeof(inline_word) ? inline_word
		: palloc(len + DM_PAD + 1);
	for (int i = 0; i < len; i++)
		d.w[i] = pg_ascii_toupper((unsigned char) word[i]);
	memset(d.w + len, ' ', DM_PAD);
	d.w[len + DM_PAD] = '\0';
	d.len = len;
	d.padded = len + DM_PAD;
	d.last = len - 1;
	d.slavo_germanic = strchr(d.w, 'W') != NULL || strchr(d.w, 'K') != NULL ||
		strstr(d.w, "CZ") != NULL;
	d.plen = d.alen = 0;
	d.primary[0] = d.alternate[0] = '\0';

	/* Silent at the start of a word */
	if (looking_at(&d, 0, 2, "GNKNPNWRPS"))
		cur = 1;
	/* An initial X sounds like S: "Xavier" */
	if (at(&d, 0) == 'X')
	{
		add(&d, "S", "S");
		cur++;
	}
	while ((d.plen < CDP_DMETAPHONE_LEN || d.alen < CDP_DMETAPHONE_LEN) &&
		   cur < len)
	{
		CHECK_FOR_INTERRUPTS();
		cur = code_letter(&d, cur);
	}

	strlcpy(primary, d.primary, CDP_DMETAPHONE_LEN + 1);
	strlcpy(alternate, d.alternate, CDP_DMETAPHONE_LEN + 1);
	if (d.w != inline_word)
		pfree(d.w);
}

/*
 * CdpDoubleMetaphoneAscii returns s[0..len) in ASCII for Double Metaphone:
 * s itself when it is ASCII, else its palloc'd transliteration, with C with
 * cedilla read as S in a UTF-8 database.
 */
const char *
CdpDoubleMetaphoneAscii(const char *s, int len, int *ascii_len)
{
	char	   *copy;
	int			n = 0;

	if (GetDatabaseEncoding() != PG_UTF8 || CdpIsAscii(s, len))
		return CdpAsciiName(s, len, ascii_len);

	copy = palloc(len);
	for (int i = 0; i < len; i++)
	{
		if ((unsigned char) s[i] == 0xC3 && i + 1 < len &&
			((unsigned char) s[i + 1] == 0x87 || (unsigned char) s[i + 1] == 0xA7))
		{
			copy[n++] = 'S';
			i++;
		}
		else
			copy[n++] = s[i];
	}
	return CdpAsciiName(copy, n, ascii_len);
}

/* cdp.double_metaphone(name text) text[] */
Datum
cdp_double_metaphone(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	int			len;
	const char *ascii;
	char		primary[CDP_DMETAPHONE_LEN + 1];
	char		alternate[CDP_DMETAPHONE_LEN + 1];
	Datum		codes[2];

	CdpFuzzyCheckLength(fcinfo, VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg),
						CDP_FUZZY_MAX_PHONETIC);
	ascii = CdpDoubleMetaphoneAscii(VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg), &len);
	CdpDoubleMetaphone(ascii, len, primary, alternate);
	codes[0] = PointerGetDatum(cstring_to_text(primary));
	codes[1] = PointerGetDatum(cstring_to_text(alternate));
	PG_RETURN_ARRAYTYPE_P(construct_array(codes, 2, TEXTOID, -1, false,
										  TYPALIGN_INT));
}
