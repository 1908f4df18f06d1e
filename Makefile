# cdp: Customer Data Platform inside PostgreSQL (PGXS build)

EXTENSION  = cdp
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = cdp
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

# Install-script fragments, beside each subsystem's C code, in dependency
# order.  Those new in 0.2.0 come last, in both the install script and the
# upgrade from 0.1.0 (below): a new fragment is added here.
FRAGMENTS_NEW_IN_0_2_0 = \
	src/worker/jobs.sql \
	src/worker/worker.sql \
	src/http/write_keys.sql \
	src/http/read_tokens.sql \
	src/http/http_status.sql \
	src/activation/destinations.sql \
	src/activation/outbox.sql \
	src/activation/delivery.sql \
	src/scoring/scoring.sql \
	src/scoring/score_models.sql \
	src/scoring/score_fit.sql \
	src/scoring/score_refresh.sql \
	src/console/stats.sql \
	src/console/console_sessions.sql \
	src/console/console_html.sql \
	src/console/console_pages.sql

SQL_FRAGMENTS = \
	src/core/schema.sql \
	src/ident/ident.sql \
	src/consent/consent.sql \
	src/ingest/sources.sql \
	src/ingest/source_grants.sql \
	src/ingest/events.sql \
	src/ingest/event_partitions.sql \
	src/ingest/ingest.sql \
	src/identity/identity.sql \
	src/profiles/profiles.sql \
	src/segments/segments.sql \
	src/segments/segment_refresh.sql \
	src/segments/segment_api.sql \
	src/profiles/profile_view.sql \
	src/fuzzy/fuzzy.sql \
	src/match/match.sql \
	src/match/match_link.sql \
	src/consent/consent_api.sql \
	src/consent/audit.sql \
	src/consent/masking.sql \
	src/consent/row_security.sql \
	src/consent/erasure.sql \
	src/consent/export.sql \
	src/consent/retention.sql \
	$(FRAGMENTS_NEW_IN_0_2_0)

# The script of the version being developed is built from the fragments;
# released versions' scripts are frozen, and reached by upgrade scripts.
# While 0.2.0 is developed, the upgrade from 0.1.0 is built too: the
# changes to 0.1.0's objects, then the fragments new in 0.2.0.
UPGRADE_0_2_0 = src/upgrade--0.1.0--0.2.0.sql src/consent/consent.sql src/ingest/source_grants.sql \
	src/segments/segments.sql src/segments/segment_refresh.sql src/segments/segment_api.sql \
	src/profiles/profile_view.sql src/match/match.sql src/match/match_link.sql \
	src/ingest/event_partitions.sql src/consent/consent_api.sql \
	src/consent/audit.sql src/consent/masking.sql src/consent/row_security.sql \
	src/consent/erasure.sql src/consent/export.sql src/consent/retention.sql \
	$(FRAGMENTS_NEW_IN_0_2_0)
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(EXTENSION)--0.1.0--0.2.0.sql
DATA = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*.sql))

# pg_regress tests (sql/, expected/), in run order.
REGRESS = \
	install \
	ident \
	ident_encoding \
	normalize \
	fuzzy_edit \
	fuzzy_similarity \
	fuzzy_phonetic \
	sources \
	ingest \
	ingest_errors \
	ingest_batch \
	identifiers \
	partitions \
	settings \
	stitch \
	sample_stitch \
	admin_mistakes \
	match_spec \
	gen_people \
	match_febrl \
	match_link \
	ingest_limits \
	source_trust \
	input_bounds \
	batch_limits \
	stitch_rules \
	ingest_boundaries \
	segments \
	segments_property \
	consent \
	row_security \
	privacy \
	activation \
	scoring \
	score_models \
	stats \
	console \
	worker_jobs \
	fuzz_corpus
REGRESS_OPTS = --load-extension=$(EXTENSION)
CONTRIB_TESTDB = cdp_regression

# Isolation specs (test/isolation/specs).
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)
ISOLATION_TESTDB = cdp_isolation
ISOLATION = \
	cache_load_error \
	consent_revoke \
	forget_ingest \
	ident_kinds \
	ingest_same_batch \
	ingest_same_message \
	outbox_connect \
	score_ingest \
	partition_create \
	segment_create \
	segment_refresh \
	stats_ingest \
	stitch_concurrent \
	stitch_spill

PG_CONFIG ?= pg_config
ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n 2>/dev/null)
ICU_LIBS   := $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null)

# The server headers are not -Wextra clean; treating them as system headers
# keeps the warnings about our own code only.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) $(ICU_CFLAGS)
PG_CFLAGS   = -Wall -Wextra -Wno-missing-field-initializers
SHLIB_LINK  = $(ICU_LIBS) -lmicrohttpd -lz -lcurl

# make CDP_ASSERTS=1 (also make test CDP_ASSERTS=1) builds with cdp's own
# assertions (CdpAssert in src/core/core.h).  The setting is kept in
# .build-flags, which the objects depend on: switching it rebuilds them.
BUILD_FLAGS := $(if $(filter 1,$(CDP_ASSERTS)),-DCDP_ASSERTS,)
PG_CPPFLAGS += $(BUILD_FLAGS)
$(shell echo '$(BUILD_FLAGS)' | cmp -s - .build-flags || echo '$(BUILD_FLAGS)' > .build-flags)

EXTRA_CLEAN = $(DATA_built) results regression.diffs regression.out .test .test-valgrind .test-fuzz .build-flags .mutation

# Rebuild objects when a header they include changes.
override autodepend = yes

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): .build-flags

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_FRAGMENTS) $(EXTENSION).control
	cat $(SQL_FRAGMENTS) > $@

$(EXTENSION)--0.1.0--0.2.0.sql: $(UPGRADE_0_2_0)
	cat $(UPGRADE_0_2_0) > $@

.PHONY: deps test valgrind fuzz mutation bench demo print-regress print-isolation print-regress-opts print-isolation-opts

deps:
	./scripts/deps.sh

test: all
	./test/run

valgrind: all
	TESTS="$(TESTS)" ./test/valgrind/run

fuzz: all
	FUZZ_SECONDS="$(FUZZ_SECONDS)" FUZZ_SEED="$(FUZZ_SEED)" ./test/fuzz/run

# Plants each bug of test/mutation/mutants.tsv in turn and runs the suite
# on it (long; not part of test).  MUTANTS=regex picks mutants by id.
mutation: all
	./test/mutation/run $(MUTANTS)

bench: all
	./test/bench/run

demo:
	./scripts/demo.sh

print-regress:
	@echo $(REGRESS)

print-isolation:
	@echo $(ISOLATION)

print-regress-opts:
	@echo $(REGRESS_OPTS)

print-isolation-opts:
	@echo $(ISOLATION_OPTS)
