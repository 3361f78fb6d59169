#!/usr/bin/env bash
# vsesim side by side with its SimPy peer (README.md in this folder):
#   small  — both models on cases/small.toml must agree (exit 1 otherwise), and every mutant
#            of the peer (mutants.py) must disagree, so the small case is known to be sharp;
#   repro  — the three disagreements found (repro/, README.md "Findings"), informational;
#   medium — both timed on cases/medium.toml (trace generated into a temporary folder); prints
#            the speed ratio.
# Usage: ./run.sh [small|medium|repro|all] [compare.py options, e.g. --repeat 5 --grouped]
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-all}"
shift || true
VSESIM="${VSESIM:-../../target/release/vsesim}"
if [ ! -x "$VSESIM" ]; then
    echo "building vsesim (cargo build --release)…"
    (cd ../.. && cargo build --release)
fi
python3 -c 'import simpy' 2>/dev/null || python3 -m pip install -q -r requirements.txt
export VSESIM
if [ "$what" = small ] || [ "$what" = all ]; then
    python3 compare.py small "$@"
    echo "== mutants: each changes one rule of the peer and must disagree on the small case"
    python3 mutants.py
fi
if [ "$what" = repro ] || [ "$what" = all ]; then
    python3 compare.py repro "$@"
fi
if [ "$what" = medium ] || [ "$what" = all ]; then
    python3 compare.py medium "$@"
fi
