#!/usr/bin/env bash
# Loopback load test: the demo backend alone (baseline) versus the same backend through the
# gateway (HTTP_PROXY), plus a MOCK route and a 403 route. Prints each run and the ratios against
# the baseline measured in the same run. Bounded: DURATION per case (default 5s), loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-5s}"
CONC="${CONC:-8}"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/portcullis" ./cmd/portcullis
go build -o "$tmp/loadgen" ./scripts/loadgen
"$tmp/portcullis" serve --listen 127.0.0.1:4670 --admin 127.0.0.1:4672 --demo-backend 127.0.0.1:4675 --data "$tmp/data" >"$tmp/serve.log" 2>&1 &
for _ in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:4672/healthz && break; sleep 0.1; done
H=a1b2c3d4e5.execute-api.localhost
run() { "$tmp/loadgen" -c "$CONC" -d "$DURATION" -label "$1" -url "$2" ${3:+-host "$3"}; }
base=$(run baseline-backend http://127.0.0.1:4675/pets/1)
echo "$base"
proxy=$(run gateway-http-proxy http://127.0.0.1:4670/prod/pets/1 $H); echo "$proxy"
mock=$(run gateway-mock http://127.0.0.1:4670/prod/pets $H); echo "$mock"
deny=$(run gateway-403 http://127.0.0.1:4670/prod/nope $H); echo "$deny"
rps() { sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$1"; }
b=$(rps "$base")
for line in "$proxy" "$mock" "$deny"; do
  awk -v name="$(awk '{print $1}' <<<"$line")" -v r="$(rps "$line")" -v b="$b" 'BEGIN { printf "ratio %-24s %.2f of baseline throughput\n", name, r / b }'
done
