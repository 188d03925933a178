"""Names of the UN/CEFACT Recommendation 20 unit codes the shop uses."""

from __future__ import annotations

UNIT_NAMES = {
    "EA": "each", "BX": "box", "PK": "pack", "KGM": "kilogram", "MTR": "metre",
    "LTR": "litre", "PR": "pair", "RM": "ream", "SET": "set", "RO": "roll", "CS": "case",
    "CT": "carton", "DZN": "dozen", "GRM": "gram", "MTK": "square metre", "H87": "piece",
}


def unit_name(code: str) -> str:
    """``"BX"`` → ``"box"``; unknown codes stay as they are."""
    return UNIT_NAMES.get(code, code)
