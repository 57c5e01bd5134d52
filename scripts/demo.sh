#!/usr/bin/env bash
# The demo: Temporal dev server with its Web UI, the HRMOS simulator with a
# generated company, the worker, then connect and one roster sync. Everything
# runs on embedded defaults and stays up until Ctrl-C so the UI can be browsed.
# DEMO_EXIT=1 stops everything after the sync (used to check the demo works).
#
# Every run starts fresh: the demo database (hrmos_sync_demo, its own, never
# DATABASE_URL's default hrmos_sync) is dropped and created again, and the
# Temporal dev server keeps its state in memory. A demo run after someone
# played with the last one (approved, edited, disconnected…) would otherwise
# find that demo's employees, and its roster sync would wait on the
# mass-change guard, or find that demo's held run still open. When it cannot
# start fresh (an earlier demo still running, a session still on the demo
# database) it says why and stops before changing anything.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
ROOT=$PWD
BIN=$ROOT/.bin
RUN=$ROOT/.demo
mkdir -p "$BIN" "$RUN"

TEMPORAL_CLI_VERSION=v1.5.1
SIM_ADDR=127.0.0.1:8089
TENANT=demo
COMPANY=demo
USERS=${DEMO_USERS:-300}
DEMO_DB=hrmos_sync_demo
TEMPORAL_HTTP_PORT=7243

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DEMO_DB?sslmode=disable"
export TEMPORAL_ADDRESS=localhost:7233
export HRMOS_BASE_URL="http://$SIM_ADDR/api"
export HRMOS_RETRY_BASE_DELAY=200ms

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

refuse() { printf '\nmake demo: %s\n' "$*" >&2; exit 1; }

