/* ptbtok.c: the COCO caption tokenizer (see ptbtok.h).
 *
 * A longest-match lexer in the manner of JFlex: at each position every
 * rule (an anchored PCRE2 pattern) is tried; the longest match wins, the
 * earlier rule on a tie.  A rule's named group "t" is the token; the rest
 * of its match is trailing context that counts for the length but is
 * scanned again (as JFlex's r1/r2).  The rules follow CoreNLP's PTBLexer
 * with the options PTBTokenizer -preserveLines gives (ptb3Escaping,
 * tokenizeNLs); tokens are then lowercased and the punctuation tokens of
 * pycocoevalcap dropped.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "ptbtok.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "utf8.h"

enum act {
	A_TOKEN,      /* the token as matched */
	A_FIXED,      /* a fixed text */
	A_SKIP,       /* nothing (space, untokenizable) */
	A_APOS,       /* apostrophes made ASCII (clitics 's, n't) */
	A_FRAC,       /* spaces in a fraction made U+00A0 */
	A_FRAC2,      /* vulgar fraction characters spelled out */
	A_SMILEY,     /* parentheses in a smiley made -LRB- / -RRB- */
	A_HYPHENS,    /* 3 or 4 hyphens make "--" */
	A_QUOTE,      /* quotes made PTB quotes */
	A_ABBREV,     /* a single-letter abbreviation may end a sentence */
};

typedef struct rule {
	const char *pat;
	enum act act;
	const char *fixed;
} rule;

/* Character classes of PTBLexer. */
#define LETTER "\\p{L}\\p{M}\\x{AD}"
#define SPACE "[ \\t\\x{A0}\\x{2000}-\\x{200A}\\x{3000}]"
#define SPACENL "[ \\t\\x{A0}\\x{2000}-\\x{200A}\\x{3000}\\r\\n\\x{B}\\x{C}\\x{85}\\x{2028}\\x{2029}]"
#define APOS "(?:['\\x{92}\\x{2019}]|&apos;)"
#define APOSETC "(?:['\\x{92}\\x{2019}\\x{91}\\x{2018}\\x{201B}]|&apos;)"
#define HYPHEN "[-_\\x{58A}\\x{2010}\\x{2011}]"
#define DIGIT "\\p{Nd}"
#define NUM "(?:" DIGIT "*(?:[.:,\\x{AD}\\x{66B}\\x{66C}]" DIGIT "+)+|" DIGIT "+)"
#define ACRO "(?:[A-Za-z](?:\\.[A-Za-z])+|(?i:Canada|Sino|Korean|EU|Japan|non)-U\\.S|U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R))"
#define ABTITLE "(?i:Mrs|Mr|Ms|Miss|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt|Cpl|Pvt|Mt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det)"
#define ABCOMP2 "(?i:Invt|Elec|Natl|M[ft]g)"
#define ABBREV1 "(?i:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mon|Tues?|Wed|Thu|Thurs|Fri|Ala|Ariz|Ark|Calif|Colo|Conn|Dak|Del|Fla|Ga|Ill|Ind|Kans?|Ky|La|Mass|Md|Mich|Minn|Miss|Mo|Mont|Neb|Nev|Okla|Ore|Pa|Penn|Tenn|Tex|Va|Vt|Wash|Wisc?|Wyo|Inc|Cos?|Corp|Pp?tys?|Ltd|Plc|Bancorp|Dept|Bhd|Assn|Univ|Intl|Sys|Nos?|Prop|Ph|tel|est|ext|sq|ft|Jr|Sr|Bros|(?:Ed|Ph)\\.D|Blvd|Rd|Esq|etc|al|seq)\\."
#define ABBREV4 "(?:" ACRO "|" ABTITLE "|(?i:vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS)|" ABCOMP2 "|[A-Za-z])"
#define THINGPART "(?:[dDoOlL]" APOSETC "[\\p{L}\\p{Nd}])?[\\p{L}\\p{Nd}]+"
#define THING THINGPART "(?:" HYPHEN THINGPART ")*"
#define HTHING "[A-Za-z0-9][A-Za-z0-9.,\\x{AD}]*(?:-(?:[A-Za-z0-9\\x{AD}]+|" ACRO "\\.))+"
#define THINGA "[A-Z]+(?:(?:[+&]|&amp;)[A-Z]+)+"
#define THING3 "[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}"
#define REDAUX APOS "(?:[msdMSD]|re|ve|ll)"
#define APOWORD "(?:" APOS "n" APOS "?|[lLdDjJ]" APOS "|Dunkin" APOS "|somethin" APOS "|ol" APOS "|" APOS "em|[A-HJ-XZn]" APOSETC "\\p{L}{2}\\p{L}*|" APOS "[2-9]0s|" APOS "till?|\\p{L}\\p{L}*[aeiouyAEIOUY]" APOSETC "[aeiouA-Z]\\p{L}*|" APOS "cause|cont'd\\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)"

