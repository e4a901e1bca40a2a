# shellcheck shell=bash
# Step "slurm": a real three-node Slurm 22.05 cluster on this host, without systemd (facts in
# ../shared/reference/slurm.md): munged, slurmctld and three slurmd (n1 n2 n3, one port each),
# all started detached with pid files, under $LSFD_SLURM_DIR:
#   etc/slurm.conf   world-readable; clients find it through SLURM_CONF (never /etc/slurm)
#   state/ log/ run/ owned by SlurmUser (slurm); spool/n1..n3 (slurmd, root)
# Idempotent: packages, munge key, config and every daemon are checked first; a rerun on a running
# cluster writes nothing and starts nothing. A changed slurm.conf restarts the Slurm daemons.
# Also sourced by scripts/slurm.sh (start|stop|status).

LSFD_SLURM_DIR=${LSFD_SLURM_DIR:-/var/lib/lsf-docker-slurm}
LSFD_SLURM_CONF=$LSFD_SLURM_DIR/etc/slurm.conf
LSFD_SLURM_NODES=(n1 n2 n3)
LSFD_SLURM_PACKAGES=(munge slurmctld slurmd slurm-client)
LSFD_SLURM_APT_LOG=/var/log/lsf-docker-apt-slurm.log
LSFD_MUNGE_KEY=/etc/munge/munge.key
LSFD_MUNGE_PIDFILE=/run/munge/munged.pid
# lsf-docker's [job] terminate_interval default (lib/config/schema.ts). Slurm's SIGKILL comes
# KillWait seconds after scancel's SIGTERM; docker_run needs terminate_interval to remove the
# container after SIGTERM, plus time for `docker rm -f` (measured ~0.4 s; 5 s margin).
LSFD_SLURM_TERMINATE_INTERVAL=${LSFD_SLURM_TERMINATE_INTERVAL:-10}
LSFD_SLURM_KILL_WAIT=$((LSFD_SLURM_TERMINATE_INTERVAL + 5))

