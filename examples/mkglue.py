#!/usr/bin/python3
"""mkglue.py OUT.zip [TRAIN DEV]: a miniature GLUE distribution (glue_data/TASK/
{train,dev}.tsv for CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE) in the
official layouts: each task's own columns and header (CoLA without one,
MNLI's dev_matched), made-up sentences whose labels follow simple cues, so
that a run on it can learn something.  Standard library only; seeded."""
import io
import random
import sys
import zipfile

NOUNS = ["cat", "dog", "child", "teacher", "farmer", "pilot", "river", "city", "book", "song"]
VERBS = ["sees", "likes", "finds", "paints", "follows", "visits", "reads", "hears"]
GOOD = ["wonderful", "charming", "bright", "moving", "delightful"]
BAD = ["dull", "awful", "bleak", "tedious", "clumsy"]


def sentence(r):
    return "the %s %s the %s" % (r.choice(NOUNS), r.choice(VERBS), r.choice(NOUNS))


def tasks(r, n, split):
    """rows per task: (folder, file, header or None, rows)"""
    out = []
    cola = []
    for k in range(n):
        s = sentence(r)
        ok = r.random() < 0.5
        if not ok:   # scrambled word order: unacceptable
            w = s.split()
            r.shuffle(w)
            s = " ".join(w)
        cola.append(["gj04", "1" if ok else "0", "" if ok else "*", s + " ."])
    out.append(("CoLA", split, None, cola))
    sst = []
    for k in range(n):
        pos = r.random() < 0.5
        sst.append(["a %s film about the %s " % (r.choice(GOOD if pos else BAD), r.choice(NOUNS)),
                    "1" if pos else "0"])
    out.append(("SST-2", split, ["sentence", "label"], sst))
    mrpc = []
    for k in range(n):
        a = sentence(r)
        same = r.random() < 0.5
        b = a.replace("the ", "that ", 1) if same else sentence(r)
        mrpc.append(["1" if same else "0", str(1000 + k), str(2000 + k), a + " .", b + " ."])
    out.append(("MRPC", split, ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"], mrpc))
    sts = []
    for k in range(n):
        a = sentence(r).split()
        b = list(a)
        changed = r.randint(0, 3)
        for i in r.sample([1, 2, 4], min(changed, 3)):
            b[i] = r.choice(NOUNS + VERBS)
        score = 5.0 - 1.25 * sum(x != y for x, y in zip(a, b))
        sts.append([str(k), "main-captions", "MSRvid", "2012test", "%04d" % k, "none", "none",
                    " ".join(a) + ".", " ".join(b) + ".", "%.3f" % score])
    out.append(("STS-B", split, ["index", "genre", "filename", "year", "old_index", "source1",
                                 "source2", "sentence1", "sentence2", "score"], sts))
    qqp = []
    for k in range(n):
        noun = r.choice(NOUNS)
        dup = r.random() < 0.5
        other = noun if dup else r.choice([x for x in NOUNS if x != noun])
        qqp.append([str(k), str(2 * k), str(2 * k + 1), "why does the %s sleep ?" % noun,
                    "what makes the %s sleep ?" % other, "1" if dup else "0"])
    out.append(("QQP", split, ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"], qqp))
    mh = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
          "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label"]
    mnli = []
    for k in range(n):
        a = sentence(r)
        lab = r.choice(["entailment", "neutral", "contradiction"])
        b = {"entailment": a.replace("the ", "a ", 1),
             "neutral": a + " today",
             "contradiction": a.replace(" ", " never ", 2).replace(" never ", " ", 1)}[lab]
        mnli.append([str(k), str(k), "%dn" % k, "fiction", "( a )", "( b )", "(ROOT a)",
                     "(ROOT b)", a + " .", b + " .", lab, lab])
    out.append(("MNLI", "dev_matched" if split == "dev" else split, mh, mnli))
    qnli = []
    for k in range(n):
        noun = r.choice(NOUNS)
        yes = r.random() < 0.5
        ans = noun if yes else r.choice([x for x in NOUNS if x != noun])
        qnli.append([str(k), "what does the %s see ?" % noun, "the %s sees a %s ." % (
            ans, r.choice(NOUNS)), "entailment" if yes else "not_entailment"])
    out.append(("QNLI", split, ["index", "question", "sentence", "label"], qnli))
    rte = []
    for k in range(n):
        a = sentence(r)
        yes = r.random() < 0.5
        b = a if yes else a.replace(" ", " not ", 2).replace(" not ", " ", 1)
        rte.append([str(k), a + " .", b + " .", "entailment" if yes else "not_entailment"])
    out.append(("RTE", split, ["index", "sentence1", "sentence2", "label"], rte))
    return out


def main():
    if len(sys.argv) not in (2, 4):
        sys.exit("usage: mkglue.py OUT.zip [TRAIN DEV]")
    ntrain, ndev = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) == 4 else (64, 32)
    r = random.Random(20231127)
    files = []
    for split, n in (("train", ntrain), ("dev", ndev)):
        for folder, name, header, rows in tasks(r, n, split):
            lines = ([("\t".join(header))] if header else []) + ["\t".join(x) for x in rows]
            files.append(("glue_data/%s/%s.tsv" % (folder, name), "\n".join(lines) + "\n"))
    files.sort()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=(2023, 11, 27, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode())
    with open(sys.argv[1], "wb") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
