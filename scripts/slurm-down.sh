#!/usr/bin/env bash
# Stops what slurm-up.sh started, by process id.
set -u
for f in /run/slurmd.pid /run/slurmctld.pid; do
  [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
done
pid=$(pgrep -x munged) && kill $pid 2>/dev/null
exit 0