static const rule rules[] = {
	{"(?<t>(?i:can))(?i:not)", A_TOKEN, NULL},
	{"(?<t>(?i:gon|wan))(?i:na)(?![" LETTER "])", A_TOKEN, NULL},
	{"(?<t>(?i:got))(?i:ta)(?![" LETTER "])", A_TOKEN, NULL},
	{"(?<t>(?i:lem|gim))(?i:me)(?![" LETTER "])", A_TOKEN, NULL},
	{"<\\/?[A-Za-z!?][^>\\r\\n]*>", A_TOKEN, NULL},
	{"&(?:MD|mdash|ndash);|[\\x{96}\\x{97}\\x{2013}\\x{2014}\\x{2015}]", A_FIXED, "--"},
	{"&amp;", A_FIXED, "&"},
	{"(?<t>[" LETTER "]+)" REDAUX, A_TOKEN, NULL},
	{"(?<t>[A-Za-z\\x{AD}]*[A-MO-Za-mo-z]\\x{AD}*)n" APOSETC "t", A_TOKEN, NULL},
	{"[" LETTER "]+", A_TOKEN, NULL},
	{APOWORD, A_TOKEN, NULL},
	{"(?<t>y" APOS ")\\p{L}", A_TOKEN, NULL},
	{"https?://[^ \\t\\n\\f\\r\"<>|()]+[^ \\t\\n\\f\\r\"<>|.!?(){},-]", A_TOKEN, NULL},
	{"[a-zA-Z0-9][^ \\t\\n\\f\\r\"<>|()\\x{A0}]*@(?:[^ \\t\\n\\f\\r\"<>|().\\x{A0}]+\\.)+[a-zA-Z]{2,4}", A_TOKEN, NULL},
	{"(?<t>" REDAUX ")[^A-Za-z]", A_APOS, NULL},
	{"n" APOSETC "t", A_APOS, NULL},
	{DIGIT "{1,2}[-/]" DIGIT "{1,2}[-/]" DIGIT "{2,4}", A_TOKEN, NULL},
	{"[-+]?" NUM, A_TOKEN, NULL},
	{"(?:" DIGIT "{1,4}[- \\x{A0}])?" DIGIT "{1,4}(?:\\\\?/|\\x{2044})" DIGIT "{1,4}", A_FRAC, NULL},
	{"[\\x{BC}\\x{BD}\\x{BE}\\x{2153}-\\x{215E}]", A_FRAC2, NULL},
	{"-(?:RRB|LRB|RCB|LCB|RSB|LSB)-|C\\.D\\.s|pro-|anti-|S(?:&|&amp;)P-500|S(?:&|&amp;)Ls|Cap" APOS "n|c" APOS "est", A_TOKEN, NULL},
	{THING3, A_TOKEN, NULL},
	{"[A-Z]*\\$|#", A_TOKEN, NULL},
	{"[\\x{A2}\\x{A3}\\x{A4}\\x{A5}\\x{80}\\x{20A0}\\x{20AC}\\x{60B}\\x{E3F}\\x{20A4}\\x{FFE0}\\x{FFE1}\\x{FFE5}\\x{FFE6}]", A_TOKEN, NULL},
	{ABBREV1, A_TOKEN, NULL},
	{ABBREV4 "\\.", A_ABBREV, NULL},
	{"(?<t>" ACRO ")" SPACENL, A_TOKEN, NULL},
	{"(?<t>" APOS "[0-9][0-9])" SPACENL, A_TOKEN, NULL},
	{"(?<t>[" LETTER "]+\\.)[,;:]", A_TOKEN, NULL},
	{"(?:\\([0-9]{3}\\)[ \\x{A0}]?|[0-9]{3}[- \\x{A0}.])[0-9]{3}[- \\x{A0}.][0-9]{4}", A_TOKEN, NULL},
	{"(?<t>\"|&quot;)[A-Za-z0-9$]", A_FIXED, "``"},
	{"\"|&quot;", A_FIXED, "''"},
	{"\\+|[%&\\x{2030}\\x{2031}]|~|\\^|\\||\\\\", A_TOKEN, NULL},
	{"\\[", A_FIXED, "-LSB-"},
	{"\\]", A_FIXED, "-RSB-"},
	{"[<>]|&lt;|&gt;", A_TOKEN, NULL},
	{"\\{", A_FIXED, "-LCB-"},
	{"\\}", A_FIXED, "-RCB-"},
	{"\\(", A_FIXED, "-LRB-"},
	{"\\)", A_FIXED, "-RRB-"},
	{"-+", A_HYPHENS, NULL},
	{"\\.{3,5}|(?:\\.[ \\x{A0}]){2,4}\\.|[\\x{85}\\x{2026}]", A_FIXED, "..."},
	{"@[A-Za-z0-9_]+|#[A-Za-z][A-Za-z0-9_]*", A_TOKEN, NULL},
	{"@+|#+|_+", A_TOKEN, NULL},
	{"\\*+|(?:\\\\\\*){1,3}", A_TOKEN, NULL},
	{"[,;:]", A_TOKEN, NULL},
	{"[?!]+", A_TOKEN, NULL},
	{"[.\\x{A1}\\x{BF}\\x{37E}\\x{589}\\x{61F}\\x{6D4}\\x{700}-\\x{702}\\x{7FA}]", A_TOKEN, NULL},
	{"=|/", A_TOKEN, NULL},
	{"(?<t>" HTHING "\\.)[,;:]", A_TOKEN, NULL},
	{HTHING, A_TOKEN, NULL},
	{"(?<t>" THING "\\.)[,;:]", A_TOKEN, NULL},
	{THING, A_TOKEN, NULL},
	{"(?<t>" THINGA "\\.)[,;:]", A_TOKEN, NULL},
	{THINGA, A_TOKEN, NULL},
	{"(?<t>')[A-Za-z][^ \\t\\n\\r\\x{A0}]", A_FIXED, "`"},
	{REDAUX, A_APOS, NULL},
	{"[<>]?[:;=][-o*']?[()DPdpO\\\\{@|\\[\\]]", A_SMILEY, NULL},
	{APOS "|''|[`\\x{2018}\\x{2019}\\x{201A}\\x{201B}\\x{201C}\\x{201D}\\x{91}\\x{92}\\x{93}\\x{94}\\x{201E}\\x{201F}\\x{2039}\\x{203A}\\x{AB}\\x{BB}]{1,2}", A_QUOTE, NULL},
	{"[\\x{A6}\\x{A7}\\x{A8}\\x{A9}\\x{AC}\\x{AE}\\x{AF}\\x{B0}-\\x{BA}\\x{D7}\\x{F7}\\x{387}\\x{5BE}\\x{5C0}\\x{5C3}\\x{5C6}\\x{5F3}\\x{5F4}\\x{600}-\\x{603}\\x{606}-\\x{60A}\\x{60C}\\x{614}\\x{61B}\\x{61E}\\x{66A}\\x{66D}\\x{703}-\\x{70D}\\x{7F6}\\x{7F7}\\x{7F8}\\x{964}\\x{965}\\x{E4F}\\x{2020}-\\x{2023}\\x{2032}-\\x{2038}\\x{2044}\\x{207A}-\\x{207F}\\x{208A}-\\x{208E}\\x{2100}-\\x{214F}\\x{2190}-\\x{21FF}\\x{2200}-\\x{22FF}\\x{2300}-\\x{23FF}\\x{2600}-\\x{26FF}\\x{3012}\\x{30FB}\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF20}\\x{FF3B}-\\x{FF40}\\x{FF5B}-\\x{FF65}]", A_TOKEN, NULL},
	{SPACENL "+|[\\x{0}\\x{200B}\\x{200E}\\x{200F}\\x{FEFF}]|&nbsp;", A_SKIP, NULL},
};

