"""Populations the data itself makes implausible, flagged (never corrected without a source).

Every post-reform commune was formed by merging several old ones, so a few hundred people, or a
density far below what its type holds, is a figure error in the official map's attribute table
(e.g. Phường Bình Quới, central Hồ Chí Minh City: 462 people on 6.34 km²). One rule per unit type:
a phường (urban ward) under 100 people/km² or 2,000 people; a xã under 2 people/km² or 1,000
people. Đặc khu (island special zones, some all but uninhabited) have no floor. The figure stays
in the data, flagged with the reason, and the quality report lists every flagged unit."""

from __future__ import annotations

# type -> (fewest people per km², fewest people) a real unit of that type has after the reform
FLOORS = {"phuong": (100.0, 2000), "xa": (2.0, 1000)}


def implausible_population(unit_type: str, population: int | None, area_km2: float | None) -> str | None:
    """The reason a unit's population is implausible, or None."""
    floor = FLOORS.get(unit_type)
    if floor is None or population is None:
        return None
    min_density, min_people = floor
    density = population / area_km2 if area_km2 else None
    if population < min_people or (density is not None and density < min_density):
        shown = f"{population:,} people" + (f" on {area_km2:g} km² ({density:,.0f}/km²)" if density is not None else "")
        return (
            f"implausible: {shown}, below the floor for a {unit_type} "
            f"({min_density:g}/km², {min_people:,} people); figure from the official map attribute table, unverified"
        )
    return None
