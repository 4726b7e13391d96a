#!/usr/bin/env bash
# bench_hash.sh — model hashing speed (issue 9), as ratios measured in this
# one run against three references on the same data:
#   ceiling  `openssl speed -evp sha256 -bytes 16384 -multi NCPU` (pure SHA-256
#            on every core, no I/O)
#   python   hashlib in a ThreadPoolExecutor, 1 MiB reads: how the reference
#            model_signing tool hashes
#   sha256sum  coreutils, NCPU in parallel (xargs -P; per shard: dd | sha256sum)
# Cases: (i) 4 files x 256 MiB, files method; (ii) one 1 GiB file, shards
# method (128 MiB shards: every core has work); (iii) 10,000 files x 4 KiB;
# (iv) case (i) with a cold page cache (drop_caches when permitted, else each
# file's pages evicted with posix_fadvise(DONTNEED)). Every timing is the best
# of ROUNDS rounds; each round runs the ceiling, mlprov, python and sha256sum
# in turn, so load from elsewhere hits them alike. Data lives in a scratch
# directory under /tmp, removed on exit. MLPROV_BENCH_SMALL=1 shrinks the data
# 16x for a quick look.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
B=${MLPROV_BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
MLPROV="$B/mlprov"
ROUNDS=${ROUNDS:-3}
NCPU=$(nproc)
DIV=1; [ "${MLPROV_BENCH_SMALL:-0}" = 1 ] && DIV=16
MIB=$((1024 * 1024))
[ -x "$MLPROV" ] || { echo "bench_hash: $MLPROV not built"; exit 2; }
W=$(mktemp -d /tmp/mlprov-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
secs() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1 || { echo "bench_hash: failed: $*" >&2; exit 2; }; t1=$(now); echo "$t1 - $t0" | bc -l; }
lt() { [ "$(echo "$1 < $2" | bc -l)" = 1 ]; }
gt() { [ "$(echo "$1 > $2" | bc -l)" = 1 ]; }
PRE=: # run before each timed command, untimed (case iv: drop the page cache)
# measure M P S: ROUNDS rounds of (ceiling, mlprov, python, sha256sum), the
# commands given as strings; sets TM TP TS (best seconds) and TC (best GB/s of
# the ceiling), so load from elsewhere hits all four alike.
measure() {
  TM=""; TP=""; TS=""; TC=""
  local t c
  for _ in $(seq "$ROUNDS"); do
    c=$(ceiling); if [ -z "$TC" ] || gt "$c" "$TC"; then TC=$c; fi
    $PRE; t=$(secs eval "$1"); if [ -z "$TM" ] || lt "$t" "$TM"; then TM=$t; fi
    $PRE; t=$(secs eval "$2"); if [ -z "$TP" ] || lt "$t" "$TP"; then TP=$t; fi
    $PRE; t=$(secs eval "$3"); if [ -z "$TS" ] || lt "$t" "$TS"; then TS=$t; fi
  done
}
rate() { echo "$1 / $2 / 1000000000" | bc -l; }          # bytes, seconds -> GB/s
ratio() { echo "$1 / $2" | bc -l; }
fmt() { printf '%.2f' "$1"; }
gen() { openssl enc -aes-128-ctr -pass pass:mlprov -nosalt -pbkdf2 </dev/zero 2>/dev/null | head -c "$2" >"$1"; }

ceiling() { # GB/s, openssl speed on every core
  openssl speed -evp sha256 -bytes 16384 -seconds 2 -multi "$NCPU" 2>/dev/null |
    awk '/^sha256/ { v = $NF; sub(/k$/, "", v); print v * 1000 / 1e9 }' | tail -1
}

PY_POOL=$(cat <<'PY'
import concurrent.futures, hashlib, os, sys
def whole(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
def shard(arg):
    path, start, end = arg
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        while left:
            chunk = f.read(min(left, 1 << 20))
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()
mode = sys.argv[1]
if mode == "files":
    paths = [os.path.join(d, n) for d, _, ns in os.walk(sys.argv[2]) for n in ns]
    work, fn = paths, whole
else:
    path, size = sys.argv[2], int(sys.argv[3])
    size_total = os.path.getsize(path)
    work = [(path, s, min(s + size, size_total)) for s in range(0, size_total, size)]
    fn = shard
with concurrent.futures.ThreadPoolExecutor() as ex:  # the reference tool's default pool
    list(ex.map(fn, work))
PY
)
py_files() { python3 -c "$PY_POOL" files "$1"; }
py_shards() { python3 -c "$PY_POOL" shards "$1" "$2"; }
sum_files() { find "$1" -type f -print0 | xargs -0 -P "$NCPU" -n "$2" sha256sum; }
sum_shards() { # one dd | sha256sum per shard, NCPU at a time
  local f=$1 size=$2 total n
  total=$(stat -c %s "$f"); n=$(((total + size - 1) / size))
  seq 0 $((n - 1)) | xargs -P "$NCPU" -I{} sh -c "dd if='$f' bs=$MIB skip=\$(({} * $size / $MIB)) count=$((size / MIB)) status=none | sha256sum"
}
evict() { # drop the page cache for these files (all caches if permitted)
  sync
  if [ -w /proc/sys/vm/drop_caches ] && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then return; fi
  find "$@" -type f -print0 | xargs -0 python3 -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)'
}
echo "machine: $NCPU CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),$(grep -qw sha_ni /proc/cpuinfo && echo ' SHA-NI' || echo ' no SHA-NI'), $(openssl version | cut -d' ' -f1-2)"
echo "preparing data in $W ..."
CASE1="$W/four"; mkdir -p "$CASE1"
for i in 1 2 3 4; do gen "$CASE1/part-$i.bin" $((256 * MIB / DIV)); done
CASE2="$W/one"; mkdir -p "$CASE2"; gen "$CASE2/model.bin" $((1024 * MIB / DIV))
SHARD=$((128 * MIB / DIV))
CASE3="$W/small"; mkdir -p "$CASE3"
NSMALL=$((10000 / DIV))
python3 - "$CASE3" "$NSMALL" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "d%02d" % (i % 50))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d" % i), "wb") as f:
        f.write(os.urandom(4096))