step "checking that no earlier demo is still running"
# name:port of everything the demo serves on this host.
for use in "Temporal:7233" "the Temporal Web UI:8233" "Temporal's HTTP API:$TEMPORAL_HTTP_PORT" \
           "the HRMOS simulator:${SIM_ADDR##*:}" "the worker's metrics:9464"; do
  port=${use##*:}
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    refuse "port $port (${use%:*}) is already in use, most likely by an earlier \`make demo\` still running: stop it (Ctrl-C in its terminal) and run \`make demo\` again. Nothing was changed."
  fi
done
echo "ports 7233, 8233, $TEMPORAL_HTTP_PORT, ${SIM_ADDR##*:} and 9464 are free"

step "PostgreSQL: a fresh demo database ($DEMO_DB)"
bash scripts/ensure-postgres.sh
others=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc \
  "SELECT count(*) || CASE count(*) WHEN 1 THEN ' other session' ELSE ' other sessions' END || ' ('
          || string_agg(DISTINCT coalesce(nullif(application_name, ''), 'unnamed') || ' from ' || coalesce(host(client_addr), 'a local socket'), ', ') || ')'
     FROM pg_stat_activity WHERE datname = '$DEMO_DB' AND pid <> pg_backend_pid()
   HAVING count(*) > 0")
if [ -n "$others" ]; then
  refuse "the demo database $DEMO_DB is in use by $others, so it cannot be dropped and created again: close them (an earlier demo's worker, a psql) and run \`make demo\` again. Nothing was changed."
fi
echo "dropping and creating $DEMO_DB again: every demo starts from an empty database, whatever the last one left"
psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $DEMO_DB" \
  || refuse "could not drop the demo database $DEMO_DB (see the error above); nothing else was changed."
psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $DEMO_DB" \
  || refuse "could not create the demo database $DEMO_DB (see the error above)."

step "Temporal CLI $TEMPORAL_CLI_VERSION (dev server + Web UI)"
if [ ! -x "$BIN/temporal" ]; then
  if command -v temporal >/dev/null && temporal --version | grep -q "${TEMPORAL_CLI_VERSION#v}"; then
    ln -sf "$(command -v temporal)" "$BIN/temporal"
  else
    echo "installing (about two minutes the first time)"
    GOBIN=$BIN go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  fi
fi

step "building the worker, the starter and the HRMOS simulator"
go build -o "$BIN/" ./worker ./starter ./internal/hrmossim/cmd/hrmos-simulator

step "starting the Temporal dev server (UI on http://localhost:8233, HTTP API on :$TEMPORAL_HTTP_PORT; in memory: fresh every demo)"
rm -f "$RUN"/temporal.db*  # what demos before this one kept on disk
"$BIN/temporal" server start-dev --ip 127.0.0.1 --ui-port 8233 --http-port "$TEMPORAL_HTTP_PORT" --log-level warn \
  >"$RUN/temporal.log" 2>&1 &
pids+=($!)
for i in $(seq 1 60); do
  "$BIN/temporal" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 && break
  [ "$i" = 60 ] && { echo "Temporal did not start; see $RUN/temporal.log" >&2; exit 1; }
  sleep 1
done

step "starter setup   (the search attributes every sync sets, before the first worker)"
"$BIN/starter" setup

step "starting the HRMOS simulator (company '$COMPANY', $USERS employees with messy data)"
"$BIN/hrmos-simulator" -addr "$SIM_ADDR" -company "$COMPANY" -users "$USERS" -seed 7 >"$RUN/simulator.out" 2>"$RUN/simulator.log" &
pids+=($!)
for i in $(seq 1 30); do
  grep -q "api key" -i "$RUN/simulator.out" 2>/dev/null && break
  [ "$i" = 30 ] && { echo "the simulator did not start; see $RUN/simulator.log" >&2; exit 1; }
  sleep 0.5
done
API_KEY=$(grep -i "api key" "$RUN/simulator.out" | head -1 | awk '{print $NF}')

step "starter migrate"
"$BIN/starter" migrate

step "starting the worker (logs: $RUN/worker.log)"
"$BIN/worker" >"$RUN/worker.log" 2>&1 &
pids+=($!)

step "starter connect --tenant $TENANT --company $COMPANY   (API key on standard input)"
printf '%s\n' "$API_KEY" | "$BIN/starter" connect --tenant "$TENANT" --company "$COMPANY"

step "starter roster --tenant $TENANT --wait"
"$BIN/starter" roster --tenant "$TENANT" --wait | tee "$RUN/roster.out" || true
ROSTER_RUN=$(sed -n 's/^  run \([0-9a-f-]*\), workflow .*/\1/p' "$RUN/roster.out" | head -1)

LAST_MONTH=$(TZ=Asia/Tokyo date -d "$(TZ=Asia/Tokyo date +%Y-%m-01) -1 day" +%Y-%m)
step "starter attendance --tenant $TENANT --month $LAST_MONTH --wait"
"$BIN/starter" attendance --tenant "$TENANT" --month "$LAST_MONTH" --wait || true

step "starter schedule apply && starter schedule list"
"$BIN/starter" schedule apply
"$BIN/starter" schedule list

step "starter runs --tenant $TENANT"
"$BIN/starter" runs --tenant "$TENANT"

if [ -n "$ROSTER_RUN" ]; then
  step "starter runs show --tenant $TENANT --run $ROSTER_RUN --limit 3   (the roster run, reviewed)"
  "$BIN/starter" runs show --tenant "$TENANT" --run "$ROSTER_RUN" --limit 3
fi

cat <<MSG

Where to look:
  Temporal Web UI      http://localhost:8233/namespaces/default/workflows?query=HrmosTenant%3D%22$TENANT%22
                       (each run with its summary; its chunks; a local activity per batch of 25 employees, "HRMOS users N… (25 records)")
  execution history    $BIN/starter runs --tenant $TENANT [--json]
  one run, reviewed    $BIN/starter runs show --tenant $TENANT --run <run ID> [--json] [--outcome error] [--limit 0]
  a held run           $BIN/starter approve --tenant $TENANT --run <run ID>   (the mass-change guard; see the README)
                       or $BIN/starter reject --tenant $TENANT --run <run ID> --reason "<why>"   (writes nothing)
  filter the UI list   HrmosTenant = "$TENANT" AND HrmosKind = "roster" AND HrmosStatus = "completed"
  metrics              http://localhost:9464/metrics
  the data             psql -h 127.0.0.1 -U postgres $DEMO_DB -c 'select * from sync_runs'
                       (dropped and created again by the next \`make demo\`)
  sync again           DATABASE_URL=$DATABASE_URL HRMOS_BASE_URL=$HRMOS_BASE_URL $BIN/starter roster --tenant $TENANT --wait
  as the web app       curl -sS -X POST http://localhost:$TEMPORAL_HTTP_PORT/api/v1/namespaces/default/workflows/hrmos-roster-$TENANT \\
                         -H 'Content-Type: application/json' \\
                         -d '{"workflowType":{"name":"RosterSync"},"taskQueue":{"name":"hrmos-sync"},"input":[{"tenantId":"$TENANT"}]}'
                       (Temporal's HTTP API; the README's "From mediment's web app")
  a review for Excel   $BIN/starter runs show --tenant $TENANT --run <run ID> --csv > run.csv   (--needs-action: the 要対応 lists)
  start from the UI    Start Workflow → any Workflow ID (the form's Random UUID is fine), Task Queue hrmos-sync,
                       Workflow Type RosterSync, Input {"tenantId":"$TENANT"}
                       (attendance: Workflow Type AttendanceSync, Input {"tenantId":"$TENANT","month":"$LAST_MONTH"})
  the schedule         http://localhost:8233/namespaces/default/schedules (Trigger runs it now)
MSG

if [ "${DEMO_EXIT:-0}" = 1 ]; then
  exit 0
fi
echo
echo "Everything keeps running until Ctrl-C."
wait
