# Two commands do everything on a fresh Debian 12 machine (as root):
#   make run   – install what is missing, build (release), seed a demo catalog on first start, serve on :8080
#   make test  – install what is missing, build once with ASan+UBSan, run every test in parallel
SHELL := /bin/bash
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
ASAN_DIR := build/asan
FUZZ_DIR := build/fuzz
FUZZ_TARGETS := http_request json_input cursor
# Seconds each fuzz target runs in `make fuzz` (and so in `make test`); `make fuzz FUZZ_SECONDS=600` for a long run.
FUZZ_SECONDS ?= 8
DATA_DIR ?= ./data
DEMO_PRODUCTS ?= 10000
DEMO_STOCK ?= 100
PAYGW_PORT ?= 9100

.PHONY: bootstrap release asan run test unit-test api-test smoke bench format clean fuzz fuzz-build

bootstrap:
	@bash scripts/bootstrap

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMPORIUM_TESTS=OFF

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEMPORIUM_SANITIZE=ON \
	      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g"

release: bootstrap $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)

asan: bootstrap $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)

run: release
	@if [ ! -e "$(DATA_DIR)/emporium.db" ]; then \
	  echo "First start: seeding $(DEMO_PRODUCTS) demo products into $(DATA_DIR)"; \
	  $(RELEASE_DIR)/emporium seed --data-dir "$(DATA_DIR)" --products $(DEMO_PRODUCTS) --stock $(DEMO_STOCK); \
	fi
	@# The payment-provider simulator runs beside the shop (a separate process, as a real PSP would be).
	@mkdir -p "$(DATA_DIR)"; [ -s "$(DATA_DIR)/webhook.secret" ] || head -c 24 /dev/urandom | base64 > "$(DATA_DIR)/webhook.secret"
	@$(RELEASE_DIR)/emporium paygw --port $(PAYGW_PORT) --webhook-url http://127.0.0.1:8080 \
	  --webhook-secret "$$(cat $(DATA_DIR)/webhook.secret)" > "$(DATA_DIR)/paygw.log" 2>&1 & \
	  echo $$! > "$(DATA_DIR)/paygw.pid"
	EMPORIUM_PAYMENTS_PROVIDER_URL=http://127.0.0.1:$(PAYGW_PORT) \
	EMPORIUM_PAYMENTS_WEBHOOK_SECRET="$$(cat $(DATA_DIR)/webhook.secret)" \
	  $(RELEASE_DIR)/emporium serve --data-dir "$(DATA_DIR)"; status=$$?; \
	  kill $$(cat "$(DATA_DIR)/paygw.pid") 2>/dev/null; exit $$status

# Every test (unit + API) against the one sanitizer build, in parallel; then a short run of each fuzz target.
test: asan
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600
	$(MAKE) fuzz

# libFuzzer targets (fuzz/README.md), built with clang apart from everything else: only the few sources they test.
$(FUZZ_DIR)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DEMPORIUM_FUZZ=ON

fuzz-build: bootstrap $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) -j $(JOBS)

# Each target for FUZZ_SECONDS, from the checked-in corpus (fuzz/corpus/<target>, read only) into
# build/fuzz/corpus/<target> (what it finds on the way); a crash fails the run and leaves its input in build/fuzz/.
fuzz: fuzz-build
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$target; \
	  if $(FUZZ_DIR)/$${target}_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	       -artifact_prefix=$(FUZZ_DIR)/$$target- -print_final_stats=1 \
	       $(FUZZ_DIR)/corpus/$$target fuzz/corpus/$$target > $(FUZZ_DIR)/$$target.log 2>&1; then \
	    echo "fuzz: $$target: $$(grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_DIR)/$$target.log)"; \
	  else \
	    tail -n 60 $(FUZZ_DIR)/$$target.log; echo "fuzz: $$target FAILED (log: $(FUZZ_DIR)/$$target.log)"; exit 1; \
	  fi; \
	done

unit-test: asan
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

api-test: asan
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) -L api

# The release build as a newcomer gets it: build, seed a tiny catalog into a fresh data dir,
# serve on a free port, /health/ready, one product page, SIGTERM -> exit 0 (scripts/smoke-release).
smoke:
	bash scripts/smoke-release

bench: release
	bash bench/run-wrk

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'bench/*.hpp')

clean:
	rm -rf build
