# The README's commands. `build` only configures and compiles (it never installs anything);
# `test`, `test-long`, `test-sanitize`, `bench` and `demo` first install what is missing
# (scripts/install-deps: Debian packages and the npm peers) and build, so on a fresh Debian 12
# machine `make test` alone goes from nothing to green.
BUILD      ?= build
JOBS       ?= $(shell nproc)
PY         := /usr/bin/python3
CMAKE_ARGS ?=
# ctest fails when a label selects no test, so a target never passes by running nothing.
CTEST      := ctest --output-on-failure --no-tests=error

.PHONY: all deps build test test-long test-sanitize bench demo clean

# Prerequisites run one after another, in the order written (deps before build).
.NOTPARALLEL:

all: build

deps:
	@scripts/install-deps

build:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Unit and conformance tests (PyTorch and npm peers are called by the tests). < 15 min on 2 cores.
test: deps build
	@cd $(BUILD) && $(CTEST) -j $(JOBS) -LE long

# Long checks (tests/long/, labelled `long`) kept out of `make test`: models trained for
# their effect and wider parity sweeps against PyTorch. One at a time: each uses every core.
test-long: deps build
	@cd $(BUILD) && $(CTEST) -L long

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize: deps
	@cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMFORGE_SANITIZE=ON >/dev/null
	@cmake --build build-sanitize -j $(JOBS)
	@cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(CTEST) -j $(JOBS) -LE long

# Benchmarks against the peers in the same run; results in bench/results/, table in docs/benchmarks.md.
bench: deps build
	@bench/run-all $(BUILD)

# The main job on the embedded default data.
demo: deps build
	@scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD) build-sanitize
