"""The words synthetic records are made of: invented syllables for acronyms, title parts, and
organisation names by kind and country (cities and legal forms of the countries drawn)."""

from __future__ import annotations

import random

SYLLABLES = (
    "ba", "bio", "ca", "cor", "da", "dyn", "el", "fe", "ga", "gen", "geo", "in", "ka", "kor",
    "la", "lex", "lu", "ma", "mar", "med", "na", "neo", "no", "nor", "o", "pa", "pro", "ra",
    "ri", "sa", "sol", "ta", "te", "tek", "ter", "tra", "va", "ver", "vi", "xa", "zen", "zo",
)  # fmt: skip
ADJECTIVES = (
    "Sustainable", "Smart", "Resilient", "Integrated", "Open", "Advanced", "Circular",
    "Inclusive", "Scalable", "Low-carbon", "Digital", "Collaborative", "Next-generation",
    "Secure", "Adaptive",
)  # fmt: skip
SUBJECTS = (
    "energy systems", "manufacturing", "health data", "food chains", "water management",
    "urban mobility", "materials", "battery technologies", "cluster policies",
    "regional innovation", "quantum sensing", "climate services", "cultural heritage",
    "agriculture", "maritime transport", "photonics", "robotics", "public services",
)  # fmt: skip
PURPOSES = (
    "European competitiveness", "the green transition", "SMEs", "rural regions",
    "ageing societies", "industrial symbiosis", "citizens' wellbeing", "coastal areas",
    "knowledge transfer", "the circular economy", "smart specialisation", "cross-border markets",
)  # fmt: skip
FIELDS = (
    "Applied Physics", "Bioeconomy", "Energy Research", "Materials Science", "Marine Science",
    "Digital Innovation", "Health Research", "Environmental Studies", "Advanced Manufacturing",
    "Food Technology", "Regional Development", "Data Science", "Photonics", "Transport",
)  # fmt: skip
SECTORS = (
    "Solutions", "Technologies", "Systems", "Energy", "Robotics", "Analytics", "Materials",
    "Biotech", "Engineering", "Consulting", "Software", "Instruments",
)  # fmt: skip
CLUSTER_SECTORS = (
    "Photonics", "Automotive", "Agrifood", "Textile", "Maritime", "Health", "ICT", "Energy",
    "Aerospace", "Wood", "Plastics", "Tourism", "Logistics", "Creative Industries",
)  # fmt: skip
CITIES: dict[str, tuple[str, ...]] = {
    "AT": ("Wien", "Graz", "Linz", "Innsbruck"),
    "BE": ("Brussel", "Leuven", "Gent", "Liège"),
    "BG": ("Sofia", "Plovdiv", "Varna"),
    "CH": ("Zürich", "Lausanne", "Basel", "Bern"),
    "CY": ("Nicosia", "Limassol"),
    "CZ": ("Praha", "Brno", "Ostrava"),
    "DE": ("Berlin", "München", "Hamburg", "Stuttgart", "Dresden", "Aachen", "Köln"),
    "DK": ("København", "Aarhus", "Odense"),
    "EE": ("Tallinn", "Tartu"),
    "ES": ("Madrid", "Barcelona", "Bilbao", "Valencia", "Sevilla", "Zaragoza"),
    "FI": ("Helsinki", "Espoo", "Tampere", "Oulu"),
    "FR": ("Paris", "Lyon", "Grenoble", "Toulouse", "Marseille", "Lille"),
    "GB": ("London", "Cambridge", "Oxford", "Manchester", "Edinburgh", "Belfast"),
    "GR": ("Athens", "Thessaloniki", "Patras", "Heraklion"),
    "HR": ("Zagreb", "Split", "Rijeka"),
    "HU": ("Budapest", "Debrecen", "Szeged"),
    "IE": ("Dublin", "Cork", "Galway"),
    "IS": ("Reykjavík", "Akureyri"),
    "IT": ("Roma", "Milano", "Torino", "Bologna", "Napoli", "Padova"),
    "LI": ("Vaduz", "Schaan"),
    "LT": ("Vilnius", "Kaunas"),
    "LU": ("Luxembourg", "Esch-sur-Alzette"),
    "LV": ("Rīga", "Jelgava"),
    "MT": ("Valletta", "Msida"),
    "NL": ("Amsterdam", "Delft", "Eindhoven", "Utrecht", "Rotterdam"),
    "NO": ("Oslo", "Trondheim", "Bergen"),
    "PL": ("Warszawa", "Kraków", "Wrocław", "Lublin", "Gdańsk"),
    "PT": ("Lisboa", "Porto", "Coimbra"),
    "RO": ("București", "Cluj-Napoca", "Iași"),
    "SE": ("Stockholm", "Göteborg", "Lund", "Uppsala"),
    "SI": ("Ljubljana", "Maribor"),
    "SK": ("Bratislava", "Košice"),
}
LEGAL_FORMS: dict[str, str] = {
    "AT": "GmbH", "BE": "BV", "BG": "EOOD", "CH": "AG", "CY": "Ltd", "CZ": "s.r.o.",
    "DE": "GmbH", "DK": "ApS", "EE": "OÜ", "ES": "SL", "FI": "Oy", "FR": "SAS", "GB": "Ltd",
    "GR": "IKE", "HR": "d.o.o.", "HU": "Kft.", "IE": "Ltd", "IS": "ehf.", "IT": "Srl",
    "LI": "AG", "LT": "UAB", "LU": "SARL", "LV": "SIA", "MT": "Ltd", "NL": "BV", "NO": "AS",
    "PL": "sp. z o.o.", "PT": "Lda", "RO": "SRL", "SE": "AB", "SI": "d.o.o.", "SK": "s.r.o.",
}  # fmt: skip


