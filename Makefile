# Convenience wrapper around CMake. The two commands of the README:
#   make demo   install what is missing, build, run the main job
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test sanitize tsan bench clean

all: build

deps:
	@bash scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DAIASIM_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./$(BUILD)/examples/demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Address + undefined-behaviour sanitizers over the whole suite.
sanitize:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DAIASIM_SANITIZE=address,undefined -DAIASIM_BUILD_BENCH=OFF"

bench: build
	@./$(BUILD)/bench/bench_engine

clean:
	rm -rf build build-asan build-tsan
