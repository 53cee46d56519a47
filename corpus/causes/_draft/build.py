"""Build corpus/causes/test.jsonl from the hand-written draft batches (compact one-line records)."""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path

from complaint_radar.text.normalize import normalize
from complaint_radar.types import Cause, Channel, Demand, Stage

HERE = Path(__file__).parent
OUT = HERE.parent / "test.jsonl"
CAUSE = {
    "EG": Cause.EXPECTATION_GAP, "SI": Cause.SERVICE_INCONSISTENCY, "SA": Cause.SERVICE_ATTITUDE,
    "WT": Cause.WAITING_TIME, "SP": Cause.SERVICE_PROCESS, "SC": Cause.STAFF_COMPETENCE,
    "CO": Cause.COMMUNICATION, "PQ": Cause.PRODUCT_QUALITY, "UP": Cause.UNFULFILLED_PROMISE,
    "DL": Cause.DELIVERY_LOGISTICS, "FS": Cause.FACILITY_SYSTEM_FAILURE, "PB": Cause.PRICE_BILLING,
    "PT": Cause.POLICY_TERMS, "OT": Cause.OTHER,
}
DEMAND = {
    "rf": Demand.REFUND, "rr": Demand.REPLACEMENT_REPAIR, "cp": Demand.COMPENSATION,
    "ap": Demand.APOLOGY, "ex": Demand.EXPLANATION, "xp": Demand.EXPEDITE,
    "mg": Demand.ESCALATE_TO_MANAGER, "ca": Demand.CANCEL_ACCOUNT, "sa": Demand.STAFF_ACCOUNTABILITY,
    "fp": Demand.FIX_PROCESS,
}
CHANNEL = {
    "ph": Channel.PHONE_TRANSCRIPT, "ch": Channel.CHAT, "em": Channel.EMAIL, "tk": Channel.TICKET,
    "rv": Channel.REVIEW, "sp": Channel.SOCIAL_POST, "sv": Channel.SURVEY, "br": Channel.BRANCH_NOTE,
    "rr": Channel.REGULATOR_REFERRAL,
}
SCRIPTS = {"hans": "zh-Hans", "hant": "zh-Hant", "en": "en"}
INDUSTRIES = ["retail_ecommerce", "banking_insurance", "telecom", "travel_hotel", "food_delivery",
              "utilities", "healthcare", "public_services"]


def codes(field: str, table: dict[str, str], where: str) -> list[str]:
    if field.strip() == "-":
        return []
    out = []
    for part in field.split(","):
        part = part.strip()
        if part not in table:
            sys.exit(f"{where}: unknown code {part!r}")
        out.append(str(table[part]))
    if len(set(out)) != len(out):
        sys.exit(f"{where}: repeated code")
    return out


def key(text: str) -> str:
    return re.sub(r"\s+", "", normalize(text))


def main() -> None:
    rows = []
    for script_short, script in SCRIPTS.items():
        for industry in INDUSTRIES:
            path = HERE / f"{script_short}_{industry}.txt"
            if not path.exists():
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip() or line.startswith("#"):
                    continue
                where = f"{path.name}:{n}"
                parts = line.split("|")
                if len(parts) not in (5, 6):
                    sys.exit(f"{where}: {len(parts)} fields")
                ch, cs, ds, st, text = parts[:5]
                causes = codes(cs, CAUSE, where)
                if "other" in causes and len(causes) > 1:
                    sys.exit(f"{where}: other combined")
                stage = Stage.from_rank(int(st))
                if not causes and stage is not Stage.NONE and "other" not in causes:
                    pass
                row = {
                    "id": "",
                    "text": text.strip().replace("\\n", "\n"),
                    "script": script,
                    "industry": industry,
                    "channel": str(CHANNEL[ch.strip()]),
                    "causes": causes,
                    "demands": codes(ds, DEMAND, where),
                    "stage": str(stage),
                }
                if len(parts) == 6 and parts[5].strip():
                    row["note"] = parts[5].strip()
                row["_where"] = where
                rows.append(row)
    seen: dict[str, str] = {}
    kept = []
    for row in rows:
        k = key(row["text"])
        if k in seen:
            print(f"DUPLICATE {row['_where']} = {seen[k]}: {row['text']}")
            continue
        seen[k] = row["_where"]
        kept.append(row)
    # near copies: same text once digits are folded, or very similar strings
    folded: dict[str, str] = {}
    for row in kept:
        f = re.sub(r"\d+", "#", key(row["text"]))
        if f in folded:
            print(f"NEAR {row['_where']} ~ {folded[f]}: {row['text']}")
        folded[f] = row["_where"]
    if "--near" in sys.argv:
        keys = [(key(r["text"]), r) for r in kept]
        for i, (a, ra) in enumerate(keys):
            for b, rb in keys[i + 1:]:
                if abs(len(a) - len(b)) < 8 and difflib.SequenceMatcher(None, a, b).ratio() > 0.55:
                    print(f"SIMILAR {ra['_where']} ~ {rb['_where']}: {ra['text']} || {rb['text']}")
    guide = key((HERE.parents[2] / "docs" / "cause_annotation.md").read_text(encoding="utf-8"))
    for row in kept:
        k = key(row["text"])
        if len(k) >= 8 and k in guide:
            print(f"IN GUIDELINES {row['_where']}: {row['text']}")
    counters: dict[str, int] = {}
    with OUT.open("w", encoding="utf-8") as fh:
        for row in kept:
            short = {v: k for k, v in SCRIPTS.items()}[row["script"]]
            counters[short] = counters.get(short, 0) + 1
            row["id"] = f"t-{short}-{counters[short]:04d}"
            del row["_where"]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {sum(counters.values())} rows {counters}")


if __name__ == "__main__":
    main()
