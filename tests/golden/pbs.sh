#!/usr/bin/env bash
#PBS -N sweep
#PBS -l select=1:ncpus=8:mpiprocs=2:mem=16000mb
#PBS -q workq
#PBS -l walltime=00:30:00
#PBS -A proj1
#PBS -V

cd "${PBS_O_WORKDIR:-.}"
export CHUNKWISE_WORKERS=4
mpirun -np 2 ./sweep
