#!/usr/bin/env bash
# A one-node SLURM for CI on Debian 12, as root, without systemd: munged, MariaDB,
# slurmdbd, slurmctld and slurmd started as background daemons. Used by
# .ci/cluster_test.py (make cluster-test); also handy by hand to try profiles/slurm.
#
#   .ci/slurm.sh install        apt-get install the packages (if missing); nothing else
#   .ci/slurm.sh start          install, configure, start what is not running, smoke test
#   .ci/slurm.sh stop [NAME..]  stop the daemons this script started (by PID file), or only NAME..
#   .ci/slurm.sh status         each daemon's PID and sinfo; exit 0 only when all run
#   .ci/slurm.sh running        the names of the daemons of ours that run, one a line
#
# Idempotent: `start` with everything up only runs the smoke test; a changed configuration
# restarts the daemons of ours that run. Every wait is bounded (WAIT_S). The PIDs of the
# daemons it started are kept in $STATE/<name>.pid; `stop` kills those PIDs only, never
# by name. A daemon of the same name that this script did not start is an error, not a
# second copy.
#
# Environment (all optional):
#   SLURM_PARTITION   partition name, the cluster's default  (default: debug)
#   SLURM_CLUSTER     ClusterName                           (default: ci)
#   SLURM_ACCOUNT     account created, root's default       (default: ci)
#   SLURM_ACCOUNTING  slurmdbd | none                       (default: slurmdbd)
#                     none: no MariaDB/slurmdbd, no sacct; Snakemake's SLURM plugin then
#                     needs `--slurm-status-command squeue`, or it waits forever.
#   SLURM_DB_PASS     password of MariaDB user slurm@localhost (default: slurmci)
#   SLURM_MEM_MARGIN  MB kept back from the memory slurmd measures (default: 512)
#   WAIT_S            seconds to wait for each daemon and the smoke-test job (default: 60)
#   APT_TIMEOUT_S     bound on apt-get update and on apt-get install (default: 600)
set -euo pipefail

PARTITION=${SLURM_PARTITION:-debug}
CLUSTER=${SLURM_CLUSTER:-ci}
ACCOUNT=${SLURM_ACCOUNT:-ci}
ACCOUNTING=${SLURM_ACCOUNTING:-slurmdbd}
DB_PASS=${SLURM_DB_PASS:-slurmci}
MEM_MARGIN=${SLURM_MEM_MARGIN:-512}
WAIT_S=${WAIT_S:-60}
APT_TIMEOUT_S=${APT_TIMEOUT_S:-600}
STATE=/run/nnclaims-slurm
DAEMONS=(munged mariadb slurmdbd slurmctld slurmd)  # in start order
NODE=$(hostname -s)

say() { printf '==> slurm: %s\n' "$*"; }
die() { printf 'ERROR: slurm: %s\n' "$*" >&2; exit 1; }
log_of() {
  case $1 in
    munged) echo /var/log/munge/munged.log ;;
    mariadb) echo /var/log/mysql/ci.log ;;
    *) echo "/var/log/slurm/$1.log" ;;
  esac
}
# die_log NAME MESSAGE: die, showing the end of NAME's log first.
die_log() {
  local f; f=$(log_of "$1")
  if [[ -r $f ]]; then printf -- '--- last lines of %s ---\n' "$f" >&2; tail -n 20 "$f" >&2; fi
  die "$2"
}
# try_for SECONDS WHAT COMMAND...: run COMMAND once a second until it succeeds; after
# SECONDS give up and return 1.
try_for() {
  local t=$1 what=$2 i; shift 2
  for ((i = 0; i < t; i++)); do
    if "$@" >/dev/null 2>&1; then say "$what: ok after ${i}s"; return 0; fi
    sleep 1
  done
  say "$what: not ready after ${t}s"; return 1
}
# wait_for SECONDS WHAT NAME COMMAND...: the same, but giving up ends the script with
# NAME's log.
wait_for() {
  local t=$1 what=$2 name=$3; shift 3
  try_for "$t" "$what" "$@" || die_log "$name" "timed out after ${t}s waiting for: $what"
}
alive() { [[ -s $STATE/$1.pid ]] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }
need_root() { [[ $(id -u) -eq 0 ]] || die "$1 needs root (it installs packages and starts system daemons)"; }

