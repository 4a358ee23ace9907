"""The demo center's changeover rules (domain.md §4) as priority-ordered rule specs.

Rules are tried lowest priority first and the first match decides, so a switch that needs
both a manual chamber clean and a cleaning batch must meet a combined rule before it meets
either simple one. The combined rules are therefore generated from two small tables:
``CONTAMINATIONS`` (needs one cleaning batch) and the dark → light colour switch (needs a
manual clean). One cleaning batch cleans out every kind of contamination at once, so
contaminations never add up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SPECIAL = "EPDM,NBR,CR,IIR"
GENERAL = "NR,SBR,BR"
NO_CURATIVES = "MB,RM"

# A cleaning batch: about one cycle plus loading the cleaning compound by hand and dumping.
CLEANING_BATCH_MINUTES = 8
# ≈ 330 kg of cleaning compound (reclaim + CaCO3 + oil at ≈ 4.5 yuan/kg ≈ 1,500 yuan), sold
# as scrap afterwards (≈ 1 yuan/kg back), plus ≈ 35 yuan of electricity: ≈ 1,200 yuan.
CLEANING_BATCH_COST = 1200.0
# Manual chamber, door and mill cleaning: 2 operators × 45 min × 60 yuan/h + consumables.
MANUAL_CLEAN_MINUTES = 45
MANUAL_CLEAN_COST = 120.0
# Recipe change without cleaning: the upper auxiliary switches day bins while the last batch
# mixes; the first batch of the new compound is checked at the mill.
RECIPE_CHANGE_MINUTES = 10
# Light → dark: dark stock hides traces, so the operators skip the discharge-door check.
LIGHT_TO_DARK_MINUTES = 5


@dataclass(frozen=True)
class RuleSpec:
    name: str
    minutes: int = 0
    cleaning_batches: int = 0
    cost: float = 0.0
    forbidden: bool = False
    line_code: str | None = None
    same_compound: bool | None = False
    from_family: str | None = None
    from_colour: str | None = None
    from_staining: bool | None = None
    from_stage: str | None = None
    to_family: str | None = None
    to_colour: str | None = None
    to_staining: bool | None = None
    to_stage: str | None = None


# What needs a cleaning batch (without any colour issue).
CONTAMINATIONS: tuple[RuleSpec, ...] = (
    RuleSpec("special polymer → NR/SBR/BR", from_family=SPECIAL, to_family=GENERAL),
    RuleSpec("NR/SBR/BR → special polymer", from_family=GENERAL, to_family=SPECIAL),
    # Special polymers do not tolerate each other either: traces of unsaturated rubber spoil
    # the cure of IIR and EPDM, and polar NBR/CR do not blend with non-polar EPDM/IIR.
    RuleSpec("EPDM → other special polymer", from_family="EPDM", to_family="NBR,CR,IIR"),
    RuleSpec("NBR → other special polymer", from_family="NBR", to_family="EPDM,CR,IIR"),
    RuleSpec("CR → other special polymer", from_family="CR", to_family="EPDM,NBR,IIR"),
    RuleSpec("IIR → other special polymer", from_family="IIR", to_family="EPDM,NBR,CR"),
    RuleSpec("staining → non-staining", from_staining=True, to_staining=False),
    # Curatives left in the chamber would scorch the hot masterbatch (or remill) that follows.
    RuleSpec("final batch → masterbatch/remill", from_stage="FB", to_stage=NO_CURATIVES),
)

# Black, or another colour, before light or coloured stock shows as specks.
DARK_TO_LIGHT = RuleSpec(
    "dark → light/coloured", from_colour="black,coloured", to_colour="light,coloured"
)


def _with_cleaning_batch(spec: RuleSpec, extra_minutes: int, extra_cost: float) -> RuleSpec:
    return replace(
        spec,
        minutes=extra_minutes + CLEANING_BATCH_MINUTES,
        cleaning_batches=1,
        cost=extra_cost + CLEANING_BATCH_COST,
    )


def _dark_to_light(spec: RuleSpec) -> RuleSpec:
    return replace(
        spec,
        name=f"{DARK_TO_LIGHT.name} + {spec.name}",
        from_colour=DARK_TO_LIGHT.from_colour,
        to_colour=DARK_TO_LIGHT.to_colour,
    )


def demo_rule_specs() -> list[RuleSpec]:
    """Every rule of the demo center, in the order they are tried."""
    identical = RuleSpec("identical compound stage: nothing", same_compound=True)
    # Intermeshing rotors hold CR residue (with its ZnO/ETU) in the tight rotor gap; no
    # cleaning batch gets L2 clean enough for a light NR final batch, so that switch is
    # routed through L1 or through another compound. Never applies to X → X.
    cr_before_light_nr = RuleSpec(
        "CR final batch → light NR final batch on L2",
        forbidden=True,
        line_code="L2",
        from_family="CR",
        from_stage="FB",
        to_family="NR",
        to_colour="light",
        to_stage="FB",
    )
    both = [
        _with_cleaning_batch(_dark_to_light(c), MANUAL_CLEAN_MINUTES, MANUAL_CLEAN_COST)
        for c in CONTAMINATIONS
    ]
    contamination_only = [_with_cleaning_batch(c, 0, 0.0) for c in CONTAMINATIONS]
    manual_clean = replace(
        DARK_TO_LIGHT,
        name=f"{DARK_TO_LIGHT.name}: manual clean",
        minutes=MANUAL_CLEAN_MINUTES,
        cost=MANUAL_CLEAN_COST,
    )
    light_to_dark = RuleSpec(
        "light → dark: no cleaning",
        minutes=LIGHT_TO_DARK_MINUTES,
        from_colour="light,coloured",
        to_colour="black",
    )
    default = RuleSpec("any other change: recipe change", minutes=RECIPE_CHANGE_MINUTES)
    return [
        identical,
        cr_before_light_nr,
        *both,
        *contamination_only,
        manual_clean,
        light_to_dark,
        default,
    ]
