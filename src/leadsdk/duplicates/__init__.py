"""Duplicate detection engines: Dataverse rule match codes (`matchcode`) and fuzzy lead matching (`fuzzy`).

Pure logic over values and metadata; the messages layer (`leadsdk.duplicates.messages`) wires them into
the pipeline and the store.
"""

from __future__ import annotations

from leadsdk.duplicates.fuzzy import (
    FREE_MAIL_DOMAINS,
    FuzzyMatch,
    FuzzyOptions,
    LeadProfile,
    find_similar_pairs,
    match_profiles,
    normalise_company,
    normalise_email,
    normalise_phone,
    normalise_text,
    similarity,
)
from leadsdk.duplicates.matchcode import (
    BLANK,
    DuplicateRuleOperator,
    Rule,
    RuleCondition,
    match_code,
    normalise_value,
)

__all__ = [
    "BLANK",
    "FREE_MAIL_DOMAINS",
    "DuplicateRuleOperator",
    "FuzzyMatch",
    "FuzzyOptions",
    "LeadProfile",
    "Rule",
    "RuleCondition",
    "find_similar_pairs",
    "match_code",
    "match_profiles",
    "normalise_company",
    "normalise_email",
    "normalise_phone",
    "normalise_text",
    "normalise_value",
    "similarity",
]
