"""Reference data of the demo center: members, raw materials, recipe templates, lines, holidays.

Everything here is *(default)* demo data in the sense of ``domain.md``: plausible engineering
values, never read by planning logic as constants. Company names are fictitious.
Tuples, not sets or dicts keyed by hash, so that the generator walks them in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# --- members ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSpec:
    code: str
    name: str
    name_en: str
    products: str
    priority_weight: float
    # Share of the center's order volume; conveyor-belt makers are the big customers.
    volume_share: float
    # (short code, recipe template key) of the member's compounds; the first ones sell most.
    compounds: tuple[tuple[str, str], ...]


MEMBERS: tuple[MemberSpec, ...] = (
    MemberSpec(
        "M01",
        "天台华东输送带有限公司",
        "Tiantai Huadong Conveyor Belt Co., Ltd.",
        "conveyor belts",
        1.5,
        0.18,
        (
            ("CV-NR-60", "cover_nr"),
            ("SK-NR", "skim_nr"),
            ("CV-SBR", "cover_sbr"),
            ("HR-EPDM", "heat_epdm"),
            ("AB-BR", "abrasion_br"),
        ),
    ),
    MemberSpec(
        "M02",
        "浙江洪畴橡胶科技有限公司",
        "Zhejiang Hongchou Rubber Technology Co., Ltd.",
        "conveyor belts, rollers",
        1.5,
        0.16,
        (
            ("CV-NR-65", "cover_nr"),
            ("SK-NR", "skim_nr"),
            ("MB-NR", "mb_nr"),
            ("HR-EPDM", "heat_epdm"),
            ("RL-NR-W", "roller_nr_light"),
        ),
    ),
    MemberSpec(
        "M03",
        "天台三合传动带有限公司",
        "Tiantai Sanhe Transmission Belt Co., Ltd.",
        "V-belts, transmission belts",
        1.0,
        0.10,
        (
            ("VB-CR", "vbelt_cr"),
            ("VB-CR-HM", "vbelt_cr_hm"),
            ("CU-NR", "cushion_nr"),
            ("CV-SBR", "cover_sbr"),
        ),
    ),
    MemberSpec(
        "M04",
        "台州永丰胶管有限公司",
        "Taizhou Yongfeng Hose Co., Ltd.",
        "hoses",
        1.0,
        0.10,
        (
            ("HT-NBR", "hose_nbr"),
            ("HC-SBR", "hose_sbr"),
            ("HW-EPDM", "hose_epdm"),
            ("HC-CR", "hose_cr"),
        ),
    ),
    MemberSpec(
        "M05",
        "天台精诚密封件有限公司",
        "Tiantai Jingcheng Seals Co., Ltd.",
        "seals, O-rings",
        1.0,
        0.06,
        (
            ("SL-NBR-70", "seal_nbr"),
            ("SL-NBR-80", "seal_nbr_80"),
            ("SL-EPDM", "seal_epdm"),
            ("SL-NBR-G", "seal_nbr_green"),
        ),
    ),
    MemberSpec(
        "M06",
        "天台兴达胶辊有限公司",
        "Tiantai Xingda Rubber Roller Co., Ltd.",
        "rubber rollers",
        1.0,
        0.07,
        (
            ("RL-NBR-L", "roller_nbr_light"),
            ("RL-NR-W", "roller_nr_light"),
            ("RL-EPDM", "roller_epdm"),
            ("RL-NBR-B", "roller_nbr_black"),
        ),
    ),
    MemberSpec(
        "M07",
        "浙江恒力橡塑制品有限公司",
        "Zhejiang Hengli Rubber & Plastic Products Co., Ltd.",
        "moulded goods",
        1.0,
        0.08,
        (
            ("MG-SBR-B", "mould_sbr"),
            ("MG-NR-R", "mould_nr_red"),
            ("MG-SBR-W", "mould_sbr_light"),
            ("MG-EPDM-G", "mould_epdm_grey"),
        ),
    ),
    MemberSpec(
        "M08",
        "天台宏远同步带有限公司",
        "Tiantai Hongyuan Synchronous Belt Co., Ltd.",
        "synchronous and multi-rib belts",
        1.0,
        0.08,
        (("SB-CR", "vbelt_cr"), ("PK-EPDM", "heat_epdm"), ("CU-NR", "cushion_nr")),
    ),
    MemberSpec(
        "M09",
        "天台金桥胶管有限公司",
        "Tiantai Jinqiao Hose Co., Ltd.",
        "hoses",
        1.0,
        0.09,
        (
            ("HT-NBR", "hose_nbr"),
            ("HS-EPDM", "hose_epdm"),
            ("HS-IIR", "hose_iir"),
            ("HC-SBR", "hose_sbr"),
        ),
    ),
    MemberSpec(
        "M10",
        "天台东方橡胶制品厂",
        "Tiantai Dongfang Rubber Products Factory",
        "moulded goods, rubber sheet",
        1.0,
        0.08,
        (
            ("MG-SBR-B", "mould_sbr"),
            ("MG-NR-R", "mould_nr_red"),
            ("SH-NR", "skim_nr"),
            ("MB-SBR", "mb_sbr"),
        ),
    ),
)

# --- raw materials ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    category: str
    density: float
    price_per_kg: float  # yuan, delivered, late 2026 order of magnitude


MATERIALS: tuple[MaterialSpec, ...] = (
    MaterialSpec("NR-SMR20", "天然橡胶 SMR 20 / natural rubber SMR 20", "polymer", 0.92, 14.8),
    MaterialSpec("NR-RSS3", "烟片胶 RSS3 / natural rubber RSS3", "polymer", 0.92, 15.6),
    MaterialSpec("SBR1502", "丁苯橡胶 1502 / SBR 1502", "polymer", 0.94, 12.4),
    # Oil-extended (37.5 phr); weighed as supplied, so its phr count as polymer.
    MaterialSpec("SBR1712", "充油丁苯 1712 / SBR 1712 (oil-extended)", "polymer", 0.95, 11.6),
    MaterialSpec("BR9000", "顺丁橡胶 9000 / BR 9000", "polymer", 0.91, 12.9),
    MaterialSpec("EPDM-4045", "三元乙丙 4045 / EPDM 4045", "polymer", 0.86, 18.5),
    MaterialSpec("EPDM-3092", "三元乙丙 3092 / EPDM 3092", "polymer", 0.87, 19.8),
    MaterialSpec("NBR3305", "丁腈橡胶 3305 / NBR 3305", "polymer", 1.00, 17.8),
    MaterialSpec("CR-W", "氯丁橡胶 W 型 / CR W-type", "polymer", 1.23, 36.0),
    MaterialSpec("IIR-1751", "丁基橡胶 1751 / IIR 1751", "polymer", 0.92, 19.5),
    MaterialSpec("N220", "炭黑 N220 / carbon black N220", "filler", 1.80, 9.2),
    MaterialSpec("N330", "炭黑 N330 / carbon black N330", "filler", 1.80, 8.6),
    MaterialSpec("N550", "炭黑 N550 / carbon black N550", "filler", 1.80, 8.2),
    MaterialSpec("N660", "炭黑 N660 / carbon black N660", "filler", 1.80, 7.9),
    MaterialSpec("N774", "炭黑 N774 / carbon black N774", "filler", 1.80, 7.6),
    MaterialSpec("SILICA", "白炭黑 / precipitated silica", "filler", 2.00, 6.8),
    MaterialSpec("CLAY", "陶土 / kaolin clay", "filler", 2.60, 1.6),
    MaterialSpec("CACO3", "轻质碳酸钙 / calcium carbonate", "filler", 2.70, 0.9),
    MaterialSpec("TIO2", "钛白粉 / titanium dioxide", "filler", 4.00, 17.5),
    MaterialSpec("OIL-AROM", "芳烃油 / aromatic oil", "oil", 1.00, 6.2),
    MaterialSpec("OIL-PARA", "石蜡油 / paraffinic oil", "oil", 0.87, 7.4),
    MaterialSpec("OIL-NAPH", "环烷油 / naphthenic oil", "oil", 0.90, 7.0),
    MaterialSpec("DOP", "邻苯二甲酸二辛酯 / DOP plasticiser", "oil", 0.99, 9.8),
    MaterialSpec("ZNO", "氧化锌 / zinc oxide", "chemical", 5.60, 22.0),
    MaterialSpec("STEARIC", "硬脂酸 / stearic acid", "chemical", 0.85, 7.2),
    MaterialSpec("6PPD", "防老剂 4020 / antidegradant 6PPD", "chemical", 1.00, 24.0),
    MaterialSpec("TMQ", "防老剂 RD / antidegradant TMQ", "chemical", 1.08, 17.0),
    MaterialSpec("WAX", "防护蜡 / protective wax", "chemical", 0.92, 10.5),
    MaterialSpec("MGO", "氧化镁 / magnesium oxide", "chemical", 3.58, 14.0),
    MaterialSpec("SI69", "硅烷偶联剂 Si69 / silane Si69", "chemical", 1.10, 28.0),
    MaterialSpec("PEG4000", "聚乙二醇 4000 / PEG 4000", "chemical", 1.20, 11.5),
    MaterialSpec("FE2O3", "氧化铁红 / iron oxide red", "chemical", 5.00, 8.0),
    MaterialSpec("CR2O3", "氧化铬绿 / chrome oxide green", "chemical", 5.20, 32.0),
    MaterialSpec("SULFUR", "硫磺 / sulfur", "curative", 2.00, 3.2),
    MaterialSpec("CBS", "促进剂 CZ / accelerator CBS", "curative", 1.30, 27.0),
    MaterialSpec("TBBS", "促进剂 NS / accelerator TBBS", "curative", 1.29, 29.0),
    MaterialSpec("TMTD", "促进剂 TT / accelerator TMTD", "curative", 1.40, 25.0),
    MaterialSpec("MBTS", "促进剂 DM / accelerator MBTS", "curative", 1.50, 23.0),
    MaterialSpec("DTDM", "硫化剂 DTDM / sulfur donor DTDM", "curative", 1.35, 42.0),
    MaterialSpec("DCP40", "过氧化二异丙苯 40% / peroxide DCP 40 %", "curative", 1.55, 38.0),
    MaterialSpec("ETU", "促进剂 NA-22 / accelerator ETU", "curative", 1.40, 46.0),
)

# Ingredients that make a compound staining (discolour light rubber next to them).
STAINING_MATERIALS = ("OIL-AROM", "6PPD")
OILS = ("OIL-AROM", "OIL-PARA", "OIL-NAPH", "DOP")
# Fillers and oils whose amount members tune per product; pigments and chemicals stay fixed.
TUNABLE_MATERIALS = ("N220", "N330", "N550", "N660", "N774", "CLAY", "CACO3", *OILS)

# --- recipe templates ------------------------------------------------------------------------

Recipe = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RecipeTemplate:
    name: str
    colour_class: str
    masterbatch: Recipe  # polymers sum to 100 phr
    final: Recipe = ()  # curatives; empty = sold as masterbatch only
    has_remill: bool = False
    min_rest_minutes: int = 240
    shelf_life_days: int = 7
    max_dump_temp_c: float = 165.0


_ACTIVATORS: Recipe = (("ZNO", 5.0), ("STEARIC", 2.0))
_SULFUR_CBS: Recipe = (("SULFUR", 2.2), ("CBS", 1.2))
_EV_NBR: Recipe = (("SULFUR", 0.4), ("TMTD", 1.8), ("MBTS", 1.2), ("DTDM", 1.0))
_LIGHT_CURE: Recipe = (("SULFUR", 2.0), ("MBTS", 1.4), ("TMTD", 0.4))
# CR cures with metal oxides; ZnO goes in the cool final stage, or the stock scorches.
_CR_CURE: Recipe = (("ZNO", 5.0), ("ETU", 0.5))

TEMPLATES: dict[str, RecipeTemplate] = {
    "cover_nr": RecipeTemplate(
        "输送带覆盖胶 NR/BR (conveyor cover)",
        "black",
        (
            ("NR-SMR20", 70),
            ("BR9000", 30),
            ("N220", 50),
            ("OIL-AROM", 6),
            *_ACTIVATORS,
            ("6PPD", 2),
            ("TMQ", 1),
            ("WAX", 1.5),
        ),
        _SULFUR_CBS,
        has_remill=True,
    ),
    "skim_nr": RecipeTemplate(
        "贴胶/擦胶 NR (skim and friction)",
        "black",
        (("NR-RSS3", 100), ("N330", 35), ("OIL-AROM", 5), *_ACTIVATORS, ("TMQ", 1.5)),
        (("SULFUR", 2.5), ("CBS", 1.0)),
        shelf_life_days=5,
    ),
    "cover_sbr": RecipeTemplate(
        "覆盖胶 SBR/NR (general cover)",
        "black",
        (
            ("SBR1502", 60),
            ("NR-SMR20", 40),
            ("N330", 55),
            ("OIL-AROM", 8),
            *_ACTIVATORS,
            ("6PPD", 1.5),
            ("WAX", 1),
        ),
        (("SULFUR", 1.8), ("TBBS", 1.2)),
    ),
    "abrasion_br": RecipeTemplate(
        "耐磨覆盖胶 BR/NR (abrasion-resistant cover)",
        "black",
        (
            ("BR9000", 60),
            ("NR-SMR20", 40),
            ("N220", 55),
            ("OIL-AROM", 10),
            *_ACTIVATORS,
            ("6PPD", 2),
            ("WAX", 1),
        ),
        (("SULFUR", 1.6), ("TBBS", 1.3)),
    ),
    "heat_epdm": RecipeTemplate(
        "耐热胶 EPDM 过氧化物 (heat-resistant, peroxide cure)",
        "black",
        (
            ("EPDM-4045", 100),
            ("N550", 60),
            ("OIL-PARA", 25),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1.5),
        ),
        (("DCP40", 7.0),),
        shelf_life_days=10,
    ),
    # CR is dense (1.23): little filler and some DOP keep the compound at ≤ 1.35 g/cm³.
    "vbelt_cr": RecipeTemplate(
        "三角带压缩胶 CR (V-belt compression)",
        "black",
        (("CR-W", 100), ("N550", 30), ("DOP", 15), ("MGO", 4), ("STEARIC", 1), ("TMQ", 2)),
        _CR_CURE,
        min_rest_minutes=480,
        shelf_life_days=3,
        max_dump_temp_c=150.0,
    ),
    "vbelt_cr_hm": RecipeTemplate(
        "高模量三角带胶 CR (high-modulus V-belt)",
        "black",
        (("CR-W", 100), ("N330", 30), ("DOP", 15), ("MGO", 4), ("STEARIC", 1), ("TMQ", 2)),
        (("ZNO", 5.0), ("ETU", 0.8)),
        min_rest_minutes=480,
        shelf_life_days=3,
        max_dump_temp_c=150.0,
    ),
    "cushion_nr": RecipeTemplate(
        "缓冲胶 NR/SBR (belt cushion)",
        "black",
        (
            ("NR-SMR20", 80),
            ("SBR1502", 20),
            ("N330", 40),
            ("OIL-NAPH", 5),
            *_ACTIVATORS,
            ("6PPD", 1.5),
        ),
        (("SULFUR", 2.5), ("CBS", 1.0)),
        has_remill=True,
        shelf_life_days=5,
    ),
    "hose_nbr": RecipeTemplate(
        "耐油胶管内胶 NBR (oil hose tube)",
        "black",
        (
            ("NBR3305", 100),
            ("N550", 50),
            ("N774", 30),
            ("DOP", 12),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1.5),
        ),
        _EV_NBR,
        shelf_life_days=5,
    ),
    "hose_epdm": RecipeTemplate(
        "水管/蒸汽管胶 EPDM (water and steam hose)",
        "black",
        (
            ("EPDM-3092", 100),
            ("N550", 80),
            ("N774", 40),
            ("OIL-PARA", 60),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1),
        ),
        (("SULFUR", 1.5), ("MBTS", 1.5), ("TMTD", 0.8), ("DTDM", 1.0)),
    ),
    "hose_sbr": RecipeTemplate(
        "胶管外胶 SBR (hose cover)",
        "black",
        (
            ("SBR1712", 70),
            ("NR-SMR20", 30),
            ("N330", 45),
            ("N660", 25),
            ("CACO3", 25),
            ("OIL-AROM", 8),
            ("ZNO", 4),
            ("STEARIC", 1.5),
            ("6PPD", 1.5),
            ("WAX", 1),
        ),
        (("SULFUR", 1.8), ("CBS", 1.2)),
    ),
    "hose_cr": RecipeTemplate(
        "胶管外胶 CR (weather-resistant hose cover)",
        "black",
        (("CR-W", 100), ("N774", 30), ("DOP", 15), ("MGO", 4), ("STEARIC", 0.5), ("TMQ", 2)),
        _CR_CURE,
        min_rest_minutes=480,
        shelf_life_days=3,
        max_dump_temp_c=150.0,
    ),
    "hose_iir": RecipeTemplate(
        "蒸汽胶管内胶 IIR (steam hose tube)",
        "black",
        (("IIR-1751", 100), ("N550", 60), ("OIL-PARA", 10), ("ZNO", 5), ("STEARIC", 1)),
        (("SULFUR", 1.5), ("TMTD", 1.2), ("MBTS", 0.5)),
        shelf_life_days=5,
    ),
    "seal_nbr": RecipeTemplate(
        "密封件胶 NBR (seals, 70 Shore A)",
        "black",
        (
            ("NBR3305", 100),
            ("N774", 60),
            ("N550", 20),
            ("DOP", 8),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1),
        ),
        _EV_NBR,
        min_rest_minutes=480,
        shelf_life_days=5,
    ),
    "seal_nbr_80": RecipeTemplate(
        "密封件胶 NBR (seals, 80 Shore A)",
        "black",
        (
            ("NBR3305", 100),
            ("N774", 70),
            ("N550", 30),
            ("DOP", 8),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1),
        ),
        _EV_NBR,
        min_rest_minutes=480,
        shelf_life_days=5,
    ),
    "roller_nbr_black": RecipeTemplate(
        "耐油胶辊胶 NBR (black oil-resistant roller)",
        "black",
        (
            ("NBR3305", 100),
            ("N330", 40),
            ("N774", 30),
            ("DOP", 15),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1),
        ),
        _EV_NBR,
        shelf_life_days=5,
    ),
    "seal_epdm": RecipeTemplate(
        "密封件胶 EPDM 过氧化物 (seals, peroxide cure)",
        "black",
        (("EPDM-4045", 100), ("N550", 70), ("OIL-PARA", 25), ("ZNO", 5), ("TMQ", 1)),
        (("DCP40", 6.0),),
        shelf_life_days=10,
    ),
    "seal_nbr_green": RecipeTemplate(
        "绿色密封件胶 NBR (green identification seals)",
        "coloured",
        (
            ("NBR3305", 100),
            ("SILICA", 35),
            ("CLAY", 30),
            ("DOP", 10),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("PEG4000", 2),
            ("TMQ", 1),
            ("CR2O3", 4),
        ),
        _LIGHT_CURE,
        has_remill=True,
        min_rest_minutes=480,
        shelf_life_days=5,
    ),
    "roller_nbr_light": RecipeTemplate(
        "浅色胶辊胶 NBR (light printing roller)",
        "light",
        (
            ("NBR3305", 100),
            ("SILICA", 50),
            ("DOP", 20),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("PEG4000", 2.5),
            ("TMQ", 1),
        ),
        _LIGHT_CURE,
        has_remill=True,
        min_rest_minutes=480,
        shelf_life_days=5,
    ),
    "roller_nr_light": RecipeTemplate(
        "白色胶辊胶 NR (white roller)",
        "light",
        (
            ("NR-SMR20", 100),
            ("SILICA", 45),
            ("SI69", 3),
            ("CLAY", 20),
            ("TIO2", 5),
            ("OIL-NAPH", 5),
            *_ACTIVATORS,
            ("PEG4000", 2),
            ("WAX", 1),
        ),
        (("SULFUR", 2.5), ("CBS", 1.5), ("TMTD", 0.3)),
        has_remill=True,
    ),
    "roller_epdm": RecipeTemplate(
        "工业胶辊胶 EPDM (industrial roller)",
        "black",
        (
            ("EPDM-4045", 100),
            ("N330", 50),
            ("N550", 30),
            ("OIL-PARA", 30),
            ("ZNO", 5),
            ("STEARIC", 1),
            ("TMQ", 1),
        ),
        (("SULFUR", 1.2), ("MBTS", 1.0), ("TMTD", 1.0), ("DTDM", 1.0)),
    ),
    "mould_sbr": RecipeTemplate(
        "模压制品胶 SBR (black moulded goods)",
        "black",
        (
            ("SBR1502", 100),
            ("N660", 60),
            ("CACO3", 30),
            ("OIL-AROM", 15),
            ("ZNO", 4),
            ("STEARIC", 1),
            ("6PPD", 1),
        ),
        (("SULFUR", 2.0), ("CBS", 1.2), ("TMTD", 0.2)),
    ),
    "mould_nr_red": RecipeTemplate(
        "红色模压胶 NR (red moulded goods)",
        "coloured",
        (
            ("NR-RSS3", 100),
            ("CLAY", 40),
            ("CACO3", 30),
            ("TIO2", 3),
            ("FE2O3", 4),
            ("OIL-PARA", 5),
            *_ACTIVATORS,
            ("WAX", 1),
        ),
        (("SULFUR", 2.5), ("MBTS", 1.2), ("TMTD", 0.3)),
    ),
    "mould_sbr_light": RecipeTemplate(
        "浅色模压胶 SBR (light moulded goods)",
        "light",
        (
            ("SBR1502", 100),
            ("SILICA", 30),
            ("CACO3", 35),
            ("TIO2", 8),
            ("OIL-NAPH", 10),
            ("ZNO", 4),
            ("STEARIC", 1),
            ("PEG4000", 2),
        ),
        _LIGHT_CURE,
        has_remill=True,
    ),
    "mould_epdm_grey": RecipeTemplate(
        "灰色模压胶 EPDM (grey moulded goods)",
        "coloured",
        (
            ("EPDM-3092", 100),
            ("CLAY", 50),
            ("CACO3", 30),
            ("TIO2", 5),
            ("N774", 1),
            ("OIL-PARA", 35),
            ("ZNO", 5),
            ("STEARIC", 1),
        ),
        (("SULFUR", 1.5), ("MBTS", 1.5), ("TMTD", 0.8)),
    ),
    "mb_nr": RecipeTemplate(
        "NR 母炼胶 (NR/N330 masterbatch, sold as masterbatch)",
        "black",
        (("NR-SMR20", 100), ("N330", 50), ("OIL-AROM", 5), *_ACTIVATORS, ("6PPD", 1.5)),
        shelf_life_days=10,
    ),
    "mb_sbr": RecipeTemplate(
        "SBR 母炼胶 (SBR/N660 masterbatch, sold as masterbatch)",
        "black",
        (("SBR1502", 100), ("N660", 55), ("OIL-AROM", 10), ("ZNO", 4), ("STEARIC", 1)),
        shelf_life_days=10,
    ),
}

# --- lines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSetting:
    stage: str
    fill_factor: float
    cycle_minutes: float
    kwh_per_kg: float


@dataclass(frozen=True)
class LineSpec:
    code: str
    name: str
    mixer_type: str
    net_volume_l: float
    rated_power_kw: float
    stages: tuple[StageSetting, ...]
    # Slower masterbatch for silica compounds (silanisation needs time at temperature).
    silica_mb: StageSetting
    maintenance_weekday: int  # Monday = 0; the 8-h window starts at 08:00


LINES: tuple[LineSpec, ...] = (
    LineSpec(
        "L1",
        "1号线 420 L 切线型密炼线 / Line 1, 420 L tangential",
        "tangential",
        420.0,
        1600.0,
        (
            StageSetting("MB", 0.75, 3.0, 0.16),
            StageSetting("RM", 0.75, 2.4, 0.08),
            StageSetting("FB", 0.72, 2.6, 0.10),
        ),
        StageSetting("MB", 0.72, 4.0, 0.19),
        maintenance_weekday=1,
    ),
    LineSpec(
        "L2",
        "2号线 370 L 啮合型密炼线 / Line 2, 370 L intermeshing",
        "intermeshing",
        370.0,
        1500.0,
        (
            StageSetting("MB", 0.70, 3.2, 0.16),
            StageSetting("RM", 0.70, 2.4, 0.08),
            StageSetting("FB", 0.70, 2.2, 0.10),
        ),
        # Intermeshing rotors disperse silica better, so the silica penalty is smaller.
        StageSetting("MB", 0.68, 3.8, 0.18),
        maintenance_weekday=3,
    ),
)

SHIFTS: tuple[tuple[str, int], ...] = (
    ("早班 morning", 6 * 60),
    ("中班 afternoon", 14 * 60),
    ("夜班 night", 22 * 60),
)
SHIFT_MINUTES = 8 * 60

# --- holidays --------------------------------------------------------------------------------

# Days the center is closed: the State Council schedule for 2026, and 2027 New Year's Day.
# The 2027 Spring Festival dates are provisional until the 2027 schedule is published.
HOLIDAYS: tuple[tuple[date, str], ...] = (
    *((date(2026, 1, d), "元旦 New Year") for d in (1, 2, 3)),
    *((date(2026, 2, d), "春节 Spring Festival") for d in range(15, 24)),
    *((date(2026, 4, d), "清明节 Qingming") for d in (4, 5, 6)),
    *((date(2026, 5, d), "劳动节 Labour Day") for d in range(1, 6)),
    *((date(2026, 6, d), "端午节 Dragon Boat Festival") for d in (19, 20, 21)),
    *((date(2026, 9, d), "中秋节 Mid-Autumn Festival") for d in (25, 26, 27)),
    *((date(2026, 10, d), "国庆节 National Day") for d in range(1, 8)),
    (date(2027, 1, 1), "元旦 New Year"),
    *((date(2027, 2, d), "春节 Spring Festival (provisional)") for d in range(6, 13)),
)
