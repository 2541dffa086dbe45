"""readme.py: run the README's checked command blocks and compare the output
they show with what the commands print, as TAP.

    readme.py README.md WORKDIR

A block is checked when the line before its ```sh fence is
<!-- checked -->; <!-- checked slow --> marks one that takes minutes, run
only with README_SLOW=1 in the environment (make check-readme).  In a block, "$ " starts a command; a line is part of the
command before it when that one ends in a backslash or a pipe, or when the
line starts with "> " (the shell's continuation prompt).  Every other line
is output the command before it shows: compared line by line with what it
prints (standard output and error together), where a line "..." stands for
any number of lines.  A command that shows no output is only run.  Timing
values (N tokens/s, ETA N s, N seconds) are compared as "N", and a run of
blanks or tabs as one blank (the README aligns TSV with spaces); every
other character exactly.

The checked blocks run in order in one bash, in WORKDIR (which holds links
to the source tree's tests/ and examples/), so variables and files carry
from block to block as they do for a reader.  Every command must exit 0.
"""
import functools
import os
import re
import shlex
import subprocess
import sys

TIMING = [(re.compile(r"\b\d+(\.\d+)? tokens/s\b"), "N tokens/s"),
          (re.compile(r"\bETA \d+ s\b"), "ETA N s"),
          (re.compile(r"\b\d+(\.\d+)? seconds\b"), "N seconds")]


def normal(line):
    for pat, rep in TIMING:
        line = pat.sub(rep, line)
    return " ".join(line.split())


def blocks(text, slow):
    """(first line number, [lines]) of each checked sh block (slow: the
    slow ones too)."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        mark = lines[i - 1].strip() if i > 0 else ""
        if lines[i].strip() == "```sh" and (mark == "<!-- checked -->" or
                                             (mark == "<!-- checked slow -->" and slow)):
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            out.append((i + 2, lines[i + 1:j]))
            i = j
        i += 1
    return out


def commands(start, lines):
    """[(line number, command text, [shown lines])] of one block."""
    cmds = []
    for k, line in enumerate(lines):
        prev = cmds[-1] if cmds else None
        if line.startswith("$ "):
            cmds.append([start + k, line[2:], []])
        elif prev and not prev[2] and (line.startswith("> ") or
                                       prev[1].rstrip().endswith(("\\", "|"))):
            prev[1] += "\n" + (line[2:] if line.startswith("> ") else line)
        elif prev:
            prev[2].append(line)
    return cmds


def matches(shown, out, err):
    """Whether the shown lines are the printed ones: the standard output's
    and error's lines each in order, interleaved in any way (a terminal may
    show them either way round), "..." standing for any lines of both."""
    @functools.lru_cache(maxsize=None)
    def m(s, a, b):
        if s == len(shown):
            return a == len(out) and b == len(err)
        if shown[s] == "...":
            return m(s + 1, a, b) or (a < len(out) and m(s, a + 1, b)) or \
                (b < len(err) and m(s, a, b + 1))
        want = normal(shown[s])
        return (a < len(out) and normal(out[a]) == want and m(s + 1, a + 1, b)) or \
            (b < len(err) and normal(err[b]) == want and m(s + 1, a, b + 1))
    return m(0, 0, 0)


def section(text, n):
    """The lines command n printed on one stream, between its markers."""
    m = re.search(r"\n@@%d@@ start\n(.*)\n@@%d@@ end\n" % (n, n), text, re.S)
    got = m.group(1).split("\n") if m else []
    if got and got[-1] == "":
        got.pop()   # the newline the end marker starts with
    return got


def main():
    readme, work = sys.argv[1], sys.argv[2]
    slow = os.environ.get("README_SLOW") == "1"
    cmds = [c for start, lines in blocks(open(readme).read(), slow) for c in commands(start, lines)]
    status_file = os.path.join(os.path.abspath(work), ".status")
    script = []
    for n, (line, cmd, _) in enumerate(cmds):
        script.append("printf '\\n@@%d@@ start\\n'; printf '\\n@@%d@@ start\\n' >&2" % (n, n))
        script.append("%s\necho \"@@%d@@ exit $?\" >>%s" % (cmd, n, shlex.quote(status_file)))
        script.append("printf '\\n@@%d@@ end\\n'; printf '\\n@@%d@@ end\\n' >&2" % (n, n))
    with open(os.path.join(work, ".out"), "w+") as o, open(os.path.join(work, ".err"), "w+") as e, \
            open(status_file, "w+") as st:
        subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, stdin=subprocess.DEVNULL,
                       stdout=o, stderr=e)
        o.seek(0), e.seek(0), st.seek(0)
        out, err, status = o.read(), e.read(), st.read()
    print("1..%d" % (2 * len(cmds) + 1))
    print("%s 1 - the README has checked blocks (%d commands)" % ("ok" if cmds else "not ok", len(cmds)))
    t = 1
    failed = not cmds
    for n, (line, cmd, shown) in enumerate(cmds):
        first = cmd.split("\n")[0]
        o, e = section(out, n), section(err, n)
        m = re.search(r"^@@%d@@ exit (\d+)$" % n, status, re.M)
        code = int(m.group(1)) if m else -1
        t += 1
        good = code == 0
        failed |= not good
        print("%s %d - README.md:%d exits 0: %s" % ("ok" if good else "not ok", t, line, first))
        if not good:
            for g in (o + e)[-10:]:
                print("#   " + g)
        t += 1
        good = not shown or matches(shown, o, e)
        failed |= not good
        what = "shows what it prints" if shown else "(no output shown)"
        print("%s %d - README.md:%d %s" % ("ok" if good else "not ok", t, line, what))
        if not good:
            print("#   shown:")
            for s in shown[:15]:
                print("#     " + s)
            print("#   printed:")
            for g in o[:10]:
                print("#     " + g)
            print("#   and on standard error:")
            for g in e[:10]:
                print("#     " + g)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
