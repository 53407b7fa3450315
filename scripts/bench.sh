#!/usr/bin/env bash
# make bench: every performance figure of the README, printed by the benchmark
# that measures it. Node figures are Go benchmarks; devnet figures time real
# `devnet up` runs (process runtime always, docker when an engine answers),
# next to what the engine itself takes for the same number of bare containers.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0

echo "== node: chain, mining, signatures"
go test -run '^$' -bench . -benchtime 2s ./node/chain/... ./node/blockchain/... ./node/miner/...

echo "== node: network"
go test -run '^$' -bench . -benchtime 1x ./node/p2p/... ./node/daemon/...

echo "== devnet, process runtime: up until every node is peered"
go test -run '^$' -bench . -benchtime 1x -timeout 20m ./devnet/...

echo "== devnet, docker runtime"
if ! bin/devnet ping >/dev/null 2>&1; then
	echo "bench: no Docker engine answers: docker figures skipped"
	exit 0
fi
make --no-print-directory image >/dev/null
ls -l --block-size=1 bin/chaind | awk '{printf "chaind binary (image content): %.1f MB\n", $5/1e6}'
echo "kernel neighbour table: gc_thresh3 = $(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3)"

tmp=$(mktemp -d)
bare=devchain-bench-bare-$$
cleanup() {
	bin/devnet --state-dir "$tmp/state" down --all >/dev/null 2>&1 || true
	docker ps -aq --filter "label=$bare" | xargs -r docker rm -f >/dev/null 2>&1 || true
	docker volume ls -q --filter "label=$bare" | xargs -r docker volume rm -f >/dev/null 2>&1 || true
	docker network rm "$bare" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN {printf "%.1f", e - s}'; }

# The engine's own pace: n bare containers of the node image (chaind --help,
# no devnet), each with a volume, on one bridge network, created and started
# all at once with the docker CLI.
bare_start() {
	local n=$1
	docker network create --label "$bare" "$bare" >/dev/null
	local start end
	start=$(now)
	seq "$n" | xargs -P "$n" -I{} docker run -d --label "$bare" --network "$bare" \
		--mount "type=volume,src=$bare-{},dst=/data,volume-label=$bare" devchain/chaind:latest --help >/dev/null
	end=$(now)
	docker ps -aq --filter "label=$bare" | xargs -r docker rm -f >/dev/null
	docker volume ls -q --filter "label=$bare" | xargs -r docker volume rm -f >/dev/null
	docker network rm "$bare" >/dev/null
	secs "$start" "$end"
}

# `devnet up` of n chain nodes (image built) until every node is peered,
# then the largest max_connections of a chain node against its cap.
devnet_up() {
	local n=$1 name="bench-docker-$1"
	printf 'name: %s\nnodes:\n  - name: miner\n    minter: w1\n  - name: peer\n    count: %s\n' "$name" "$((n - 1))" >"$tmp/$name.yaml"
	local start end
	start=$(now)
	bin/devnet --state-dir "$tmp/state" up -f "$tmp/$name.yaml" --runtime docker >"$tmp/$name.out"
	end=$(now)
	UP_SECS=$(secs "$start" "$end")
	bin/devnet --state-dir "$tmp/state" status --output json >"$tmp/$name.json"
	CAP=$(grep -o 'chain nodes dial [0-9]* peers and hold at most [0-9]*' "$tmp/$name.out" | awk '{print $NF}')
	MAXCONN=$(awk -F: '/"role"/ {role=$2} /max_connections/ {gsub(/[ ,]/, "", $2); if (role ~ /node/ && $2 > m) m = $2} END {print m + 0}' "$tmp/$name.json")
	RSS=$(awk -F: '/rss_bytes/ {gsub(/[ ,]/, "", $2); if ($2 > m) m = $2} END {printf "%.1f", m / 1e6}' "$tmp/$name.json")
	bin/devnet --state-dir "$tmp/state" down "$name" >/dev/null
}

for n in 10 50 100; do
	b=$(bare_start $((n + 1)))
	devnet_up "$n"
	echo "docker up, $n chain nodes + bootstrap: ${UP_SECS} s; bare: $((n + 1)) containers started in $b s (ratio $(awk -v u="$UP_SECS" -v b="$b" 'BEGIN {printf "%.2f", u / b}')); highest max_connections of a chain node: $MAXCONN (cap ${CAP:-chaind default}); largest RSS $RSS MB"
done

start=$(now)
bin/devnet --state-dir "$tmp/state" run -f configs/scale.yaml --runtime docker --artifacts build/artifacts/scale-docker >/dev/null
echo "docker scale scenario (configs/scale.yaml, 50 chain nodes): $(secs "$start" "$(now)") s"

sed -e 's/^name: scale$/name: scale100/' -e 's/count: 49$/count: 99/' configs/scale.yaml >"$tmp/scale100.yaml"
start=$(now)
bin/devnet --state-dir "$tmp/state" run -f "$tmp/scale100.yaml" --runtime docker --artifacts build/artifacts/scale100-docker >/dev/null
echo "docker scale scenario adapted to 100 chain nodes: $(secs "$start" "$(now)") s"
