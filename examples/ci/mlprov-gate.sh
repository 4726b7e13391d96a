#!/bin/sh
# mlprov-gate.sh — gate a model's promotion on its signed provenance, in any CI.
#
#   MLPROV_TRUSTED_KEY=keys/release.pub.pem mlprov-gate.sh MODEL [PROVENANCE]
#   MLPROV_POLICY=promote.yaml mlprov-gate.sh MODEL [PROVENANCE]
#
# MODEL is the model file or directory to promote; PROVENANCE defaults to
# MODEL.intoto.jsonl beside it. Exit status: 0 PASS (promote), 1 FAIL (the
# provenance does not vouch for this model: the reason is printed), 2 the gate
# could not run (missing file, bad key, usage). Treat anything but 0 as "do not
# promote".
#
# Environment (one of the first two):
#   MLPROV_POLICY       policy file (docs/policy.md): trusted signers, builders,
#                       denied dependencies, allowed datasets, model signature,
#                       lineage; each rule is printed PASS / FAIL / SKIP
#   MLPROV_TRUSTED_KEY  trusted public key (PEM): the provenance must be signed
#                       by it and name the model (when MLPROV_POLICY is unset)
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

# The decision: a promotion policy when one is given, else the trusted key.
if [ -n "${MLPROV_POLICY:-}" ]; then
  gate() { "$MLPROV" verify --policy "$MLPROV_POLICY" --provenance "$PROV" "$MODEL"; }
elif [ -n "${MLPROV_TRUSTED_KEY:-}" ]; then
  gate() { "$MLPROV" verify --key "$MLPROV_TRUSTED_KEY" --provenance "$PROV" "$MODEL"; }
else
  echo "mlprov-gate: set MLPROV_POLICY to a policy file or MLPROV_TRUSTED_KEY to the trusted public key" >&2
  exit 2
fi

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
