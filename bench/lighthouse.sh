#!/usr/bin/env bash
# Lighthouse's four scores for the landing, course and a story page (mobile, the default).
#
#   bench/lighthouse.sh                     # installs lighthouse, starts a demo site, prints scores
#   LIGHTHOUSE_VERSION=12.8.2 RUNS=3 bench/lighthouse.sh
#   PAGE_LANG=en bench/lighthouse.sh        # the English pages (Japanese by default)
#
# 1. installs npm's lighthouse (12.8.2: version 13 needs Node 22) into
#    var/lighthouse/npm, once; if that version cannot be installed it says so and
#    takes the newest 12.x that installs, and prints which;
# 2. prepares a site as `make run` does (migrate, cache table, load_demo,
#    collectstatic) in a fresh folder under var/lighthouse/, with production
#    settings (DEBUG off, compressed static files with hashed names; no TLS
#    redirect on loopback), and starts gunicorn as the Procfile does;
# 3. runs lighthouse with Debian's Chromium on the featured campaign's landing
#    and course pages and on a published story (the middle one along the course),
#    RUNS times each (1 by default; with more, the median Performance run is
#    kept), and prints Performance, Accessibility, Best Practices and SEO per
#    page, then every audit that did not pass, so the pages' owners know what to
#    fix. Targets: Performance >= 95, Accessibility 100, Best Practices >= 95, SEO 100.
#
# The reports stay in var/lighthouse/reports/ (JSON and HTML). Nothing is asserted.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PY:-$ROOT/.venv/bin/python}"
GUNICORN="${GUNICORN:-$ROOT/.venv/bin/gunicorn}"
WANTED="${LIGHTHOUSE_VERSION:-12.8.2}"
RUNS="${RUNS:-1}"
PAGE_LANG="${PAGE_LANG:-ja}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
LH_HOME="$ROOT/var/lighthouse"
NPM_DIR="$LH_HOME/npm"
REPORTS="$LH_HOME/reports"
mkdir -p "$NPM_DIR" "$REPORTS"

say() { printf '%s\n' "$*"; }

# --- 1. lighthouse ---------------------------------------------------------------------------
installed_version() {
  node -e "console.log(require('$NPM_DIR/node_modules/lighthouse/package.json').version)" 2>/dev/null || true
}
install_lighthouse() {
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error "lighthouse@$1" >"$LH_HOME/npm-install.log" 2>&1
}
if [ "$(installed_version)" != "$WANTED" ]; then
  say "Installing lighthouse@$WANTED into var/lighthouse/npm …"
  if ! install_lighthouse "$WANTED"; then
    say "lighthouse@$WANTED could not be installed (see var/lighthouse/npm-install.log)."
    newest="$(npm view 'lighthouse@12' version 2>/dev/null | tail -n 1 | awk '{print $NF}' | tr -d "'")"
    if [ -z "$newest" ] || ! install_lighthouse "$newest"; then
      say "No lighthouse 12.x could be installed either."; exit 1
    fi
  fi
fi
say "lighthouse $(installed_version), $("$CHROME_PATH" --version 2>/dev/null | head -n 1), node $(node --version)"
[ -x "$CHROME_PATH" ] || { say "No Chromium at $CHROME_PATH: sudo apt-get install chromium"; exit 1; }

# --- 2. the site -----------------------------------------------------------------------------
SITE_DIR="$(mktemp -d "$LH_HOME/site-XXXXXX")"
PORT="${PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
export TASUKI_MODE=production DEBUG=false SECURE_SSL_REDIRECT=false
export SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(60))')"
export ALLOWED_HOSTS="127.0.0.1,localhost" SITE_URL="http://127.0.0.1:$PORT"
export TASUKI_VAR_DIR="$SITE_DIR" DATABASE_URL="sqlite:///$SITE_DIR/site.sqlite3"
export EMAIL_URL="consolemail://" LOG_LEVEL=WARNING PYTHONPATH="$ROOT/src"
GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  rm -rf "$SITE_DIR"
}
trap cleanup EXIT

say "Preparing the demo site (migrate, load_demo, collectstatic) …"
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py createcachetable
"$PY" manage.py load_demo >/dev/null
"$PY" manage.py collectstatic --no-input -v 0

