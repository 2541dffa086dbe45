# pipeline/tokenize.mk: SentencePiece and adalink tokenize.
