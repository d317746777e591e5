# Convenience wrapper around CMake. The two commands of the README:
#   make demo   install what is missing, build, run the main job
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test sanitize tsan valgrind coverage bench icount clean

all: build

deps:
	@bash scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DAIASIM_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: kick vs no-kick on the bundled mixed scenario.
demo: build
	@./$(BUILD)/aiasim run examples/scenarios/running-plus-idle.yaml

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Address + undefined-behaviour sanitizers over the whole suite.
sanitize:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DAIASIM_SANITIZE=address,undefined -DAIASIM_BUILD_BENCH=OFF"

# ThreadSanitizer over the whole suite (the threaded parts: mailbox, --jobs).
tsan:
	@$(MAKE) --no-print-directory test BUILD=build-tsan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DAIASIM_SANITIZE=thread -DAIASIM_BUILD_BENCH=OFF"

# valgrind memcheck on the test programs: zero errors, zero leaks.
valgrind: build
	@bash scripts/valgrind.sh $(BUILD)

# Line and branch coverage of lib/ (gcovr).
coverage:
	@AIASIM_DEPS_EXTRA=gcovr bash scripts/deps.sh
	@cmake -S . -B build-cov -DCMAKE_BUILD_TYPE=Debug -DAIASIM_BUILD_BENCH=OFF \
	  -DCMAKE_C_FLAGS="--coverage" -DCMAKE_EXE_LINKER_FLAGS="--coverage" -DCMAKE_SHARED_LINKER_FLAGS="--coverage" >/dev/null
	@cmake --build build-cov -j $(JOBS)
	@find build-cov -name '*.gcda' -delete
	@cd build-cov && ctest >/dev/null || true   # serial: the tests share the library's .gcda files
	@gcovr -r . --filter lib/ --object-directory build-cov --gcov-ignore-parse-errors \
	  --print-summary --txt build-cov/coverage.txt | tail -n 3

# Every benchmark prints its targets ("met" / "NOT MET"); all of them run,
# and the status says whether every target was met. They time a Release
# build of their own (-O3; the default build is -O2 with debug info).
BENCH_BUILD ?= build-bench
bench: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DAIASIM_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS)
	@rc=0; ./$(BENCH_BUILD)/bench/bench_engine || rc=1; \
	./$(BENCH_BUILD)/bench/bench_throughput || rc=1; \
	AIASIM=$(CURDIR)/$(BENCH_BUILD)/aiasim bash bench/sweep/run.sh $(BENCH_BUILD)/sweep || rc=1; \
	if [ $$rc = 0 ]; then echo "bench: every target met"; else echo "bench: some target NOT met"; fi; \
	exit $$rc

# The figures behind bench_throughput's timed targets, counted instead of
# timed (callgrind: instructions and simulated cache misses per step), the
# same on every run of the same build; about 45 s.
icount:
	@AIASIM_DEPS_EXTRA=valgrind bash scripts/deps.sh
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DAIASIM_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target bench_throughput
	@BENCH=$(CURDIR)/$(BENCH_BUILD)/bench/bench_throughput bash bench/icount/run.sh $(BENCH_BUILD)/icount

clean:
	rm -rf build build-asan build-tsan build-cov build-bench
