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

echo "== devnet, process runtime: configs/load.yaml (10 nodes, a block every second, 300 tx/s for 60 s)"
bin/devnet --state-dir "$(mktemp -d)" run -f configs/load.yaml --runtime process --artifacts build/artifacts/load-process | grep -E '^[0-9:.]+ +(submitted|accepted|largest)|PASS|FAIL'

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

# Tx load on 10 docker nodes, a block every second: the figures of the
# load report, then the two ceilings of the run. Consensus: the block's
# inputs + outputs (chain.MaxBlockIO, 2 of them the coinbase's) over the 3
# of a payment, per block interval. CPU: crypto/ecdsa verifications per
# second on every core, over the nodes (each verifies each payment once).
LOAD_RATE=450
printf 'name: bench-load\nnodes:\n  - name: miner\n    minter: w\n    mine_interval: 1s\n    mine_interval_only: true\n  - name: peer\n    count: 9\n' >"$tmp/bench-load.yaml"
bin/devnet --state-dir "$tmp/state" up -f "$tmp/bench-load.yaml" --runtime docker >/dev/null
bin/devnet --state-dir "$tmp/state" load --name bench-load --rate "$LOAD_RATE" --for 60s --wallets 100 -o json 2>/dev/null >"$tmp/load.json"
bin/devnet --state-dir "$tmp/state" down bench-load >/dev/null
sigs=$(go test -run '^$' -bench 'ECDSAVerifyAllCores' -benchtime 2s ./node/blockchain | awk '/sigs\/s/ {for (i = 1; i < NF; i++) if ($(i+1) == "sigs/s") print $i}')
maxio=$(awk '/MaxBlockIO *=/ {print $3; exit}' node/chain/encode.go)
python3 - "$tmp/load.json" "$LOAD_RATE" "$sigs" "$maxio" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rate, sigs, maxio = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
nodes = r["nodes"]; n = len(nodes)
consensus = (maxio - 2) // 3 / 1.0
cpu = sigs / n
per_tx = max(v["sig_verifications"] for v in nodes.values()) / max(1, r["confirmed"])
rss = max(v["max_rss_bytes"] for v in nodes.values()) / 1e6
print(f"docker load, {n} nodes, a block every 1 s, {rate:g} tx/s asked for 60 s from {r['wallets']} wallets: "
      f"confirmed {r['confirmed_tps']:.1f} tx/s ({r['confirmed']} of {r['accepted']} accepted, rejected {r['rejected'] or 'none'}), "
      f"confirmation latency p50 {r['latency_p50_s']:.2f} s p99 {r['latency_p99_s']:.2f} s, largest RSS {rss:.1f} MB, "
      f"signature verifications per tx (busiest node) {per_tx:.2f}")
low = min(consensus, cpu)
print(f"  ceilings: consensus {consensus:.0f} tx/s ({maxio} inputs+outputs a block / 3 a payment / 1 s), "
      f"CPU {cpu:.0f} tx/s ({sigs:.0f} verifications/s on all cores / {n} nodes); achieved {100 * r['confirmed_tps'] / low:.0f} % of the lower")
PY

start=$(now)
bin/devnet --state-dir "$tmp/state" run -f configs/load.yaml --runtime docker --artifacts build/artifacts/load-docker | grep -E '^[0-9:.]+ +(submitted [0-9]+, accepted [0-9]+, rejected|accepted|largest|throughput)|PASS|FAIL'
echo "docker configs/load.yaml: $(secs "$start" "$(now)") s"

# Block propagation, the miner's connect to the last node's, over 20 blocks
# (the propagation assertion prints its figure): 50 docker nodes unshaped,
# then 10 at 100 ms ± 10 ms on every link.
propagation() {
	local name=$1 nodes=$2 links=$3 p99=$4
	{
		printf 'name: %s\n' "$name"
		[ -n "$links" ] && printf 'network:\n  links: %s\n' "$links"
		printf 'nodes:\n  - name: miner\n    minter: w\n    mine_interval: 500ms\n    mine_interval_only: true\n  - name: peer\n    count: %s\n' "$((nodes - 1))"
		printf 'steps:\n  - propagation: {blocks: 20, p99: %s, within: 120s}\n' "$p99"
	} >"$tmp/$name.yaml"
	local line
	line=$(bin/devnet --state-dir "$tmp/state" run -f "$tmp/$name.yaml" --runtime docker --artifacts "build/artifacts/$name" 2>&1 | grep -E 'propagation p99 [0-9.µ]+[mµ]?s over|FAIL' | head -1 || true)
	echo "docker block propagation, $nodes nodes${links:+, links $links}: ${line#* }"
}
propagation bench-prop50 50 "" 500ms
propagation bench-prop-latency 10 "{delay: 100ms, jitter: 10ms}" 1500ms