enum { NRULES = sizeof rules / sizeof *rules };

struct al_ptb {
	pcre2_code *code[NRULES];
	int group[NRULES];            /* number of the "t" group, or 0 */
	int jit[NRULES];              /* JIT-compiled */
	pcre2_match_data *md;
	/* per first byte, the rules that can start with it (from PCRE2's
	 * start-of-match analysis), as a list ending in -1 */
	signed char first[256][NRULES + 1];
};

al_ptb *al_ptb_new(al_err *e)
{
	al_ptb *t = calloc(1, sizeof *t);
	if (!t) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < NRULES; i++) {
		int err;
		PCRE2_SIZE off;
		t->code[i] = pcre2_compile((PCRE2_SPTR)rules[i].pat, PCRE2_ZERO_TERMINATED,
					   PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED |
					   PCRE2_NO_UTF_CHECK, &err, &off, NULL);
		if (!t->code[i]) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(err, msg, sizeof msg);
			al_err_set(e, AL_EINVAL, "PTB tokenizer rule %d: offset %zu: %s",
				   i, (size_t)off, (char *)msg);
			al_ptb_free(t);
			return NULL;
		}
		t->jit[i] = pcre2_jit_compile(t->code[i], PCRE2_JIT_COMPLETE) == 0;
		int g = pcre2_substring_number_from_name(t->code[i], (PCRE2_SPTR)"t");
		t->group[i] = g > 0 ? g : 0;
	}
	/* which rules can match at a given first byte (a case-insensitive
	 * first letter counts both cases) */
	for (int b = 0; b < 256; b++) {
		int k = 0;
		for (int i = 0; i < NRULES; i++) {
			const uint8_t *map = NULL;
			uint32_t type = 0, unit = 0;
			pcre2_pattern_info(t->code[i], PCRE2_INFO_FIRSTBITMAP, &map);
			pcre2_pattern_info(t->code[i], PCRE2_INFO_FIRSTCODETYPE, &type);
			pcre2_pattern_info(t->code[i], PCRE2_INFO_FIRSTCODEUNIT, &unit);
			int can = 1;
			if (map)
				can = (map[b / 8] >> (b % 8)) & 1;
			else if (type == 1)
				can = (uint32_t)b == unit ||
				      ((b | 0x20) >= 'a' && (b | 0x20) <= 'z' &&
				       (uint32_t)(b ^ 0x20) == unit);
			if (can)
				t->first[b][k++] = (signed char)i;
		}
		t->first[b][k] = -1;
	}
	t->md = pcre2_match_data_create(16, NULL);
	if (!t->md) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		al_ptb_free(t);
		return NULL;
	}
	return t;
}

