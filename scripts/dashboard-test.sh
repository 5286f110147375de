#!/usr/bin/env bash
# The dashboard and the performance report in a real browser (headless Chromium,
# loopback only, stopped by process id):
# 1. examples/dashboard.rs runs S1 for about a minute on 2 workers; Chromium opens the
#    page it prints; through the page's own DOM (scripts/cdp.py, the DevTools
#    protocol), the main run must reach 100% with both workers listed. Screenshot:
#    docs/dashboard.png.
# 2. examples/report.rs writes a performance report; Chromium opens the file; its group
#    table's task counts must add up to the summary's. Screenshot: docs/report.png.
# 3. The dashboard under MPI (2 ranks): rank 0 serves the page, and rank 1's tasks must
#    reach it (listed as a worker of rank 1) as the run reaches 100%.
#    Screenshot: docs/dashboard-mpi.png.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${DASHBOARD_SECONDS:-60}
# The features of .ci/run's test build, so nothing is compiled twice.
cargo build --features dataframe,mpi,dashboard --example dashboard --example report
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Chromium's helpers (renderer, crash handler) can outlive its main process for a
  # moment, still writing into the profile: stop them too (by pid, found by the
  # profile's path), then remove the directory once nothing writes into it.
  for p in $(pgrep -f -- "--user-data-dir=$work/" || true); do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for _ in $(seq 40); do
    rm -rf "$work" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "dashboard-test: could not remove $work" >&2
}
trap cleanup EXIT
fail() { echo "dashboard-test: FAILED: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_url() {  # $1: an example's log; prints the URL it printed (within a minute)
  local url=""
  for _ in $(seq 300); do
    url=$(grep -o 'dashboard=http://[^ ]*' "$1" | head -1 | cut -d= -f2- || true)
    [ -n "$url" ] && break
    sleep 0.2
  done
  echo "$url"
}
browse() {  # $1: URL; starts chromium with a debugging port, sets $port. Not in a
  # subshell (`$(browse ...)`): there `pids+=` would be lost and chromium never stopped.
  port=$(free_port)
  chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$work/profile-$port" --remote-debugging-address=127.0.0.1 \
    --remote-debugging-port="$port" --window-size=1280,900 "$1" >"$work/chromium-$port.log" 2>&1 &
  pids+=($!)
}

# 1. The dashboard, live.
CHUNKWISE_WORKERS=2 target/debug/examples/dashboard "$seconds" 127.0.0.1:0 10 >"$work/dashboard.log" 2>&1 &
example=$!
pids+=($example)
url=$(wait_url "$work/dashboard.log")
[ -n "$url" ] || fail "no dashboard URL: $(cat "$work/dashboard.log")"
# Without the token: 403.
code=$(python3 -c "import sys,urllib.request,urllib.error
try: urllib.request.urlopen(sys.argv[1].split('?')[0]); print(200)
except urllib.error.HTTPError as e: print(e.code)" "$url")
[ "$code" = 403 ] || fail "the page answered $code without its token"
browse "$url"
mkdir -p docs
done_check='(() => { const p = document.getElementById("progress");
  const w = document.querySelectorAll("#workers li").length;
  return p && p.dataset.run === "2" && p.dataset.percent === "100" && w >= 2
    ? "run=2 percent=100 workers=" + w : ""; })()'
got=$(python3 scripts/cdp.py "$port" "$done_check" docs/dashboard.png $((seconds * 3 + 60))) \
  || fail "the page never showed the run done on both workers (last: $got)"
echo "dashboard-test: the page showed $got"
wait "$example" || fail "the example failed: $(cat "$work/dashboard.log")"
grep -q 'checksum=' "$work/dashboard.log" || fail "no summary line"
echo "dashboard-test: $(tail -1 "$work/dashboard.log")"

# 2. A performance report, offline.
target/debug/examples/report "$work/report.html" 4000 500 >"$work/report.log"
browse "file://$work/report.html"
tables_check='(() => { const rows = [...document.querySelectorAll("#groups tr")].slice(1);
  const sum = rows.reduce((a, r) => a + Number(r.cells[1].textContent), 0);
  const tasks = [...document.querySelectorAll("#summary tr")].find(r => r.cells[0].textContent === "tasks");
  const bars = document.querySelectorAll("#stream rect.task").length;
  return rows.length > 2 && tasks && sum === Number(tasks.cells[1].textContent) && bars === sum
    ? "groups=" + rows.length + " tasks=" + sum : ""; })()'
got=$(python3 scripts/cdp.py "$port" "$tables_check" docs/report.png 60) \
  || fail "the report's tables do not add up (last: $got)"
echo "dashboard-test: the report shows $got"

# 3. Under MPI: rank 0 serves the page and shows rank 1's tasks.
mpi_seconds=$(( seconds / 3 > 10 ? seconds / 3 : 10 ))
CHUNKWISE_WORKERS=1 timeout 600 mpirun --allow-run-as-root --oversubscribe -np 2 \
  target/debug/examples/dashboard "$mpi_seconds" 127.0.0.1:0 10 >"$work/mpi.log" 2>&1 &
pids+=($!)
mpi_job=$!
url=$(wait_url "$work/mpi.log")
[ -n "$url" ] || fail "no dashboard URL under MPI: $(cat "$work/mpi.log")"
[ "$(grep -c 'dashboard=' "$work/mpi.log")" = 1 ] || fail "more than one rank served a page"
browse "$url"
mpi_check='(() => { const p = document.getElementById("progress");
  const ranks = new Set([...document.querySelectorAll("#workers li")].map(l => l.dataset.rank));
  return p && p.dataset.run === "2" && p.dataset.percent === "100" && ranks.has("0") && ranks.has("1")
    ? "run=2 percent=100 ranks=" + [...ranks].sort().join(",") : ""; })()'
got=$(python3 scripts/cdp.py "$port" "$mpi_check" docs/dashboard-mpi.png $((mpi_seconds * 3 + 60))) \
  || fail "under MPI the page never showed both ranks' tasks done (last: $got)"
echo "dashboard-test: under MPI the page showed $got"
wait "$mpi_job" || fail "the MPI example failed: $(cat "$work/mpi.log")"
echo "dashboard-test: $(grep checksum= "$work/mpi.log" | tail -1)"
