"""Organisation names, streets, legal forms and company words of the CORDIS-style export, by
language (and, for legal forms, by country)."""

# Greek letters in organisation names are the point here, not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

# Patterns per language and activity type; {city}, {field} and the city's extra forms ({adj},
# {native}, {gen}, {gen_lat}) are filled in. A language without a pattern for a type uses "en".

# fmt: off
FIELDS = {
    "en": (
        "Materials Science", "Marine Research", "Applied Energy", "Digital Health",
        "Climate Studies", "Photonics",
    ),
    "de": (
        "Energietechnik", "Meeresforschung", "Biophysik", "Lebensmitteltechnologie",
        "Umweltforschung", "Festkörperphysik",
    ),
    "fr": (
        "Énergie", "Sciences du Numérique", "Agronomie", "Écologie Marine", "Génie Électrique",
        "Santé Publique",
    ),
    "es": (
        "Energía", "Biotecnología", "Ciencias Marinas", "Tecnologías de la Información",
        "Investigación Agraria",
    ),
    "it": (
        "Scienze Marine", "Energia", "Biomedicina", "Tecnologie Industriali", "Fisica Applicata",
    ),
    "pt": ("Engenharia de Sistemas", "Ciências do Mar", "Biotecnologia", "Energia e Ambiente"),
    "nl": (
        "Toegepast Natuurwetenschappelijk Onderzoek", "Zeeonderzoek", "Gezondheidszorg",
        "Energieonderzoek",
    ),
}
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "HES": (
            "University of {city}", "{city} University", "{city} Institute of Technology",
            "University College {city}",
        ),
        "REC": (
            "{city} Centre for {field}", "Institute for {field} Research",
            "National Laboratory for {field}",
        ),
        "PUB": (
            "{city} City Council", "{city} County Council",
            "Regional Development Agency of {city}",
        ),
        "OTH": (
            "European {field} Association", "{city} Chamber of Commerce", "{field} Network Europe",
        ),
    },
    "de": {
        "HES": (
            "Universität {city}", "Technische Universität {city}", "Hochschule {city}",
            "Medizinische Universität {city}",
        ),
        "REC": (
            "Institut für {field} {city}", "Forschungszentrum {city}",
            "Fraunhofer-Institut für {field}", "Leibniz-Institut für {field}",
        ),
        "PUB": ("Stadt {city}", "Landeshauptstadt {city}", "Bundesanstalt für {field}"),
        "OTH": ("Verein für {field} e.V.", "Gesellschaft für {field} {city}", "Stiftung {field}"),
    },
    "fr": {
        "HES": (
            "Université de {city}", "École Normale Supérieure de {city}",
            "Institut National Polytechnique de {city}", "Université {city} Sciences",
        ),
        "REC": (
            "Centre de Recherche en {field}", "Institut National de Recherche en {field}",
            "Laboratoire d'Électronique de {city}",
        ),
        "PUB": ("Ville de {city}", "Métropole de {city}", "Région {city}"),
        "OTH": (
            "Association Française pour l'{field}", "Chambre de Commerce et d'Industrie de {city}",
            "Pôle de Compétitivité {field}",
        ),
    },
    "es": {
        "HES": (
            "Universidad de {city}", "Universidad Politécnica de {city}",
            "Universitat Politècnica de {city}", "Universidad Autónoma de {city}",
        ),
        "REC": (
            "Centro de Investigación en {field}", "Fundación {city} Centro Tecnológico",
            "Instituto de {field} de {city}",
        ),
        "PUB": (
            "Ayuntamiento de {city}", "Diputación de {city}", "Consejería de Educación de {city}",
        ),
        "OTH": (
            "Asociación Española de {field}", "Cámara de Comercio de {city}",
            "Fundación para la {field}",
        ),
    },
    "it": {
        "HES": (
            "Università degli Studi di {city}", "Politecnico di {city}",
            "Scuola Superiore di Studi Universitari di {city}",
        ),
        "REC": (
            "Istituto di {field}", "Centro Ricerche {field} {city}",
            "Fondazione Istituto di {field}",
        ),
        "PUB": ("Comune di {city}", "Regione {city}", "Città Metropolitana di {city}"),
        "OTH": (
            "Associazione Italiana di {field}", "Camera di Commercio di {city}",
            "Consorzio {field} {city}",
        ),
    },
    "pt": {
        "HES": (
            "Universidade de {city}", "Universidade Nova de {city}",
            "Instituto Politécnico de {city}",
        ),
        "REC": (
            "Instituto de {field}", "Centro de {field} de {city}",
            "Laboratório Nacional de {field}",
        ),
        "PUB": ("Câmara Municipal de {city}", "Município de {city}"),
        "OTH": ("Associação Portuguesa de {field}", "Associação Empresarial de {city}"),
    },
    "nl": {
        "HES": (
            "Universiteit {city}", "Technische Universiteit {city}", "Hogeschool {city}",
            "Katholieke Universiteit {city}",
        ),
        "REC": (
            "Nederlandse Organisatie voor {field}", "Stichting {field} {city}",
            "Instituut voor {field}",
        ),
        "PUB": ("Gemeente {city}", "Provincie {city}", "Stad {city}"),
        "OTH": (
            "Vereniging voor {field}", "Kamer van Koophandel {city}",
            "Stichting Kennisnetwerk {city}",
        ),
    },
    "pl": {
        "HES": (
            "Politechnika {adj}", "Uniwersytet Medyczny w {city}",
            "Akademia Górniczo-Hutnicza im. Stanisława Staszica w {city}", "Szkoła Główna {adj}",
        ),
        "REC": (
            "Instytut Chemii Bioorganicznej Polskiej Akademii Nauk", "Instytut Łączności w {city}",
            "Sieć Badawcza Łukasiewicz - Instytut {adj}",
        ),
        "PUB": ("Miasto {city}", "Urząd Marszałkowski w {city}", "Gmina Miejska {city}"),
        "OTH": ("Fundacja Rozwoju {adj}", "Stowarzyszenie Inżynierów w {city}"),
    },
    "el": {
        "HES": (
            "ΠΑΝΕΠΙΣΤΗΜΙΟ {gen}", "ΕΘΝΙΚΟ ΚΑΙ ΚΑΠΟΔΙΣΤΡΙΑΚΟ ΠΑΝΕΠΙΣΤΗΜΙΟ {gen}",
            "PANEPISTIMIO {gen_lat}", "ETHNIKO METSOVIO POLYTECHNEIO",
        ),
        "REC": (
            "ΕΘΝΙΚΟ ΚΕΝΤΡΟ ΕΡΕΥΝΑΣ ΚΑΙ ΤΕΧΝΟΛΟΓΙΚΗΣ ΑΝΑΠΤΥΞΗΣ", "ΙΔΡΥΜΑ ΤΕΧΝΟΛΟΓΙΑΣ ΚΑΙ ΕΡΕΥΝΑΣ",
            "ETHNIKO KENTRO EREVNAS FYSIKON EPISTIMON DIMOKRITOS",
            "ATHINA-EREVNITIKO KENTRO KAINOTOMIAS STIS TECHNOLOGIES TIS PLIROFORIAS",
        ),
        "PUB": ("ΔΗΜΟΣ {gen}", "ΠΕΡΙΦΕΡΕΙΑ {gen}", "DIMOS {gen_lat}"),
        "OTH": ("ΕΠΙΜΕΛΗΤΗΡΙΟ {gen}", "SYNDESMOS EPICHEIRISEON KAI VIOMICHANION"),
    },
    "sv": {
        "HES": (
            "{city} Universitet", "Kungliga Tekniska Högskolan", "Chalmers Tekniska Högskola AB",
            "Sveriges Lantbruksuniversitet",
        ),
        "REC": ("RISE Research Institutes of Sweden AB", "Institutet för {field}"),
        "PUB": ("{city} Kommun", "Region {city}", "Länsstyrelsen i {city}"),
    },
    "da": {
        "HES": ("{city} Universitet", "Danmarks Tekniske Universitet", "Københavns Universitet"),
        "REC": ("Teknologisk Institut", "Alexandra Instituttet A/S"),
        "PUB": ("{city} Kommune", "Region Hovedstaden"),
    },
    "no": {
        "HES": (
            "Universitetet i {city}", "Norges Teknisk-Naturvitenskapelige Universitet NTNU",
            "Høgskulen på Vestlandet",
        ),
        "REC": (
            "Stiftelsen SINTEF", "Norsk Institutt for Vannforskning", "Havforskningsinstituttet",
        ),
        "PUB": ("{city} Kommune", "Trøndelag Fylkeskommune"),
    },
    "fi": {
        "HES": (
            "{city}n Yliopisto", "Aalto-Korkeakoulusäätiö sr", "Tampereen Korkeakoulusäätiö sr",
        ),
        "REC": ("Teknologian Tutkimuskeskus VTT Oy", "Luonnonvarakeskus", "Ilmatieteen Laitos"),
        "PUB": ("{city}n Kaupunki",),
    },
    "hu": {
        "HES": (
            "Budapesti Műszaki és Gazdaságtudományi Egyetem", "Szegedi Tudományegyetem",
            "Pécsi Tudományegyetem", "Széchenyi István Egyetem",
        ),
        "REC": (
            "Wigner Fizikai Kutatóközpont", "Számítástechnikai és Automatizálási Kutatóintézet",
        ),
        "PUB": ("{city} Megyei Jogú Város Önkormányzata", "Budapest Főváros Önkormányzata"),
    },
    "cs": {
        "HES": (
            "České Vysoké Učení Technické v Praze", "Vysoké Učení Technické v Brně",
            "Masarykova Univerzita",
        ),
        "REC": ("Fyzikální Ústav AV ČR v.v.i.", "Ústav Organické Chemie a Biochemie AV ČR v.v.i."),
        "PUB": ("Statutární Město {city}",),
    },
    "sk": {
        "HES": ("Slovenská Technická Univerzita v Bratislave", "Technická Univerzita v Košiciach"),
        "REC": ("Ústav Materiálov a Mechaniky Strojov SAV",),
        "PUB": ("Mesto {city}",),
    },
    "ro": {
        "HES": (
            "Universitatea Politehnica din {city}", "Universitatea Babeș-Bolyai",
            "Universitatea Alexandru Ioan Cuza din Iași",
        ),
        "REC": (
            "Institutul Național de Cercetare-Dezvoltare pentru Fizica Laserilor, Plasmei și "
            "Radiației",
        ),
        "PUB": ("Municipiul {city}", "Primăria Municipiului {city}"),
    },
    "sl": {
        "HES": ("Univerza v Ljubljani", "Univerza v Mariboru"),
        "REC": ("Institut Jožef Stefan", "Kemijski Inštitut"),
        "PUB": ("Mestna Občina {city}",),
    },
    "hr": {
        "HES": (
            "Sveučilište u Zagrebu Fakultet Elektrotehnike i Računarstva", "Sveučilište u Splitu",
        ),
        "REC": ("Institut Ruđer Bošković",),
        "PUB": ("Grad {city}",),
    },
    "bg": {
        "HES": ("Софийски университет Св. Климент Охридски", "Tehnicheski Universitet Sofia"),
        "REC": ("Institute of Mechanics - Bulgarian Academy of Sciences",),
        "PUB": ("Stolichna Obshtina",),
    },
    "lt": {
        "HES": ("Vilniaus Universitetas", "Kauno Technologijos Universitetas"),
        "REC": ("Valstybinis Mokslinių Tyrimų Institutas Fizinių ir Technologijos Mokslų Centras",),
        "PUB": ("{city} Miesto Savivaldybės Administracija",),
    },
    "lv": {
        "HES": ("Latvijas Universitāte", "Rīgas Tehniskā Universitāte"),
        "REC": ("Latvijas Valsts Koksnes Ķīmijas Institūts",),
        "PUB": ("Rīgas Pilsētas Pašvaldība",),
    },
    "et": {
        "HES": ("Tartu Ülikool", "Tallinna Tehnikaülikool"),
        "REC": ("Eesti Maaülikool",),
        "PUB": ("{city} Linnavalitsus",),
    },
    "is": {
        "HES": ("Háskóli Íslands", "Háskólinn í Reykjavík ehf"),
        "REC": ("Matís ohf", "Hafrannsóknastofnun"),
        "PUB": ("Reykjavíkurborg",),
    },
}
STREETS = {
    "en": (
        "{n} High Street", "{n} Church Road", "{n} Station Road",
        "Trinity College, {n} College Green",
    ),
    "de": ("Hauptstraße {n}", "Universitätsstraße {n}", "Königsallee {n}", "Am Weißenhof {n}"),
    "fr": (
        "{n} rue de la République", "{n} avenue des États-Unis", "{n} boulevard Général Leclerc",
        "{n} rue des Écoles",
    ),
    "es": (
        "Calle Mayor {n}", "Avenida de la Universidad {n}", "Plaza de España {n}",
        "Calle Alcalá {n}",
    ),
    "it": (
        "Via Roma {n}", "Piazza dell'Università {n}", "Via Giuseppe Garibaldi {n}",
        "Corso Vittorio Emanuele II {n}",
    ),
    "pt": (
        "Rua da Liberdade {n}", "Avenida Dr. António Bernardino de Almeida {n}",
        "Praça do Comércio {n}",
    ),
    "nl": ("Kerkstraat {n}", "Stationsplein {n}", "Mekelweg {n}", "Oude Markt {n}"),
    "pl": (
        "ul. Piotrkowska {n}", "ul. Żwirki i Wigury {n}", "Plac Politechniki {n}",
        "ul. Marszałkowska {n}",
    ),
    "el": (
        "Ηρώων Πολυτεχνείου {n}", "Εγνατία {n}", "Vasilissis Sofias {n}", "Leoforos Kifisias {n}",
    ),
    "sv": ("Drottninggatan {n}", "Storgatan {n}", "Kungsgatan {n}"),
    "da": ("Nørregade {n}", "Anker Engelunds Vej {n}", "Vestergade {n}"),
    "no": ("Høgskoleringen {n}", "Kirkegata {n}", "Storgata {n}"),
    "fi": ("Otakaari {n}", "Yliopistonkatu {n}", "Mannerheimintie {n}"),
    "hu": ("Műegyetem rakpart {n}", "Petőfi Sándor utca {n}", "Fő utca {n}"),
    "cs": ("Technická {n}", "Národní {n}", "Žerotínovo náměstí {n}"),
    "sk": ("Vazovova {n}", "Letná {n}"),
    "ro": ("Strada Mihail Kogălniceanu {n}", "Splaiul Independenței {n}"),
    "sl": ("Jamova cesta {n}", "Tržaška cesta {n}"),
    "hr": ("Ulica Ivana Lučića {n}", "Bijenička cesta {n}"),
    "bg": ("ul. Akad. G. Bonchev {n}", "bul. Tsar Osvoboditel {n}"),
    "lt": ("Gedimino pr. {n}", "Saulėtekio al. {n}"),
    "lv": ("Brīvības iela {n}", "Raiņa bulvāris {n}"),
    "et": ("Akadeemia tee {n}", "Ülikooli {n}"),
    "is": ("Sæmundargata {n}", "Menntavegur {n}"),
}
LEGAL_FORMS = {
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "AT": ("GmbH", "AG"),
    "CH": ("AG", "SA", "GmbH"),
    "LI": ("AG", "Anstalt"),
    "FR": ("SAS", "SARL", "SA"),
    "BE": ("NV", "BV", "SRL"),
    "LU": ("SARL", "SA"),
    "ES": ("SL", "SA", "Sociedad Limitada"),
    "IT": ("SRL", "SPA", "S.r.l."),
    "PT": ("LDA", "SA", "Unipessoal LDA"),
    "NL": ("BV", "B.V.", "NV"),
    "UK": ("LTD", "LIMITED", "PLC"),
    "IE": ("LIMITED", "DAC"),
    "MT": ("LTD", "LIMITED"),
    "CY": ("LTD", "LIMITED"),
    "PL": ("SP. Z O.O.", "SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ", "S.A."),
    "EL": ("ΑΝΩΝΥΜΗ ΕΤΑΙΡΕΙΑ", "AE", "MONOPROSOPI IDIOTIKI KEFALAIOUCHIKI ETAIREIA"),
    "SE": ("AB",),
    "DK": ("ApS", "A/S"),
    "NO": ("AS",),
    "FI": ("Oy", "Oyj"),
    "IS": ("ehf.", "hf."),
    "CZ": ("s.r.o.", "a.s."),
    "SK": ("s.r.o.",),
    "HU": ("Kft.", "Zrt.", "Korlátolt Felelősségű Társaság"),
    "RO": ("SRL", "SA"),
    "BG": ("EOOD", "OOD", "ЕООД"),
    "HR": ("d.o.o.",),
    "SI": ("d.o.o.",),
    "LT": ("UAB",),
    "LV": ("SIA",),
    "EE": ("OÜ", "AS"),
}
COMPANY_STEMS = (
    "Nova", "Tekno", "Axi", "Bio", "Eco", "Hydro", "Intelli", "Quanta", "Sol", "Vita", "Aero",
    "Geo", "Lumi", "Neo", "Opti", "Terra", "Cyber", "Elec", "Flux", "Medi", "Nano", "Aqua", "Robo",
    "Syn",
)
COMPANY_TAILS = (
    "tek", "gen", "lab", "sense", "via", "tron", "wave", "matic", "logic", "core", "nix", "sys",
    "form", "cell", "grid", "bit", "med", "ia", "ris", "on",
)
# fmt: on
COMPANY_SECTORS = {
    "de": ("Technologies", "Energiesysteme", "Medizintechnik", "Software", "Anlagenbau"),
    "fr": ("Technologies", "Ingénierie", "Systèmes", "Énergies", "Conseil"),
    "es": ("Ingeniería", "Tecnologías", "Soluciones", "Energía", "Innovación"),
    "it": ("Ingegneria", "Tecnologie", "Sistemi", "Energia", "Consulting"),
    "pt": ("Engenharia", "Tecnologias", "Soluções", "Inovação"),
    "pl": ("Technologie", "Systemy", "Innowacje"),
    "hu": ("Mérnöki Iroda", "Technológia", "Fejlesztő"),
    "el": ("ΤΕΧΝΟΛΟΓΙΕΣ", "SYSTEMS", "PLIROFORIKI"),
}
GENERIC_SECTORS = (
    "Technologies",
    "Solutions",
    "Systems",
    "Innovation",
    "Engineering",
    "Consulting",
    "Energy",
)
URL_WORDS = ("tech", "lab", "solutions", "group", "research", "innovation")
