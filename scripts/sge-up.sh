#!/usr/bin/env bash
# Starts a one-node Son of Grid Engine (Debian's gridengine-* 8.1.9) on this machine, for
# tests: sge_qmaster and sge_execd as root (they drop to sgeadmin), cell "default" under
# SGE_ROOT=/var/lib/gridengine, one queue all.q on this host with SGE_SLOTS slots (4 by
# default, or the number of cores if more) and two parallel environments, smp ($pe_slots)
# and mpi ($fill_up, control_slaves for qrsh -inherit), both on all.q. Root may submit.
# Installs nothing (scripts/setup.sh does). Needs root. Stop it with sge-down.sh, which
# reads the daemons' process ids from /tmp/chunkwise-sge/pids.
# Callers: the client commands are /usr/bin/q* wrappers that default SGE_ROOT and
# SGE_CELL; export them anyway, since qsub -V hands the environment to jobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
state=/tmp/chunkwise-sge
spool=/var/spool/gridengine
common=$SGE_ROOT/$SGE_CELL/common
cores=$(nproc)
slots=${SGE_SLOTS:-$(( cores > 4 ? cores : 4 ))}
if ! command -v qconf >/dev/null || [ ! -x /usr/lib/gridengine/sge_qmaster ] \
   || [ ! -x /usr/lib/gridengine/sge_execd ]; then
  echo "sge: gridengine-master, gridengine-exec and gridengine-client are not installed" \
       "(scripts/setup.sh)" >&2
  exit 1
fi
mkdir -p "$state"
t0=$(date +%s)

# Host names. SGE names a host by gethostname(), resolves it forward, and names every
# peer by reverse-resolving the address it connects from: here the host name and
# "localhost" share 127.0.0.1, whose reverse name is "localhost", and the qmaster then
# refuses its own clients ("client IP resolved to host name localhost. This is not
# identical to clients host name vm"). host_aliases makes them one host for SGE.
host=$(hostname)
if ! getent ahostsv4 "$host" >/dev/null; then
  echo "127.0.0.1 $host" >> /etc/hosts
fi
addr=$(getent ahostsv4 "$host" | awk 'NR == 1 {print $1}')
case "$addr" in
  127.*) ;;
  *) echo "sge: warning: $host resolves to $addr, not a loopback address;" \
          "SGE will talk over it" >&2 ;;
esac
aliases=""
for n in $(getent hosts "$addr" | cut -d' ' -f2- | tr -s ' \t' '\n') localhost; do
  [ "$n" != "$host" ] && [[ " $aliases " != *" $n "* ]] && aliases="$aliases $n"
done

# The cell: the package's postinst made it when shared/gridengineconfig was true;
# make it here otherwise (init_cluster skips a spool that exists).
install -d -o sgeadmin -g sgeadmin -m 0755 "$SGE_ROOT" "$SGE_ROOT/$SGE_CELL" "$common" \
  "$spool/qmaster" "$spool/qmaster/job_scripts" "$spool/spooldb" "$spool/execd"
[ -s "$common/bootstrap" ] || \
  install -m 0644 -o sgeadmin -g sgeadmin /usr/share/gridengine/default-bootstrap "$common/bootstrap"
if [ ! -e "$spool/spooldb/sge" ]; then
  runuser -u sgeadmin -- /usr/share/gridengine/scripts/init_cluster \
    "$SGE_ROOT" "$SGE_CELL" "$spool/spooldb" sgeadmin >/dev/null
fi
echo "$host$aliases" > "$common/host_aliases"
echo "$host" > "$common/act_qmaster"
chown sgeadmin:sgeadmin "$common/host_aliases" "$common/act_qmaster"

alive() {  # pid name: a live process of that name (a pid file may be stale, and a
  # killed daemon's zombie lingers until pid 1 reaps it)
  local st
  [ -n "${1:-}" ] && st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st#Z}" = "$st" ] &&
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}
pidof_file() { [ -s "$1" ] && cat "$1" || true; }
foreign() {  # name pid: refuse a daemon of that name that this script did not start
  local others
  others=$(for p in $(pgrep -x "$1"); do
    [ "$p" != "${2:-}" ] && alive "$p" "$1" && echo -n "$p "; done || true)
  if [ -n "$others" ]; then
    echo "sge: $1 runs already (pid $others), not started by sge-up.sh" \
         "(the package's init script?): stop it first" >&2
    exit 1
  fi
}
# The daemons write their pid files (as sgeadmin) where these variables say; by
# default they go to the spool directories, the execd's under the host name SGE found
# ("localhost" here, not the host name).
install -d -o sgeadmin -g sgeadmin -m 0755 "$state/run"
export SGE_QMASTER_PIDFILE=$state/run/qmaster.pid SGE_EXECD_PIDFILE=$state/run/execd.pid
qmaster_pidfile=$SGE_QMASTER_PIDFILE
execd_pidfile=$SGE_EXECD_PIDFILE
q() {  # qconf, quiet unless it fails (it reports on stderr even when it succeeds)
  local out
  out=$(qconf "$@" 2>&1) || { echo "sge: qconf $*: $out" >&2; return 1; }
}

# The qmaster: it forks into the background and writes its pid file.
fresh=0
qpid=$(pidof_file "$qmaster_pidfile")
alive "$qpid" sge_qmaster || qpid=""
foreign sge_qmaster "$qpid"
if [ -z "$qpid" ]; then
  # What a run that died left (its execd, jobs' shepherds, pid files): sge-down stops it.
  bash "$here/sge-down.sh"
  rm -f "$qmaster_pidfile"
  /usr/sbin/sge_qmaster
  fresh=1
