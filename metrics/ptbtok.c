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
#include <strings.h>

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
	A_NEWLINE,    /* a line break: ends an output line */
	A_ABBREV1,    /* an abbreviation whose period may end a sentence */
	A_AMP,        /* &amp; made & */
	A_CURRENCY,   /* currency signs normalised (cents, #, $) */
	A_DQUOTE,     /* " or &quot; (exactly) made fixed, other cases kept */
	A_PHONE,      /* spaces made U+00A0, parentheses -LRB- / -RRB- */
};

typedef struct rule {
	const char *pat;
	enum act act;
	const char *fixed;
} rule;

/* Letters (general category L) and decimal digits of Unicode 6.0 in the
 * Basic Multilingual Plane: the tables of the reference lexer (Java 7). */
#define U6_LETTERS "\\x{41}-\\x{5A}\\x{61}-\\x{7A}\\x{AA}\\x{B5}\\x{BA}\\x{C0}-\\x{D6}" \
	"\\x{D8}-\\x{F6}\\x{F8}-\\x{2C1}\\x{2C6}-\\x{2D1}\\x{2E0}-\\x{2E4}" \
	"\\x{2EC}\\x{2EE}\\x{370}-\\x{374}\\x{376}-\\x{377}" \
	"\\x{37A}-\\x{37D}\\x{386}\\x{388}-\\x{38A}\\x{38C}" \
	"\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}" \
	"\\x{48A}-\\x{527}\\x{531}-\\x{556}\\x{559}\\x{561}-\\x{587}" \
	"\\x{5D0}-\\x{5EA}\\x{5F0}-\\x{5F2}\\x{620}-\\x{64A}" \
	"\\x{66E}-\\x{66F}\\x{671}-\\x{6D3}\\x{6D5}\\x{6E5}-\\x{6E6}" \
	"\\x{6EE}-\\x{6EF}\\x{6FA}-\\x{6FC}\\x{6FF}\\x{710}" \
	"\\x{712}-\\x{72F}\\x{74D}-\\x{7A5}\\x{7B1}\\x{7CA}-\\x{7EA}" \
	"\\x{7F4}-\\x{7F5}\\x{7FA}\\x{800}-\\x{815}\\x{81A}\\x{824}\\x{828}" \
	"\\x{840}-\\x{858}\\x{904}-\\x{939}\\x{93D}\\x{950}" \
	"\\x{958}-\\x{961}\\x{971}-\\x{977}\\x{979}-\\x{97F}" \
	"\\x{985}-\\x{98C}\\x{98F}-\\x{990}\\x{993}-\\x{9A8}" \
	"\\x{9AA}-\\x{9B0}\\x{9B2}\\x{9B6}-\\x{9B9}\\x{9BD}\\x{9CE}" \
	"\\x{9DC}-\\x{9DD}\\x{9DF}-\\x{9E1}\\x{9F0}-\\x{9F1}" \
	"\\x{A05}-\\x{A0A}\\x{A0F}-\\x{A10}\\x{A13}-\\x{A28}" \
	"\\x{A2A}-\\x{A30}\\x{A32}-\\x{A33}\\x{A35}-\\x{A36}" \
	"\\x{A38}-\\x{A39}\\x{A59}-\\x{A5C}\\x{A5E}\\x{A72}-\\x{A74}" \
	"\\x{A85}-\\x{A8D}\\x{A8F}-\\x{A91}\\x{A93}-\\x{AA8}" \
	"\\x{AAA}-\\x{AB0}\\x{AB2}-\\x{AB3}\\x{AB5}-\\x{AB9}\\x{ABD}" \
	"\\x{AD0}\\x{AE0}-\\x{AE1}\\x{B05}-\\x{B0C}\\x{B0F}-\\x{B10}" \
	"\\x{B13}-\\x{B28}\\x{B2A}-\\x{B30}\\x{B32}-\\x{B33}" \
	"\\x{B35}-\\x{B39}\\x{B3D}\\x{B5C}-\\x{B5D}\\x{B5F}-\\x{B61}" \
	"\\x{B71}\\x{B83}\\x{B85}-\\x{B8A}\\x{B8E}-\\x{B90}" \
	"\\x{B92}-\\x{B95}\\x{B99}-\\x{B9A}\\x{B9C}\\x{B9E}-\\x{B9F}" \
	"\\x{BA3}-\\x{BA4}\\x{BA8}-\\x{BAA}\\x{BAE}-\\x{BB9}\\x{BD0}" \
	"\\x{C05}-\\x{C0C}\\x{C0E}-\\x{C10}\\x{C12}-\\x{C28}" \
	"\\x{C2A}-\\x{C33}\\x{C35}-\\x{C39}\\x{C3D}\\x{C58}-\\x{C59}" \
	"\\x{C60}-\\x{C61}\\x{C85}-\\x{C8C}\\x{C8E}-\\x{C90}" \
	"\\x{C92}-\\x{CA8}\\x{CAA}-\\x{CB3}\\x{CB5}-\\x{CB9}\\x{CBD}" \
	"\\x{CDE}\\x{CE0}-\\x{CE1}\\x{CF1}-\\x{CF2}\\x{D05}-\\x{D0C}" \
	"\\x{D0E}-\\x{D10}\\x{D12}-\\x{D3A}\\x{D3D}\\x{D4E}" \
	"\\x{D60}-\\x{D61}\\x{D7A}-\\x{D7F}\\x{D85}-\\x{D96}" \
	"\\x{D9A}-\\x{DB1}\\x{DB3}-\\x{DBB}\\x{DBD}\\x{DC0}-\\x{DC6}" \
	"\\x{E01}-\\x{E30}\\x{E32}-\\x{E33}\\x{E40}-\\x{E46}" \
	"\\x{E81}-\\x{E82}\\x{E84}\\x{E87}-\\x{E88}\\x{E8A}\\x{E8D}" \
	"\\x{E94}-\\x{E97}\\x{E99}-\\x{E9F}\\x{EA1}-\\x{EA3}\\x{EA5}" \
	"\\x{EA7}\\x{EAA}-\\x{EAB}\\x{EAD}-\\x{EB0}\\x{EB2}-\\x{EB3}" \
	"\\x{EBD}\\x{EC0}-\\x{EC4}\\x{EC6}\\x{EDC}-\\x{EDD}\\x{F00}" \
	"\\x{F40}-\\x{F47}\\x{F49}-\\x{F6C}\\x{F88}-\\x{F8C}" \
	"\\x{1000}-\\x{102A}\\x{103F}\\x{1050}-\\x{1055}\\x{105A}-\\x{105D}" \
	"\\x{1061}\\x{1065}-\\x{1066}\\x{106E}-\\x{1070}\\x{1075}-\\x{1081}" \
	"\\x{108E}\\x{10A0}-\\x{10C5}\\x{10D0}-\\x{10FA}\\x{10FC}" \
	"\\x{1100}-\\x{1248}\\x{124A}-\\x{124D}\\x{1250}-\\x{1256}\\x{1258}" \
	"\\x{125A}-\\x{125D}\\x{1260}-\\x{1288}\\x{128A}-\\x{128D}" \
	"\\x{1290}-\\x{12B0}\\x{12B2}-\\x{12B5}\\x{12B8}-\\x{12BE}\\x{12C0}" \
	"\\x{12C2}-\\x{12C5}\\x{12C8}-\\x{12D6}\\x{12D8}-\\x{1310}" \
	"\\x{1312}-\\x{1315}\\x{1318}-\\x{135A}\\x{1380}-\\x{138F}" \
	"\\x{13A0}-\\x{13F4}\\x{1401}-\\x{166C}\\x{166F}-\\x{167F}" \
	"\\x{1681}-\\x{169A}\\x{16A0}-\\x{16EA}\\x{1700}-\\x{170C}" \
	"\\x{170E}-\\x{1711}\\x{1720}-\\x{1731}\\x{1740}-\\x{1751}" \
	"\\x{1760}-\\x{176C}\\x{176E}-\\x{1770}\\x{1780}-\\x{17B3}\\x{17D7}" \
	"\\x{17DC}\\x{1820}-\\x{1877}\\x{1880}-\\x{1884}\\x{1887}-\\x{18A8}" \
	"\\x{18AA}\\x{18B0}-\\x{18F5}\\x{1900}-\\x{191C}\\x{1950}-\\x{196D}" \
	"\\x{1970}-\\x{1974}\\x{1980}-\\x{19AB}\\x{19B0}-\\x{19C9}" \
	"\\x{1A00}-\\x{1A16}\\x{1A20}-\\x{1A54}\\x{1AA7}\\x{1B05}-\\x{1B33}" \
	"\\x{1B45}-\\x{1B4B}\\x{1B83}-\\x{1BA0}\\x{1BAE}-\\x{1BAF}" \
	"\\x{1BC0}-\\x{1BE5}\\x{1C00}-\\x{1C23}\\x{1C4D}-\\x{1C4F}" \
	"\\x{1C5A}-\\x{1C7D}\\x{1CE9}-\\x{1CEC}\\x{1CEE}-\\x{1CF2}" \
	"\\x{1D00}-\\x{1DBF}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}" \
	"\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}" \
	"\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}" \
	"\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}" \
	"\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}" \
	"\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2071}\\x{207F}" \
	"\\x{2090}-\\x{209C}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}" \
	"\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}" \
	"\\x{212F}-\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}" \
	"\\x{2183}-\\x{2184}\\x{2C00}-\\x{2C2E}\\x{2C30}-\\x{2C5E}" \
	"\\x{2C60}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2D00}-\\x{2D25}" \
	"\\x{2D30}-\\x{2D65}\\x{2D6F}\\x{2D80}-\\x{2D96}\\x{2DA0}-\\x{2DA6}" \
	"\\x{2DA8}-\\x{2DAE}\\x{2DB0}-\\x{2DB6}\\x{2DB8}-\\x{2DBE}" \
	"\\x{2DC0}-\\x{2DC6}\\x{2DC8}-\\x{2DCE}\\x{2DD0}-\\x{2DD6}" \
	"\\x{2DD8}-\\x{2DDE}\\x{2E2F}\\x{3005}-\\x{3006}\\x{3031}-\\x{3035}" \
	"\\x{303B}-\\x{303C}\\x{3041}-\\x{3096}\\x{309D}-\\x{309F}" \
	"\\x{30A1}-\\x{30FA}\\x{30FC}-\\x{30FF}\\x{3105}-\\x{312D}" \
	"\\x{3131}-\\x{318E}\\x{31A0}-\\x{31BA}\\x{31F0}-\\x{31FF}" \
	"\\x{3400}-\\x{4DB5}\\x{4E00}-\\x{9FCB}\\x{A000}-\\x{A48C}" \
	"\\x{A4D0}-\\x{A4FD}\\x{A500}-\\x{A60C}\\x{A610}-\\x{A61F}" \
	"\\x{A62A}-\\x{A62B}\\x{A640}-\\x{A66E}\\x{A67F}-\\x{A697}" \
	"\\x{A6A0}-\\x{A6E5}\\x{A717}-\\x{A71F}\\x{A722}-\\x{A788}" \
	"\\x{A78B}-\\x{A78E}\\x{A790}-\\x{A791}\\x{A7A0}-\\x{A7A9}" \
	"\\x{A7FA}-\\x{A801}\\x{A803}-\\x{A805}\\x{A807}-\\x{A80A}" \
	"\\x{A80C}-\\x{A822}\\x{A840}-\\x{A873}\\x{A882}-\\x{A8B3}" \
	"\\x{A8F2}-\\x{A8F7}\\x{A8FB}\\x{A90A}-\\x{A925}\\x{A930}-\\x{A946}" \
	"\\x{A960}-\\x{A97C}\\x{A984}-\\x{A9B2}\\x{A9CF}\\x{AA00}-\\x{AA28}" \
	"\\x{AA40}-\\x{AA42}\\x{AA44}-\\x{AA4B}\\x{AA60}-\\x{AA76}\\x{AA7A}" \
	"\\x{AA80}-\\x{AAAF}\\x{AAB1}\\x{AAB5}-\\x{AAB6}\\x{AAB9}-\\x{AABD}" \
	"\\x{AAC0}\\x{AAC2}\\x{AADB}-\\x{AADD}\\x{AB01}-\\x{AB06}" \
	"\\x{AB09}-\\x{AB0E}\\x{AB11}-\\x{AB16}\\x{AB20}-\\x{AB26}" \
	"\\x{AB28}-\\x{AB2E}\\x{ABC0}-\\x{ABE2}\\x{AC00}-\\x{D7A3}" \
	"\\x{D7B0}-\\x{D7C6}\\x{D7CB}-\\x{D7FB}\\x{F900}-\\x{FA2D}" \
	"\\x{FA30}-\\x{FA6D}\\x{FA70}-\\x{FAD9}\\x{FB00}-\\x{FB06}" \
	"\\x{FB13}-\\x{FB17}\\x{FB1D}\\x{FB1F}-\\x{FB28}\\x{FB2A}-\\x{FB36}" \
	"\\x{FB38}-\\x{FB3C}\\x{FB3E}\\x{FB40}-\\x{FB41}\\x{FB43}-\\x{FB44}" \
	"\\x{FB46}-\\x{FBB1}\\x{FBD3}-\\x{FD3D}\\x{FD50}-\\x{FD8F}" \
	"\\x{FD92}-\\x{FDC7}\\x{FDF0}-\\x{FDFB}\\x{FE70}-\\x{FE74}" \
	"\\x{FE76}-\\x{FEFC}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}" \
	"\\x{FF66}-\\x{FFBE}\\x{FFC2}-\\x{FFC7}\\x{FFCA}-\\x{FFCF}" \
	"\\x{FFD2}-\\x{FFD7}\\x{FFDA}-\\x{FFDC}"
