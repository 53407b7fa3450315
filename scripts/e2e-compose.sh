#!/usr/bin/env bash
# The checked-in docker-compose.yml stands alone: on a fresh clone, after
# `make image`, `docker-compose up -d` gives four peered nodes; and again
# after `make devnet-up && make devnet-down` in the same checkout, which must
# leave every tracked file as it was. Needs a Docker engine and docker-compose.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

clone=$(mktemp -d)
project=devchain-e2e-compose
cleanup() {
	(cd "$clone" && docker-compose -p "$project" down -v >/dev/null 2>&1) || true
	(cd "$clone" && bin/devnet down --all >/dev/null 2>&1) || true
	rm -rf "$clone"
}
trap cleanup EXIT
trap 'echo "FAIL compose: see above"' ERR

git clone -q "$repo" "$clone"
cd "$clone"
echo "e2e-compose: fresh clone of $(git rev-parse --short HEAD); make image"
make --no-print-directory image >/dev/null

# The rendered default network's chain nodes (compose.DefaultSubnet, hosts .10 up).
nodes="10.77.0.10 10.77.0.11 10.77.0.12"

# peered waits until every chain node of the compose network answers with a
# peer, for at most 90 s.
peered() {
	local deadline=$((SECONDS + 90)) ip st missing
	while :; do
		missing=""
		for ip in $nodes; do
			st=$(curl -fsS --max-time 2 "http://$ip:8545/status" 2>/dev/null || true)
			if [ -z "$st" ] || [ "$(jq -r '.peers' <<<"$st")" -lt 1 ]; then
				missing="$missing $ip"
			fi
		done
		[ -z "$missing" ] && return 0
		if [ $SECONDS -ge $deadline ]; then
			echo "e2e-compose: not peered within 90 s:$missing"
			docker-compose -p "$project" logs --tail 20
			return 1
		fi
		sleep 1
	done
}

compose_round() {
	docker-compose -p "$project" up -d >/dev/null 2>&1
	peered
	echo "e2e-compose: $1: 4 nodes up, every chain node peered"
	docker-compose -p "$project" down -v >/dev/null 2>&1
}

compose_round "docker-compose up on a fresh clone"

make --no-print-directory devnet-up >/dev/null
make --no-print-directory devnet-down >/dev/null
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "e2e-compose: make devnet-up/devnet-down changed tracked files:"
	git status --short --untracked-files=no
	exit 1
fi

compose_round "docker-compose up after make devnet-up && make devnet-down"
echo "PASS compose: 2 rounds"
