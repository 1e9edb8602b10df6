#!/usr/bin/env bash
# bench report's index.html in a real browser: Debian's chromium, headless,
# loads the page (a copy with a small probe script injected, so the page
# itself is what the user gets) and the probe writes into the DOM that
# chromium dumps: how many images there are and how many loaded (complete,
# naturalWidth > 0), how many inline SVG plots there are and how many were
# laid out with a size, whether the answer paragraph is shown, and every
# error event (a resource that failed to load, a script error) and
# console.error call. chromium's own log must hold no console message. A
# screenshot of the page is taken in the same run and must be a PNG.
# Without chromium, or when it cannot start here, the test is skipped (exit
# 77) with the reason.
# Usage: browser.sh PATH_TO_BENCH FIXTURES_DIR [MAKE_LARGE.py]
. "$(dirname "$0")/../integration/lib.sh"
FIX=$(readlink -f "${2:?usage: $0 BENCH FIXTURES_DIR [MAKE_LARGE.py]}")
MAKE_LARGE=${3:-$(dirname "$0")/make_large.py}
MAKE_LARGE=$(readlink -f "$MAKE_LARGE")
cd "$WORK" || exit 1

skip() {
  echo "SKIP: $*"
  exit 77
}

browser=""
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null && browser=$(command -v "$b") && break
done
[ -n "$browser" ] || skip "chromium not installed (apt-get install chromium)"
command -v gnuplot >/dev/null || skip "gnuplot not installed: the report has no plots to check"

# One headless run: the DOM after load goes to $2.dom, the log to $2.log,
# a screenshot to $2.png.
run_browser() {
  timeout -k 5 90 "$browser" --headless --no-sandbox --disable-gpu \
    --no-first-run --user-data-dir="$WORK/profile" --window-size=1200,2000 \
    --enable-logging=stderr --v=0 --virtual-time-budget=10000 \
    --screenshot="$WORK/$2.png" --dump-dom "$1" >"$2.dom" 2>"$2.log"
}

# The probe: error capture first in <head>, the count at the load event.
cat >head.js <<'EOF'
<script>
window.ptErrors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.ptErrors.push(e.message || (t && (t.src || t.href)) || 'error');
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    window.ptErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
</script>
EOF
cat >tail.js <<'EOF'
<script>
window.addEventListener('load', function () {
  var imgs = document.images, loaded = 0, svgs = document.querySelectorAll('figure svg'), drawn = 0;
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth > 0) loaded++;
    else window.ptErrors.push('not loaded: ' + imgs[i].getAttribute('src'));
  for (var j = 0; j < svgs.length; j++) {
    var r = svgs[j].getBoundingClientRect();
    if (r.width > 100 && r.height > 100) drawn++;
  }
  var a = document.getElementById('answer');
  var out = document.createElement('pre');
  out.textContent = 'PT-CHECK images=' + imgs.length + ' loaded=' + loaded +
    ' svg=' + svgs.length + ' drawn=' + drawn +
    ' answer=' + (a && a.getBoundingClientRect().height > 0 ? 1 : 0) +
    ' errors=' + window.ptErrors.length + ' [' + window.ptErrors.join(' | ') + '] END';
  document.body.appendChild(out);
});
</script>
EOF

# inject PAGE COPY: COPY is PAGE with the probe.
inject() {
  /usr/bin/python3 - "$1" "$2" <<'EOF'
import sys
page = open(sys.argv[1]).read()
head, tail = open('head.js').read(), open('tail.js').read()
assert page.count('<head>') == 1 and page.count('</body>') == 1
open(sys.argv[2], 'w').write(page.replace('<head>', '<head>' + head).replace('</body>', tail + '</body>'))
EOF
}

# check_page NAME DIR: the report in DIR, through the probe.
check_page() {
  local name=$1 dir=$2
  inject "$dir/index.html" "$dir/probe.html"
  run_browser "file://$WORK/$dir/probe.html" "$name"
  if ! grep -q '</html>' "$name.dom"; then
    local why
    why=$(grep -v -i -E 'dbus|vaapi|sandbox|idle_linux|unexpected operator' "$name.log" | head -n 1)
    [ "$passed$failed" = 00 ] && skip "chromium cannot start here: ${why:-no page rendered}"
  fi
  local line
  line=$(grep -o 'PT-CHECK .* END' "$name.dom" | tail -n 1)
  echo "$name: $line"
  local plots inline imgs
  plots=$(find "$dir/plots" -name '*.svg' | wc -l)
  inline=$(grep -c '<figure><svg' "$dir/index.html")
  imgs=$(grep -o '<img ' "$dir/index.html" | wc -l)
  check "$name: the page rendered (probe ran)" [ -n "$line" ]
  check "$name: every image loaded" bash -c "[[ '$line' =~ images=([0-9]+)\ loaded=([0-9]+) ]] && [ \${BASH_REMATCH[1]} = \${BASH_REMATCH[2]} ] && [ \${BASH_REMATCH[1]} = $imgs ]"
  check "$name: every inline plot laid out" bash -c "[[ '$line' =~ svg=([0-9]+)\ drawn=([0-9]+) ]] && [ \${BASH_REMATCH[1]} = \${BASH_REMATCH[2]} ] && [ \${BASH_REMATCH[1]} = $inline ]"
  check "$name: every plot shown, inline or as an image" [ $((inline + imgs)) -eq "$plots" ]
  check "$name: the answer paragraph is shown" grep -q 'answer=1' <<<"$line"
  check "$name: no error events" grep -q 'errors=0 \[\]' <<<"$line"
  check "$name: no console message in chromium's log" bash -c "! grep -q ':CONSOLE' '$name.log'"
  check "$name: screenshot is a PNG" [ "$(head -c 8 "$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

"$BENCH" report "$FIX/breakdown.json" -o one >/dev/null 2>&1
rc=$?
check_page breakdown one
check "report of breakdown.json exits 0" [ $rc -eq 0 ]
check "the breakdown plot is there" [ -s one/plots/f1-cpu-hash_tasks-200-breakdown.svg ]

"$BENCH" report "$FIX/cpu-hash.json" "$FIX/cpu-hash-b.json" -o two >/dev/null 2>&1
check "comparison report exits 0" [ $? -eq 0 ]
check_page comparison two

# Many groups: plots past the page's 2 MiB of inline SVG are linked images.
/usr/bin/python3 "$MAKE_LARGE" "$FIX/breakdown.json" many.json 18
"$BENCH" report many.json --plot-groups=all -o many >/dev/null 2>&1
check "18-group report exits 0" [ $? -eq 0 ]
check "18-group report links some plots" grep -q '<img src="plots/' many/index.html
check_page many many

# The probe itself: a page with a missing image and a console error fails.
mkdir -p bad/plots
cp one/plots/f1-cpu-hash_tasks-200-speedup.svg bad/plots/
cat >bad/index.html <<'EOF'
<!DOCTYPE html><html><head><title>bad</title></head><body>
<p id="answer">x</p><figure><img src="plots/missing.svg"></figure>
<script>console.error('boom');</script></body></html>
EOF
inject bad/index.html bad/probe.html
run_browser "file://$WORK/bad/probe.html" bad
check "probe: a missing image is caught" grep -q 'images=1 loaded=0 .*not loaded: plots/missing.svg' bad.dom
check "probe: console.error is caught" grep -q 'console.error: boom' bad.dom
check "chromium logs a console message" grep -q ':CONSOLE' bad.log

finish
