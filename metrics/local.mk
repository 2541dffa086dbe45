# metrics/local.mk: the metrics library and adalink score.