fi
for _ in $(seq 1 60); do
  qconf -sh >/dev/null 2>&1 && break
  sleep 0.5
done
if ! qconf -sh >/dev/null 2>&1; then
  echo "sge: sge_qmaster does not answer" >&2
  qconf -sh >&2 || true
  tail -20 "$spool/qmaster/messages" >&2 || true
  exit 1
fi
qpid=$(pidof_file "$qmaster_pidfile")
if ! alive "$qpid" sge_qmaster; then
  echo "sge: sge_qmaster answers, but $qmaster_pidfile names no live sge_qmaster" >&2
  exit 1
fi
echo "qmaster $qpid" > "$state/pids"

# Jobs left over from a run that was killed would hold the slots: a new qmaster
# starts with an empty queue.
if [ "$fresh" = 1 ]; then
  qdel -f -u '*' >/dev/null 2>&1 || true
fi

# Configuration, every time (idempotent): qconf -M*/-A* from files, no editor.
conf=$state/conf
rm -rf "$conf"; mkdir -p "$conf"
qconf -ss 2>/dev/null | grep -qx "$host" || q -as "$host"
# Global: root's jobs (min_uid/min_gid are 1000 by default, and root's jobs then fail),
# load reports every 5 s instead of 40 s.
qconf -sconf global | sed -E \
  -e 's/^(min_uid[[:space:]]+).*/\10/' -e 's/^(min_gid[[:space:]]+).*/\10/' \
  -e 's/^(load_report_time[[:space:]]+).*/\100:00:05/' > "$conf/global"
q -Mconf "$conf/global"
# The scheduler: a pass each second, and at once on submit and finish; no load
# adjustments (the cores are shared with builds).
qconf -ssconf | sed -E \
  -e 's/^(schedule_interval[[:space:]]+).*/\10:0:1/' \
  -e 's/^(flush_submit_sec[[:space:]]+).*/\11/' \
  -e 's/^(flush_finish_sec[[:space:]]+).*/\11/' \
  -e 's/^(job_load_adjustments[[:space:]]+).*/\1NONE/' \
  -e 's/^(load_adjustment_decay_time[[:space:]]+).*/\10:0:0/' > "$conf/sched"
q -Msconf "$conf/sched"
if ! qconf -se "$host" >/dev/null 2>&1; then
  cat > "$conf/exechost" <<EOF
hostname              $host
load_scaling          NONE
complex_values        NONE
user_lists            NONE
xuser_lists           NONE
projects              NONE
xprojects             NONE
usage_scaling         NONE
report_variables      NONE
EOF
  q -Ae "$conf/exechost"
fi
pe() {  # name allocation_rule control_slaves job_is_first_task
  cat > "$conf/pe-$1" <<EOF
pe_name            $1
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $2
control_slaves     $3
job_is_first_task  $4
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  if qconf -sp "$1" >/dev/null 2>&1; then
    q -Mp "$conf/pe-$1"
  else
    q -Ap "$conf/pe-$1"
  fi
}
pe smp '$pe_slots' FALSE TRUE
pe mpi '$fill_up' TRUE FALSE
# The queue: no load threshold (a busy machine would put it in alarm state and no job
# would start), bash, and #! lines honoured (unix_behavior).
cat > "$conf/all.q" <<EOF
qname                 all.q
hostlist              $host
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               smp mpi
rerun                 FALSE
slots                 $slots
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
if qconf -sq all.q >/dev/null 2>&1; then
  q -Mq "$conf/all.q"
else
  q -Aq "$conf/all.q"
fi

# The execution daemon: it forks too, and writes its pid file.
epid=$(pidof_file "$execd_pidfile")
alive "$epid" sge_execd || epid=""
foreign sge_execd "$epid"
if [ -z "$epid" ]; then
  rm -f "$execd_pidfile"
  /usr/sbin/sge_execd
fi
for _ in $(seq 1 40); do
  epid=$(pidof_file "$execd_pidfile")
  alive "$epid" sge_execd && break
  sleep 0.5
done
if ! alive "$epid" sge_execd; then
  echo "sge: sge_execd did not start" >&2
  tail -20 "$spool"/execd/*/messages /tmp/execd_messages.* >&2 2>/dev/null || true
  exit 1
fi
echo "execd $epid" >> "$state/pids"

# Wait for the host's load report and for all.q@host to leave the u(nknown) state.
for _ in $(seq 1 120); do
  load=$(qhost -h "$host" 2>/dev/null | awk -v h="$host" '$1 == h {print $7}')
  states=$(qstat -f -q "all.q@$host" 2>/dev/null | awk -v q="all.q@$host" '$1 == q {print $6}')
  inst=$(qstat -f -q "all.q@$host" 2>/dev/null | awk -v q="all.q@$host" '$1 == q' | wc -l)
  if [ -n "$load" ] && [ "$load" != "-" ] && [ "$inst" = 1 ] && [ -z "$states" ]; then
    echo "sge: up ($host, all.q with $slots slots, pe smp and mpi, $(( $(date +%s) - t0 )) s)"
    exit 0
  fi
  sleep 0.5
done
echo "sge: the queue did not come up" >&2
qhost >&2 || true
qstat -f -explain aAcE >&2 || true
tail -20 "$spool/qmaster/messages" "$spool"/execd/*/messages >&2 2>/dev/null || true
exit 1