def invented_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables))


def acronym(rng: random.Random, k: int) -> str:
    """Invented syllables and the project's number (1-based): unique, and so is the slug."""
    return f"{invented_word(rng, rng.randint(2, 3)).upper()}{k + 1}"


def title(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)} {rng.choice(SUBJECTS)} for {rng.choice(PURPOSES)}"


# Organisation names by kind: the word list a {word} is drawn from (drawn first, if any), the
# names of the first attempt (one of them drawn), and the name of later attempts ({stem} is an
# invented word). Companies are named apart: stem, sector and the country's legal form.
_NAME_PATTERNS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "university": (
        (),
        (
            "University of {city}",
            "{city} University of Technology",
            "University of Applied Sciences {city}",
        ),
        "{stem} University {city}",
    ),
    "research": (FIELDS, ("Institute for {word} {city}",), "{stem} Institute for {word}"),
    "public": (
        (),
        ("City of {city}", "{city} Regional Development Agency"),
        "{stem} Regional Agency {city}",
    ),
    "cluster": (CLUSTER_SECTORS, ("{word} Cluster {city}",), "{stem} {word} Cluster"),
    "other": (FIELDS, ("{stem} Foundation for {word}",), "{stem} {word} Association"),
}


def organisation_name(rng: random.Random, kind: str, iso2: str, taken: set[str]) -> str:
    """A name of the kind, in the country, not yet in ``taken``."""
    cities = CITIES.get(iso2, ("Centre",))
    for attempt in range(12):
        city = rng.choice(cities)
        stem = invented_word(rng, 2 + attempt // 4).capitalize()
        plain = attempt == 0
        if kind in _NAME_PATTERNS:
            words, plain_patterns, pattern = _NAME_PATTERNS[kind]
            word = rng.choice(words) if words else ""
            if plain:  # a choice among one would still use up random bits: not drawn
                one = len(plain_patterns) == 1
                pattern = plain_patterns[0] if one else rng.choice(plain_patterns)
            name = pattern.format(city=city, stem=stem, word=word)
        else:  # a company
            name = f"{stem} {rng.choice(SECTORS)} {LEGAL_FORMS.get(iso2, 'Ltd')}"
        if name not in taken:
            return name
    return f"{name} {len(taken) + 1}"
