"""The powers catalogue's vocabularies (shared by the ETL's validation and the API's filters).

Values as defined in data/powers/README.md; anything else in the catalogue stops the load."""

from __future__ import annotations

# The catalogue describes the two-tier system: the day it began, and the day an instrument whose
# effective date the sources did not confirm is taken to apply from (the ETL's one constant; the
# API reads the day from the loaded data).
from geodata.dates import REFORM_DAY  # noqa: F401  (re-exported for etl/powers.py)
from geodata.errors import InvalidInput

SECTORS = (
    "land",
    "construction",
    "transport",
    "finance_budget",
    "planning_investment",
    "home_affairs",
    "agriculture_environment",
    "industry_trade",
    "education",
    "health",
    "culture_tourism",
    "justice",
    "science_technology",
    "ethnic_religion",
    "public_security",
    "general",
)
LEVELS = ("province", "commune")
MECHANISMS = ("phan_quyen", "phan_cap", "uy_quyen")
FROM_LEVELS = ("central", "province", "district_abolished")
CONFIDENCE = ("high", "medium", "low")
KINDS = ("luat", "nghi_quyet_qh", "nghi_quyet_ubtvqh", "nghi_quyet_cp", "nghi_dinh", "quyet_dinh", "thong_tu")
# How a later instrument acts on an earlier one (instrument_relations.relation).
RELATIONS = ("amends", "repeals", "replaces", "details", "extends")
# The June-2025 package of 28 decentralisation decrees (instruments.package).
PACKAGES = ("june-2025",)
# A power on a day: in force, not yet in force, or ended.
STATUSES = ("in_force", "not_yet", "ended")
# How far ahead "ending soon" looks.
ENDING_SOON_DAYS = 90
# applies_to unit-type selectors and the holder level each one can select.
SELECTOR_TYPES = {"xa": "commune", "phuong": "commune", "dac_khu": "commune", "thanh_pho": "province"}

VOCABULARIES = {
    "sector": SECTORS,
    "level": LEVELS,
    "holder_level": LEVELS,
    "mechanism": MECHANISMS,
    "from_level": FROM_LEVELS,
    "confidence": CONFIDENCE,
    "kind": KINDS,
    "relation": RELATIONS,
    "status": STATUSES,
    "package": PACKAGES,
}


def check_choice(name: str, value: str | None, vocabulary: str | None = None) -> str | None:
    """None passes; anything outside the vocabulary is a 422 that lists the allowed values."""
    allowed = VOCABULARIES[vocabulary or name]
    if value is not None and value not in allowed:
        raise InvalidInput(
            f"{name} must be one of {', '.join(allowed)}; got {value!r}", parameter=name, allowed=list(allowed)
        )
    return value
