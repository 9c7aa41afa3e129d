"""Titles, objectives and acronyms of the CORDIS-style export: long texts with the real
files' shapes, and acronyms from a keyed permutation of a space of distinct names."""

from __future__ import annotations

import random

from projectgraph.synth.draws import between, pick

# fmt: off
_ADJECTIVES = (
    "Smart", "Sustainable", "Integrated", "Novel", "Resilient", "Scalable", "Low-carbon",
    "Personalised", "Circular", "Autonomous", "Open", "Next-generation", "Data-driven",
    "Bio-based",
)
_SUBJECTS = (
    "heat pumps", "battery materials", "urban mobility", "coastal ecosystems",
    "cancer immunotherapy", "quantum sensors", "food supply chains", "microbial communities",
    "wind turbine blades", "digital twins", "rare diseases", "soil health", "hydrogen storage",
    "cultural heritage", "photonic circuits", "migration policy", "antimicrobial resistance",
    "forest monitoring",
)
_PURPOSES = (
    "in European cities", "for the energy transition", "across the value chain",
    "at industrial scale", "for clinical practice", "in the Mediterranean",
    "for citizens and policy makers", "under a changing climate", "in rural areas",
    "for Industry 4.0",
)
_SENTENCES = (
    "{acronym} will develop and validate {adj} solutions for {subject} {purpose}.",
    "The project brings together {n} partners from universities, research centres and industry.",
    "Current approaches to {subject} remain fragmented, costly and difficult to scale.",
    "We will demonstrate the approach in three pilot sites and assess its economic and "
    "environmental impact.",
    "The main objective of {acronym} is to close the gap between laboratory results and market "
    "uptake.",
    "A multi-actor approach will involve end users from the start of the project.",
    "Results will be made available as open data, following the FAIR principles.",
    "Work is organised in {n} work packages covering research, demonstration, dissemination and "
    "exploitation.",
    "By the end of the project, {acronym} expects to reduce costs by {pct}% and emissions by "
    "{pct2}%.",
    "The training programme will give early-stage researchers skills in science, "
    "entrepreneurship and communication.",
    "An exploitation plan and a business model will prepare the commercialisation of the main "
    "results.",
    "The impact will be measured with indicators agreed with the advisory board.",
    "Ethical, legal and gender aspects are addressed in a dedicated task.",
    "New methods in {subject} open the way to applications that were out of reach until now.",
)
# fmt: on
# Sentences with the characters a CSV reader must get right, in some objectives only.
_SEMICOLON_SENTENCES = (
    "The consortium combines modelling, experiments and social sciences; this mix is essential.",
    "Specific objectives: (i) understand the mechanisms; (ii) design; (iii) validate in the field.",
)
_QUOTED_SENTENCES = (
    'The so-called "{adj_l} {subject}" concept will be tested under real operating conditions.',
    'Stakeholders describe the present situation as "a patchwork of national rules".',
)


def objective(rng: random.Random, acronym: str, size: int) -> str:
    """A long objective text: one paragraph, or several separated by line breaks (sometimes
    blank lines, sometimes a bullet list), sometimes with ';' and quotes."""
    paragraphs = []
    for _ in range(between(rng, 2, 5)):
        # One subject per paragraph, as the real texts have.
        values = {
            "acronym": acronym,
            "adj": pick(rng, _ADJECTIVES).lower(),
            "subject": pick(rng, _SUBJECTS),
            "purpose": pick(rng, _PURPOSES),
            "n": size if size > 1 else between(rng, 4, 9),
            "pct": between(rng, 10, 40),
            "pct2": between(rng, 15, 60),
        }
        chosen = rng.sample(_SENTENCES, between(rng, 3, 6))  # no sentence twice in a row
        sentences = [sentence.format_map(values) for sentence in chosen]
        if rng.random() < 0.06:
            sentences.insert(1, pick(rng, _SEMICOLON_SENTENCES))
        if rng.random() < 0.04:
            sentences.append(
                pick(rng, _QUOTED_SENTENCES).format(
                    adj_l=pick(rng, _ADJECTIVES).lower(), subject=values["subject"]
                )
            )
        # The real texts lost some spaces after full stops ("strategy.It provides").
        joiner = "" if rng.random() < 0.1 else " "
        paragraphs.append(joiner.join(sentences))
    shape = rng.random()
    if shape < 0.62:
        return " ".join(paragraphs)
    if shape < 0.82:
        return "\n".join(paragraphs)
    if shape < 0.93:
        return "\n\n".join(paragraphs)
    bullets = "\n".join(f"- {pick(rng, _ADJECTIVES)} {pick(rng, _SUBJECTS)}" for _ in range(3))
    rest = " ".join(paragraphs[1:])
    return f"{paragraphs[0]}\nThe expected results are:\n{bullets}\n{rest}"


