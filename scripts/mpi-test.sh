#!/usr/bin/env bash
# MPI tests: the same examples on threads and on 1, 2 and 3 ranks must print the same
# checksum; ranks that build different graphs, and a failing task, must end in errors.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --features dataframe,mpi --example array_mean --example array_types --example tsqr --example mpi_sweep --example bag_keys --example wiki --example airline --example join --example gen_join --example sort --example mpi_writes --example gen_groupby --example window
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)
sum() { grep -o 'checksum=[0-9a-f]*' | sort -u; }
fail() { echo "mpi-test: $*" >&2; exit 1; }

for ex in "array_mean 600 150" "array_mean 1000 333" "array_types 600 300 64" "tsqr 20000 12 3000" "mpi_sweep" \
  "bag_keys 200000 50000 6 partitioned" "bag_keys 200000 50000 6 gathered"; do
  base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/$ex | sum)
  [ -n "$base" ] || fail "$ex printed no checksum"
  for np in 1 2 3; do
    got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/$ex | sum)
    [ "$got" = "$base" ] || fail "$ex on $np ranks: '$got' != threads '$base'"
    echo "mpi-test: $ex on $np ranks: $got (threads: $base)"
  done
done

# Uneven tasks handed out as ranks ask: the same results as threads.
base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/mpi_sweep --uneven | sum)
got=$(timeout 300 "${MPIRUN[@]}" -np 3 target/debug/examples/mpi_sweep --uneven | sum)
[ "$got" = "$base" ] || fail "mpi_sweep --uneven on 3 ranks: '$got' != threads '$base'"
echo "mpi-test: mpi_sweep --uneven on 3 ranks: $got"

# S3 and S2: the same answers (every printed line but the timings) on 1, 2 and 3 ranks.
answers() { sed -E 's/ (files_read|workers|held_mb|spilled_mb|secs|peak_rss_mb)=[^ ]*//g'; }
for ex in wiki airline; do
  base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/$ex | answers)
  for np in 1 2 3; do
    got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/$ex | answers)
    [ "$got" = "$base" ] || fail "$ex on $np ranks differs from threads: $(diff <(echo "$base") <(echo "$got"))"
    echo "mpi-test: $ex on $np ranks: $(tail -1 <<<"$got")"
  done
done

# Joins (a broadcast and a shuffle on both sides): the same answers on 1, 2 and 3 ranks.
jdir=$(mktemp -d)
trap 'rm -rf "$jdir"' EXIT
target/debug/examples/gen_join "$jdir" 100000 3 >/dev/null
base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/join "$jdir" | answers)
for np in 1 2 3; do
  got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/join "$jdir" | answers)
  [ "$got" = "$base" ] || fail "join on $np ranks differs from threads: $(diff <(echo "$base") <(echo "$got"))"
  echo "mpi-test: join on $np ranks: $(tail -1 <<<"$got")"
done

# A sort (boundaries found by a pass before, then range partitions): the same rows
# in the same order on 1, 2 and 3 ranks.
base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/sort "$jdir/x_part*.csv" "$jdir/sorted" | sum)
[ -n "$base" ] || fail "sort printed no checksum"
for np in 1 2 3; do
  got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/sort "$jdir/x_part*.csv" "$jdir/sorted" | sum)
  [ "$got" = "$base" ] || fail "sort on $np ranks: '$got' != threads '$base'"
  echo "mpi-test: sort on $np ranks: $got"
done

# Window functions per group (rows shuffled by key and back), and over the frame
# (running sums carried between partitions, rows lent by neighbours): the same values
# in the same rows on 1, 2 and 3 ranks.
target/debug/examples/gen_groupby "$jdir/g" 30000 100 4 108 >/dev/null
for mode in groups frame; do
  base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/window "$jdir/g/*.csv" $mode | sum)
  [ -n "$base" ] || fail "window $mode printed no checksum"
  for np in 1 2 3; do
    got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/window "$jdir/g/*.csv" $mode | sum)
    [ "$got" = "$base" ] || fail "window $mode on $np ranks: '$got' != threads '$base'"
    echo "mpi-test: window $mode on $np ranks: $got"
  done
done

