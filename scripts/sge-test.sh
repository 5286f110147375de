#!/usr/bin/env bash
# A real one-node Son of Grid Engine (seed 000's user is on SGE): a job script built by
# chunkwise (examples/cluster.rs --submit-sge: 2 slots of the smp environment, a memory
# limit per slot, queue all.q, -cwd -V) runs 2 MPI ranks of array_mean under mpirun; its
# output must carry the checksum of the threads run. Then an array job map (-t, -tc) of
# 40 runs, gathered as threads gather them, and the same with a task that dies once and
# is submitted again. The daemons are stopped by process id on exit (sge-down.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --features dataframe,mpi --example cluster --example array_mean --example array_map
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
trap 'bash scripts/sge-down.sh' EXIT
bash scripts/sge-up.sh
fail() { echo "sge-test: $*" >&2; exit 1; }
# The job inherits this environment (-V): let OpenMPI run as root here.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
logs=$(mktemp -d)
out=$(timeout 300 target/debug/examples/cluster --submit-sge "$logs")
echo "$out" | tail -6
want=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/array_mean 4000 1000 | grep -o 'checksum=[0-9a-f]*')
got=$(echo "$out" | grep -o 'checksum=[0-9a-f]*' | sort -u)
[ "$got" = "$want" ] || fail "qsub job printed '$got', threads '$want': $(cat "$logs"/* 2>&1 | tail -20)"
grep -q -- "-pe smp 2" <<<"$out" && grep -q "mpirun -np 2" <<<"$out" && grep -q -- '-l h_vmem=4000M' <<<"$out" && grep -q -- '-q all.q' <<<"$out" \
  || fail "the job script lacks its resources: $out"
echo "sge-test: qsub job (-pe smp 2, h_vmem, all.q, -cwd -V) with 2 MPI ranks printed $got, as threads"

shared=$(mktemp -d)
want=$(target/debug/examples/array_map "$shared/local" --local | grep -o 'checksum=[0-9a-f]*')
got=$(timeout 300 target/debug/examples/array_map "$shared/queue" --sge | grep -o 'checksum=[0-9a-f]*')
[ "$got" = "$want" ] || fail "array map '$got', threads '$want'; $(ls "$shared/queue")"
echo "sge-test: array job map of 40 runs (-t, -tc 4) gathered $got, as threads"
out=$(timeout 300 target/debug/examples/array_map "$shared/retry" --sge --die-once 2>&1)
got=$(grep -o 'checksum=[0-9a-f]*' <<<"$out")
[ "$got" = "$want" ] || fail "array map with a dying task '$got', threads '$want': $out"
grep -q "wrote no results.*submitting them again" <<<"$out" || fail "no resubmission reported: $out"
echo "sge-test: a dead array task was submitted again; $got, as threads"
