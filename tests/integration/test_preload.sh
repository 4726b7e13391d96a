#!/usr/bin/env bash
# test_preload.sh — `mlprov run --preload`: a C program and a shell pipeline
# are recorded (reads, writes, execs) without changing what they do; fork,
# vfork, posix_spawn, exec of static and scrubbed-environment programs, and
# programs that close every descriptor all keep the hook correct.
. "$(dirname "$0")/lib.sh"
make_keys
# Sanitizer builds: the probe carries the ASan runtime, the injected library
# does not (it must not), so the runtime cannot come first in the list.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PROBE="$TOOLS/preload_probe"
LIB="$B/libmlprov-preload.so"
cd "$T"

# One line per fact of a provenance: "read PATH", "written PATH [removed]",
# "exec PATH ARGV...", "hooks CONNECTIONS DROPPED BAD TORN", "preload LIB".
summary() {
  python3 - "$1" <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
p = json.loads(base64.b64decode(e["payload"]))["predicate"]
rec = p["buildDefinition"]["internalParameters"]["recorder"]
if "preload" in rec: print("preload", rec["preload"]["library"], rec["preload"].get("digest", {}).get("sha256", ""))
for d in p["buildDefinition"]["resolvedDependencies"]:
    if d.get("annotations", {}).get("kind") == "file": print("read", d["uri"][len("file://"):])
for b in p["runDetails"]["byproducts"]:
    a = b.get("annotations", {})
    if a.get("kind") == "file-written": print("written", b["uri"][len("file://"):], "removed" if a.get("removed") else "")
    if b["name"] == "mlprov/execs":
        for x in a["items"]: print("exec", x["path"], " ".join(x["argv"]))
    if b["name"] == "mlprov/hooks":
        print("hooks", a["connections"], a["eventsDroppedByHooks"], a["badFrames"], a["tornFrames"])
        if "preload" in a: print("injected", a["preload"]["injected"], a["preload"]["connections"])
PY
}
run_pl() { "$MLPROV" run -q --preload --key keys/p256.pem "$@"; }
count() { grep -cE -- "$1" "$2"; }
expect_count() { # NAME WANT PATTERN FILE
  local got; got=$(count "$3" "$4")
  if [ "$got" -eq "$2" ]; then ok "$1"; else not_ok "$1" "want $2 line(s) matching /$3/, got $got:" "$(head -c 800 "$4")"; fi
}

# --- a C program: every open flavour, rename, chdir, errno ----------------------
mkdir io
expect_exit 0 "io: the probe passes its own checks under --preload" run_pl --output io/out-creat --out io/prov -- "$PROBE" io "$T/io"
summary io/prov.intoto.jsonl >io/sum
for f in in-open in-fopen in-openat in-rdwr; do expect_grep "io: $f recorded as read" "^read $T/io/$f\$" io/sum; done
for f in out-openat out-creat out-renamed sub/out-relative in-rdwr; do expect_grep "io: $f recorded as written" "^written $T/io/$f \$" io/sum; done
expect_grep "io: the renamed temporary is marked removed" "^written $T/io/out-tmp removed" io/sum
expect_no_grep "io: written-only files are not inputs" "^read $T/io/out-" io/sum
expect_no_grep "io: a failed open is not reported" "does-not-exist" io/sum
expect_no_grep "io: the opened directory is not an input" "^read $T/io\$" io/sum
expect_count "io: the program's own exec, once" 1 "^exec .*/preload_probe .*preload_probe io " io/sum
expect_grep "io: no event lost" "^hooks [0-9]+ 0 0 0\$" io/sum
expect_grep "io: the library and its digest are in internalParameters" "^preload $LIB [0-9a-f]{64}\$" io/sum
expect_grep "io: the hooks byproduct says the preload was injected" "^injected True [1-9]" io/sum
expect_exit 0 "io: the provenance verifies" "$MLPROV" verify --key keys/p256.pub.pem --provenance io/prov.intoto.jsonl io/out-creat

# --- a secret in a path -------------------------------------------------------------
# A thread's paths go to the agent front-coded, each against the one before:
# the second token path shares the token with the first, so only a check of
# each path whole keeps it out of the provenance and of the journal.
TOK=hf_abcdefghijklmnopqrstuvwxyz0123
mkdir -p sec/$TOK/x && echo a >sec/$TOK/x/a && echo b >sec/$TOK/x/b && echo c >sec/plain
expect_exit 0 "secret path: files read under --preload" run_pl --output sec/out --out sec/prov -- \
  sh -c "cat '$T/sec/plain' '$T/sec/$TOK/x/a' '$T/sec/$TOK/x/b' >'$T/sec/out'"
