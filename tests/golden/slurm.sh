#!/usr/bin/env bash
#SBATCH --job-name=wiki
#SBATCH --nodes=1
#SBATCH --ntasks=4
#SBATCH --cpus-per-task=6
#SBATCH --mem=96000M
#SBATCH --partition=savio2
#SBATCH --time=01:00:00
#SBATCH --account=co_stat
#SBATCH --export=ALL
#SBATCH --output=logs/wiki-%j.out
#SBATCH --error=logs/wiki-%j.err
#SBATCH --constraint=ib

export CHUNKWISE_WORKERS=6
module load openmpi
srun --ntasks=4 ./wiki '/global/scratch/wiki/part*'
