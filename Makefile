# gonetify — the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
GOLANGCI_LINT_VERSION := v2.15.0
ADDR      ?= 127.0.0.1:8080
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: demo test build bench-baselines lint unit e2e e2e-redis-ha clean web web-check browser

## demo: build and run the example app behind a local API Gateway emulator (open http://$(ADDR)/)
demo: build
	$(BIN)/gonetify demo --addr $(ADDR)

## test: everything CI runs (installs what it needs)
test:
	bash scripts/test.sh

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN)/gonetify ./cmd/gonetify

## bench-baselines: bin/gonetify-baselines, the gobwas/nbio/coder baselines of `gonetify bench --baseline-lib`
## (a module of its own, internal/bench/baselines, so the main go.mod does not require those libraries)
bench-baselines:
	cd internal/bench/baselines && $(GO) build -o $(BIN)/gonetify-baselines .

## lint: gofmt, go vet, staticcheck and golangci-lint (.golangci.yml) on the main module and internal/bench/baselines
lint: $(BIN)/staticcheck $(BIN)/golangci-lint
	@echo "== gofmt"; out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on: $$out"; exit 1; fi
	@echo "== go vet"; $(GO) vet ./... ./_examples/*/ && cd internal/bench/baselines && $(GO) vet ./...
	@echo "== staticcheck"; $(BIN)/staticcheck ./... ./_examples/*/ && cd internal/bench/baselines && $(BIN)/staticcheck ./...
	@echo "== golangci-lint"; $(BIN)/golangci-lint run ./... ./_examples/*/ && cd internal/bench/baselines && $(BIN)/golangci-lint run ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/golangci-lint:
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

unit:
	$(GO) test -race -count=1 ./...

## e2e: the official-client suite on the direct hub, through the API Gateway emulator, and over SignalR
e2e: build
	cd test/e2e && npm ci --no-audit --no-fund
	@echo "== e2e: direct WebSocket hub"
	cd test/e2e && GONETIFY_BIN=$(BIN)/gonetify npm test
	@echo "== e2e: through gonetify gateway and the integration endpoints"
	cd test/e2e && GONETIFY_BIN=$(BIN)/gonetify E2E_VIA=gateway npm test
	@echo "== e2e: SignalR hub (dotnetify.hubServerUrl only, no createWebSocketHub)"
	cd test/e2e && GONETIFY_BIN=$(BIN)/gonetify E2E_VIA=signalr npm test

## e2e-redis-ha: the resiliency and scale-out suites on a Redis Cluster and on Sentinel (a failover mid-run), and the
## Sentinel failover test; needs the deployments of scripts/redis-ha.sh and their GONETIFY_TEST_REDIS_* (scripts/test.sh)
e2e-redis-ha: build
	GONETIFY_BIN=$(BIN)/gonetify bash scripts/e2e-redis-ha.sh

## web: build the demo app (web/) into internal/demoweb/dist, which the binary embeds (commit the result)
web:
	cd web && npm ci --no-audit --no-fund && npm run build

## web-check: fail when the committed internal/demoweb/dist is not what web/ builds
web-check: web
	@test -z "$$(git status --porcelain -- internal/demoweb/dist)" || { git status --short -- internal/demoweb/dist; echo "internal/demoweb/dist is stale: run make web and commit it"; exit 1; }

## browser: the demo app in Debian's chromium (installs chromium when missing)
browser: build
	bash scripts/install-chromium.sh
	cd test/browser && npm ci --no-audit --no-fund
	cd test/browser && GONETIFY_BIN=$(BIN)/gonetify npm test

clean:
	rm -rf $(BIN) test/e2e/node_modules web/node_modules test/browser/node_modules test/browser/artifacts
