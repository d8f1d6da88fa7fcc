# The README's commands. Each target installs what is missing and builds first, so on a
# fresh Debian 12 machine `make test` alone goes from nothing to green.
BUILD      ?= build
JOBS       ?= $(shell nproc)
PY         := /usr/bin/python3
CMAKE_ARGS ?=

.PHONY: all deps build test test-long test-sanitize bench demo clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Unit and conformance tests (PyTorch and npm peers are called by the tests). < 15 min on 2 cores.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE long

# Long checks (bigger models, more steps) kept out of `make test`.
test-long: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L long

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize: deps
	@cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMFORGE_SANITIZE=ON >/dev/null
	@cmake --build build-sanitize -j $(JOBS)
	@cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -LE long

# Benchmarks against the peers in the same run; results in bench/results/, table in docs/benchmarks.md.
bench: build
	@bench/run-all $(BUILD)

# The main job on the embedded default data.
demo: build
	@scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD) build-sanitize
