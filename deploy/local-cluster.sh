#!/usr/bin/env bash
# A sparse-stream cluster of N JVMs on this machine, over loopback: one seed node (data source, learner,
# monitor, dashboard, one inference worker) and N-1 worker nodes.
#
#   deploy/local-cluster.sh start N [cluster seed options...]   e.g. start 3 --dataset patches --out runs/cluster
#   deploy/local-cluster.sh status
#   deploy/local-cluster.sh stop      the seed stops gracefully (last snapshot, report), the workers follow it
#
# Environment: SEED_PORT (2551), WORKERS_PER_NODE (1), CLUSTER_DIR (runs/local-cluster: pids and logs),
# SEED_JAVA_OPTS (-Xmx6g -XX:+UseParallelGC), WORKER_JAVA_OPTS (-Xmx2g -XX:+UseParallelGC). Without --max-staleness the seed gets K = N - 1, so
# that every node's worker can hold a batch (K = 0 would keep one batch in flight, on one node at a time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir="${CLUSTER_DIR:-runs/local-cluster}"
port="${SEED_PORT:-2551}"
per_node="${WORKERS_PER_NODE:-1}"

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  local n="${1:-}"; shift || true
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "start: give the number of nodes (>= 1), e.g. start 3" >&2; exit 2; }
  if alive "$dir/seed.pid"; then echo "a local cluster already runs (seed pid $(cat "$dir/seed.pid")); stop it first" >&2; exit 1; fi
  mkdir -p "$dir"
  rm -f "$dir"/*.pid
  ./sparse-stream --version >/dev/null   # builds once, before the nodes start in parallel
  local args=("$@")
  if [[ " ${args[*]-} " != *" --max-staleness"* ]]; then args+=(--max-staleness "$((n - 1))"); fi
  if [[ " ${args[*]-} " != *" --out"* ]]; then args+=(--out runs/cluster); fi
  SPARSE_STREAM_JAVA_OPTS="${SEED_JAVA_OPTS:--Xmx6g -XX:+UseParallelGC}" nohup ./sparse-stream cluster seed --port "$port" \
    --host 127.0.0.1 --workers "$per_node" --no-progress "${args[@]}" >"$dir/seed.log" 2>&1 &
  echo $! >"$dir/seed.pid"
  for _ in $(seq 1 240); do
    grep -q "^cluster seed at" "$dir/seed.log" 2>/dev/null && break
    alive "$dir/seed.pid" || { echo "the seed failed to start:" >&2; cat "$dir/seed.log" >&2; exit 1; }
    sleep 0.5
  done
  grep -q "^cluster seed at" "$dir/seed.log" || { echo "the seed did not come up in 2 minutes; see $dir/seed.log" >&2; exit 1; }
  for i in $(seq 1 $((n - 1))); do
    SPARSE_STREAM_JAVA_OPTS="${WORKER_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}" nohup ./sparse-stream cluster worker \
      --join "127.0.0.1:$port" --host 127.0.0.1 --workers "$per_node" >"$dir/worker-$i.log" 2>&1 &
    echo $! >"$dir/worker-$i.pid"
  done
  echo "local cluster of $n node(s): seed 127.0.0.1:$port (pid $(cat "$dir/seed.pid")), $((n - 1)) worker node(s); logs in $dir"
  grep -E "^(dashboard|control API)" "$dir/seed.log" || true
}

status() {
  local any=0
  for f in "$dir"/*.pid; do
    [[ -e "$f" ]] || continue
    any=1
    local name; name="$(basename "$f" .pid)"
    if alive "$f"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: stopped"; fi
  done
  [[ $any == 1 ]] || echo "no local cluster in $dir"
}

stop() {
  if alive "$dir/seed.pid"; then
    kill -TERM "$(cat "$dir/seed.pid")"   # like Ctrl-C: batches in flight applied, last snapshot, report
    for _ in $(seq 1 300); do alive "$dir/seed.pid" || break; sleep 0.5; done
    alive "$dir/seed.pid" && { echo "the seed did not stop in 150 s; killing it" >&2; kill -9 "$(cat "$dir/seed.pid")"; }
  fi
  # Worker nodes stop by themselves once the seed has left; any still up after 30 s are told to stop.
  for _ in $(seq 1 60); do
    local up=0
    for f in "$dir"/worker-*.pid; do [[ -e "$f" ]] && alive "$f" && up=1; done
    [[ $up == 0 ]] && break
    sleep 0.5
  done
  for f in "$dir"/worker-*.pid; do [[ -e "$f" ]] && alive "$f" && kill -TERM "$(cat "$f")"; done
  status
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
