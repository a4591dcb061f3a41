#!/usr/bin/env bash
# What the shared server costs: Sluice's interactive p99 while ANOTHER process (pgbench) runs the isolation
# scenario's io background query at rising concurrency. No Sluice code runs the background work, so whatever the
# interactive p99 gains is the price of sharing the server's CPU, the floor under any client's isolation.
#
#   ./mvnw -q -pl load-tests -am package -DskipTests && load-tests/scripts/server-contention.sh [CLIENTS...]
#
# CLIENTS: pgbench concurrencies to try (default 0 4 8 12 16). Uses the PG* variables like the harness
# (default 127.0.0.1:5432, the OS user's database); needs pgbench on the PATH. About 80 s per level.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=load-tests/target/sluice-load.jar
[ -f "$jar" ] || { echo "build the harness first: ./mvnw -q -pl load-tests -am package -DskipTests" >&2; exit 2; }
command -v pgbench >/dev/null || { echo "pgbench is not on the PATH (Debian: apt-get install postgresql-client)" >&2; exit 2; }
db=${PGDATABASE:-$(id -un)}
levels=("$@"); [ ${#levels[@]} -gt 0 ] || levels=(0 4 8 12 16)
out=$(mktemp -d)
script=$out/io.sql
# the isolation scenario's io background (Items.longQuery "io"): 50 ms of waiting and a 5,000-row index range scan
cat > "$script" <<'SQL'
\set from random(1, 990000)
SELECT pg_sleep(0.05)::text, (SELECT count(*) FROM sluice_bench.items WHERE id BETWEEN :from AND :from + 4999 AND score >= 0);
SQL
printf '%-16s %-14s %-12s %-12s\n' "pgbench clients" "background/s" "p99 ms (a)" "p99 ms (b)"
for n in "${levels[@]}"; do
  pid=
  if [ "$n" -gt 0 ]; then
    pgbench -n -M prepared -c "$n" -j 1 -T 85 -f "$script" "$db" > "$out/pgbench-$n.log" 2>&1 &
    pid=$!
  fi
  sleep 2
  # only interactive reads in Sluice: a 1-connection pg_sleep "background" leaves both of the harness's
  # phases (a: loaded, b: idle) with the same external load; each phase's p99 is one reading
  java -jar "$jar" --scenario isolation --clients sluice --background sleep --concurrency background=1 \
      --warmup 20s --duration 15s --progress off --report-dir "$out" > "$out/harness-$n.log" 2>&1
  [ -z "$pid" ] || wait "$pid"
  tps=$( [ "$n" -gt 0 ] && grep -o 'tps = [0-9.]*' "$out/pgbench-$n.log" | awk '{printf "%.0f", $3}' || echo 0)
  p99s=$(awk '$1=="sluice" && $3=="point-read" {printf "%s ", $6}' "$out/harness-$n.log")
  printf '%-16s %-14s %-12s %-12s\n' "$n" "$tps" $p99s
done
echo "logs and reports: $out"
