# The two commands of the README: `make demo` and `make test`.
export GOTOOLCHAIN := local
BIN := $(CURDIR)/.bin
WORKFLOWCHECK_VERSION := v0.6.0

.PHONY: demo test test-short build workflowcheck lint check replay-histories bench soak

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
	UPDATE_REPLAY_HISTORY=1 go test -count=1 -run 'TestHistoriesAndLogsHoldNoPersonalData|TestOpsAreToldOnTheirWebhook' ./internal/e2e/

## bench: the end-to-end benchmark (docs/benchmarks.md): the worker binary against the Temporal dev server,
## the simulator and PostgreSQL, against a direct loop without Temporal.
##   make bench SIZES=1000,10000,100000 PHASES=roster-first,attendance WAVE=1 WAVE_BIG=10000 BENCH_FLAGS='-markdown out.md'
SIZES ?= 1000,10000
PHASES ?= roster-first,roster-unchanged,roster-changed,attendance
WAVE ?= 0
WAVE_TENANTS ?= 200
WAVE_EMPLOYEES ?= 500
WAVE_BIG ?= 0
BENCH_FLAGS ?=
bench:
	go run ./internal/bench/cmd/hrmos-bench -sizes '$(SIZES)' -phases '$(PHASES)' \
		$(if $(filter 1 yes true,$(WAVE)),-wave -wave-tenants $(WAVE_TENANTS) -wave-employees $(WAVE_EMPLOYEES) -wave-big $(WAVE_BIG)) \
		$(BENCH_FLAGS)

## soak: the crash soak, long version: SIGKILLs the worker binary during a roster sync and an attendance month,
## then compares the database with a clean run's (the short version runs in `make test`)
SOAK_EMPLOYEES ?= 5000
SOAK_KILLS ?= 20
SOAK_FETCH_KILLS ?= 1
soak:
	bash scripts/ensure-postgres.sh
	SOAK_EMPLOYEES=$(SOAK_EMPLOYEES) SOAK_KILLS=$(SOAK_KILLS) SOAK_FETCH_KILLS=$(SOAK_FETCH_KILLS) \
		go test -count=1 -v -timeout 180m -run TestCrashSoak ./internal/soak/
