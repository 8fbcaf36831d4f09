# Thin wrapper over CMake (as neovim does it). Every target first installs the
# Debian packages that are missing (apt-get; sudo when not root; nothing when
# all are there), then builds with CMake.
#
#   make            release build in build/release
#   make article    reproduce the published article into out/article/
#   make demo       collect from two simulated Ollama servers into out/demo/
#   make test       sanitizer build (ASan+UBSan) in build/test, then ctest
#   make bench      run the benchmark scripts under bench/
#
# BUILD_DIR and TEST_DIR may be overridden, e.g. to keep parallel builds apart.

BUILD_DIR ?= build/release
TEST_DIR  ?= build/test
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
WERROR    ?= $(if $(filter true,$(CI)),ON,$(or $(PTBENCH_WERROR),OFF))
PTBENCH   := $(BUILD_DIR)/ptbench

# pkg-config module -> Debian package
PKG_MODULES := libcjson:libcjson-dev libcurl:libcurl4-openssl-dev \
  cairo:libcairo2-dev pangocairo:libpango1.0-dev libpng:libpng-dev yaml-0.1:libyaml-dev \
  libcmark-gfm:libcmark-gfm-dev libarchive:libarchive-dev \
  libmicrohttpd:libmicrohttpd-dev cmocka:libcmocka-dev libpci:libpci-dev
# file -> Debian package, for what has no pkg-config file
FILE_DEPS := /usr/include/csv.h:libcsv-dev \
  /usr/lib/x86_64-linux-gnu/libcmark-gfm-extensions.so:libcmark-gfm-extensions-dev \
  /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core \
  /usr/share/misc/pci.ids:pci.ids
TOOLS := cmake:cmake pkg-config:pkg-config gcc:gcc curl:curl jq:jq xmllint:libxml2-utils
# command -> Debian package, needed only by the tests (the browser tests; hugo and
# mkdocs build a batch site for real; python3 for the README test and the tests
# that generate their inputs; ansible for the Ansible example's test)
TEST_TOOLS := chromium:chromium hugo:hugo mkdocs:mkdocs python3:python3 ansible-playbook:ansible
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# $(call install,PACKAGES): apt-get install what the shell variable names
install = if [ -n "$(1)" ]; then \
	  echo "installing:$(1)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(1); \
	fi

.PHONY: all deps test-deps build article demo test bench clean
all: build

deps:
	@missing=""; \
	for pair in $(PKG_MODULES); do \
	  pkg-config --exists "$${pair%%:*}" 2>/dev/null || missing="$$missing $${pair#*:}"; \
	done; \
	for pair in $(FILE_DEPS); do \
	  [ -e "$${pair%%:*}" ] || missing="$$missing $${pair#*:}"; \
	done; \
	for pair in $(TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	$(call install,$$missing)

test-deps: deps
	@missing=""; \
	for pair in $(TEST_TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	$(call install,$$missing)

# the program and the fake Ollama server (for `make demo`); the tests build
# in their own directory
build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DPTBENCH_WERROR=$(WERROR) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target ptbench fake-ollama -- --no-print-directory

article: build
	@$(PTBENCH) report --quiet --out out/article --template article.md data/article
	@cat out/article/table.md
	@echo "report written to out/article/ (README.md, table.md, analysis.json, charts)"

demo: build
	@bash tests/demo.sh $(PTBENCH) $(BUILD_DIR)/tests/fake-ollama out/demo

test: test-deps
	@cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DPTBENCH_SANITIZE=ON -DPTBENCH_WERROR=$(WERROR) >/dev/null
	@cmake --build $(TEST_DIR) -j $(JOBS) -- --no-print-directory
	@cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@for s in bench/*.sh; do bash "$$s" || exit 1; done

clean:
	rm -rf build out
