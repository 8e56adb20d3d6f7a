#!/usr/bin/env bash
# Load test of POST /v1/certificates against a local release server: throughput and p50/p99
# latency at concurrency 1, 2, 8 and 32 (LEVELS). Bounded at every level: wrk and oha run
# DURATION seconds (default 10); the built-in client sends at most REQUESTS_PER_CONN × C + 100
# requests (default 50 × C + 100); each level is killed after DURATION + 60 s whatever happens,
# and the server is stopped on exit. Traffic goes to 127.0.0.1 only.
#
#   scripts/loadtest.sh                      # juminhyo sample, PDF
#   FORMAT=png DPI=600 scripts/loadtest.sh   # 600 dpi PNG instead
#   LEVELS="1 8" DURATION=5 scripts/loadtest.sh
#
# Uses wrk when installed (apt-get install wrk), else oha, else the built-in closed-loop client
# (cargo run --example loadtest). The server runs with its ledger in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18080}
DURATION=${DURATION:-10}
LEVELS=${LEVELS:-"1 2 8 32"}
REQUESTS_PER_CONN=${REQUESTS_PER_CONN:-50}
HARD_STOP=$(( DURATION + 60 ))
LAYOUT=${LAYOUT:-juminhyo}
FORMAT=${FORMAT:-pdf}
DPI=${DPI:-600}
TOKEN=loadtest-$$
DATA=$(mktemp -d)
BODY=$DATA/body.json
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

cargo build --release -q -p shomei-server --bin shomei-server --example loadtest
python3 - "$BODY" "$LAYOUT" "$FORMAT" "$DPI" <<'PY'
import json, sys
out, layout, fmt, dpi = sys.argv[1:]
data = json.load(open(f"layouts/samples/{layout}.json"))
json.dump({"layout": layout, "municipality": "mihon-shi", "data": data, "format": fmt, "dpi": int(dpi)},
          open(out, "w"), ensure_ascii=False)
PY

# No background warm-up of every layout (it would take the cores during the first levels);
# one untimed request builds the measured layout's static pages instead, as the warm-up does
# for every layout when the server starts in production.
SHOMEI_DEV_TOKEN=$TOKEN RUST_LOG=warn target/release/shomei-server \
  --listen 127.0.0.1:$PORT --data-dir "$DATA/ledger" --no-warm-up &
SERVER=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

URL=http://127.0.0.1:$PORT/v1/certificates
curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  --data-binary @"$BODY" "$URL" || echo "warning: the untimed first request failed"
echo "layout $LAYOUT, format $FORMAT, $(nproc) cores, ${DURATION}s per level"
for C in $LEVELS; do
  if command -v wrk >/dev/null; then
    cat > "$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
local f = io.open("$BODY", "rb"); wrk.body = f:read("*a"); f:close()
LUA
    T=$(( C < $(nproc) ? C : $(nproc) ))
    OUT=$(timeout "$HARD_STOP" wrk -t"$T" -c"$C" -d"${DURATION}s" --latency -s "$DATA/post.lua" "$URL" || true)
    RPS=$(echo "$OUT" | awk '/Requests\/sec/ {print $2}')
    P50=$(echo "$OUT" | awk '$1=="50%" {print $2}')
    P99=$(echo "$OUT" | awk '$1=="99%" {print $2}')
    NON2XX=$(echo "$OUT" | awk '/Non-2xx/ {print $NF}')
    echo "concurrency $C: ${RPS} req/s, p50 ${P50}, p99 ${P99}, non-2xx ${NON2XX:-0}"
  elif command -v oha >/dev/null; then
    timeout "$HARD_STOP" oha -c "$C" -z "${DURATION}s" -m POST -H "Authorization: Bearer $TOKEN" \
      -H "Content-Type: application/json" -D "$BODY" --no-tui "$URL" \
      | grep -E "Requests/sec|50(\.00)?% in|99(\.00)?% in|\[[0-9]{3}\]" || true
  else
    timeout "$HARD_STOP" target/release/examples/loadtest "$URL" "$TOKEN" "$BODY" \
      $(( C * REQUESTS_PER_CONN + 100 )) "$C" || echo "(stopped after ${HARD_STOP}s)"
  fi
done
curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E "^shomei_(certificates|pages)_total"
