#!/usr/bin/env bash
# A self-check of the one-node Grid Engine of sge-up.sh: a binary job, a 2-slot job in
# the smp environment with a memory limit, a 2-rank mpirun in the mpi environment (when
# OpenMPI is installed), and an array job of 6 tasks, at most 2 at once, writing into a
# shared directory. Each qsub waits (-sync y). Stops the cluster on exit; exits non-zero
# on the first failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
t0=$(date +%s%N)
trap 'cd /; bash "$here/sge-down.sh"' EXIT
bash "$here/sge-up.sh"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "sge-smoke: sge-up took $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
work=$(mktemp -d /tmp/chunkwise-sge-smoke.XXXXXX)
cd "$work"
fail() { echo "sge-smoke: FAILED: $* (outputs in $work)" >&2; qstat -f -u "*" >&2 || true; exit 1; }
sub() { timeout 120 qsub -w e -sync y "$@"; }

# 1. A binary job, output in the working directory.
sub -cwd -V -b y -N hello echo hello >/dev/null || fail "qsub -b y echo hello"
grep -qx hello hello.o* || fail "hello.o* does not say hello: $(cat hello.o* hello.e* 2>&1)"
echo "sge-smoke: binary job ok"

# 2. A job script in the smp environment, with 2 slots and a memory limit when h_vmem is
# requestable (Debian's complex list has it: MEMORY, requestable, not consumable, so it
# is a limit, ulimit -v, and reserves nothing).
mem=()
if [ "$(qconf -sc | awk '$1 == "h_vmem" {print $5}')" = YES ]; then
  mem=(-l h_vmem=1G)
else
  echo "sge-smoke: h_vmem is not requestable here: no memory limit asked"
fi
cat > smp.sh <<'EOF'
#!/bin/bash
#$ -pe smp 2
#$ -q all.q
#$ -cwd -V -j y -N smp
echo "nslots=$NSLOTS pe=$PE queue=$QUEUE vmem=$(ulimit -v)"
EOF
sub "${mem[@]}" smp.sh >/dev/null || fail "qsub -pe smp 2 ${mem[*]}: $(cat smp.o* 2>&1)"
grep -q 'nslots=2 pe=smp queue=all.q' smp.o* || fail "smp job said: $(cat smp.o* 2>&1)"
if [ ${#mem[@]} -gt 0 ] && grep -q 'vmem=unlimited' smp.o*; then
  fail "h_vmem gave no limit: $(cat smp.o*)"
fi
echo "sge-smoke: smp job ok ($(cat smp.o*))"

# 3. Two MPI ranks in the mpi environment: OpenMPI reads the slots from $PE_HOSTFILE.
if command -v mpirun >/dev/null; then
  cat > mpi.sh <<'EOF'
#!/bin/bash
#$ -pe mpi 2
#$ -cwd -V -j y -N mpi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun -np "$NSLOTS" bash -c 'echo rank=$OMPI_COMM_WORLD_RANK'
EOF
  sub mpi.sh >/dev/null || fail "qsub -pe mpi 2 mpirun: $(cat mpi.o* 2>&1)"
  [ "$(grep -c '^rank=' mpi.o*)" = 2 ] || fail "mpi job said: $(cat mpi.o* 2>&1)"
  echo "sge-smoke: mpi job ok (2 ranks)"
else
  echo "sge-smoke: no mpirun: mpi job skipped"
fi

# 4. An array job: 6 tasks, at most 2 at a time, each writes its index to a shared file.
mkdir -p "$work/shared"
cat > array.sh <<EOF
#!/bin/bash
#\$ -cwd -V -j y -N array
echo "\$SGE_TASK_ID" > "$work/shared/task-\$SGE_TASK_ID"
EOF
sub -t 1-6 -tc 2 array.sh >/dev/null || fail "qsub -t 1-6 -tc 2"
for i in 1 2 3 4 5 6; do
  [ "$(cat "$work/shared/task-$i" 2>/dev/null)" = "$i" ] || fail "array task $i wrote nothing"
done
echo "sge-smoke: array job ok (6 tasks)"
cd /
rm -rf "$work"
echo "sge-smoke: passed"