#define U6_DIGITS "\\x{30}-\\x{39}\\x{660}-\\x{669}\\x{6F0}-\\x{6F9}\\x{7C0}-\\x{7C9}" \
	"\\x{966}-\\x{96F}\\x{9E6}-\\x{9EF}\\x{A66}-\\x{A6F}" \
	"\\x{AE6}-\\x{AEF}\\x{B66}-\\x{B6F}\\x{BE6}-\\x{BEF}" \
	"\\x{C66}-\\x{C6F}\\x{CE6}-\\x{CEF}\\x{D66}-\\x{D6F}" \
	"\\x{E50}-\\x{E59}\\x{ED0}-\\x{ED9}\\x{F20}-\\x{F29}" \
	"\\x{1040}-\\x{1049}\\x{1090}-\\x{1099}\\x{17E0}-\\x{17E9}" \
	"\\x{1810}-\\x{1819}\\x{1946}-\\x{194F}\\x{19D0}-\\x{19D9}" \
	"\\x{1A80}-\\x{1A89}\\x{1A90}-\\x{1A99}\\x{1B50}-\\x{1B59}" \
	"\\x{1BB0}-\\x{1BB9}\\x{1C40}-\\x{1C49}\\x{1C50}-\\x{1C59}" \
	"\\x{A620}-\\x{A629}\\x{A8D0}-\\x{A8D9}\\x{A900}-\\x{A909}" \
	"\\x{A9D0}-\\x{A9D9}\\x{AA50}-\\x{AA59}\\x{ABF0}-\\x{ABF9}" \
	"\\x{FF10}-\\x{FF19}"

