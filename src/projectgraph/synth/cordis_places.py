"""The countries and cities of the CORDIS-style export (:mod:`projectgraph.synth.cordis`): the
32 EU, EEA and associated countries, with the language, VAT and postcode patterns and web domain
of each, and cities with their NUTS 2016 level-3 codes and coordinates."""

# Greek letters in city names are the point here, not look-alikes of Latin ones.

from __future__ import annotations

from dataclasses import dataclass

from projectgraph.synth.distributions import COUNTRY_WEIGHTS

# EU code (as in the CSV; its participation weight is distributions.COUNTRY_WEIGHTS), language of
# names and streets, VAT prefix and number pattern, postcode patterns (9 a digit, A a letter),
# web domain; then the cities: name, NUTS 2016 level-3 code, latitude and longitude x 10^4, and
# extra forms some name patterns use.


@dataclass(frozen=True)
class City:
    name: str
    nuts: str
    lat: int
    lon: int
    forms: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Country:
    code: str
    lang: str
    vat: str
    postcodes: tuple[str, ...]
    tld: str
    cities: tuple[City, ...]


def _c(name: str, nuts: str, lat: float, lon: float, **forms: str) -> City:
    return City(name, nuts, round(lat * 10_000), round(lon * 10_000), tuple(sorted(forms.items())))


# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country("DE", "de", "DE999999999", ("99999",), "de", (
        _c("München", "DE212", 48.1351, 11.5820), _c("Berlin", "DE300", 52.5200, 13.4050),
        _c("Aachen", "DEA2D", 50.7753, 6.0839), _c("Stuttgart", "DE111", 48.7758, 9.1829),
        _c("Karlsruhe", "DE122", 49.0069, 8.4037), _c("Dresden", "DED21", 51.0504, 13.7373),
        _c("Köln", "DEA23", 50.9375, 6.9603), _c("Jülich", "DEA26", 50.9220, 6.3583),
    )),
    Country("UK", "en", "GB999999999", ("AA9 9AA", "A9 9AA", "AA99 9AA"), "uk", (
        _c("London", "UKI31", 51.5074, -0.1278), _c("Cambridge", "UKH12", 52.2053, 0.1218),
        _c("Oxford", "UKJ14", 51.7520, -1.2577), _c("Edinburgh", "UKM75", 55.9533, -3.1883),
        _c("Manchester", "UKD33", 53.4808, -2.2426), _c("Aberdeen", "UKM50", 57.1497, -2.0943),
        _c("Cardiff", "UKL22", 51.4816, -3.1791),
    )),
    Country("ES", "es", "ESA99999999", ("99999",), "es", (
        _c("Madrid", "ES300", 40.4168, -3.7038), _c("Barcelona", "ES511", 41.3874, 2.1686),
        _c("Bilbao", "ES213", 43.2630, -2.9350), _c("Valencia", "ES523", 39.4699, -0.3763),
        _c("Sevilla", "ES618", 37.3891, -5.9845), _c("Zaragoza", "ES243", 41.6488, -0.8891),
        _c("Donostia-San Sebastián", "ES212", 43.3183, -1.9812),
        _c("A Coruña", "ES111", 43.3623, -8.4115),
    )),
    Country("IT", "it", "IT99999999999", ("99999",), "it", (
        _c("Roma", "ITI43", 41.9028, 12.4964), _c("Milano", "ITC4C", 45.4642, 9.1900),
        _c("Torino", "ITC11", 45.0703, 7.6869), _c("Bologna", "ITH55", 44.4949, 11.3426),
        _c("Napoli", "ITF33", 40.8518, 14.2681), _c("Padova", "ITH36", 45.4064, 11.8768),
        _c("Pisa", "ITI17", 43.7228, 10.4017), _c("Forlì", "ITH58", 44.2227, 12.0407),
    )),
    Country("FR", "fr", "FR99999999999", ("99999",), "fr", (
        _c("Paris", "FR101", 48.8566, 2.3522), _c("Grenoble", "FRK24", 45.1885, 5.7245),
        _c("Toulouse", "FRJ23", 43.6047, 1.4442), _c("Lyon", "FRK26", 45.7640, 4.8357),
        _c("Marseille", "FRL04", 43.2965, 5.3698), _c("Palaiseau", "FR104", 48.7145, 2.2457),
        _c("Besançon", "FRC21", 47.2378, 6.0241), _c("Orléans", "FRB06", 47.9030, 1.9093),
    )),
    Country("NL", "nl", "NL999999999B01", ("9999 AA",), "nl", (
        _c("Amsterdam", "NL329", 52.3676, 4.9041), _c("Delft", "NL333", 52.0116, 4.3571),
        _c("Eindhoven", "NL414", 51.4416, 5.4697), _c("Utrecht", "NL310", 52.0907, 5.1214),
        _c("Wageningen", "NL224", 51.9692, 5.6654), _c("Groningen", "NL113", 53.2194, 6.5665),
    )),
    Country("BE", "nl", "BE0999999999", ("9999",), "be", (
        _c("Brussel", "BE100", 50.8503, 4.3517), _c("Leuven", "BE242", 50.8798, 4.7005),
        _c("Gent", "BE234", 51.0543, 3.7174), _c("Antwerpen", "BE211", 51.2194, 4.4025),
        _c("Liège", "BE332", 50.6326, 5.5797, lang="fr"),
        _c("Louvain-la-Neuve", "BE310", 50.6683, 4.6118, lang="fr"),
    )),
    Country("CH", "de", "CHE999999999", ("9999",), "ch", (
        _c("Zürich", "CH040", 47.3769, 8.5417), _c("Basel", "CH031", 47.5596, 7.5886),
        _c("Lausanne", "CH011", 46.5197, 6.6323, lang="fr"),
        _c("Genève", "CH013", 46.2044, 6.1432, lang="fr"),
    )),
    Country("EL", "el", "EL999999999", ("999 99",), "gr", (
        _c("Athina", "EL303", 37.9838, 23.7275,
           native="Αθήνα", gen="Αθηνών", gen_lat="Athinon"),
        _c("Marousi", "EL301", 38.0561, 23.8083,
           native="Μαρούσι", gen="Αττικής", gen_lat="Attikis"),
        _c("Peiraias", "EL307", 37.9420, 23.6465,
           native="Πειραιάς", gen="Πειραιώς", gen_lat="Peiraios"),
        _c("Thessaloniki", "EL522", 40.6401, 22.9444,
           native="Θεσσαλονίκη", gen="Θεσσαλονίκης", gen_lat="Thessalonikis"),
        _c("Patra", "EL632", 38.2466, 21.7346,
           native="Πάτρα", gen="Πατρών", gen_lat="Patron"),
        _c("Irakleio", "EL431", 35.3387, 25.1442,
           native="Ηράκλειο", gen="Κρήτης", gen_lat="Kritis"),
    )),
    Country("PT", "pt", "PT999999999", ("9999-999",), "pt", (
        _c("Lisboa", "PT170", 38.7223, -9.1393), _c("Porto", "PT11A", 41.1579, -8.6291),
        _c("Coimbra", "PT16E", 40.2033, -8.4103), _c("Braga", "PT112", 41.5454, -8.4265),
        _c("Aveiro", "PT16D", 40.6405, -8.6538),
    )),
    Country("AT", "de", "ATU99999999", ("9999",), "at", (
        _c("Wien", "AT130", 48.2082, 16.3738), _c("Graz", "AT221", 47.0707, 15.4395),
        _c("Innsbruck", "AT332", 47.2692, 11.4041), _c("Linz", "AT312", 48.3069, 14.2858),
    )),
    Country("SE", "sv", "SE999999999901", ("999 99",), "se", (
        _c("Stockholm", "SE110", 59.3293, 18.0686), _c("Göteborg", "SE232", 57.7089, 11.9746),
        _c("Lund", "SE224", 55.7047, 13.1910), _c("Uppsala", "SE121", 59.8586, 17.6389),
        _c("Linköping", "SE123", 58.4108, 15.6214),
    )),
    Country("DK", "da", "DK99999999", ("9999",), "dk", (
        _c("København", "DK011", 55.6761, 12.5683), _c("Aarhus", "DK042", 56.1629, 10.2039),
        _c("Kongens Lyngby", "DK012", 55.7704, 12.5038), _c("Odense", "DK031", 55.4038, 10.4024),
    )),
    Country("FI", "fi", "FI99999999", ("99999",), "fi", (
        _c("Helsinki", "FI1B1", 60.1699, 24.9384), _c("Espoo", "FI1B1", 60.2055, 24.6559),
        _c("Oulu", "FI1D9", 65.0121, 25.4651), _c("Tampere", "FI197", 61.4978, 23.7610),
        _c("Jyväskylä", "FI193", 62.2426, 25.7473),
    )),
    Country("IE", "en", "IE9999999A", ("A99 A9A9", "A99 AA99"), "ie", (
        _c("Dublin", "IE061", 53.3498, -6.2603), _c("Cork", "IE053", 51.8985, -8.4756),
        _c("Galway", "IE042", 53.2707, -9.0568), _c("Limerick", "IE051", 52.6638, -8.6267),
    )),
    Country("NO", "no", "NO999999999MVA", ("9999",), "no", (
        _c("Oslo", "NO011", 59.9139, 10.7522), _c("Trondheim", "NO060", 63.4305, 10.3951),
        _c("Bergen", "NO051", 60.3913, 5.3221), _c("Tromsø", "NO072", 69.6492, 18.9553),
    )),
    Country("PL", "pl", "PL9999999999", ("99-999",), "pl", (
        _c("Warszawa", "PL911", 52.2297, 21.0122, adj="Warszawska"),
        _c("Kraków", "PL213", 50.0647, 19.9450, adj="Krakowska"),
        _c("Łódź", "PL711", 51.7592, 19.4560, adj="Łódzka"),
        _c("Wrocław", "PL514", 51.1079, 17.0385, adj="Wrocławska"),
        _c("Gdańsk", "PL634", 54.3520, 18.6466, adj="Gdańska"),
        _c("Poznań", "PL415", 52.4064, 16.9252, adj="Poznańska"),
    )),
    Country("CZ", "cs", "CZ99999999", ("999 99",), "cz", (
        _c("Praha", "CZ010", 50.0755, 14.4378), _c("Brno", "CZ064", 49.1951, 16.6068),
        _c("Ostrava", "CZ080", 49.8209, 18.2625),
    )),
    Country("HU", "hu", "HU99999999", ("9999",), "hu", (
        _c("Budapest", "HU110", 47.4979, 19.0402), _c("Szeged", "HU333", 46.2530, 20.1414),
        _c("Győr", "HU221", 47.6875, 17.6504), _c("Pécs", "HU231", 46.0727, 18.2323),
    )),
    Country("SI", "sl", "SI99999999", ("9999",), "si", (
        _c("Ljubljana", "SI041", 46.0569, 14.5058), _c("Maribor", "SI032", 46.5547, 15.6459),
    )),
    Country("RO", "ro", "RO99999999", ("999999",), "ro", (
        _c("București", "RO321", 44.4268, 26.1025), _c("Cluj-Napoca", "RO113", 46.7712, 23.6236),
        _c("Iași", "RO213", 47.1585, 27.6014), _c("Timișoara", "RO424", 45.7489, 21.2087),
    )),
    Country("CY", "el", "CY99999999A", ("9999",), "cy", (
        _c("Nicosia", "CY000", 35.1856, 33.3823,
           native="Λευκωσία", gen="Κύπρου", gen_lat="Kyprou"),
        _c("Limassol", "CY000", 34.7071, 33.0226,
           native="Λεμεσός", gen="Κύπρου", gen_lat="Kyprou"),
    )),
    Country("BG", "bg", "BG999999999", ("9999",), "bg", (
        _c("Sofia", "BG411", 42.6977, 23.3219), _c("Plovdiv", "BG421", 42.1354, 24.7453),
    )),
    Country("HR", "hr", "HR99999999999", ("99999",), "hr", (
        _c("Zagreb", "HR041", 45.8150, 15.9819), _c("Split", "HR035", 43.5081, 16.4402),
        _c("Rijeka", "HR031", 45.3271, 14.4422),
    )),
    Country("EE", "et", "EE999999999", ("99999",), "ee", (
        _c("Tallinn", "EE001", 59.4370, 24.7536), _c("Tartu", "EE008", 58.3780, 26.7290),
    )),
    Country("LT", "lt", "LT999999999", ("LT-99999",), "lt", (
        _c("Vilnius", "LT011", 54.6872, 25.2797), _c("Kaunas", "LT022", 54.8985, 23.9036),
    )),
    Country("LU", "fr", "LU99999999", ("L-9999",), "lu", (
        _c("Luxembourg", "LU000", 49.6116, 6.1319),
        _c("Esch-sur-Alzette", "LU000", 49.4958, 5.9806),
    )),
    Country("SK", "sk", "SK9999999999", ("999 99",), "sk", (
        _c("Bratislava", "SK010", 48.1486, 17.1077), _c("Košice", "SK042", 48.7164, 21.2611),
    )),
    Country("LV", "lv", "LV99999999999", ("LV-9999",), "lv", (
        _c("Rīga", "LV006", 56.9496, 24.1052), _c("Jelgava", "LV009", 56.6511, 23.7214),
    )),
    Country("MT", "en", "MT99999999", ("AAA 9999",), "mt", (
        _c("Msida", "MT001", 35.8972, 14.4892), _c("Valletta", "MT001", 35.8989, 14.5146),
    )),
    Country("IS", "is", "", ("999",), "is", (
        _c("Reykjavík", "IS001", 64.1466, -21.9426), _c("Akureyri", "IS002", 65.6885, -18.1262),
    )),
    Country("LI", "de", "", ("9999",), "li", (
        _c("Vaduz", "LI000", 47.1410, 9.5209), _c("Schaan", "LI000", 47.1650, 9.5089),
    )),
)
# fmt: on
# The EU's codes where they differ from ISO 3166-1 (the keys of COUNTRY_WEIGHTS).
EU_CODES = {"GR": "EL", "GB": "UK"}
_ISO_CODES = {eu: iso for iso, eu in EU_CODES.items()}
COUNTRY_DRAW_WEIGHTS = [COUNTRY_WEIGHTS[_ISO_CODES.get(c.code, c.code)] for c in COUNTRIES]
COUNTRY_INDEX = {c.code: j for j, c in enumerate(COUNTRIES)}
