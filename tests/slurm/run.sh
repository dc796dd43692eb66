#!/bin/sh
# tests/slurm/run.sh — `wick sweep --engine slurm` on a real Slurm. Starts a one-node
# cluster on this machine (munged, slurmctld and slurmd on localhost, everything under a
# temporary folder), runs a 3 x 3 sweep of sketches/hello through sbatch and checks what
# was gathered: 9 runs with status ok in the sketchbook, each with its sweep and cell,
# their outputs and a contact sheet. Then it deletes one cell's result, runs the same
# command again and checks that Slurm ran only that cell. The daemons are stopped at the
# end, also when a check fails.
#
#   make && sudo tests/slurm/run.sh [path/to/wick]      (from the repository; ~30 s)
#
# Needs root: it installs slurm-wlm and munge with apt-get when they are missing (after
# apt-get update) and starts the daemons as root, in the background (there is no systemd
# here: they are stopped by pid). It uses its own munge key and socket and its own ports
# (46817, 46818), so a Slurm already running on the machine is left alone; still, do not
# run it on a real cluster's node. KEEP=1 keeps the temporary folder (logs, sweep folder).
# Not part of make test or CI.
set -eu
cd "$(dirname "$0")/../.."
wick=$(realpath "${1:-./wick}")
[ -x "$wick" ] || { echo "slurm: no wick at $wick (run make first)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "slurm: run as root (it installs packages and starts daemons)"; exit 1; }

need=
for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
    echo "slurm: installing$need"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
fi

tmp=$(mktemp -d /tmp/wick-slurm.XXXXXX)
chmod 755 "$tmp"   # munged wants every folder above its socket searchable
stop() {
    st=$?
    for f in slurmd slurmctld munge/munged; do
        [ -f "$tmp/$f.pid" ] && kill "$(cat "$tmp/$f.pid")" 2>/dev/null || true
    done
    if [ "$st" -ne 0 ]; then
        echo "slurm: FAILED; the daemons' logs:"
        tail -n 15 "$tmp"/log/*.log "$tmp"/munge/munged.log 2>/dev/null || true
    fi
    if [ -n "${KEEP:-}" ]; then echo "slurm: kept $tmp"; else rm -rf "$tmp"; fi
    exit "$st"
}
trap stop EXIT
trap 'exit 1' INT TERM
fail() { echo "slurm: $*"; exit 1; }

# ---- munge: a key and a socket of our own
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
mungekey --create --keyfile="$tmp/munge/munge.key" 2>/dev/null ||
    dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chown -R munge:munge "$tmp/munge"
chmod 700 "$tmp/munge"; chmod 600 "$tmp/munge/munge.key"; chmod 755 "$tmp/munge"
runuser -u munge -- /usr/sbin/munged --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/seed"
munge -S "$tmp/munge/munge.socket" -n | unmunge -S "$tmp/munge/munge.socket" >/dev/null || fail "munge does not work"

# ---- slurm: one node, this machine, 2 CPUs; no cgroups, no accounting
node=$(hostname -s)
cat > "$tmp/slurm.conf" <<EOF
ClusterName=wicktest
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=46817
SlurmdPort=46818
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=wick Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
i=0
until [ "$(sinfo -h -o %t 2>/dev/null)" = idle ]; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail "the node did not come up: $(sinfo 2>&1)"
    sleep 0.5
done
echo "slurm: node $node idle ($(sinfo -V))"

# ---- the sweep
export WICK_BOOK="$tmp/sketchbook.db"
sweep="$tmp/sweep"
run_sweep() {
    "$wick" sweep sketches/hello/hello.lua --param seed=1,2,3 --param size=24,32,40 --engine slurm --jobs 2 \
        --out "$sweep" "$@" > "$tmp/sweep.out" 2>&1 || { cat "$tmp/sweep.out"; fail "wick sweep failed"; }
    cat "$tmp/sweep.out"
}
run_sweep
grep -q '^#SBATCH --array=0-8%2$' "$sweep/sweep.sbatch" || fail "sweep.sbatch has no --array=0-8%2"
[ "$(ls "$sweep"/logs/slurm-*_*.out | wc -l)" -eq 9 ] || fail "not 9 Slurm task logs in $sweep/logs"
grep -q '9 ok, 0 failed' "$tmp/sweep.out" || fail "the report does not say 9 ok"

# What the sketchbook holds: one ok run per cell, with its sweep and cell, and its picture.
check_book() {   # $1: runs expected in all
    "$wick" - "$1" <<'EOF'
      local wick = require "wick"
      local db = wick._sql.open(os.getenv("WICK_BOOK"), { readonly = true })
      local want = tonumber(arg[1])
      local n = db:value("SELECT count(*) FROM runs WHERE sweep LIKE ?1 AND status = ?2", "hello-%", "ok")
      assert(n == want, ("%d ok runs of the sweep, want %d"):format(n, want))
      local cells = db:value("SELECT count(DISTINCT cell) FROM runs WHERE sweep LIKE ?1", "hello-%")
      assert(cells == 9, ("%d cells, want 9"):format(cells))
      local r = db:row("SELECT * FROM runs WHERE cell = ?1", "seed=2,size=32")
      assert(r and r.sketch:match("sketches/hello/hello%.lua$"), "the cell seed=2,size=32 has no run of hello.lua")
      local o = db:rows("SELECT path FROM outputs WHERE run = ?1", r.id)
      assert(#o >= 1 and o[1].path:match("/cells/5%-seed%-2_size%-32/out/ripples%-seed2%.png$"), "its picture is not recorded")
      assert(wick.fs.kind(o[1].path) == "file", "its picture is not at the recorded path " .. o[1].path)
      print(("slurm: the sketchbook has %d ok runs in 9 cells"):format(n))
EOF
}
check_book 9
"$wick" - "$sweep/contact.png" <<'EOF'
  local img = require("wick").image.load(arg[1])
  assert(img:size(2) > 3 * 64 and img:size(3) > 3 * 64, "the contact sheet is too small")
  assert(img:std():item() > 0.05, "the contact sheet is flat")
EOF
echo "slurm: contact sheet $sweep/contact.png"

# A cell without a result (as if its node died): the same command runs only that cell;
# this time it returns once the job is submitted (--no-wait) and --gather comes after.
rm "$sweep"/cells/5-*/status
run_sweep --no-wait
grep -q '8 cells are done already; running the other 1' "$tmp/sweep.out" || fail "the re-run did not run 1 cell"
grep -q '^#SBATCH --array=0-0%2$' "$sweep/sweep.sbatch" || fail "the re-run's array is not 0-0"
job=$(sed -n 's/^sweep: Slurm job \([0-9]*\), .*/\1/p' "$tmp/sweep.out")
[ -n "$job" ] || fail "no job id in the output"
i=0
while [ -n "$(squeue -h -j "$job" -o %i 2>/dev/null)" ]; do
    i=$((i + 1)); [ "$i" -le 120 ] || fail "job $job did not end"
    sleep 0.5
done
"$wick" sweep --gather "$sweep" > "$tmp/sweep.out" 2>&1 || { cat "$tmp/sweep.out"; fail "wick sweep --gather failed"; }
cat "$tmp/sweep.out"
grep -q 'runs: 1 added' "$tmp/sweep.out" || fail "the gather did not add the re-run's run"
check_book 10
echo "slurm: 2 passed, 0 failed"