/* Character classes of PTBLexer.  The lexer is caseless (PCRE2_CASELESS)
 * except inside character classes: a class that must keep its case is
 * written (?-i:[...]). */
#define LETTER_EXTRA "\\x{AD}\\x{237}-\\x{24F}\\x{2C2}-\\x{2C5}\\x{2D2}-\\x{2DF}\\x{2E5}-\\x{2FF}" \
	"\\x{300}-\\x{36F}\\x{370}-\\x{37D}\\x{384}\\x{385}\\x{3CF}\\x{3F6}\\x{3FC}-\\x{3FF}" \
	"\\x{483}-\\x{487}\\x{4CF}\\x{4F6}-\\x{4FF}\\x{510}-\\x{525}\\x{55A}-\\x{55F}" \
	"\\x{591}-\\x{5BD}\\x{5BF}\\x{5C1}\\x{5C2}\\x{5C4}\\x{5C5}\\x{5C7}\\x{615}-\\x{61A}" \
	"\\x{63B}-\\x{63F}\\x{64B}-\\x{65E}\\x{670}\\x{6D6}-\\x{6EF}\\x{6FA}-\\x{6FF}\\x{70F}" \
	"\\x{711}\\x{730}-\\x{74F}\\x{750}-\\x{77F}\\x{7A6}-\\x{7B1}\\x{7CA}-\\x{7F5}\\x{7FA}" \
	"\\x{900}-\\x{903}\\x{93C}\\x{93E}-\\x{94E}\\x{951}-\\x{955}\\x{962}-\\x{963}" \
	"\\x{981}-\\x{983}\\x{9BC}-\\x{9C4}\\x{9C7}\\x{9C8}\\x{9CB}-\\x{9CD}\\x{9D7}\\x{9E2}" \
	"\\x{9E3}\\x{A01}-\\x{A03}\\x{A3C}\\x{A3E}-\\x{A4F}\\x{A81}-\\x{A83}\\x{ABC}-\\x{ACF}" \
	"\\x{B82}\\x{BBE}-\\x{BC2}\\x{BC6}-\\x{BC8}\\x{BCA}-\\x{BCD}\\x{C01}-\\x{C03}" \
	"\\x{C3E}-\\x{C56}\\x{D3E}-\\x{D44}\\x{D46}-\\x{D48}\\x{E30}-\\x{E3A}\\x{E47}-\\x{E4E}" \
	"\\x{EB1}-\\x{EBC}\\x{EC8}-\\x{ECD}"
