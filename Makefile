# The two commands of the README: `make demo` and `make test`.
export GOTOOLCHAIN := local
BIN := $(CURDIR)/.bin
WORKFLOWCHECK_VERSION := v0.6.0

.PHONY: demo test test-short build workflowcheck lint check replay-histories

## demo: the whole stack on embedded defaults (Temporal dev server + UI, HRMOS simulator, worker) and one roster sync
demo:
	bash scripts/demo.sh

## test: every test, including the integration tests (real Temporal server, PostgreSQL, simulator)
test:
	bash scripts/ensure-postgres.sh
	go test -count=1 -timeout 20m ./...

## test-short: unit tests only (no Temporal server)
test-short:
	go test -short ./...

build:
	go build -o $(BIN)/ ./worker ./starter ./internal/hrmossim/cmd/hrmos-simulator

## workflowcheck: the SDK's determinism linter over the workflow code
workflowcheck: $(BIN)/workflowcheck
	$(BIN)/workflowcheck ./workflows/...

$(BIN)/workflowcheck:
	GOBIN=$(BIN) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

## lint: formatting, vet, workflow determinism and the layers' import rule, in one command
lint: $(BIN)/workflowcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	$(BIN)/workflowcheck ./workflows/...
	go test -count=1 ./internal/archtest/

## check: what CI runs
check:
	bash .ci/run

## replay-histories: record anew the workflow histories the replay test replays (workflows/testdata)
replay-histories:
	UPDATE_REPLAY_HISTORY=1 go test -count=1 -run TestHistoriesAndLogsHoldNoPersonalData ./internal/e2e/