# Swarm: configs/scale.yaml on a one-node swarm (made here on loopback when the
# engine is in none, and left at the end), next to the engine's own pace for
# 51 bare tasks of the node image on an overlay network, each with a volume.
echo "== devnet, swarm runtime"
swarm_state=$(docker info --format '{{.Swarm.LocalNodeState}}')
made_swarm=
if [ "$swarm_state" = inactive ]; then
	had_gwbridge=$(docker network ls -q --filter name='^docker_gwbridge$')
	if ! docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null 2>&1; then
		echo "bench: swarm mode cannot start here: swarm figures skipped"
		exit 0
	fi
	made_swarm=1
elif [ "$swarm_state" != active ]; then
	echo "bench: the engine is in a swarm as $swarm_state: swarm figures skipped"
	exit 0
fi
leave_swarm() {
	[ -n "$made_swarm" ] || return 0
	if [ -n "$had_gwbridge" ]; then
		scripts/leave-swarm.sh
	elif ! scripts/leave-swarm.sh --gwbridge; then
		echo "bench: docker_gwbridge, which the swarm made, could not be removed (\"has active endpoints\" though none is attached: the engine's count); it is empty and harmless, and a daemon restart lets it go"
	fi
}
trap 'leave_swarm; cleanup' EXIT

bare_swarm() {
	local n=$1 img
	img=$(docker image inspect -f '{{.Id}}' devchain/chaind:latest)
	docker network create -d overlay --attachable --label "$bare" "$bare" >/dev/null
	local start end
	start=$(now)
	seq "$n" | xargs -P "$n" -I{} docker service create -d -q --no-resolve-image --label "$bare" --network "$bare" \
		--endpoint-mode dnsrr --restart-condition none --name "$bare-{}" \
		--mount "type=volume,src=$bare-{},dst=/data,volume-label=$bare" "$img" --help >/dev/null
	# Each task runs `chaind --help` and ends; the engine's pace is the time
	# until every one has (a task that failed counts: it has ended too).
	while [ "$(docker service ls -q --filter "label=$bare" | xargs docker service ps --format '{{.CurrentState}}' | grep -cE '^(Complete|Failed|Rejected)')" -lt "$n" ]; do
		sleep 0.2
	done
	end=$(now)
	docker service ls -q --filter "label=$bare" | xargs -r docker service rm >/dev/null
	# The swarm removes the tasks' containers after their services.
	while [ -n "$(docker ps -aq --filter "label=com.docker.swarm.service.name" --filter "name=$bare-")" ]; do sleep 0.2; done
	docker volume ls -q --filter "label=$bare" | xargs -r docker volume rm -f >/dev/null
	docker network rm "$bare" >/dev/null
	secs "$start" "$end"
}

b=$(bare_swarm 51)
out=$(bin/devnet --state-dir "$tmp/state" run -f configs/scale.yaml --runtime swarm --no-report --artifacts build/artifacts/scale-swarm)
first=$(echo "$out" | head -1 | awk '{print $1}')
ready=$(echo "$out" | awk '/devnet scale ready/ {print $1}')
up=$(awk -v a="$first" -v b="$ready" 'function s(t, p) {split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3]} BEGIN {printf "%.1f", s(b) - s(a)}')
echo "swarm scale scenario (configs/scale.yaml, 50 chain nodes + bootstrap): up and peered in $up s; bare: 51 tasks on an overlay network ran to completion in $b s (ratio $(awk -v u="$up" -v b="$b" 'BEGIN {printf "%.2f", u / b}'))"