#define L1 "(?-i:[" U6_LETTERS "])"
#define SPLET "&[aeiou](?:acute|grave|uml);"
#define LETTER "(?:(?-i:[" U6_LETTERS LETTER_EXTRA "])|" SPLET ")"
#define DIGIT "(?-i:[" U6_DIGITS "\\x{7C0}-\\x{7C9}])"
#define ALNUM "(?-i:[" U6_LETTERS U6_DIGITS "\\x{7C0}-\\x{7C9}])"
#define WORDPART LETTER "(?:" LETTER "|" DIGIT ")*"
#define WORD WORDPART "(?:[.!?]" WORDPART ")*"
#define SGMLNAME "[A-Za-z][A-Za-z0-9_:.-]*"
#define SGMLVAL "['\"][^\\r\\n'\"]*['\"]"
#define SGML "<(?:[!?][A-Za-z-][^>\\r\\n]*|\\/?[A-Za-z][A-Za-z0-9:.-]*(?:[ ]+(?:" SGMLNAME \
	"|" SGMLNAME "[ ]*=[ ]*" SGMLVAL "|" SGMLVAL "|[ ]*\\/))*[ ]*\\/?)>"
#define SPACE "[ \\t\\x{A0}\\x{2000}-\\x{200A}\\x{3000}]"
#define SPACENL "[ \\t\\x{A0}\\x{2000}-\\x{200A}\\x{3000}\\r\\n\\x{B}\\x{C}\\x{85}\\x{2028}\\x{2029}]"
#define APOS "(?:['\\x{92}\\x{2019}]|&apos;)"
#define APOSETC "(?:['\\x{92}\\x{2019}\\x{91}\\x{2018}\\x{201B}`]|&apos;)"
#define HYPHEN "[-_\\x{58A}\\x{2010}\\x{2011}]"
#define NUM "(?:" DIGIT "*(?:[.:,\\x{AD}\\x{66B}\\x{66C}]" DIGIT "+)+|" DIGIT "+)"
#define ACRO "(?:U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R)|(?-i:[A-Za-z])(?:\\.(?-i:[A-Za-z]))+|(?:Canada|Sino|Korean|EU|Japan|non)-U\\.S)"
#define ABTITLE "(?:Msgr|Adj|Adv|Asst|Assoc|Ens|Insp|Mlle|Mme|Sfc|Mrs|Mr|Ms|(?-i:[M])iss|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt|Cpl|Pvt|Mt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det)"
#define ABCOMP2 "(?:Invt|Elec|Natl|M[ft]g|Ptes?)"
#define ABBREV1 "(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|Mon|Tues|Tue|Wed|Thurs|Thu|Fri|Ala|Ariz|(?-i:[A])rk|Calif|Colo|Conn|Dak|Del|Fla|Ga|(?-i:[I])ll|Ind|Kans?|Ky|La|(?-i:[M])ass|Md|Mich|Minn|(?-i:[M])iss|Mo|Mont|Neb|Nev|Okla|(?-i:[O])re|Pa|Penn|Tenn|Tex|Va|Vt|(?-i:[W])ash|Wisc?|Wyo|Inc|Cos?|Corp|Pp?tys?|Ltd|Plc|Rt|Bancorp|Dept|Bhd|Assn|Univ|Intl|Sys|Bldg|(?-i:[A])z|(?:Ed|Ph)\\.D|Ph|tel|est|ext|sq|ft|Jr|Sr|Bros|Blvd|Rd|Esq|etc|al|seq)\\."
#define ABBREV4 "(?:" ACRO "|" ABTITLE "|vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS|" ABCOMP2 "|(?-i:[A-Za-z]))"
#define THINGPART "(?:(?-i:[dDoOlL])" APOSETC ALNUM ")?" ALNUM "+"
#define THING THINGPART "(?:" HYPHEN THINGPART ")*"
#define HTHING "(?-i:[A-Za-z0-9])(?-i:[A-Za-z0-9.,\\x{AD}])*(?:-(?:" ACRO "\\.|(?-i:[A-Za-z0-9\\x{AD}])+))+"
#define THINGA "(?-i:[A-Z])+(?:(?:&amp;|[+&])(?-i:[A-Z])+)+"
#define THING3 "(?-i:[A-Za-z0-9])+(?:-(?-i:[A-Za-z])+){0,2}(?:\\\\?/(?-i:[A-Za-z0-9])+(?:-(?-i:[A-Za-z])+){0,2}){1,2}"
#define REDAUX APOS "(?:(?-i:[msdMSD])|re|ve|ll)"
#define APOWORD "(?:" APOS "n" APOS "?|(?-i:[lLdDjJ])" APOS "|Dunkin" APOS "|somethin" APOS "|ol" APOS "|" APOS "em|(?-i:[A-HJ-XZn])" APOSETC L1 "{2}" L1 "*|" APOS "(?-i:[2-9])0s|" APOS "till?|" L1 L1 "*(?-i:[aeiouyAEIOUY])" APOSETC "(?-i:[aeiouA-Z])" L1 "*|" APOS "cause|cont'd\\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)"
#define URLCH "[^ \\t\\n\\f\\r\"<>|()]"
#define FULLURL "https?:\\/\\/" URLCH "+[^ \\t\\n\\f\\r\"<>|.!?(){},-]"
#define LIKELYURL "(?:(?:www\\.(?:[^ \\t\\n\\f\\r\"<>|.!?(){},]+\\.)+(?-i:[a-zA-Z]){2,4})|(?:(?:(?-i:[^ \\t\\n\\f\\r\"`'<>|.!?(){}\\x{2C}-\\x{5F}$])+\\.)+(?:com|net|org|edu)))(?:\\/" URLCH "+[^ \\t\\n\\f\\r\"<>|.!?(){},-])?"
#define EMAIL "(?:&lt;|<)?(?-i:[a-zA-Z0-9])[^ \\t\\n\\f\\r\"<>|()\\x{A0}]*@(?:[^ \\t\\n\\f\\r\"<>|().\\x{A0}]+\\.)*[^ \\t\\n\\f\\r\"<>|().\\x{A0}]+(?:&gt;|>)?"
#define PHONE "(?:\\([0-9]{2,3}\\)[ \\x{A0}]?|(?:\\+\\+?)?(?:[0-9]{2,4}[- \\x{A0}])?[0-9]{2,4}[- \\x{A0}])" \
	"[0-9]{3,4}[- \\x{A0}]?[0-9]{3,5}|(?:(?:\\+\\+?)?[0-9]{2,4}\\.)?[0-9]{2,4}\\.[0-9]{3,4}\\.[0-9]{3,5}"