PY
BYTES1=$((4 * 256 * MIB / DIV)); BYTES2=$((1024 * MIB / DIV))
cat "$CASE1"/* "$CASE2"/* >/dev/null; find "$CASE3" -type f -exec cat {} + >/dev/null

echo
echo "--- I/O strategy (hash pool read() buffer sizes vs mmap), case (i) data, warm cache"
"$B/bench/hashio" "$NCPU" "$CASE1"/*

report() { # CASE GOAL-TEXT bytes [files]   (from TM TP TS TC)
  local name=$1 goal=$2 bytes=$3 files=${4:-}
  local gm gp gs
  gm=$(rate "$bytes" "$TM"); gp=$(rate "$bytes" "$TP"); gs=$(rate "$bytes" "$TS")
  echo
  echo "--- $name"
  if [ -n "$files" ]; then
    printf '  mlprov     %8.0f files/s  %5.2f GB/s\n' "$(ratio "$files" "$TM")" "$gm"
    printf '  python     %8.0f files/s  %5.2f GB/s\n' "$(ratio "$files" "$TP")" "$gp"
    printf '  sha256sum  %8.0f files/s  %5.2f GB/s\n' "$(ratio "$files" "$TS")" "$gs"
  else
    printf '  mlprov %5.2f GB/s   python %5.2f GB/s   sha256sum %5.2f GB/s   ceiling %5.2f GB/s\n' "$gm" "$gp" "$gs" "$TC"
  fi
  printf '  ratios: mlprov/ceiling %.2f   mlprov/python %.2f   mlprov/sha256sum %.2f   (%s)\n' \
    "$(ratio "$gm" "$TC")" "$(ratio "$TP" "$TM")" "$(ratio "$TS" "$TM")" "$goal"
}

echo
echo "ceiling = openssl speed -evp sha256 -bytes 16384 -multi $NCPU, best of $ROUNDS, measured between the runs of each case"
measure '"$MLPROV" model digest --quiet "$CASE1"' 'py_files "$CASE1"' 'sum_files "$CASE1" 1'
report "(i) 4 files x $((256 / DIV)) MiB, files method, warm" "goal: mlprov/ceiling >= 0.90" "$BYTES1"

measure '"$MLPROV" model digest --quiet --method shards --shard-size "$SHARD" "$CASE2/model.bin"' \
  'py_shards "$CASE2/model.bin" "$SHARD"' 'sum_shards "$CASE2/model.bin" "$SHARD"'
report "(ii) one $((1024 / DIV)) MiB file, shards of $((SHARD / MIB)) MiB, warm" "goal: mlprov/ceiling >= 0.85" "$BYTES2"

measure '"$MLPROV" model digest --quiet "$CASE3"' 'py_files "$CASE3"' 'sum_files "$CASE3" 500'
report "(iii) $NSMALL files x 4 KiB, files method, warm" "goal: mlprov/python >= 3, mlprov/sha256sum >= 1" $((NSMALL * 4096)) "$NSMALL"

PRE='evict '"$CASE1"
measure '"$MLPROV" model digest --quiet "$CASE1"' 'py_files "$CASE1"' 'sum_files "$CASE1" 1'
TR=""
for _ in $(seq "$ROUNDS"); do $PRE; t=$(secs cat "$CASE1"/part-1.bin "$CASE1"/part-2.bin "$CASE1"/part-3.bin "$CASE1"/part-4.bin); if [ -z "$TR" ] || lt "$t" "$TR"; then TR=$t; fi; done
PRE=:
report "(iv) case (i) with a cold page cache" "no goal: bounded by the disk" "$BYTES1"
printf '  cold sequential read (cat): %.2f GB/s; mlprov/cat %.2f\n' "$(rate "$BYTES1" "$TR")" "$(ratio "$TR" "$TM")"