# Every writer (Zarr, .npy stack and file, Parquet, text), its parts written on any
# rank and committed by one: read back whole, the same line as on threads.
wdir=$(mktemp -d)
base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/mpi_writes "$wdir/threads")
case "$base" in *zarr=true\ stack=true\ npy=true*refused=true*) ;; *) fail "mpi_writes on threads: $base" ;; esac
for np in 1 2 3; do
  got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/mpi_writes "$wdir/np$np")
  [ "$got" = "$base" ] || fail "writers on $np ranks: '$got' != threads '$base'"
  left=$(find "$wdir/np$np" -name '.*' | head -3)
  [ -z "$left" ] || fail "writers on $np ranks left staging paths: $left"
  echo "mpi-test: writers on $np ranks: $got"
done
rm -rf "$wdir"

# A bag of serde records grouped by key (the shuffle) and folded per key: the same
# answers on 1, 2 and 3 ranks as on threads.
base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/mpi_sweep --bag)
for np in 1 2 3; do
  got=$(timeout 300 "${MPIRUN[@]}" -np $np target/debug/examples/mpi_sweep --bag)
  [ "$got" = "$base" ] || fail "bag shuffle on $np ranks: '$got' != threads '$base'"
done
echo "mpi-test: bag groupby/foldby of serde records on 1-3 ranks: $base"

# Observers: one start and one finish per task on the rank that ran it, each on a
# worker in range; the ranks' shares add up to the graph (threads: one share, all).
check_observed() {  # $1: what ran, $2: its output, $3: number of ranks
  awk -v what="$1" -v np="$3" '
    /^observed/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (v["starts"] != v["ran"] || v["finishes"] != v["ran"] || v["bad_worker"] != 0) {
        print what ": rank " v["rank"] ": " $0; bad = 1 }
      ran += v["ran"]; graph = v["graph"]; maps += v["maps"]; lines++;
      if (v["rank"] == 0) fwd = v["forwarded"]; else { others += v["ran"]; if (v["forwarded"] != 0) { print what ": rank " v["rank"] " was sent tasks"; bad = 1 } }
      if (v["maps"] > 0) mapped++ }
    END { if (lines != np || ran != graph) { print what ": " lines " ranks reported, ran " ran " of " graph; bad = 1 }
      if (maps != 0 && maps != 80) { print what ": " maps " map calls of 80"; bad = 1 }
      if (maps != 0 && mapped != np) { print what ": map calls ran on " mapped " of " np " ranks"; bad = 1 }
      if (maps == 0 && fwd != others) { print what ": rank 0 saw " fwd " of the other ranks\x27 " others " tasks"; bad = 1 }
      exit bad }' <<<"$2" || fail "observer counts wrong"
}
out=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/mpi_sweep --observe)
check_observed "threads" "$out" 1
out=$(timeout 300 "${MPIRUN[@]}" -np 3 target/debug/examples/mpi_sweep --observe)
check_observed "3 ranks" "$out" 3
echo "mpi-test: observers see one start and one finish per task, on threads and 3 ranks; rank 0's also the others' tasks"
base=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/mpi_sweep | sum)
out=$(timeout 300 "${MPIRUN[@]}" -np 3 target/debug/examples/mpi_sweep --client)
check_observed "Client::map on 3 ranks" "$out" 3
[ "$(sum <<<"$out")" = "$base" ] || fail "Client::map on 3 ranks: $(sum <<<"$out") != threads $base"
echo "mpi-test: Client::map spreads over 3 ranks: $(grep -o 'maps=[0-9]*' <<<"$out" | tr '\n' ' ')"

out=$(timeout 120 "${MPIRUN[@]}" -np 2 target/debug/examples/mpi_sweep --diverge 2>&1 || true)
grep -q "every rank must build the same graph" <<<"$out" || fail "no graph mismatch error: $out"
echo "mpi-test: diverging graphs are refused"

out=$(timeout 120 "${MPIRUN[@]}" -np 3 target/debug/examples/mpi_sweep --fail 2>&1 || true)
grep -q "chunkwise: rank [0-9] of 3: task (sh-" <<<"$out" || fail "no rank/key in failure: $out"
echo "mpi-test: a failing task names its rank and key"

# A task that exits its process mid-compute ends the job (it hung in MPI_Finalize).
start=$(date +%s)
out=$(timeout 60 "${MPIRUN[@]}" -np 3 target/debug/examples/mpi_sweep --exit 2>&1 || true)
took=$(( $(date +%s) - start ))
grep -q "chunkwise: rank [0-9] of 3: the process exited in the middle of a compute" <<<"$out" \
  || fail "no rank named when a process exits mid-compute (${took}s): $out"
[ "$took" -lt 50 ] || fail "a process exiting mid-compute held the job ${took}s"
echo "mpi-test: a rank exiting mid-compute ends the job in ${took}s"