#define ABBREV3 "(?:ca|chs?|figs?|prop|nos?|nrs?|sect?s?|arts?|paras?|bldg|pp|op|Apt|Rt|Res)\\."
#define MISCSYMBOL "(?-i:[\\x{A6}\\x{A7}\\x{A8}\\x{A9}\\x{AC}\\x{AE}\\x{AF}\\x{B0}-\\x{BA}\\x{D7}\\x{F7}\\x{387}" \
	"\\x{5BE}\\x{5C0}\\x{5C3}\\x{5C6}\\x{5F3}\\x{5F4}\\x{600}-\\x{603}\\x{606}-\\x{60A}\\x{60C}\\x{614}" \
	"\\x{61B}\\x{61E}\\x{66A}\\x{66D}\\x{703}-\\x{70D}\\x{7F6}\\x{7F7}\\x{7F8}\\x{964}\\x{965}\\x{E4F}" \
	"\\x{1FBD}\\x{2016}\\x{2017}\\x{2020}-\\x{2023}\\x{2030}-\\x{2038}\\x{203B}\\x{203E}-\\x{2042}" \
	"\\x{2044}\\x{207A}-\\x{207F}\\x{208A}-\\x{208E}\\x{2100}-\\x{214F}\\x{2190}-\\x{21FF}" \
	"\\x{2200}-\\x{2BFF}\\x{3012}\\x{30FB}\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF20}\\x{FF3B}-\\x{FF40}" \
	"\\x{FF5B}-\\x{FF65}])"