# The pages: the featured campaign's landing and course, and its relay's middle story.
mapfile -t PAGES < <(PAGE_LANG="$PAGE_LANG" "$PY" manage.py shell --no-imports -c '
import os
from django.urls import reverse
from django.utils import translation
from tasuki.campaigns.selectors import featured_campaign
from tasuki.relay.models import Story
campaign = featured_campaign()
stories = list(Story.objects.published().select_related("campaign").order_by("campaign__run_number", "km"))
story = stories[len(stories) // 2]
with translation.override(os.environ["PAGE_LANG"]):
    print("landing", reverse("campaigns:landing", args=[campaign.slug]))
    print("course", reverse("relay:course", args=[campaign.slug]))
    print("story", reverse("relay:story", args=[story.campaign.slug, story.slug]))
' | grep -E '^(landing|course|story) /')
[ "${#PAGES[@]}" -eq 3 ] || { say "Could not find the three pages to measure (is there a published story?)"; exit 1; }

"$GUNICORN" tasuki.wsgi --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --timeout 60 \
  >"$SITE_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$SITE_DIR/gunicorn.log"; exit 1; }

# --- 3. lighthouse on each page --------------------------------------------------------------
LH="$NPM_DIR/node_modules/lighthouse/cli/index.js"
for line in "${PAGES[@]}"; do
  name="${line%% *}"; path="${line#* }"
  url="http://127.0.0.1:$PORT$path"
  curl -fsS -o /dev/null "$url"  # the first answer fills the page cache, as any visitor's would
  for run in $(seq 1 "$RUNS"); do
    say "lighthouse: $name ($path), run $run of $RUNS …"
    node "$LH" "$url" --quiet --chrome-flags="--headless=new --no-sandbox" \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output=html --output-path="$REPORTS/$name-$run" >/dev/null 2>"$REPORTS/$name-$run.log" \
      || { say "lighthouse failed on $name: see $REPORTS/$name-$run.log"; exit 1; }
  done
done

"$PY" - "$REPORTS" "$RUNS" "${PAGES[@]}" <<'EOF'
import json, statistics, sys
from pathlib import Path

reports, runs, pages = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
CATEGORIES = [("performance", "Performance", 95), ("accessibility", "Accessibility", 100),
              ("best-practices", "Best Practices", 95), ("seo", "SEO", 100)]
print()
print(f"{'page':10} {'path':42} " + " ".join(f"{label:>14}" for _, label, _ in CATEGORIES))
chosen = {}
for line in pages:
    name, path = line.split(" ", 1)
    results = [json.loads((reports / f"{name}-{run}.report.json").read_text()) for run in range(1, runs + 1)]
    results.sort(key=lambda r: r["categories"]["performance"]["score"] or 0)
    report = results[len(results) // 2]  # the median run by Performance
    chosen[name] = report
    scores = [round((report["categories"][key]["score"] or 0) * 100) for key, _, _ in CATEGORIES]
    print(f"{name:10} {path:42} " + " ".join(f"{s:>14}" for s in scores))
    if runs > 1:
        perf = [round((r["categories"]["performance"]["score"] or 0) * 100) for r in results]
        print(f"{'':10} {'Performance over the runs: ' + ', '.join(map(str, perf)):42}")
print("\nTargets: Performance >= 95, Accessibility 100, Best Practices >= 95, SEO 100.")
for name, report in chosen.items():
    failed = []
    for key, label, _ in CATEGORIES:
        for ref in report["categories"][key]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            mode = audit.get("scoreDisplayMode")
            if ref.get("weight", 0) == 0 and mode != "binary":
                continue
            if mode in ("notApplicable", "manual", "informative") or audit.get("score") is None:
                continue
            if audit["score"] < 1:
                shown = audit.get("displayValue") or ""
                items = audit.get("details", {}).get("items") or []
                where = []
                for item in items[:3]:
                    node = item.get("node") if isinstance(item, dict) else None
                    if node and node.get("selector"):
                        where.append(node["selector"])
                    elif isinstance(item, dict) and item.get("url"):
                        where.append(item["url"])
                failed.append((label, audit["id"], round(audit["score"] * 100), audit["title"], shown, where))
    print(f"\n{name}: {len(failed)} audit(s) below full marks" + (":" if failed else ""))
    for label, audit_id, score, title, shown, where in failed:
        print(f"  [{label}] {audit_id} ({score}): {title}" + (f" — {shown}" if shown else ""))
        for place in where:
            print(f"      at {place}")
    metrics = report["audits"]
    print("  metrics: " + ", ".join(
        f"{key} {metrics[key].get('displayValue', '?')}"
        for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                    "cumulative-layout-shift", "speed-index") if key in metrics))
print(f"\nReports: {reports}/<page>-<run>.report.html")
EOF
