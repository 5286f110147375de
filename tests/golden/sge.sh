#!/usr/bin/env bash
#$ -N iqtree
#$ -pe smp 10
#$ -l h_vmem=6400M,mem_free=6400M
#$ -q 256G-batch
#$ -l h_rt=02:00:00
#$ -P phylo
#$ -o /home/me/logs/iqtree-$JOB_ID.out
#$ -e /home/me/logs/iqtree-$JOB_ID.err
#$ -cwd
#$ -V

export CHUNKWISE_WORKERS=10
iqtree -s 'aln 1.phy' -nt 10
