# datasets/local.mk: dataset readers, the registry, adalink ingest.