void al_ptb_free(al_ptb *t)
{
	if (!t)
		return;
	for (int i = 0; i < NRULES; i++)
		pcre2_code_free(t->code[i]);
	pcre2_match_data_free(t->md);
	free(t);
}

/* A growing output string. */
typedef struct buf {
	char *s;
	size_t n, cap;
	int oom;
} buf;

static void put(buf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (al_grow((void **)&b->s, &b->cap, b->n + len + 2, 1, NULL) < 0) {
		b->oom = 1;
		return;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = 0;
}

static const char *const punctuations[] = {
	"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!",
	",", ":", "-", "--", "...", ";", NULL,
};

/* Emit one token: lowercased (as -lowerCase does, on the token), dropped
 * if it is one of pycocoevalcap's punctuation tokens. */
static void emit(buf *b, const char *tok, size_t len)
{
	if (len == 0)
		return;
	size_t n, ln;
	uint32_t *cp = al_u8_decode(tok, len, &n);
	uint32_t *lo = cp ? al_u8_lower(cp, n, &ln) : NULL;
	free(cp);
	size_t olen;
	char *low = lo ? al_u8_encode(lo, ln, &olen) : NULL;
	free(lo);
	if (!low) {
		b->oom = 1;
		return;
	}
	for (int i = 0; punctuations[i]; i++)
		if (strcmp(low, punctuations[i]) == 0) {
			free(low);
			return;
		}
	if (b->n)
		put(b, " ", 1);
	put(b, low, olen);
	free(low);
}

/* Emit the token s[0..len) with every occurrence of from replaced by to. */
static void emit_replace(buf *b, const char *s, size_t len, const char *const *from,
			 const char *const *to, int nrep)
{
	buf t = {0};
	for (size_t i = 0; i < len;) {
		int hit = 0;
		for (int r = 0; r < nrep; r++) {
			size_t fl = strlen(from[r]);
			if (fl <= len - i && memcmp(s + i, from[r], fl) == 0) {
				put(&t, to[r], strlen(to[r]));
				i += fl;
				hit = 1;
				break;
			}
		}
		if (!hit) {
			put(&t, s + i, 1);
			i++;
		}
	}
	if (t.oom)
		b->oom = 1;
	else if (t.s)
		emit(b, t.s, t.n);
	free(t.s);
}

static int is_upper_ascii(char c) { return c >= 'A' && c <= 'Z'; }

/* Tokenize one line; next is the following line (NULL at the end). */
static void tokenize_line(al_ptb *t, const char *line, size_t len, const char *next,
			  buf *b)
{
	size_t pos = 0;
	const unsigned char *u = (const unsigned char *)line;
	while (pos < len) {
		/* fast path: a run of ASCII letters followed by a space or the
		 * end is a WORD, unless it is one of the split words */
		if ((u[pos] | 0x20) >= 'a' && (u[pos] | 0x20) <= 'z') {
			size_t e = pos;
			while (e < len && (u[e] | 0x20) >= 'a' && (u[e] | 0x20) <= 'z')
				e++;
			if ((e == len || u[e] == ' ') && e - pos != 5 && e - pos != 6) {
				emit(b, line + pos, e - pos);
				pos = e;
				continue;
			}
		}
		int best = -1;
		size_t best_len = 0, tok_b = 0, tok_e = 0;
		for (const signed char *r = t->first[u[pos]]; *r >= 0; r++) {
			int i = *r;
			int rc = t->jit[i]
				? pcre2_jit_match(t->code[i], (PCRE2_SPTR)line, len, pos, 0, t->md, NULL)
				: pcre2_match(t->code[i], (PCRE2_SPTR)line, len, pos,
					      PCRE2_NO_UTF_CHECK, t->md, NULL);
			if (rc < 0)
				continue;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
			size_t mlen = ov[1] - ov[0];
			if (mlen == 0 || mlen <= best_len)
				continue;
			best = i;
			best_len = mlen;
			if (t->group[i] && ov[2 * t->group[i]] != PCRE2_UNSET) {
				tok_b = ov[2 * t->group[i]];
				tok_e = ov[2 * t->group[i] + 1];
			} else {
				tok_b = ov[0];
				tok_e = ov[1];
			}
		}
		if (best < 0) {
			/* untokenizable: deleted (firstDelete); skip one code point */
			pos++;
			while (pos < len && (u[pos] & 0xc0) == 0x80)
				pos++;
			continue;
		}
		const char *tok = line + tok_b;
		size_t tl = tok_e - tok_b;
		switch (rules[best].act) {
		case A_TOKEN:
			emit(b, tok, tl);
			break;
		case A_FIXED:
			emit(b, rules[best].fixed, strlen(rules[best].fixed));
			break;
		case A_SKIP:
			break;
		case A_APOS: {
			static const char *const from[] = {"\xe2\x80\x99", "\xc2\x92", "\xe2\x80\x98",
							   "\xe2\x80\x9b", "\xc2\x91", "&apos;"};
			static const char *const to[] = {"'", "'", "'", "'", "'", "'"};
			emit_replace(b, tok, tl, from, to, 6);
			break;
		}
		case A_FRAC: {
			static const char *const from[] = {" "};
			static const char *const to[] = {"\xc2\xa0"};
			emit_replace(b, tok, tl, from, to, 1);
			break;
		}
		case A_FRAC2: {
			static const char *const from[] = {"\xc2\xbc", "\xc2\xbd", "\xc2\xbe",
							   "\xe2\x85\x93", "\xe2\x85\x94"};
			static const char *const to[] = {"1/4", "1/2", "3/4", "1/3", "2/3"};
			emit_replace(b, tok, tl, from, to, 5);
			break;
		}
		case A_SMILEY: {
			static const char *const from[] = {"(", ")"};
			static const char *const to[] = {"-LRB-", "-RRB-"};
			emit_replace(b, tok, tl, from, to, 2);
			break;
		}
		case A_HYPHENS:
			if (tl >= 3 && tl <= 4)
				emit(b, "--", 2);
			else
				emit(b, tok, tl);
			break;
		case A_QUOTE: {
			int dbl = tl > 1 && (tok[0] == '\'' || tok[0] == '`');
			const unsigned char *q = (const unsigned char *)tok;
			int open = tok[0] == '`' || (q[0] == 0xe2 && q[1] == 0x80 &&
				   (q[2] == 0x98 || q[2] == 0x9c || q[2] == 0x9a || q[2] == 0x9e ||
				    q[2] == 0x9b || q[2] == 0x9f || q[2] == 0xb9)) ||
				   (q[0] == 0xc2 && (q[1] == 0x91 || q[1] == 0x93 || q[1] == 0xab));
			if (q[0] == 0xe2 && q[1] == 0x80 && q[2] >= 0x9c && q[2] <= 0x9f)
				dbl = 1;
			if (q[0] == 0xc2 && (q[1] == 0x93 || q[1] == 0x94 || q[1] == 0xab || q[1] == 0xbb))
				dbl = 1;
			emit(b, dbl ? (open ? "``" : "''") : (open ? "`" : "'"), dbl ? 2 : 1);
			break;
		}
		case A_ABBREV: {
			/* a single letter and a period at the end of a line ends the
			 * sentence when the next line starts with a capital (or there
			 * is none): the letter and the period are two tokens */
			size_t after = tok_e;
			const char *nx = next;
			while (nx && (*nx == ' ' || *nx == '\t'))
				nx++;
			if (tl == 2 && after == len && (!nx || is_upper_ascii(nx[0]))) {
				emit(b, tok, 1);
				emit(b, ".", 1);
			} else {
				emit(b, tok, tl);
			}
			break;
		}
		}
		pos = tok_e > pos ? tok_e : pos + best_len;
	}
}

int al_ptb_tokenize(al_ptb *t, const char *const *lines, size_t n, char **out,
		    al_err *e)
{
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	for (size_t i = 0; i < n; i++) {
		buf b = {0};
		const char *line = lines[i] ? lines[i] : "";
		const char *next = i + 1 < n ? (lines[i + 1] ? lines[i + 1] : "") : NULL;
		tokenize_line(t, line, strlen(line), next, &b);
		if (!b.s && !b.oom)
			put(&b, "", 0);
		if (b.oom) {
			free(b.s);
			for (size_t j = 0; j < i; j++) {
				free(out[j]);
				out[j] = NULL;
			}
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
		out[i] = b.s;
	}
	return 0;
}
