# devchain: chaind (the node) and devnet (the orchestrator).
GO        ?= go
BIN       := bin
GOFLAGS_B := -trimpath -ldflags="-s -w"
export CGO_ENABLED := 0

.PHONY: all build chaind devnet test lint bench fuzz clean devnet-up devnet-down e2e

all: build

build: chaind devnet

chaind:
	$(GO) build $(GOFLAGS_B) -o $(BIN)/chaind ./node/cmd/chaind

devnet:
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet ./devnet/cmd/devnet

# The node image, FROM scratch around bin/chaind, built through the Engine API (no registry needed);
# tagged devchain/chaind:<content hash> and :latest, and reused when chaind did not change.
# Also builds the helpers found next to bin/devnet: bin/devnet-netcut, which docker partitions
# run, and bin/devnet-agent, the swarm runtime's agent on each swarm node.
.PHONY: image
image: chaind
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet-image ./devnet/backend/docker/cmd/image
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet-netcut ./devnet/backend/docker/cmd/netcut
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet-agent ./devnet/backend/swarm/cmd/agent
	$(BIN)/devnet-image -chaind $(BIN)/chaind

# docker-compose.yml is the rendered default network (a test keeps them equal); it mounts
# nothing (configs/default.yaml writes network.seed, from which nodes derive the key), so a
# fresh clone runs `make image && docker-compose up`. Only this target rewrites it.
.PHONY: compose
compose: devnet
	$(BIN)/devnet compose -f configs/default.yaml -o docker-compose.yml

# The test command (README, .ci/run). Docker tests skip themselves where no engine answers.
test: build
	$(GO) test -count=1 -timeout 9m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(MAKE) --no-print-directory deadcode

# Functions nothing reaches, tests included (golang.org/x/tools' deadcode, pinned
# as a tool in go.mod). Nothing is allowed: delete the code or use it.
.PHONY: deadcode
deadcode:
	@out=$$($(GO) tool deadcode -test ./...); if [ -n "$$out" ]; then echo "unreachable code:"; echo "$$out"; exit 1; fi

# Go benchmarks of the node, then the devnet harness (scripts/bench.sh prints every figure).
bench: build
	scripts/bench.sh

# Every fuzz target in the repository, FUZZTIME each. go test -fuzz takes one
# target per package run, so each target is its own line: a new target is one
# more line here. Inputs that fail are written to
# the package's testdata/fuzz/ and replayed by make test from then on.
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzReadMessage$$' -fuzztime $(FUZZTIME) ./node/wire
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBlock$$' -fuzztime $(FUZZTIME) ./node/chain
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./devnet/scenario
	$(GO) test -run '^$$' -fuzz '^FuzzRequest$$' -fuzztime $(FUZZTIME) ./node/controlapi

# The same targets, 20 s each: what .ci/run runs after make test.
.PHONY: fuzz-ci
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20s

# A local network from configs/default.yaml: docker when an engine answers, else local processes.
DEVNET_DEFAULT := configs/default.yaml
DEVNET_NAME    := default
devnet-up: build
	@if $(BIN)/devnet ping >/dev/null 2>&1; then $(MAKE) --no-print-directory image; fi
	$(BIN)/devnet up -f $(DEVNET_DEFAULT)

devnet-down: devnet
	$(BIN)/devnet down $(DEVNET_NAME)

# Every scenario of configs/ through `devnet run` on docker, JUnit into build/ (scale: make bench).
E2E_SCENARIOS ?= default reconnect partition faults latency
e2e: build image
	@mkdir -p build
	@set -e; for s in $(E2E_SCENARIOS); do \
		echo "== e2e: $$s"; \
		$(BIN)/devnet run -f configs/$$s.yaml --runtime docker --junit build/e2e-$$s.xml --artifacts build/artifacts/$$s; \
	done
	@echo "== e2e: docker-compose.yml on a fresh clone"
	@scripts/e2e-compose.sh
	@echo "== e2e: swarm (reconnect, partition, faults, the agent, interrupts)"
	@$(MAKE) --no-print-directory e2e-swarm

# The swarm tests (part of make e2e): reconnect, partition and faults on a one-node Docker Swarm
# (--runtime swarm), the agent, a failed and an interrupted run. The test makes the engine a swarm
# through the API when it is in none (loopback only, the swarm labelled devchain.created=1), and
# leaves it afterwards, with docker_gwbridge when it made it. Skips where swarm mode cannot start.
.PHONY: e2e-swarm
e2e-swarm: build image
	DEVNET_SWARM_TESTS=1 $(GO) test -count=1 -run '^TestSwarm' -timeout 15m -v ./devnet/cli

# The 50-node scale scenario on docker, three runs in a row, on the host's kernel neighbour
# table as it is (devnet sizes peer limits to it). Minutes long: CI skips it.
.PHONY: e2e-scale
e2e-scale: build image
	@mkdir -p build
	@set -e; for i in 1 2 3; do \
		echo "== e2e-scale: run $$i of 3"; \
		$(BIN)/devnet run -f configs/scale.yaml --runtime docker --junit build/e2e-scale-$$i.xml --artifacts build/artifacts/scale-$$i; \
	done

# The chaos campaign, minutes long (CI runs one short chaos run inside make test):
# the planted fault of a chaind built with -tags chaosfault must be found and shrunk,
# then 20 schedules of 100 actions on the real node must find nothing.
.PHONY: chaos
chaos: build
	$(GO) test -count=1 -tags chaosfault -run TestChaosFindsPlantedFault -timeout 30m -v ./devnet/cli
	@set -e; for seed in $$(seq 1 20); do \
		echo "== chaos: seed $$seed of 20"; \
		$(BIN)/devnet chaos -f configs/chaos.yaml --seed $$seed --steps 100 --runtime process --artifacts build/artifacts/chaos-$$seed; \
	done

clean:
	rm -rf $(BIN) build
