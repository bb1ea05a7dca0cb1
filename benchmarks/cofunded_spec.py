"""The co-funded benchmark profile's cast (benchmarks/generate_cofunded.py): members, people,
partners, payees by cost category, and the resolutions with the projects they authorise.
Every name is invented; the years are offsets from ``--start-year``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MEMBERS = [
    ("Brunei-Darussalam", "Majlis Mesyuarat Negara Brunei Darussalam"),
    ("Cambodia", "Cambodian National Assembly"),
    ("Indonesia", "Dewan Perwakilan Rakyat"),
    ("Lao-PDR", "Lao National Assembly"),
    ("Malaysia", "Dewan Rakyat Malaysia"),
    ("Myanmar", "Pyidaungsu Hluttaw"),
    ("Philippines", "Philippine Congress"),
    ("Singapore", "Singapore Parliament"),
    ("Thailand", "Thai National Legislative Assembly"),
    ("Viet-Nam", "Quoc Hoi Viet Nam"),
]

PREPARERS = ["Dewi Kartika", "Hendra Wijaya", "Lestari Putri", "Rizal Fauzi"]
APPROVERS = ["Phan Van Minh", "Josefina Reyes", "Kanya Srisuk", "Daw Khin Myo"]
# the same people as written by hand now and then: the engine compares them as people
SPELLINGS = {"Josefina Reyes": "JOSEFINA REYES", "Kanya Srisuk": "Kanya  Srisuk"}


@dataclass(frozen=True)
class Partner:
    name: str
    currency: str
    payee: str


PARTNERS = {p.name: p for p in [
    Partner("Andaman-Rule-of-Law-Trust", "USD", "Andaman Rule of Law Trust"),
    Partner("Borneo-Civic-Foundation", "USD", "Borneo Civic Foundation"),
    Partner("Pacific-Legislators-Network", "USD", "Pacific Legislators Network"),
    Partner("Nordkapp-Development-Agency", "USD", "Nordkapp Development Agency"),
    Partner("Lotus-Governance-Fund", "USD", "Lotus Governance Fund"),
    Partner("Host-Parliament-Indonesia", "IDR", "Sekretariat Jenderal DPR RI"),
    Partner("Host-Parliament-Thailand", "THB", "Secretariat of the Thai Legislature"),
]}

# cost category -> (payees, narration)
CATEGORIES = {
    "Research": (["Tonle Sap Policy Institute", "Visayas Legal Studies Centre",
                  "Straits Governance Lab"], "Research contract instalment"),
    "Consultants": (["Irrawaddy Advisory Partners", "Merlion Expert Services",
                     "Borobudur Consulting"], "Consultant fees"),
    "Meetings": (["Sentosa Conference Services", "Luang Prabang Meeting Halls",
                  "Cebu Convention Desk"], "Workshop venue, catering and equipment"),
    "Study-Tours": (["Chao Phraya Coaches", "Halong Study Visits"], "Study visit logistics"),
    "Travel": (["Bintang Travel Bureau", "Orchid Air Ticketing"], "Delegate air tickets and DSA"),
    "Publications": (["Pustaka Printing House", "Lanna Design Works"], "Layout and printing"),
    "Translation": (["Polyglot ASEAN Interpreters", "Kinabalu Translation Desk"],
                    "Interpretation and translation"),
    "Hospitality": (["Riverside Reception Caterers", "Hotel Mulia Banquets"],
                    "Official dinner for delegations"),
}


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    start: tuple[int, int, int]  # (year offset, month, day)
    end: tuple[int, int, int]
    categories: tuple[str, ...]  # authorised by the resolution ("Hospitality" is not eligible)
    max_share: Decimal
    partners: tuple[str, ...]
    window: int = 60


@dataclass(frozen=True)
class ResolutionSpec:
    offset: int  # year offset of adoption (a General Assembly in September)
    month: int
    day: int
    committee: str
    number: int
    title: str
    projects: tuple[ProjectSpec, ...]


def _p(name: str, start: tuple[int, int, int], end: tuple[int, int, int], categories: str,
       share: str, partners: str, window: int = 60) -> ProjectSpec:
    return ProjectSpec(name, start, end, tuple(categories.split()), Decimal(share),
                       tuple(partners.split()), window)


RESOLUTIONS = [
    ResolutionSpec(0, 9, 12, "Soc", 7, "Resolution on regional networks against trafficking", (
        _p("Anti-Trafficking-Network", (1, 1, 15), (2, 6, 30),
           "Research Consultants Meetings Travel Hospitality", "0.55",
           "Andaman-Rule-of-Law-Trust Host-Parliament-Indonesia Borneo-Civic-Foundation"),
        _p("Migrant-Workers-Charter", (1, 3, 1), (1, 12, 31),
           "Research Meetings Translation Publications", "0.50",
           "Nordkapp-Development-Agency Host-Parliament-Thailand"),
    )),
    ResolutionSpec(1, 9, 20, "Org", 3, "Resolution on linking the parliamentary libraries", (
        _p("Parliamentary-Library-Link", (2, 1, 1), (2, 12, 31),
           "Consultants Meetings Publications Translation", "0.60",
           "Lotus-Governance-Fund Pacific-Legislators-Network", 90),
    )),
    ResolutionSpec(2, 9, 18, "Eco", 5, "Resolution on energy transition and fisheries", (
        _p("Energy-Transition-Dialogue", (3, 2, 1), (4, 1, 31),
           "Research Meetings Study-Tours Travel Hospitality", "0.50",
           "Nordkapp-Development-Agency Host-Parliament-Indonesia Lotus-Governance-Fund"),
        _p("Fisheries-Compliance-Study", (3, 4, 1), (3, 11, 30),
           "Research Consultants Translation", "0.65",
           "Pacific-Legislators-Network Host-Parliament-Thailand"),
    )),
    ResolutionSpec(4, 9, 15, "Soc", 2, "Resolution on children, disability and women's caucus", (
        _p("Child-Online-Safety", (5, 1, 1), (5, 12, 31),
           "Research Consultants Meetings Publications", "0.55",
           "Andaman-Rule-of-Law-Trust Host-Parliament-Indonesia"),
        _p("Disability-Rights-Audit", (5, 6, 1), (6, 5, 31),
           "Research Meetings Travel Translation Hospitality", "0.50",
           "Borneo-Civic-Foundation Nordkapp-Development-Agency"),
        _p("Women-Caucus-Secretariat", (5, 1, 1), (7, 6, 30),
           "Consultants Meetings Travel Publications", "0.45",
           "Lotus-Governance-Fund Host-Parliament-Thailand Andaman-Rule-of-Law-Trust", 90),
    )),
    ResolutionSpec(6, 9, 10, "Pol", 4, "Resolution on election observation and haze", (
        _p("Election-Observation-Guide", (7, 3, 1), (7, 12, 31),
           "Research Consultants Publications Translation", "0.60",
           "Pacific-Legislators-Network Host-Parliament-Indonesia"),
        _p("Haze-Pollution-Review", (7, 5, 1), (8, 4, 30),
           "Research Meetings Study-Tours Hospitality", "0.55",
           "Borneo-Civic-Foundation Host-Parliament-Thailand"),
    )),
    ResolutionSpec(7, 9, 22, "Soc", 8, "Resolution on climate adaptation and cyber crime", (
        _p("Climate-Adaptation-Laws", (8, 1, 1), (9, 3, 31),
           "Research Consultants Meetings Travel", "0.50",
           "Nordkapp-Development-Agency Host-Parliament-Indonesia Lotus-Governance-Fund"),
        _p("Cyber-Crime-Harmonisation", (8, 6, 1), (9, 8, 31),
           "Research Consultants Meetings Translation Hospitality", "0.55",
           "Andaman-Rule-of-Law-Trust Pacific-Legislators-Network"),
    )),
]
