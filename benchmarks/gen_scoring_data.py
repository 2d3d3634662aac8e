"""Make a store full of synthetic leads with a known signal, for trying predictive scoring.

    python benchmarks/gen_scoring_data.py crm.db --closed 10000 --open 10000 --seed 1

The leads come from `leadsdk.scoring.synthetic` (see its docstring for the planted signal: lead source,
budget, purchase timeframe, e-mail, decision maker and company size decide the odds of qualifying;
industry and priority are noise). They are written straight through the storage interface
(`svc.storage.insert_many`), not through CreateRequest: no plugins, audit or duplicate detection run,
and qualified leads get no account, contact or opportunity. That is for test data only.
"""

from __future__ import annotations

import argparse

from leadsdk import OrganizationService
from leadsdk.scoring.synthetic import load_leads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", help="SQLite file (created if missing) or postgresql:// URL")
    ap.add_argument("--closed", type=int, default=10000, help="closed leads (qualified or disqualified)")
    ap.add_argument("--open", type=int, default=10000, dest="open_", help="open leads to score")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--months", type=int, default=20, help="spread creation dates over this many months")
    args = ap.parse_args()
    with OrganizationService.open(args.store) as svc:
        rows = load_leads(svc, closed=args.closed, open_=args.open_, seed=args.seed, months=args.months)
    qualified = sum(1 for r in rows if r["statecode"] == 1)
    print(f"{len(rows)} leads written: {qualified} qualified, {args.closed - qualified} disqualified, "
          f"{args.open_} open.")


if __name__ == "__main__":
    main()
