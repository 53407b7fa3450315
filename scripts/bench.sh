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