stop_one() {
  local name=$1 pid i
  if alive "$name"; then
    pid=$(cat "$STATE/$name.pid")
    say "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then say "$name still alive after 30s: SIGKILL"; kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$STATE/$name.pid"
  # slurmctld and slurmdbd leave their PID files behind; a stale /run/slurmctld.pid makes
  # `apt-get remove slurmctld` fail (its prerm runs scancel).
  case $name in slurmctld | slurmdbd | slurmd) rm -f "/run/$name.pid" ;; esac
}
stop_daemons() {
  local n names=("$@") order=(slurmd slurmctld slurmdbd mariadb munged)
  ((${#names[@]})) || names=("${order[@]}")
  for n in "${names[@]}"; do
    [[ " ${DAEMONS[*]} " == *" $n "* ]] || die "unknown daemon '$n' (known: ${DAEMONS[*]})"
  done
  for n in "${order[@]}"; do
    [[ " ${names[*]} " == *" $n "* ]] && stop_one "$n"
  done
  return 0
}
show_status() {
  local n all=0
  for n in "${DAEMONS[@]}"; do
    if alive "$n"; then echo "$n: running, pid $(cat "$STATE/$n.pid")"
    else echo "$n: not running"; [[ $n == mariadb || $n == slurmdbd ]] && [[ $ACCOUNTING == none ]] || all=3; fi
  done
  command -v sinfo >/dev/null && { timeout 10 sinfo 2>&1 || true; }
  return "$all"
}

# ---------------------------------------------------------------- packages
PKGS=(munge slurmctld slurmd slurm-client)
[[ $ACCOUNTING == slurmdbd ]] && PKGS+=(slurmdbd mariadb-server)
install_packages() {
  local p missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then say "packages already installed: ${PKGS[*]}"; return 0; fi
  need_root "installing ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found: cannot install ${missing[*]}"
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt may hold the lock (e.g. make test installing chromium): wait for it, bounded.
  local lock=(-o DPkg::Lock::Timeout=120)
  timeout "$APT_TIMEOUT_S" apt-get "${lock[@]}" update -qq || die "apt-get update failed or took over ${APT_TIMEOUT_S}s"
  # Without systemd the packages' attempts to start their services fail harmlessly
  # ("invoke-rc.d: could not determine current runlevel" / policy-rc.d denied).
  timeout "$APT_TIMEOUT_S" apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed or took over ${APT_TIMEOUT_S}s"
}

case ${1:-} in
  install) install_packages; exit 0 ;;
  stop)    shift; stop_daemons "$@"; exit 0 ;;
  status)  show_status; exit $? ;;
  running) for n in "${DAEMONS[@]}"; do alive "$n" && echo "$n"; done; exit 0 ;;
  start)   ;;
  *)       die "usage: $0 start | stop [NAME...] | status | running | install" ;;
esac

need_root "starting SLURM"
[[ $ACCOUNTING == slurmdbd || $ACCOUNTING == none ]] || die "SLURM_ACCOUNTING must be slurmdbd or none, not '$ACCOUNTING'"
mkdir -p "$STATE"

# A daemon whose PID file is not ours is not ours to manage: refuse rather than start a
# second copy that would fight over the ports.
for n in munged slurmdbd slurmctld slurmd mariadbd; do
  s=$n; [[ $n == mariadbd ]] && s=mariadb
  if ! alive "$s" && pgrep -x "$n" >/dev/null; then
    die "$n (pid $(pgrep -x "$n" | tr '\n' ' ')) is running but was not started by $0 (no live $STATE/$s.pid); stop it with whatever started it, then retry"
  fi
done

install_packages
say "$(slurmctld -V)"

# ---------------------------------------------------------------- munge
if [[ ! -s /etc/munge/munge.key ]]; then
  say "creating /etc/munge/munge.key"
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
mkdir -p /var/lib/munge /var/log/munge
chown munge:munge /var/lib/munge /var/log/munge
if alive munged; then
  say "munged already running (pid $(cat "$STATE/munged.pid"))"
