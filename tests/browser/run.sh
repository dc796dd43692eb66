#!/bin/sh
# run.sh WICK — the browser test of wick.page (tests/run_tests.sh runs it in make test):
# writes the test pages with WICK into a temporary folder, then page_test.js opens them
# in Debian's chromium, headless, through npm playwright-core (installed by make test into
# build/browser, tried once a build; make browser-deps retries). Screenshots go to
# build/browser/. Ends with "browser: N passed, M failed"; skipped (counted as skipped,
# not passed) without chromium, node or playwright-core (saying why npm failed), and under the sanitizers (make asan: the page is the same code).
wick=${1:-./wick}
chromium=${CHROMIUM:-/usr/bin/chromium}
modules=${WICK_BROWSER_MODULES:-build/browser/node_modules}
skip() { echo "browser: 0 passed, 0 failed, 1 skipped ($1)"; exit 0; }
[ -n "$WICK_SANITIZED" ] && skip "not run under the sanitizers"
[ -x "$chromium" ] || skip "no $chromium: make deps installs Debian's chromium"
command -v node >/dev/null 2>&1 || skip "no node"
if [ ! -f "$modules/playwright-core/package.json" ]; then
    [ -f build/browser/npm-failed ] && skip "npm could not install playwright-core: $(cat build/browser/npm-failed); make browser-deps tries again"
    skip "no playwright-core in $modules: make test installs it with npm"
fi
tmp=$(mktemp -d /tmp/wick-browser.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
if ! "$wick" tests/browser/make_pages.lua "$tmp"; then
    echo "browser: 0 passed, 1 failed (tests/browser/make_pages.lua did not write the pages)"
    exit 1
fi
CHROMIUM="$chromium" NODE_PATH="$modules" node tests/browser/page_test.js "$tmp" build/browser
