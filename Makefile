# devchain: chaind (the node) and devnet (the orchestrator).
GO        ?= go
BIN       := bin
GOFLAGS_B := -trimpath -ldflags="-s -w"
export CGO_ENABLED := 0

.PHONY: all build chaind devnet test test-race lint bench fuzz clean

all: build

build: chaind devnet

chaind:
	$(GO) build $(GOFLAGS_B) -o $(BIN)/chaind ./node/cmd/chaind

devnet:
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet ./devnet/cmd/devnet

# The node image, FROM scratch around bin/chaind, built through the Engine API (no registry needed);
# tagged devchain/chaind:<content hash> and :latest, and reused when chaind did not change.
# Also builds bin/devnet-netcut, the helper docker partitions run (found next to bin/devnet).
.PHONY: image
image: chaind
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet-image ./devnet/runtime/docker/cmd/image
	$(GO) build $(GOFLAGS_B) -o $(BIN)/devnet-netcut ./devnet/runtime/docker/cmd/netcut
	$(BIN)/devnet-image -chaind $(BIN)/chaind

# The test command (README, .ci/run). Docker tests skip themselves where no engine answers.
test: build
	$(GO) test -count=1 -timeout 9m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 2s ./node/...

clean:
	rm -rf $(BIN) build