else
  say "starting munged (as user munge; it daemonizes and writes /run/munge/munged.pid)"
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged || die_log munged "munged did not start"
  wait_for 15 "munged pid file" munged test -s /run/munge/munged.pid
  cp /run/munge/munged.pid "$STATE/munged.pid"
fi
wait_for "$WAIT_S" "munge round trip" munged bash -c 'munge -n | unmunge'

# ---------------------------------------------------------------- MariaDB
if [[ $ACCOUNTING == slurmdbd ]]; then
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  if [[ ! -d /var/lib/mysql/mysql ]]; then
    say "initialising /var/lib/mysql"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  if alive mariadb; then
    say "mariadbd already running (pid $(cat "$STATE/mariadb.pid"))"
  else
    say "starting mariadbd in the background (log /var/log/mysql/ci.log)"
    install -d -o mysql -g adm -m 2750 /var/log/mysql
    # mariadbd does not daemonize: give it its own session and record its PID.
    setsid /usr/sbin/mariadbd --user=mysql >>/var/log/mysql/ci.log 2>&1 </dev/null &
    echo $! >"$STATE/mariadb.pid"
  fi
  wait_for "$WAIT_S" "mariadb ping" mariadb mariadb-admin ping
  say "database slurm_acct_db and user slurm@localhost (created if missing)"
  # root logs in through the unix socket (Debian's default), no password needed.
  timeout 30 mariadb -uroot <<SQL || die_log mariadb "could not create the accounting database"
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '${DB_PASS}';
ALTER USER 'slurm'@'localhost' IDENTIFIED BY '${DB_PASS}';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
FLUSH PRIVILEGES;
SQL
fi

# ---------------------------------------------------------------- configuration
# CPUs and RealMemory as slurmd measures them. RealMemory must not exceed the measured
# value (the node would be drained); requests (--mem) above it are rejected at sbatch.
read -r CPUS MEM < <(slurmd -C | awk '/^NodeName/ {
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  print v["CPUs"], v["RealMemory"] }')
[[ -n ${CPUS:-} && -n ${MEM:-} ]] || die "could not read CPUs/RealMemory from 'slurmd -C'"
MEM=$((MEM - MEM_MARGIN))
say "node $NODE: CPUs=$CPUS RealMemory=$MEM MB (measured minus ${MEM_MARGIN})"
install -d -o slurm -g slurm -m 0755 /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm

CHANGED_SLURM=0 CHANGED_DBD=0
# write_if_changed FILE MODE USER:GROUP VAR < content: VAR=1 when the file changed.
write_if_changed() {
  local f=$1 mode=$2 owner=$3 var=$4 tmp
  tmp=$(mktemp); cat >"$tmp"
  if [[ -f $f ]] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; say "$f unchanged"; return 0; fi
  install -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$tmp" "$f"; rm -f "$tmp"
  say "wrote $f"; printf -v "$var" 1
}
if [[ $ACCOUNTING == slurmdbd ]]; then
  ACCT_LINES="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
JobAcctGatherType=jobacct_gather/linux"
else
  ACCT_LINES="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi
write_if_changed /etc/slurm/slurm.conf 0644 root:root CHANGED_SLURM <<EOF
# Written by nnclaims' .ci/slurm.sh: a one-node cluster without systemd or cgroups.
ClusterName=${CLUSTER}
SlurmctldHost=${NODE}
SlurmUser=slurm
AuthType=auth/munge
# No systemd, no cgroup delegation: track job processes by parent PID, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Accounting (${ACCOUNTING}): Snakemake's SLURM plugin polls sacct by default.
${ACCT_LINES}
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue for 300 s (what --slurm-status-command squeue needs).
MinJobAge=300
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=${NODE} CPUs=${CPUS} RealMemory=${MEM} State=UNKNOWN
# DefMemPerCPU: a job that asks for no memory gets 1 GB per CPU, not the whole node.
PartitionName=${PARTITION} Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=1024
EOF
if [[ $ACCOUNTING == slurmdbd ]]; then
  write_if_changed /etc/slurm/slurmdbd.conf 0600 slurm:slurm CHANGED_DBD <<EOF