static const rule rules[] = {
	{"c\\+\\+|[cf]#", A_TOKEN, NULL},
	{"(?<t>can)not", A_TOKEN, NULL},
	{"(?<t>'t)was", A_TOKEN, NULL},
	{"(?<t>" APOS "t)is(?!" LETTER ")", A_TOKEN, NULL},
	{"(?<t>gon|wan)na(?!" LETTER ")", A_TOKEN, NULL},
	{"(?<t>got)ta(?!" LETTER ")", A_TOKEN, NULL},
	{"(?<t>lem|gim)me(?!" LETTER ")", A_TOKEN, NULL},
	{SGML, A_FRAC, NULL},
	{"&(?:MD|mdash|ndash);|[\\x{96}\\x{97}\\x{2013}\\x{2014}\\x{2015}]", A_FIXED, "--"},
	{"&amp;", A_FIXED, "&"},
	{"&(?:HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);", A_TOKEN, NULL},
	{"(?<t>" WORD ")" REDAUX, A_TOKEN, NULL},
	{"(?<t>(?:(?-i:[A-Za-z\\x{AD}]))*(?-i:[A-MO-Za-mo-z])\\x{AD}*)n" APOSETC "t", A_TOKEN, NULL},
	{WORD, A_TOKEN, NULL},
	{APOWORD, A_TOKEN, NULL},
	{"(?<t>y" APOS ")" L1, A_TOKEN, NULL},
	{FULLURL, A_TOKEN, NULL},
	{LIKELYURL, A_TOKEN, NULL},
	{EMAIL, A_TOKEN, NULL},
	{"(?<t>" REDAUX ")(?-i:[^A-Za-z])", A_APOS, NULL},
	{"n" APOSETC "t", A_APOS, NULL},
	{DIGIT "{1,2}[-/]" DIGIT "{1,2}[-/]" DIGIT "{2,4}", A_TOKEN, NULL},
	{"[-+]?" NUM, A_TOKEN, NULL},
	{"[\\x{207A}\\x{207B}\\x{208A}\\x{208B}]?(?:[\\x{2070}\\x{B9}\\x{B2}\\x{B3}\\x{2074}-\\x{2079}]+|[\\x{2080}-\\x{2089}]+)", A_TOKEN, NULL},
	{"(?:" DIGIT "{1,4}[- \\x{A0}])?" DIGIT "{1,4}(?:\\\\?/|\\x{2044})" DIGIT "{1,4}", A_FRAC, NULL},
	{"[\\x{BC}\\x{BD}\\x{BE}\\x{2153}-\\x{215E}]", A_FRAC2, NULL},
	{"-(?:RRB|LRB|RCB|LCB|RSB|LSB)-|C\\.D\\.s|pro-|anti-|S(?:&|&amp;)P-500|S(?:&|&amp;)Ls|Cap" APOS "n|c" APOS "est", A_AMP, NULL},
	{THING3, A_TOKEN, NULL},
	{"(?-i:[A-Z])*\\$|#", A_TOKEN, NULL},
	{"[\\x{A2}\\x{A3}\\x{A4}\\x{A5}\\x{80}\\x{20A0}\\x{20AC}\\x{60B}\\x{E3F}\\x{20A4}\\x{FFE0}\\x{FFE1}\\x{FFE5}\\x{FFE6}]", A_CURRENCY, NULL},
	{ABBREV1, A_TOKEN, NULL},
	{"(?<t>" ABBREV3 ")" SPACENL "?" DIGIT, A_TOKEN, NULL},
	{ABBREV4 "\\.", A_ABBREV, NULL},
	{"(?<t>" ACRO ")" SPACENL, A_TOKEN, NULL},
	{"(?<t>" APOS "[0-9][0-9])" SPACENL, A_TOKEN, NULL},
	{"(?<t>" WORD "\\.)[,;:]", A_TOKEN, NULL},
	{PHONE, A_PHONE, NULL},
	{"(?<t>\"|&quot;)(?-i:[A-Za-z0-9$])", A_DQUOTE, "``"},
	{"\"|&quot;", A_DQUOTE, "''"},
	{"\\+|[%&\\x{2030}\\x{2031}]|~|\\^|\\||\\\\", A_TOKEN, NULL},
	{"\\[", A_FIXED, "-LSB-"},
	{"\\]", A_FIXED, "-RSB-"},
	{"<<|>>", A_TOKEN, NULL},
	{"[<>]", A_TOKEN, NULL},
	{"&lt;", A_FIXED, "<"},
	{"&gt;", A_FIXED, ">"},
	{"\\{", A_FIXED, "-LCB-"},
	{"\\}", A_FIXED, "-RCB-"},
	{"\\(", A_FIXED, "-LRB-"},
	{"\\)", A_FIXED, "-RRB-"},
	{"-+", A_HYPHENS, NULL},
	{"\\.{3,5}|(?:\\.[ \\x{A0}]){2,4}\\.|[\\x{85}\\x{2026}]", A_FIXED, "..."},
	{"@(?-i:[A-Za-z_])(?-i:[A-Za-z0-9_])*|#" WORD, A_TOKEN, NULL},
	{"@+|#+|_+", A_TOKEN, NULL},
	{"\\*+|(?:\\\\\\*){1,3}", A_TOKEN, NULL},
	{"[,;:\\x{3001}]", A_TOKEN, NULL},
	{"[?!]+", A_TOKEN, NULL},
	{"[.\\x{A1}\\x{BF}\\x{37E}\\x{589}\\x{61F}\\x{6D4}\\x{700}-\\x{702}\\x{7FA}\\x{3002}]", A_TOKEN, NULL},
	{"=|/", A_TOKEN, NULL},
	{"(?<t>" HTHING "\\.)[,;:]", A_TOKEN, NULL},
	{HTHING, A_TOKEN, NULL},
	{"(?<t>" THING "\\.)[,;:]", A_TOKEN, NULL},
	{THING, A_TOKEN, NULL},
	{"(?<t>" THINGA "\\.)[,;:]", A_AMP, NULL},
	{THINGA, A_AMP, NULL},
	{"(?<t>')(?-i:[A-Za-z])[^ \\t\\n\\r\\x{A0}]", A_FIXED, "`"},
	{REDAUX, A_APOS, NULL},
	{"[<>]?[:;=](?-i:[-o*'])?(?-i:[()DPdpO\\\\{@|\\[\\]])(?=(?-i:[^A-Za-z0-9]))", A_SMILEY, NULL},
	{"(?-i:[-\\^x=~<>']_[-\\^x=~<>']|\\([-\\^x=~<>'][_.]?[-\\^x=~<>']\\)|\\([\\^x=~<>']-[\\^x=~<>'`]\\))", A_SMILEY, NULL},
	{"[`\\x{2018}\\x{2019}\\x{201A}\\x{201B}\\x{201C}\\x{201D}\\x{91}\\x{92}\\x{93}\\x{94}\\x{201E}\\x{201F}\\x{2039}\\x{203A}\\x{AB}\\x{BB}]{1,2}|''|" APOSETC, A_QUOTE, NULL},
	{MISCSYMBOL, A_TOKEN, NULL},
	{"\\r\\n|[\\r\\n\\x{B}\\x{C}\\x{2028}\\x{2029}]", A_NEWLINE, NULL},
	{SPACE "+|[\\x{0}\\x{200B}\\x{200E}\\x{200F}\\x{FEFF}]|&nbsp;", A_SKIP, NULL},
};

enum { NRULES = sizeof rules / sizeof *rules };

struct al_ptb {
	pcre2_code *code[NRULES];
	int group[NRULES];            /* number of the "t" group, or 0 */
	int jit[NRULES];              /* JIT-compiled */
	pcre2_code *sgml;             /* an SGML tag, for sentence_follows */
	int spaces;                   /* line break characters are spaces */
	pcre2_match_data *md;
	/* per first byte, the rules that can start with it (from PCRE2's
	 * start-of-match analysis), as a list ending in -1 */
	signed char first[256][NRULES + 1];
};

static int default_spaces;

void al_ptb_default_spaces(int spaces)
{
	default_spaces = spaces != 0;
}