def title(rng: random.Random) -> str:
    title = f"{pick(rng, _ADJECTIVES)} {pick(rng, _SUBJECTS)} {pick(rng, _PURPOSES)}"
    roll = rng.random()
    if roll < 0.05:
        return f'"{pick(rng, _ADJECTIVES)} by design": {title}'
    if roll < 0.08:
        return f"{title}; a demonstration"
    if roll < 0.25:
        return f"Towards {title[0].lower()}{title[1:]}"
    return title


# --- Acronyms: a keyed permutation of a space of distinct, case-insensitively unique names ----

# fmt: off
_ACRO_PREFIXES = (
    "BIO", "ECO", "SMART", "HYDRO", "NANO", "AGRI", "AQUA", "CYBER", "DATA", "DIGI", "ENER", "GEO",
    "GREEN", "INNO", "MARI", "MEDI", "NEURO", "OPTI", "PHOTO", "QUANT", "ROBO", "SOL", "TERRA",
    "THERMO", "URBAN", "VITA", "ZERO", "CIRC", "CLIM", "CELL", "GENE", "IMMUNO", "META", "MICRO",
    "POLY", "PRO", "REGIO", "SYN", "TRANS", "FOREST", "OCEAN", "SOCIO", "CULT", "EDU", "MOBI",
    "PLANT", "SOIL", "WIND",
)
_ACRO_MIDDLES = (
    "", "NET", "AI", "FLEX", "CARE", "MAX", "SIM", "KIT", "ON", "IQ", "UP", "GO", "X", "LINK",
    "LOOP", "ART", "SYS", "NEXT", "VAL", "TWO", "PLUS",
)
_ACRO_SUFFIXES = (
    "CLEAN", "HEAT", "FUTURE", "LAB", "TECH", "GRID", "FOOD", "MAP", "SENSE", "TWIN", "PATH",
    "CITY", "SHIP", "FARM", "SCAN", "CAT", "GEN", "ACT", "CODE", "FLOW", "STORE", "FUEL", "WATCH",
    "SHIELD", "PLAST", "FIT", "MIND", "CAST", "DRIVE", "HUB", "MATE", "NOVA", "PORT", "RISE",
    "SAFE", "TRACE", "WAVE", "CORE", "AIR", "BOND", "CHEM", "DOSE", "EYE", "FORM", "HOME", "IMAGE",
    "LIGHT", "OMICS",
)
# fmt: on
_ACRO_VARIANTS = len(_ACRO_MIDDLES) + 3  # plain with each middle; hyphenated; digit; digit inside
_ACRO_PAIRS = len(_ACRO_PREFIXES) * len(_ACRO_SUFFIXES)
ACRONYM_SPACE = _ACRO_PAIRS * _ACRO_VARIANTS


def _camel(part: str) -> str:
    return part[:1] + part[1:].lower()


def acronym_of(key: int, rng: random.Random) -> str:
    """The acronym of ``key`` (in ``[0, ACRONYM_SPACE)``): distinct keys give acronyms that
    differ even ignoring case. ``rng`` only picks the case and digit, which never make two
    acronyms equal."""
    variant, pair = divmod(key, _ACRO_PAIRS)
    p, s = divmod(pair, len(_ACRO_SUFFIXES))
    prefix, suffix = _ACRO_PREFIXES[p], _ACRO_SUFFIXES[s]
    camel = rng.random() < 0.25
    if variant < len(_ACRO_MIDDLES):  # BIOCLEAN, BIONETCLEAN, BioNetClean
        parts = (prefix, _ACRO_MIDDLES[variant], suffix)
        return "".join(_camel(x) for x in parts) if camel else "".join(parts)
    variant -= len(_ACRO_MIDDLES)
    digit = str(between(rng, 2, 9))
    if variant == 0:  # BIO-CLEAN, Bio-Clean
        return f"{_camel(prefix)}-{_camel(suffix)}" if camel else f"{prefix}-{suffix}"
    if variant == 1:  # REGIOCLEAN2
        return f"{prefix}{suffix}{digit}"
    return f"{_camel(prefix)}-{digit}-{_camel(suffix)}"  # Smart-4-Heat