summary sec/prov.intoto.jsonl >sec/sum
expect_grep "secret path: the plain file is read" "^read $T/sec/plain\$" sec/sum
expect_count "secret path: both token paths recorded, redacted" 2 "^read $T/sec/%5BREDACTED%5D/x/[ab]\$" sec/sum
expect_no_grep "secret path: the token is not in the provenance" "$TOK" sec/sum
check "secret path: the token is not in the journal" sh -c "! grep -qa '$TOK' sec/prov.journal"
expect_exit 0 "secret path: recover from the journal" "$MLPROV" recover sec/prov.journal --key keys/p256.pem --out sec/rec
summary sec/rec.intoto.jsonl >sec/rec.sum
grep '^read' sec/sum >sec/reads && grep '^read' sec/rec.sum >sec/rec.reads
check "secret path: the recovered provenance reads the same files" cmp sec/reads sec/rec.reads

# --- a shell pipeline --------------------------------------------------------------
mkdir sh && printf 'b\na\nb\nc\n' >sh/words.txt
PIPE='sort words.txt | uniq -c > counts.txt && cp counts.txt copy.txt && wc -l < copy.txt > n.txt'
(cd sh && sh -c "$PIPE" && mv n.txt n.plain)
expect_exit 0 "pipeline: runs under --preload" sh -c "cd sh && '$MLPROV' run -q --preload --key ../keys/p256.pem --output n.txt --out prov -- sh -c '$PIPE'"
summary sh/prov.intoto.jsonl >sh/sum
check "pipeline: same result as without the hook" cmp sh/n.txt sh/n.plain
for f in words.txt counts.txt copy.txt; do expect_grep "pipeline: $f read" "^read $T/sh/$f\$" sh/sum; done
for f in counts.txt copy.txt n.txt; do expect_grep "pipeline: $f written" "^written $T/sh/$f \$" sh/sum; done
expect_count "pipeline: sort exec'd once" 1 "^exec /usr/bin/sort sort words.txt\$" sh/sum
expect_count "pipeline: uniq exec'd once" 1 "^exec /usr/bin/uniq uniq -c\$" sh/sum
expect_count "pipeline: cp exec'd once" 1 "^exec /usr/bin/cp cp counts.txt copy.txt\$" sh/sum
expect_count "pipeline: wc exec'd once" 1 "^exec /usr/bin/wc wc -l\$" sh/sum
expect_count "pipeline: the shell itself, once" 1 "^exec /usr/bin/dash sh -c " sh/sum
expect_grep "pipeline: no event lost" "^hooks [0-9]+ 0 0 0\$" sh/sum

# --- processes: fork, vfork, posix_spawn, exec --------------------------------------
mkdir fk
expect_exit 0 "fork: runs" run_pl --output fk/fork-child-out --out fk/prov -- "$PROBE" fork "$T/fk"
summary fk/prov.intoto.jsonl >fk/sum
expect_grep "fork: the child's read is recorded" "^read $T/fk/fork-child-in\$" fk/sum
expect_grep "fork: the child's write is recorded despite _exit" "^written $T/fk/fork-child-out \$" fk/sum
expect_grep "fork: the parent's read is recorded" "^read $T/fk/fork-parent-in\$" fk/sum
expect_grep "fork: no event lost" "^hooks [0-9]+ 0 0 0\$" fk/sum

mkdir vf
expect_exit 0 "vfork: runs" run_pl --output vf/vfork-parent-after --out vf/prov -- "$PROBE" vfork "$T/vf"
summary vf/prov.intoto.jsonl >vf/sum
expect_count "vfork: cat exec'd by vfork and by posix_spawn" 2 "^exec /usr/bin/cat cat $T/vf/vfork-cat-in\$" vf/sum
expect_grep "vfork: an open in the vfork child is recorded" "^read $T/vf/vfork-opened\$" vf/sum
expect_grep "vfork: cat's read is recorded" "^read $T/vf/vfork-cat-in\$" vf/sum
expect_grep "vfork: the parent keeps reporting after its children" "^written $T/vf/vfork-parent-after \$" vf/sum
expect_grep "vfork: no event lost, no torn frame" "^hooks [0-9]+ 0 0 0\$" vf/sum