# Written by nnclaims' .ci/slurm.sh. Must be mode 600 and owned by SlurmUser.
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageLoc=slurm_acct_db
StorageUser=slurm
StoragePass=${DB_PASS}
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurmdbd.pid
DebugLevel=info
EOF
fi
# A changed configuration is applied by restarting the daemons of ours that run.
if ((CHANGED_DBD)) && alive slurmdbd; then say "slurmdbd.conf changed: restarting"; stop_one slurmdbd; fi
if ((CHANGED_SLURM || CHANGED_DBD)); then
  for n in slurmd slurmctld; do
    if alive "$n"; then say "configuration changed: restarting $n"; stop_one "$n"; fi
  done
fi
if [[ $ACCOUNTING == none ]]; then stop_one slurmdbd; stop_one mariadb; fi

# ---------------------------------------------------------------- daemons
# start_daemon NAME PIDFILE COMMAND...: the SLURM daemons fork and write their PID file.
start_daemon() {
  local name=$1 pidfile=$2; shift 2
  if alive "$name"; then say "$name already running (pid $(cat "$STATE/$name.pid"))"; return 0; fi
  rm -f "$pidfile"
  say "starting $name"
  "$@" || die_log "$name" "$name did not start"
  wait_for 30 "$name pid file" "$name" test -s "$pidfile"
  cp "$pidfile" "$STATE/$name.pid"
}

if [[ $ACCOUNTING == slurmdbd ]]; then
  start_daemon slurmdbd /run/slurmdbd.pid /usr/sbin/slurmdbd
  wait_for "$WAIT_S" "slurmdbd answers sacctmgr" slurmdbd timeout 10 sacctmgr -n list cluster
  # Cluster, account and root's association must exist before jobs can run
  # (AccountingStorageEnforce=associations). -i: no confirmation prompt.
  sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER" \
    || { say "sacctmgr add cluster $CLUSTER"; timeout 30 sacctmgr -i add cluster "$CLUSTER" >/dev/null; }
  sacctmgr -n -P list account format=account | grep -qx "$ACCOUNT" \
    || { say "sacctmgr add account $ACCOUNT"; timeout 30 sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description=ci Organization=ci >/dev/null; }
  sacctmgr -n -P list assoc user=root cluster="$CLUSTER" format=account | grep -qx "$ACCOUNT" \
    || { say "sacctmgr add user root account=$ACCOUNT"; timeout 30 sacctmgr -i add user root Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null; }
fi
start_daemon slurmctld /run/slurmctld.pid /usr/sbin/slurmctld
wait_for "$WAIT_S" "slurmctld answers scontrol ping" slurmctld timeout 10 scontrol ping
start_daemon slurmd /run/slurmd.pid /usr/sbin/slurmd

node_ok() { timeout 10 sinfo -h -N -n "$NODE" -o '%t' | grep -Eq '^(idle|mix|alloc)$'; }
if ! try_for "$WAIT_S" "node $NODE up in partition $PARTITION" node_ok; then
  # e.g. left DOWN/DRAINED by an earlier configuration: resume it once.
  say "node state: $(sinfo -h -N -n "$NODE" -o '%t %E'); scontrol update State=RESUME"
  scontrol update NodeName="$NODE" State=RESUME || true
  wait_for "$WAIT_S" "node $NODE up after resume" slurmd node_ok
fi

# ---------------------------------------------------------------- smoke test
say "sinfo"; sinfo
out=$(mktemp -d)
jid=$(timeout 30 sbatch --parsable -p "$PARTITION" -o "$out/%j.out" --wrap hostname) \
  || die_log slurmctld "sbatch of the smoke-test job failed"
say "submitted smoke-test job $jid (sbatch --wrap hostname)"
if [[ $ACCOUNTING == slurmdbd ]]; then
  wait_for "$WAIT_S" "job $jid COMPLETED in sacct" slurmd \
    bash -c "sacct -n -X -P -j $jid -o State | grep -qx COMPLETED"
else
  wait_for "$WAIT_S" "job $jid COMPLETED in squeue" slurmd \
    bash -c "squeue -h -j $jid --states=all -o %T | grep -qx COMPLETED"
fi
say "smoke-test job printed: $(cat "$out/$jid.out")"
rm -rf "$out"
say "SLURM is up: cluster=$CLUSTER partition=$PARTITION account=$ACCOUNT accounting=$ACCOUNTING"
show_status || true
