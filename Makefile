# caas — the two commands: `make run` and `make test`. Everything else is here too.
#
#   make run       install what is missing, build, start caasd --dev
#   make test      install what is missing, build, run every test (ctest)
#   make sanitize  ASan + UBSan build, every test and fuzz corpus
#   make fuzz      libFuzzer build (clang), each fuzzer for FUZZ_SECONDS
#   make bench     Release build, benchmarks beside their references (openssl speed, ...)
#   make format    clang-format every source file
#   make clean     remove the build folders

BUILD_DIR    ?= build
ASAN_DIR     ?= build-asan
FUZZ_DIR     ?= build-fuzz
BENCH_DIR    ?= build-bench
JOBS         ?= $(shell nproc)
FUZZ_SECONDS ?= 60
# Warnings are errors in CI (CI=true), plain warnings on a developer's machine.
WERROR       ?= $(if $(CI),ON,OFF)
CMAKE_FLAGS  ?=

CONFIGURE = cmake -S . -G Ninja -DCAAS_WERROR=$(WERROR) $(CMAKE_FLAGS)

.PHONY: all deps build test run sanitize fuzz bench format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@$(CONFIGURE) -B $(BUILD_DIR) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

run: build
	@echo "make run: caasd --dev on http://127.0.0.1:8200 (data in ./caas-data; Ctrl-C stops it)"
	@echo "  try:  curl -s http://127.0.0.1:8200/v1/sys/health"
	exec $(BUILD_DIR)/bin/caasd --dev --listen 127.0.0.1:8200

sanitize: deps
	@$(CONFIGURE) -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAAS_SANITIZE=ON \
	  -DCAAS_BENCH=OFF >/dev/null
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)

fuzz: deps
	@CXX=clang++ $(CONFIGURE) -B $(FUZZ_DIR) -DCAAS_FUZZ=ON -DCAAS_BENCH=OFF >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	scripts/run-fuzzers $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: deps
	@scripts/install-deps --services
	@$(CONFIGURE) -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BENCH_DIR) -j $(JOBS)
	bench/run $(BENCH_DIR)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(BENCH_DIR)