mkdir ex
expect_exit 0 "exec: runs" run_pl --output ex/prov-marker --out ex/prov -- sh -c "touch '$T/ex/prov-marker' && exec '$PROBE' exec '$T/ex'"
summary ex/prov.intoto.jsonl >ex/sum
expect_count "exec: a static binary is reported once, by its parent" 1 "^exec /usr/sbin/ldconfig ldconfig --version\$" ex/sum
expect_count "exec: a scrubbed environment is reported once, by its parent" 1 "^exec /usr/bin/true true scrubbed-env\$" ex/sum
expect_count "exec: a traced child (PATH search) is reported once" 1 "^exec /usr/bin/true true traced-child\$" ex/sum
expect_count "exec: sh exec'ing the probe: both images reported" 1 "^exec .*/preload_probe .*preload_probe exec " ex/sum
expect_no_grep "exec: a failed exec is not reported" "no-such-program" ex/sum

# --- programs that close every descriptor -------------------------------------------
mkdir cf
expect_exit 0 "closefds: closefrom, close_range, close loop, dup2 onto the hook's fd" run_pl --output cf/cf-mine --out cf/prov -- "$PROBE" closefds "$T/cf"
summary cf/prov.intoto.jsonl >cf/sum
for i in 1 2 3 4 5 6; do
  expect_grep "closefds: reads after step $i recorded" "^read $T/cf/cf-${i}b\$" cf/sum
done
check "closefds: the program's file holds only its own bytes" test "$(cat cf/cf-mine)" = mine
expect_grep "closefds: the hook reconnected each time, losing nothing" "^hooks ([5-9]|[1-9][0-9]+) 0 0 0\$" cf/sum

# --- batching: buffered and sent by the library, never per call ---------------------
# A program opening N distinct files, paced at about 0.5 ms an open: the sink
# reads as soon as a connection is readable, so a hook that sent each event
# on its own would show about N reads; the hook's per-thread buffer (sent
# when full, when its oldest event is MP_CHAN_FLUSH_MS old, and at exit)
# arrives in a handful. The sink keeps every event, so N read events prove
# nothing was merged away to get there. Debian's python3 is one process (a
# pyenv shim would add a few, each with its own connection).
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
mkdir bt
NB=2000
check "batching: make $NB files" "$PROBE" make "$T/bt" $NB
expect_exit 0 "batching: $NB paced opens under the hook" env LD_PRELOAD="$LIB" "$TOOLS/event_sink" bt/events -- \
  "$PY" -c 'import sys, time
for i in range(int(sys.argv[2])):
    open("%s/f-%d" % (sys.argv[1], i), "rb").close()
    time.sleep(0.0005)' "$T/bt" $NB
cp "$T/out" bt/sink
expect_grep "batching: nothing dropped, no bad frame" " dropped 0 bad 0\$" bt/sink
expect_count "batching: one read event per file" $NB "^read $T/bt/f-[0-9]+\$" bt/events
reads=$(sed -n 's/^connections [0-9]* reads \([0-9]*\) .*/\1/p' bt/sink)
events=$(sed -n 's/.* events \([0-9]*\) dropped .*/\1/p' bt/sink)
if [ -n "$reads" ] && [ -n "$events" ] && [ "$reads" -ge 1 ] && [ "$reads" -le $((NB / 10)) ] && [ "$events" -ge $NB ]; then
  ok "batching: $events events arrived in $reads reads (at most $((NB / 10)))"
else
  not_ok "batching: events arrive in at most $((NB / 10)) reads" "sink: $(cat bt/sink)"
fi

# --- injection --------------------------------------------------------------------------
mkdir inj
expect_exit 0 "without --preload the job's LD_PRELOAD is untouched" "$MLPROV" run -q --key keys/p256.pem --output inj/a -- sh -c 'printf "%s" "$LD_PRELOAD" > inj/a'
check "no LD_PRELOAD without --preload" test ! -s inj/a
expect_exit 0 "an existing LD_PRELOAD is kept, ours appended" env LD_PRELOAD="$B/libmlprov-hook.so" "$MLPROV" run -q --preload --key keys/p256.pem --output inj/b -- sh -c 'printf "%s" "$LD_PRELOAD" > inj/b'
check "LD_PRELOAD is the old one, then ours" test "$(cat inj/b)" = "$B/libmlprov-hook.so:$(readlink -f "$LIB")"
expect_exit 2 "MLPROV_PRELOAD_LIB naming nothing: usage error before the job" env MLPROV_PRELOAD_LIB="$T/none.so" "$MLPROV" run --preload --key keys/p256.pem --output inj/c -- sh -c 'touch inj/ran'
expect_grep "the error names the library" "none.so" "$T/err"
check "the job did not run" test ! -e inj/ran
mkdir bare
expect_exit 0 "outside mlprov the library is inert (the probe's checks pass)" env -u MLPROV_SOCKET LD_PRELOAD="$LIB" "$PROBE" io "$T/bare"
done_testing
