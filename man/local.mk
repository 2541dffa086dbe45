# man/local.mk: the manual pages.
dist_man_MANS += man/adalink.1 man/adalink-inspect.1 man/adalink-catalog.5 \
	man/adalink-shard.5

lint-man:
	mandoc -Tlint -W warning $(dist_man_MANS)