slurm_config() {
  local nodes_expr="n[1-${#LSFD_SLURM_NODES[@]}]"
  cat <<CONF
# Written by lsf-docker scripts/provision.sh (step slurm). Rewritten when it differs.
ClusterName=lsfd
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=slurm
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$LSFD_SLURM_DIR/state
SlurmdSpoolDir=$LSFD_SLURM_DIR/spool/%n
SlurmctldPidFile=$LSFD_SLURM_DIR/run/slurmctld.pid
SlurmdPidFile=$LSFD_SLURM_DIR/run/slurmd-%n.pid
SlurmctldLogFile=$LSFD_SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$LSFD_SLURM_DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# linuxproc: scancel's SIGCONT/SIGTERM reach every process of the job (cgroup: only the main one).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# No accounting (sacct fails): finished jobs are in slurmctld for MinJobAge, and in this file.
JobCompType=jobcomp/filetxt
JobCompLoc=$LSFD_SLURM_DIR/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SlurmdParameters=config_overrides
# KillWait = [job] terminate_interval ($LSFD_SLURM_TERMINATE_INTERVAL s) + 5 s: docker_run removes the
# container before Slurm's SIGKILL.
KillWait=$LSFD_SLURM_KILL_WAIT
# Finished jobs stay visible to squeue/scontrol (bjobs -a) for an hour, as LSF's CLEAN_PERIOD.
MinJobAge=3600
SlurmdTimeout=60
InactiveLimit=0
NodeName=$nodes_expr NodeHostname=localhost NodeAddr=127.0.0.1 Port=17001-$((17000 + ${#LSFD_SLURM_NODES[@]})) CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$nodes_expr Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
}

# slurm_alive PID COMM: PID runs and is COMM (a zombie, until PID 1 reaps it, has ended).
slurm_alive() {
  local stat
  [[ $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# slurm_pid_of PIDFILE COMM: the pid in PIDFILE when that process runs and is COMM.
slurm_pid_of() {
  local pid
  [[ -r $1 ]] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && slurm_alive "$pid" "$2" || return 1
  printf '%s' "$pid"
}

slurm_pidfile() {
  case $1 in
    slurmctld) printf '%s' "$LSFD_SLURM_DIR/run/slurmctld.pid" ;;
    munged) printf '%s' "$LSFD_MUNGE_PIDFILE" ;;
    *) printf '%s' "$LSFD_SLURM_DIR/run/slurmd-$1.pid" ;;
  esac
}

# slurm_comm NAME: the process name of daemon NAME (munged, slurmctld, or a node: slurmd).
slurm_comm() {
  case $1 in
    munged | slurmctld) printf '%s' "$1" ;;
    *) printf slurmd ;;
  esac
}

# slurm_daemon_pid NAME (munged, slurmctld, n1..n3): its pid when it runs.
slurm_daemon_pid() {
  slurm_pid_of "$(slurm_pidfile "$1")" "$(slurm_comm "$1")"
}

munge_answers() {
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

slurm_install_packages() {
  local missing=() pkg t0 rc=0 added_policy=
  for pkg in "${LSFD_SLURM_PACKAGES[@]}"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  t0=$(now)
  # The packages' init scripts must not start munged or the Slurm daemons (this step does, with
  # its own configuration): policy-rc.d exit 101 = "do not start".
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from lsf-docker scripts/provision.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" ||
      {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
          DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
      }
  } >"$LSFD_SLURM_APT_LOG" 2>&1 || rc=$?
  [[ -n $added_policy ]] && rm -f /usr/sbin/policy-rc.d
  if ((rc != 0)); then
    tail_log "$LSFD_SLURM_APT_LOG" >&2
    die "apt-get install ${missing[*]} failed (exit $rc, log $LSFD_SLURM_APT_LOG)"
  fi
  SLURM_CHANGED+=("installed ${missing[*]} in $(since "$t0")")
}

slurm_ensure_munge_key() {
  if [[ ! -s $LSFD_MUNGE_KEY ]]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    mungekey --create --keyfile="$LSFD_MUNGE_KEY" || die "mungekey --create --keyfile=$LSFD_MUNGE_KEY failed"
    SLURM_CHANGED+=("munge key")
  fi
  # munged refuses a key that others can read or that it does not own.
  if [[ $(stat -c '%U %a' "$LSFD_MUNGE_KEY") != "munge 600" ]]; then
    chown munge:munge "$LSFD_MUNGE_KEY"
    chmod 0600 "$LSFD_MUNGE_KEY"
    SLURM_CHANGED+=("munge key mode")
  fi
}

# slurm_ensure_dir MODE OWNER DIR...: made, or fixed, only when not as wanted.
slurm_ensure_dir() {
  local mode=$1 owner=$2 dir
  shift 2
  for dir in "$@"; do
    if [[ -L $dir ]] || [[ -e $dir && ! -d $dir ]]; then
      die "$dir exists and is not a directory: remove it and rerun"
    fi
    if [[ ! -d $dir || $(stat -c '%a %U:%G' "$dir") != "${mode#0} $owner" ]]; then
      install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" -- "$dir"
      SLURM_DIRS_MADE+=("${dir#"$LSFD_SLURM_DIR"/}")
    fi
  done
}

# slurm_ensure_files: the directories and slurm.conf. Sets SLURM_CONF_CHANGED=1 when it was written.
slurm_ensure_files() {
  local n
  SLURM_CONF_CHANGED=
  SLURM_DIRS_MADE=()
  slurm_ensure_dir 0755 root:root "$LSFD_SLURM_DIR" "$LSFD_SLURM_DIR/etc" "$LSFD_SLURM_DIR/spool"
  slurm_ensure_dir 0755 slurm:slurm "$LSFD_SLURM_DIR/state" "$LSFD_SLURM_DIR/log" "$LSFD_SLURM_DIR/run"
  for n in "${LSFD_SLURM_NODES[@]}"; do
    slurm_ensure_dir 0755 root:root "$LSFD_SLURM_DIR/spool/$n"
  done
  ((${#SLURM_DIRS_MADE[@]} == 0)) || SLURM_CHANGED+=("dirs ${SLURM_DIRS_MADE[*]} of $LSFD_SLURM_DIR")
  if ! slurm_config | cmp -s - "$LSFD_SLURM_CONF"; then
    slurm_config >"$LSFD_SLURM_CONF.new"
    chmod 0644 "$LSFD_SLURM_CONF.new"
    mv -f "$LSFD_SLURM_CONF.new" "$LSFD_SLURM_CONF"
    SLURM_CONF_CHANGED=1
    SLURM_CHANGED+=("wrote etc/slurm.conf")
  fi
}

slurm_ensure_munged() {
  local deadline
  munge_answers && return 0
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
  deadline=$((SECONDS + 10))
  until munge_answers; do
    ((SECONDS < deadline)) || {
      tail_log /var/log/munge/munged.log >&2
      die "munged started but 'munge -n | unmunge' fails after 10 s"
    }
    sleep 0.1
  done
  # Remember that this step started it: scripts/slurm.sh stop stops only a munged of ours.
  slurm_daemon_pid munged >"$LSFD_SLURM_DIR/run/munged.ours" || true
  SLURM_CHANGED+=("munged (pid $(cat "$LSFD_SLURM_DIR/run/munged.ours"))")
}

# slurm_start_daemon NAME: starts slurmctld or slurmd NAME (they daemonize and write their pid file).
slurm_start_daemon() {
  local name=$1 log rc=0
  if [[ $name == slurmctld ]]; then
    log=$LSFD_SLURM_DIR/log/slurmctld.log
    SLURM_CONF=$LSFD_SLURM_CONF runuser -u slurm -- /usr/sbin/slurmctld -f "$LSFD_SLURM_CONF" || rc=$?
  else
    log=$LSFD_SLURM_DIR/log/slurmd-$name.log
    SLURM_CONF=$LSFD_SLURM_CONF /usr/sbin/slurmd -f "$LSFD_SLURM_CONF" -N "$name" || rc=$?
  fi
  if ((rc != 0)); then
    tail_log "$log" >&2
    die "$name did not start (exit $rc, log $log)"
  fi
  SLURM_STARTED+=("$name")
}

# slurm_nodes_ready: every node answers and can run jobs (idle, mixed, allocated or completing).
slurm_nodes_ready() {
  local ready
  ready=$(SLURM_CONF=$LSFD_SLURM_CONF sinfo -h -N -o '%N %T' 2>/dev/null |
    awk '$2 ~ /^(idle|mixed|allocated|completing)$/ { n[$1] = 1 } END { print length(n) }')
  [[ $ready == "${#LSFD_SLURM_NODES[@]}" ]]
}

# slurm_resume_stuck: a node left down or drained (a killed slurmd, "Kill task failed") whose
# slurmd runs again is put back into service, once per run of the step.
slurm_resume_stuck() {
  local node state
  while read -r node state; do
    [[ $state =~ ^(down|drain|drained|draining|fail)\*?$ ]] || continue
    slurm_daemon_pid "$node" >/dev/null || continue
    if SLURM_CONF=$LSFD_SLURM_CONF scontrol update NodeName="$node" State=RESUME 2>/dev/null; then
      SLURM_CHANGED+=("resumed $node (was $state)")
    fi
  done < <(SLURM_CONF=$LSFD_SLURM_CONF sinfo -h -N -o '%N %T' 2>/dev/null)
}

# slurm_wait_ready SECONDS: until every node is ready; on failure the logs' tails and exit 1.
slurm_wait_ready() {
  local deadline=$((SECONDS + $1)) resume_at=$((SECONDS + 2)) resumed= name
  until slurm_nodes_ready; do
    if [[ -z $resumed ]] && ((SECONDS >= resume_at)); then
      slurm_resume_stuck
      resumed=1
    fi
    if ((SECONDS >= deadline)); then
      SLURM_CONF=$LSFD_SLURM_CONF sinfo -N 2>&1 | sed 's/^/    /' >&2
      for name in slurmctld "${LSFD_SLURM_NODES[@]/#/slurmd-}"; do
        printf '  %s:\n' "$LSFD_SLURM_DIR/log/$name.log" >&2
        tail_log "$LSFD_SLURM_DIR/log/$name.log" 8 >&2
      done
      die "the Slurm nodes (${LSFD_SLURM_NODES[*]}) are not all idle after $1 s (logs above)"
    fi
    sleep 0.1
  done
}

# slurm_stop_daemon NAME [SECONDS]: TERM from its pid file, wait for the exit (KILL after SECONDS).
slurm_stop_daemon() {
  local name=$1 wait=${2:-15} pid i comm
  pid=$(slurm_daemon_pid "$name") || return 0
  comm=$(slurm_comm "$name")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait * 10; i++)); do
    slurm_alive "$pid" "$comm" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  printf 'slurm: %s (pid %s) ignored SIGTERM for %s s: killed\n' "$name" "$pid" "$wait" >&2
}

slurm_stop_all() {
  local n ours
  for n in "${LSFD_SLURM_NODES[@]}"; do
    slurm_stop_daemon "$n"
  done
  slurm_stop_daemon slurmctld
  if [[ ${1:-} == --munge ]] && ours=$(cat "$LSFD_SLURM_DIR/run/munged.ours" 2>/dev/null) &&
    [[ $(slurm_daemon_pid munged) == "$ours" ]]; then
    slurm_stop_daemon munged
    rm -f "$LSFD_SLURM_DIR/run/munged.ours"
  fi
}

step_slurm() {
  local t0 name
  t0=$(now)
  SLURM_CHANGED=()
  SLURM_STARTED=()
  slurm_install_packages
  slurm_ensure_munge_key
  slurm_ensure_files
  slurm_ensure_munged
  if [[ -n $SLURM_CONF_CHANGED ]] && { slurm_daemon_pid slurmctld || slurm_daemon_pid n1 || slurm_daemon_pid n2 || slurm_daemon_pid n3; } >/dev/null; then
    slurm_stop_all
    SLURM_CHANGED+=("stopped the daemons (config changed)")
  fi
  for name in slurmctld "${LSFD_SLURM_NODES[@]}"; do
    slurm_daemon_pid "$name" >/dev/null || slurm_start_daemon "$name"
  done
  ((${#SLURM_STARTED[@]} > 0)) && SLURM_CHANGED+=("started ${SLURM_STARTED[*]}")
  slurm_wait_ready 30
  if ((${#SLURM_CHANGED[@]} == 0)); then
    say slurm "already running (${#LSFD_SLURM_NODES[@]} nodes up, SLURM_CONF=$LSFD_SLURM_CONF)"
  else
    say slurm "$(printf '%s; ' "${SLURM_CHANGED[@]}")${#LSFD_SLURM_NODES[@]} nodes up in $(since "$t0") (SLURM_CONF=$LSFD_SLURM_CONF)"
  fi
}
