#!/usr/bin/env bash
# make bench: every performance figure of the README, printed by the benchmark
# that measures it. Node figures are Go benchmarks; devnet figures time real
# `devnet up` runs (process runtime always, docker when an engine answers).
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0

echo "== node: chain, mining, signatures (issue 2)"
go test -run '^$' -bench . -benchtime 2s ./node/chain/... ./node/blockchain/... ./node/miner/...

echo "== node: network (issue 3)"
go test -run '^$' -bench . -benchtime 1x ./node/p2p/... ./node/daemon/...

echo "== devnet: up until every node is peered (issue 4)"
go test -run '^$' -bench . -benchtime 1x -timeout 20m ./devnet/...

echo "== devnet: docker runtime (issue 4)"
if ! bin/devnet ping >/dev/null 2>&1; then
	echo "bench: no Docker engine answers: docker figures skipped"
	exit 0
fi
make --no-print-directory image >/dev/null
ls -l --block-size=1 bin/chaind | awk '{printf "chaind binary (image content): %.1f MB\n", $5/1e6}'

# `devnet up` of N chain nodes, image already built: until every node is peered.
tmp=$(mktemp -d)
trap 'bin/devnet --state-dir "$tmp/state" down --all >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
for n in 10; do
	printf 'name: bench-docker-%s\nnodes:\n  - name: miner\n    minter: w1\n  - name: peer\n    count: %s\n' "$n" "$((n - 1))" >"$tmp/up$n.yaml"
	start=$(date +%s.%N)
	bin/devnet --state-dir "$tmp/state" up -f "$tmp/up$n.yaml" --runtime docker >/dev/null
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v n="$n" 'BEGIN {printf "docker up, %d nodes: %.1f s\n", n, e - s}'
	bin/devnet --state-dir "$tmp/state" status --output json |
		awk -F: '/rss_bytes/ {gsub(/[ ,]/, "", $2); if ($2 > max) max = $2} END {printf "largest idle RSS: %.1f MB\n", max / 1e6}'
	bin/devnet --state-dir "$tmp/state" down "bench-docker-$n" >/dev/null
done

# 51 containers on one bridge need more neighbour entries than the kernel's default allows.
if [ "$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3)" -ge 4096 ]; then
	start=$(date +%s.%N)
	bin/devnet --state-dir "$tmp/state" run -f configs/scale.yaml --runtime docker --artifacts build/artifacts/scale-docker
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN {printf "docker scale scenario (50 nodes): %.1f s\n", e - s}'
else
	echo "bench: docker scale skipped: run 'sysctl -w net.ipv4.neigh.default.gc_thresh3=8192' first (kernel ARP table too small for 51 containers)"
fi
