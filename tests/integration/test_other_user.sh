#!/usr/bin/env bash
# test_other_user.sh — only the job's user may talk to the agent. A hook run
# as `nobody` (setpriv) cannot reach the socket (directory 0700, socket
# 0600); and when the test opens both up on purpose, the agent still refuses
# it by its peer credentials (SO_PEERCRED), counts and journals the refusal,
# and records nothing it sent. Needs root (to switch users); skipped otherwise.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "ok 1 # skip: needs root and setpriv to run a hook as another user"
  echo "1..1"
  exit 0
fi
make_keys
cd "$T"
K=keys/p256.pem
# binaries nobody can execute ($T is private)
PUBDIR=$(mktemp -d /tmp/mlprov-pub.XXXXXX)
trap 'rm -rf "$T" "$PUBDIR"' EXIT
cp "$MLPROV" "$TOOLS/flood" "$PUBDIR/"
chmod 755 "$PUBDIR" "$PUBDIR/mlprov" "$PUBDIR/flood"
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

mkdir o
cat >job.sh <<JOB
sock=\$MLPROV_SOCKET
stat -c %a "\$sock" > sock.mode
stat -c %a "\$(dirname "\$sock")" > dir.mode
$AS_NOBODY "$PUBDIR/mlprov" event param injected_closed 1 2> a.err; echo \$? > a.rc
# a misconfiguration on purpose: directory and socket open to everyone
chmod 711 "\$(dirname "\$sock")"; chmod 666 "\$sock"
$AS_NOBODY "$PUBDIR/mlprov" event param injected_open 1 2> b.err; echo \$? > b.rc
cd /tmp && $AS_NOBODY "$PUBDIR/flood" --events 50 > /dev/null 2>&1; cd "$T"
"$MLPROV" event param own 1
echo model > o/m
JOB
expect_exit 0 "run with hooks of another user" "$MLPROV" run --key $K --output o/m -- sh job.sh
cp "$T/err" run.err
expect_grep "socket is mode 0600" '^600$' sock.mode
expect_grep "socket directory is mode 0700" '^700$' dir.mode
expect_grep "nobody cannot reach the private socket: exit 2" '^2$' a.rc
expect_grep "nobody through an opened-up socket: not acknowledged, exit 2" '^2$' b.rc
expect_grep "agent log names the refused uid" 'hook connection from uid 65534 .* refused: the job runs as uid 0' run.err
payload_of o/m.intoto.jsonl >st.json
expect_no_grep "no injected parameter recorded" 'injected' st.json
expect_no_grep "no injected dataset recorded" 'flood-0' st.json
expect_grep "the job's own event recorded" '"own":1' st.json
expect_grep "refusals counted by reason" '"refusedWrongUser":2' st.json
expect_grep "refusals counted in the total" '"refusedConnections":2' st.json
expect_exit 0 "journal verifies" "$MLPROV" journal verify o/m.journal
expect_grep "refusals are journaled as incidents" '2 incident' "$T/out"
expect_exit 0 "a recovered provenance counts them too" "$MLPROV" recover -q o/m.journal --key $K --out rec
expect_grep "recovered counters match" '"refusedWrongUser":2' <(payload_of rec.intoto.jsonl)
done_testing