al_ptb *al_ptb_new(al_err *e)
{
	al_ptb *t = calloc(1, sizeof *t);
	if (!t) {
		al_err_set(e, AL_ENOMEM, "out of memory");
		return NULL;
	}
	t->spaces = default_spaces;
	for (int i = 0; i < NRULES; i++) {
		int err;
		PCRE2_SIZE off;
		t->code[i] = pcre2_compile((PCRE2_SPTR)rules[i].pat, PCRE2_ZERO_TERMINATED,
					   PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED | PCRE2_CASELESS |
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
	int err;
	PCRE2_SIZE off;
	t->sgml = pcre2_compile((PCRE2_SPTR)SGML, PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK,
				&err, &off, NULL);
	if (t->sgml)
		pcre2_jit_compile(t->sgml, PCRE2_JIT_COMPLETE);
	t->md = pcre2_match_data_create(16, NULL);
	if (!t->md || !t->sgml) {
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
	pcre2_code_free(t->sgml);
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

/* The output lines. */
typedef struct lines {
	char **v;
	size_t n, cap;
	int oom;
} lines;

/* End the current line: b's text (or "") moves to ls. */
static void push_line(lines *ls, buf *b)
{
	if (b->oom)
		ls->oom = 1;
	char *s = b->oom ? NULL : (b->s ? b->s : strdup(""));
	if (!b->oom && !b->s && !s)
		ls->oom = 1;
	if (b->oom)
		free(b->s);
	b->s = NULL;
	b->n = b->cap = 0;
	b->oom = 0;
	if (!s)
		return;
	if (al_grow((void **)&ls->v, &ls->cap, ls->n + 1, sizeof *ls->v, NULL) < 0) {
		free(s);
		ls->oom = 1;
		return;
	}
	ls->v[ls->n++] = s;
}

/* Emit one token: lowercased (as -lowerCase does, on the token), dropped
 * if it is one of pycocoevalcap's punctuation tokens. */
static void emit(buf *b, const char *tok, size_t len)
{
	if (len == 0)
		return;
	if (memmem(tok, len, "\xc2\xad", 2)) {
		/* soft hyphens are removed from every token */
		char *c = malloc(len);
		size_t k = 0;
		if (!c) {
			b->oom = 1;
			return;
		}
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)tok[i] == 0xc2 && i + 1 < len &&
			    (unsigned char)tok[i + 1] == 0xad)
				i++;
			else
				c[k++] = tok[i];
		}
		emit(b, c, k);
		free(c);
		return;
	}
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

/* Emit the token s[0..len) with "&amp;" in any case made "&". */
static void emit_amp(buf *b, const char *s, size_t len)
{
	char *c = malloc(len + 1);
	size_t k = 0;
	if (!c) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		c[k++] = s[i];
		if (s[i] == '&' && len - i >= 5 && !strncasecmp(s + i, "&amp;", 5))
			i += 4;
	}
	emit(b, c, k);
	free(c);
}

/* The words after which a sentence-final single letter and period are two
 * tokens: first letter as written, the rest in any case. */
static const char *const sent_words[] = {
	"About", "According", "Additionally", "After", "An", "A", "As", "At", "But",
	"Earlier", "He", "Her", "Here", "However", "If", "In", "It", "Last", "Many",
	"More", "Mr.", "Ms.", "Now", "Once", "One", "Other", "Our", "She", "Since",
	"So", "Some", "Such", "That", "The", "Their", "Then", "There", "These",
	"They", "This", "We", "When", "While", "What", "Yet", "You", NULL,
};

/* Length of the space or line break character at s[0..len), or 0. */
static size_t space_at(const unsigned char *s, size_t len)
{
	if (!len)
		return 0;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == 0x0b ||
	    s[0] == 0x0c)
		return 1;
	if (len >= 2 && s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0x85))
		return 2;
	if (len >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9))
		return 3;
	if (len >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Does text[0..len) (just after a single letter and its period) say that
 * the period ends a sentence: spaces or line breaks, then one of
 * sent_words or an SGML tag, then one space character? */
static int sentence_follows(al_ptb *t, const char *text, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t sp = space_at(u, len);
	if (!sp)
		return 0;
	while (sp) {
		u += sp;
		len -= sp;
		sp = space_at(u, len);
	}
	size_t wl = 0;
	if (len && u[0] == '<') {
		int rc = pcre2_match(t->sgml, u, len, 0, 0, t->md, NULL);
		if (rc < 0)
			return 0;
		wl = pcre2_get_ovector_pointer(t->md)[1];
	} else {
		for (int i = 0; sent_words[i]; i++) {
			size_t n = strlen(sent_words[i]);
			if (n > len || u[0] != (unsigned char)sent_words[i][0])
				continue;
			size_t k = 1;
			while (k < n && (u[k] | 0x20) == (sent_words[i][k] | 0x20))
				k++;
			if (k == n && space_at(u + n, len - n)) {
				wl = n;
				break;
			}
		}
		if (!wl)
			return 0;
	}
	return space_at(u + wl, len - wl) != 0;
}

/* After an ABBREV1 abbreviation: a space or line break, then another, a
 * capital A-Z or an SGML tag? */
static int abbrev_sentend(al_ptb *t, const char *text, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t sp = space_at(u, len);
	if (!sp)
		return 0;
	u += sp;
	len -= sp;
	if (space_at(u, len) || (len && u[0] >= 'A' && u[0] <= 'Z'))
		return 1;
	return len && u[0] == '<' && pcre2_match(t->sgml, u, len, 0, 0, t->md, NULL) >= 0;
}

/* Do rule best's action for its token line[tok_b..tok_e) (the text runs
 * to len): emit to b, or end the line into ls. */
static void act(al_ptb *t, int best, const char *line, size_t tok_b, size_t tok_e,
		size_t len, lines *ls, buf *b)
{
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
	case A_NEWLINE:
		push_line(ls, b);
		break;
	case A_FRAC: {
		static const char *const from[] = {" "};
		static const char *const to[] = {"\xc2\xa0"};
		emit_replace(b, tok, tl, from, to, 1);
		break;
	}
	case A_PHONE: {
		static const char *const from[] = {" ", "(", ")"};
		static const char *const to[] = {"\xc2\xa0", "-LRB-", "-RRB-"};
		emit_replace(b, tok, tl, from, to, 3);
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
	case A_APOS:
	case A_QUOTE: {
		/* as the reference's latexQuotes: character by character */
		static const char *const from[] = {"\xc2\x91", "\xe2\x80\x98", "\xc2\x92",
						   "\xe2\x80\x99", "\xc2\x93", "\xe2\x80\x9c",
						   "\xc2\x94", "\xe2\x80\x9d", "&apos;", "\xe2\x80\x9b",
						   "\xe2\x80\xb9", "\xe2\x80\xba", "\xc2\xab",
						   "\xc2\xbb"};
		static const char *const to[] = {"`", "`", "'", "'", "``", "``", "''", "''", "'",
						 "`", "`", "'", "``", "''"};
		emit_replace(b, tok, tl, from, to, 14);
		break;
	}
	case A_ABBREV1:
		/* before a space and then a space, a capital or an SGML
		 * tag, the period also ends the sentence */
		if (abbrev_sentend(t, line + tok_e, len - tok_e)) {
			emit(b, tok, tl - 1);
			emit(b, ".", 1);
		} else {
			emit(b, tok, tl);
		}
		break;
	case A_AMP:
		emit_amp(b, tok, tl);
		break;
	case A_DQUOTE:
		if ((tl == 1 && tok[0] == '"') || (tl == 6 && !memcmp(tok, "&quot;", 6)))
			emit(b, rules[best].fixed, 2);
		else
			emit(b, tok, tl);
		break;
	case A_CURRENCY: {
		static const char *const from[] = {"\xc2\xa2", "\xc2\xa3", "\xc2\x80",
						   "\xe2\x82\xac", "\xc2\xa4", "\xe2\x82\xa0"};
		static const char *const to[] = {"cents", "#", "$", "$", "$", "$"};
		emit_replace(b, tok, tl, from, to, 6);
		break;
	}
	case A_ABBREV:
		/* a single letter and its period are two tokens when a
		 * sentence follows */
		if (tl == 2 && sentence_follows(t, line + tok_e, len - tok_e)) {
			emit(b, tok, 1);
			emit(b, ".", 1);
		} else {
			emit(b, tok, tl);
		}
		break;
	}
}

/* Tokenize text[0..len) (the captions joined by line breaks); each line
 * break ends an output line, pushed to ls. */
static void tokenize_text(al_ptb *t, const char *line, size_t len, lines *ls, buf *b)
{
	size_t pos = 0;
	const unsigned char *u = (const unsigned char *)line;
	while (pos < len) {
		/* fast path: a run of ASCII letters followed by a space or the
		 * end is a WORD, unless it is one of the split words */
		if ((u[pos] | 0x20) >= 'a' && (u[pos] | 0x20) <= 'z') {
			size_t e = pos;
			int digits = 0;
			while (e < len && (((u[e] | 0x20) >= 'a' && (u[e] | 0x20) <= 'z') ||
					   (u[e] >= '0' && u[e] <= '9'))) {
				digits |= u[e] <= '9';
				e++;
			}
			/* letters then letters or digits: one WORD (no split word
			 * has a digit) */
			if ((e == len || u[e] == ' ') && (digits || (e - pos != 5 && e - pos != 6))) {
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
		act(t, best, line, tok_b, tok_e, len, ls, b);
		pos = tok_e > pos ? tok_e : pos + best_len;
	}
}

/* The captions joined by '\n' as pycocoevalcap writes them (a '\n'
 * inside a caption made a space; with spaces, the other line break
 * characters too). */
static char *join(const char *const *cap, size_t n, int spaces, size_t *len)
{
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += (cap[i] ? strlen(cap[i]) : 0) + 1;
	char *s = malloc(total);
	if (!s)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			s[k++] = '\n';
		const unsigned char *c = (const unsigned char *)(cap[i] ? cap[i] : "");
		for (; *c; c++) {
			unsigned char ch = *c;
			if (ch == '\n' || (spaces && (ch == '\r' || ch == 0x0b || ch == 0x0c)))
				ch = ' ';
			else if (spaces && ch == 0xe2 && c[1] == 0x80 &&
				 (c[2] == 0xa8 || c[2] == 0xa9)) {
				c += 2;
				ch = ' ';
			}
			s[k++] = (char)ch;
		}
	}
	s[k] = 0;
	*len = k;
	return s;
}

void al_ptb_set_spaces(al_ptb *t, int spaces)
{
	t->spaces = spaces != 0;
}

int al_ptb_tokenize_lines(al_ptb *t, const char *const *cap, size_t n, char ***out,
			  size_t *nout, al_err *e)
{
	*out = NULL;
	*nout = 0;
	size_t len;
	char *text = join(cap, n, t->spaces, &len);
	lines ls = {0};
	buf b = {0};
	if (text) {
		tokenize_text(t, text, len, &ls, &b);
		push_line(&ls, &b);
	}
	free(text);
	if (!text || ls.oom) {
		for (size_t i = 0; i < ls.n; i++)
			free(ls.v[i]);
		free(ls.v);
		free(b.s);
		return al_err_set(e, AL_ENOMEM, "out of memory");
	}
	*out = ls.v;
	*nout = ls.n;
	return 0;
}

int al_ptb_tokenize(al_ptb *t, const char *const *cap, size_t n, char **out, al_err *e)
{
	char **ls;
	size_t nl;
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	int rc = al_ptb_tokenize_lines(t, cap, n, &ls, &nl, e);
	if (rc < 0)
		return rc;
	/* pycocoevalcap pairs the output lines with the captions in order */
	for (size_t i = 0; i < nl; i++) {
		if (i < n)
			out[i] = ls[i];
		else
			free(ls[i]);
	}
	free(ls);
	for (size_t i = nl; i < n; i++) {
		out[i] = strdup("");
		if (!out[i]) {
			for (size_t j = 0; j < n; j++) {
				free(out[j]);
				out[j] = NULL;
			}
			return al_err_set(e, AL_ENOMEM, "out of memory");
		}
	}
	return 0;
}
