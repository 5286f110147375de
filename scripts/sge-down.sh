#!/usr/bin/env bash
# Stops what sge-up.sh started, by process id (from /tmp/chunkwise-sge/pids and the
# daemons' pid files in /tmp/chunkwise-sge/run): first every job (qdel -f), then
# sge_execd, then any job it left behind (an sge_shepherd and the job's process group,
# found by the pid files in the execd's active_jobs spool: a shepherd outlives its
# execd, and its job outlives a SIGTERM to the shepherd), then sge_qmaster. Each gets
# SIGTERM, up to 30 s to exit (the qmaster takes about 10 s), then SIGKILL.
# Idempotent: with nothing running it only removes stale pid and job spool files.
set -u
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
state=/tmp/chunkwise-sge
spool=/var/spool/gridengine
# A live process (not a zombie: a killed daemon's zombie lingers until pid 1 reaps it),
# with that name when one is given (a pid file may be stale).
running() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  case "$st" in Z*|"") return 1 ;; esac
  [ -z "${2:-}" ] || [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}
pids_of() {  # qmaster|execd: the live ids recorded for it
  { [ -s "$state/pids" ] && awk -v n="$1" '$1 == n {print $2}' "$state/pids"
    [ -s "$state/run/$1.pid" ] && cat "$state/run/$1.pid"; } 2>/dev/null |
    sort -u | while read -r p; do running "$p" "sge_$1" && echo "$p"; done
}
group_running() {  # pgid: a live process in that process group
  local q
  for q in $(pgrep -g "$1" 2>/dev/null); do running "$q" && return 0; done
  return 1
}
alive() { if [ "${1#-}" != "$1" ]; then group_running "${1#-}"; else running "$1"; fi; }
stop() {  # pids...: SIGTERM, wait, SIGKILL (a negative id is a process group)
  local p live=() left=()
  for p in "$@"; do
    alive "$p" && kill -- "$p" 2>/dev/null && live+=("$p") && stopped+=("${p#-}")
  done
  [ ${#live[@]} -eq 0 ] && return 0
  for _ in $(seq 1 60); do
    left=()
    for p in "${live[@]}"; do alive "$p" && left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    sleep 0.5
  done
  for p in "${left[@]}"; do kill -9 -- "$p" 2>/dev/null; done
  sleep 0.5
}
stopped=()
qmaster=$(pids_of qmaster)
execd=$(pids_of execd)
# Jobs first, while both daemons run.
if [ -n "$qmaster" ] && [ -n "$(timeout 10 qstat -u '*' 2>/dev/null)" ]; then
  timeout 10 qdel -f -u '*' >/dev/null 2>&1
  for _ in $(seq 1 20); do
    [ -z "$(timeout 10 qstat -u '*' 2>/dev/null)" ] && break
    sleep 0.5
  done
fi
# shellcheck disable=SC2086
stop $execd
# Jobs left behind: each active_jobs/JOB.TASK has the shepherd's pid in "pid" and the
# job's in "job_pid" (a session and process group leader, child of the shepherd).
orphans=()
for d in "$spool"/execd/*/active_jobs/*/; do
  [ -s "$d/pid" ] || continue
  s=$(cat "$d/pid")
  running "$s" sge_shepherd || continue
  j=$(cat "$d/job_pid" 2>/dev/null)
  if [ -n "$j" ] && running "$j" && [ "$(ps -o ppid= -p "$j" | tr -d ' ')" = "$s" ]; then
    orphans+=("-$j")
  fi
  orphans+=("$s")
done
stop "${orphans[@]}"
# shellcheck disable=SC2086
stop $qmaster
# The daemons are nobody's children here: their zombies go when pid 1 reaps them, most
# often within a second; wait for that, so that pgrep finds no sge_ process after this.
for _ in $(seq 1 40); do
  z=0
  for p in "${stopped[@]}"; do [ -e "/proc/$p" ] && z=1; done
  [ "$z" = 0 ] && break
  sleep 0.25
done
rm -f "$state/pids" "$state/run/qmaster.pid" "$state/run/execd.pid"
# With no daemon left, the execd's job spool only holds jobs the qmaster forgot.
if [ -z "$(pids_of execd)" ]; then
  rm -rf "$spool"/execd/*/active_jobs/* "$spool"/execd/*/jobs/* "$spool"/execd/*/job_scripts/*
fi
exit 0
