# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over CMake presets. `make demo` and `make check` bootstrap the
# Debian dependencies first, so they work on a fresh machine.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20
CTEST_ARGS ?=

.PHONY: all build bootstrap check test test-asan fuzz-build fuzz-run demo \
	bench format clean

all: build

bootstrap:
	./scripts/bootstrap

build:
	cmake --preset dev >/dev/null
	cmake --build build/dev -j $(JOBS) -- --no-print-directory

test: build
	cd build/dev && ctest --output-on-failure -j $(JOBS) -LE bench $(CTEST_ARGS)

test-asan:
	cmake --preset asan >/dev/null
	cmake --build build/asan -j $(JOBS) -- --no-print-directory
	cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS) -LE bench $(CTEST_ARGS)

fuzz-build:
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS) -- --no-print-directory

# Each harness runs briefly from its stored seeds; a crash fails the target.
fuzz-run: fuzz-build
	./scripts/fuzz-all build/fuzz $(FUZZ_SECONDS)

check: bootstrap
	$(MAKE) test
	$(MAKE) test-asan
	$(MAKE) fuzz-run

demo: bootstrap build
	./scripts/demo build/dev/kizashi

bench: build
	KZ_BOOTSTRAP_BENCH=1 ./scripts/bootstrap
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS) -- --no-print-directory
	./bench/extract.sh build/release/kizashi
	./bench/ingest.sh build/release/kizashi
	./bench/hunt.sh build/release/kizashi
	./bench/files.sh build/release/kizashi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
