#!/bin/sh
# mlprov-gate.sh — gate a model's promotion on its signed provenance, in any CI.
#
#   MLPROV_TRUSTED_KEY=keys/release.pub.pem mlprov-gate.sh MODEL [PROVENANCE]
#
# MODEL is the model file or directory to promote; PROVENANCE defaults to
# MODEL.intoto.jsonl beside it. Exit status: 0 PASS (promote), 1 FAIL (the
# provenance does not vouch for this model: the reason is printed), 2 the gate
# could not run (missing file, bad key, usage). Treat anything but 0 as "do not
# promote".
#
# Environment:
#   MLPROV_TRUSTED_KEY  trusted public key (PEM); required in key mode
#   MLPROV_POLICY       policy file; used in policy mode (see gate() below)
#   MLPROV              the mlprov binary (default: mlprov on PATH)
#   MLPROV_REPORT       if set, also write the HTML review page there (pass or
#                       fail: a reviewer needs it most when the gate fails)
set -u
MLPROV=${MLPROV:-mlprov}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: mlprov-gate.sh MODEL [PROVENANCE]" >&2
  exit 2
fi
MODEL=$1
PROV=${2:-${MODEL%/}.intoto.jsonl}

# The decision: one line. To gate on a policy (trusted signers, builders,
# denied dependencies, allowed datasets, lineage) once `mlprov verify --policy`
# is available, replace the line below with:
#   gate() { "$MLPROV" verify --policy "${MLPROV_POLICY:?set MLPROV_POLICY to the policy file}" --provenance "$PROV" "$MODEL"; }
gate() { "$MLPROV" verify --key "${MLPROV_TRUSTED_KEY:?set MLPROV_TRUSTED_KEY to the trusted public key}" --provenance "$PROV" "$MODEL"; }

if [ -n "${MLPROV_REPORT:-}" ]; then
  if [ -n "${MLPROV_TRUSTED_KEY:-}" ]; then
    "$MLPROV" report --key "$MLPROV_TRUSTED_KEY" -o "$MLPROV_REPORT" "$PROV" >/dev/null 2>&1
  else
    "$MLPROV" report -o "$MLPROV_REPORT" "$PROV" >/dev/null 2>&1
  fi
  [ -f "$MLPROV_REPORT" ] && echo "mlprov-gate: review page: $MLPROV_REPORT"
fi

echo "mlprov-gate: checking $MODEL against $PROV"
gate
rc=$?
case $rc in
  0) echo "mlprov-gate: PASS: $MODEL may be promoted" ;;
  1) echo "mlprov-gate: FAIL: $MODEL must not be promoted (reason above)" >&2 ;;
  *) echo "mlprov-gate: ERROR: the gate could not run (exit $rc); not promoting" >&2; rc=2 ;;
esac
exit $rc
