#!/usr/bin/env bash
# A real one-node SLURM: a job script built by chunkwise (examples/cluster.rs) is
# submitted with sbatch; inside it mpirun starts 2 ranks of array_mean under the MPI
# scheduler; the job's output must carry the checksum of the threads run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --features dataframe,mpi --example cluster --example array_mean --example array_map
bash scripts/slurm-up.sh
trap 'bash scripts/slurm-down.sh' EXIT
logs=$(mktemp -d)
# The job inherits this environment (--export=ALL): let OpenMPI run as root here.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
out=$(timeout 300 target/debug/examples/cluster --submit "$logs")
echo "$out" | tail -8
want=$(CHUNKWISE_SCHEDULER=threads target/debug/examples/array_mean 4000 1000 | grep -o 'checksum=[0-9a-f]*')
got=$(echo "$out" | grep -o 'checksum=[0-9a-f]*' | sort -u)
[ "$got" = "$want" ] || { echo "slurm-test: job printed '$got', threads '$want'" >&2; exit 1; }
echo "slurm-test: sbatch job with 2 MPI ranks printed $got, as threads"

# An adaptive map on the queue: an array job (at most 4 tasks at once) whose tasks are
# the same binary; the driver gathers the results from the shared directory.
shared=$(mktemp -d)
want=$(target/debug/examples/array_map "$shared/local" --local | grep -o 'checksum=[0-9a-f]*')
got=$(timeout 300 target/debug/examples/array_map "$shared/queue" | grep -o 'checksum=[0-9a-f]*')
[ "$got" = "$want" ] || { echo "slurm-test: array map '$got', threads '$want'" >&2; ls "$shared/queue" >&2; exit 1; }
echo "slurm-test: array job map of 40 runs gathered $got, as threads"

# A task that dies (as a walltime kill would end it) is submitted again.
out=$(timeout 300 target/debug/examples/array_map "$shared/retry" --die-once 2>&1)
got=$(grep -o 'checksum=[0-9a-f]*' <<<"$out")
[ "$got" = "$want" ] || { echo "slurm-test: array map with a dying task '$got', threads '$want': $out" >&2; exit 1; }
grep -q "wrote no results.*submitting them again" <<<"$out" || { echo "slurm-test: no resubmission reported: $out" >&2; exit 1; }
echo "slurm-test: a dead array task was submitted again; $got, as threads"
