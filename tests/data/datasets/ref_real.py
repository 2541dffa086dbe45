#!/usr/bin/python3
"""ref_real.py DATASET FILE...: the records adalink ingest --no-images must
write for the real excerpts in tests/data/datasets/real, worked out with
Python's json and csv modules (TSV read as GLUE's own loaders read it:
tab-delimited, QUOTE_NONE).  Writes JSONL on stdout."""
import csv
import json
import os
import sys

ds, files = sys.argv[1], sys.argv[2:]
out = sys.stdout


def emit(r):
    out.write(json.dumps(r) + "\n")


def rec(split, id_, task, image, inputs, targets, **kw):
    r = {"dataset": ds, "split": split, "id": id_, "task": task, "image": image,
         "inputs": inputs, "targets": targets}
    r.update(kw)
    return r


GLUE = {  # folder: task, id column, inputs (column, name), label column, label number
    "CoLA": ("cola", None, [(3, "sentence")], 1, int),
    "SST-2": ("sst2", None, [("sentence", "sentence")], "label", int),
    "STS-B": ("stsb", "index", [("sentence1", "sentence1"), ("sentence2", "sentence2")],
              "score", float),
    "RTE": ("rte", "index", [("sentence1", "sentence1"), ("sentence2", "sentence2")], "label",
            ["entailment", "not_entailment"].index),
    "MNLI": ("mnli", "index", [("sentence1", "sentence1"), ("sentence2", "sentence2")],
             "gold_label", ["entailment", "neutral", "contradiction"].index),
}

if ds == "glue":
    for f in files:
        folder = os.path.basename(os.path.dirname(f))
        split = os.path.basename(f)[:-4]
        task, idc, ins, lab, num = GLUE[folder]
        with open(f, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        if folder != "CoLA":
            hdr, rows = rows[0], rows[1:]
            col = {h: i for i, h in enumerate(hdr)}
        else:
            col = {}
        for k, r in enumerate(rows):
            c = lambda x: r[col[x]] if isinstance(x, str) else r[x]
            id_ = int(c(idc)) if idc else k
            emit(rec(split, id_, task, None, {n: c(x) for x, n in ins}, [c(lab)],
                     label=num(c(lab))))
elif ds == "coco":
    d = json.load(open(files[0], encoding="utf-8"))
    for im in d["images"]:
        emit(rec("val", im["id"], "caption", im["file_name"], {},
                 [a["caption"] for a in d["annotations"] if a["image_id"] == im["id"]]))
elif ds == "vqav2":
    q = json.load(open(files[0], encoding="utf-8"))
    a = json.load(open(files[1], encoding="utf-8"))
    ans = {x["question_id"]: [y["answer"] for y in x["answers"]] for x in a["annotations"]}
    for x in q["questions"]:
        emit(rec(q["data_subtype"][:-4], x["question_id"], "vqa", "COCO_%s_%012d.jpg" % (q["data_subtype"], x["image_id"]),
                 {"question": x["question"]}, ans[x["question_id"]]))
elif ds == "textvqa":
    d = json.load(open(files[0], encoding="utf-8"))
    for x in d["data"]:
        emit(rec("val", x["question_id"], "vqa", "train_images/%s.jpg" % x["image_id"],
                 {"question": x["question"]}, x["answers"]))
elif ds == "textcaps":
    d = json.load(open(files[0], encoding="utf-8"))
    seen = set()
    for x in d["data"]:
        if x["image_id"] in seen:
            continue
        seen.add(x["image_id"])
        emit(rec("val", x["image_id"], "caption", "train_images/%s.jpg" % x["image_id"], {},
                 x["reference_strs"]))
