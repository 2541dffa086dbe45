/* test_utf8.c: strict UTF-8 validation, against the well-formed byte
 * sequences of the Unicode standard (table 3-7) worked by hand, and
 * against Python's bytes.decode("utf-8") over every 1- to 3-byte string
 * built from boundary bytes. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utf8.h"
#include "tests/tap.h"

static void test_cases(void)
{
	static const struct { const char *s; size_t n, next; const char *what; } c[] = {
		{"a", 1, 1, "ASCII"},
		{"\xc3\xa9", 2, 2, "U+00E9"},
		{"\xe2\x82\xac", 3, 3, "U+20AC"},
		{"\xf0\x9f\x8d\xb0", 4, 4, "U+1F370"},
		{"\xef\xbf\xbd", 3, 3, "U+FFFD"},
		{"\xf4\x8f\xbf\xbf", 4, 4, "U+10FFFF, the last"},
		{"\xc0\xaf", 2, 0, "an overlong '/'"},
		{"\xc1\xbf", 2, 0, "an overlong U+007F"},
		{"\xe0\x9f\xbf", 3, 0, "an overlong U+07FF"},
		{"\xf0\x8f\xbf\xbf", 4, 0, "an overlong U+FFFF"},
		{"\xed\xa0\x80", 3, 0, "a surrogate"},
		{"\xed\x9f\xbf", 3, 3, "U+D7FF, before the surrogates"},
		{"\xf4\x90\x80\x80", 4, 0, "above U+10FFFF"},
		{"\xf5\x80\x80\x80", 4, 0, "lead byte 0xF5"},
		{"\x80", 1, 0, "a stray continuation byte"},
		{"\xe2\x82", 2, 0, "a cut sequence"},
		{"\xe2\x28\xa1", 3, 0, "a bad continuation byte"},
		{"\xff", 1, 0, "0xFF"},
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		is_int((int)al_utf8_next(c[i].s, c[i].n), (int)c[i].next, "next: %s", c[i].what);
		is_int(al_utf8_valid(c[i].s, c[i].n), c[i].next == c[i].n, "valid: %s", c[i].what);
	}
	ok(al_utf8_valid("caf\xc3\xa9 \xf0\x9f\x8d\xb0", 10), "a string of 1-, 2- and 4-byte characters");
	ok(!al_utf8_valid("caf\xc3\xa9 \xf0\x9f\x8d", 9), "cut at the end");
	ok(al_utf8_valid("", 0), "the empty string");
	ok(al_utf8_valid("a\0b", 3), "NUL is a character");
}

/* Every string of 1 to 3 bytes over boundary values, judged by Python. */
static void test_python(void)
{
	if (access("/usr/bin/python3", X_OK) != 0) {
		ok(1, "# SKIP no /usr/bin/python3");
		return;
	}
	static const unsigned char b[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
					  0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef,
					  0xf0, 0xf1, 0xf4, 0xf5, 0xff};
	enum { NB = sizeof b };
	char *ours = malloc(NB * NB * NB * 2 + NB * NB * 2 + NB * 2 + 1);
	size_t k = 0;
	for (int len = 1; len <= 3; len++) {
		int count = len == 1 ? NB : len == 2 ? NB * NB : NB * NB * NB;
		for (int i = 0; i < count; i++) {
			unsigned char s[3];
			for (int p = 0, x = i; p < len; p++, x /= NB)
				s[p] = b[x % NB];
			ours[k++] = al_utf8_valid((const char *)s, (size_t)len) ? '1' : '0';
		}
	}
	ours[k] = 0;
	char path[256];
	snprintf(path, sizeof path, "%s/al-utf8.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (int)getpid());
	FILE *f = fopen(path, "w");
	ok(f && fputs(ours, f) >= 0 && fclose(f) == 0, "%zu verdicts written", k);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import itertools, sys\n"
		 "b = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,"
		 " 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff]\n"
		 "def ok(s):\n"
		 "    try:\n        s.decode(\"utf-8\")\n        return \"1\"\n"
		 "    except UnicodeDecodeError:\n        return \"0\"\n"
		 "want = \"\"\n"
		 "for n in (1, 2, 3):\n"
		 "    for t in itertools.product(b, repeat=n):\n"
		 "        want += ok(bytes(reversed(t)))\n"
		 "got = open(sys.argv[1]).read()\n"
		 "bad = [i for i in range(len(want)) if want[i] != got[i:i + 1]]\n"
		 "sys.exit(1 if bad or len(got) != len(want) else 0)\n' %s", path);
	is_int(system(cmd), 0, "every verdict agrees with Python's UTF-8 decoder");
	unlink(path);
	free(ours);
}

int main(void)
{
	test_cases();
	test_python();
	return done_testing();
}
