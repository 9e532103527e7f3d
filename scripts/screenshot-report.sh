#!/usr/bin/env bash
# Renders a results folder's report.html in headless Chromium to one full-page PNG, to look at
# the report the way a reader's browser draws it (no network: the page is self-contained).
# Usage: scripts/screenshot-report.sh RESULTS_DIR [OUT.png]   (default OUT: RESULTS_DIR/report.png)
# Installs Debian's `chromium` package with apt-get when no Chromium is found, and says so.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 RESULTS_DIR [OUT.png]" >&2
    exit 2
fi
dir=$1
page="$dir/report.html"
out=${2:-$dir/report.png}
if [[ ! -f "$page" ]]; then
    echo "screenshot-report: no report.html in $dir (run 'syncbench report $dir' first)" >&2
    exit 2
fi

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$browser" ]]; then
    echo "screenshot-report: Chromium not found; installing Debian's chromium package with apt-get" >&2
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    browser=$(command -v chromium)
fi

# 1280 CSS pixels wide, as a laptop browser window; the page's own height, measured by loading a
# copy with one line of script that writes it into the title (report.html itself has no script).
width=1280
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
    --user-data-dir="$work/profile" --disable-dev-shm-usage)
sed 's#</body>#<script>document.title = "height=" + document.documentElement.scrollHeight;</script></body>#' \
    "$page" >"$work/measure.html"
height=$("$browser" "${flags[@]}" --window-size="$width,1000" --dump-dom "file://$(realpath "$work/measure.html")" \
    2>/dev/null | sed -n 's#.*<title>height=\([0-9]*\)</title>.*#\1#p' | head -1)
if [[ -z "$height" ]]; then
    echo "screenshot-report: could not measure the page's height" >&2
    exit 1
fi
"$browser" "${flags[@]}" --window-size="$width,$height" --screenshot="$(realpath -m "$out")" \
    "file://$(realpath "$page")" 2>/dev/null >/dev/null
if [[ ! -s "$out" ]]; then
    echo "screenshot-report: Chromium wrote no screenshot" >&2
    exit 1
fi
echo "wrote $out (${width}x${height} CSS pixels)"
