"""
Post screening (issue 15, "Speed"): a 2,000-character post against 5,000 candidates and every
shipped party.

The candidates are drawn (seeded) from common British first names and about 3,100 surnames
(the commonest, many of them also ordinary words such as Green, Hill, Wood and King, and
made-up Cornish and English ones), with aliases and handles for some, in 20 elections; the
parties are `data/parties.csv`. Three posts of about 2,000 characters each, of the kind a
town council publishes, screened in turn: plain ASCII; curly quotes, dashes, accents and
emoji (as phones write); and one with combining accents and "ß", which fold to a different
number of characters and take the slower, shifting fold.

Each `scan` is timed alone with perf_counter_ns, less the timer's own cost. The reference,
timed the same way in the same run over the same posts, is `text.casefold()` plus one
`re.search` of a fixed word: about the least any case-insensitive look at the text costs in
Python. Also prints the time to build the Screener for 5,000 candidates. Run
`python -m bench.screening`; it prints figures and asserts nothing.
"""

import random
import re
import statistics
import sys
import time

from app.domain.candidates import Candidate
from app.domain.screening import Screener
from app.store.parties import shipped_parties

SEED = 20261129
POST_LENGTH = 2_000

_FIRST = [
    "Jane",
    "John",
    "Mary",
    "David",
    "Sarah",
    "James",
    "Emma",
    "Robert",
    "Laura",
    "Michael",
    "Helen",
    "Peter",
    "Claire",
    "Andrew",
    "Rachel",
    "Paul",
    "Karen",
    "Mark",
    "Susan",
    "Stephen",
    "Julie",
    "Richard",
    "Lisa",
    "Christopher",
    "Amanda",
    "Daniel",
    "Nicola",
    "Thomas",
    "Joanne",
    "Matthew",
    "Louise",
    "Simon",
    "Kelly",
    "Anthony",
    "Emily",
    "Jason",
    "Sophie",
    "Gareth",
    "Rhiannon",
    "Iain",
    "Morag",
    "Niamh",
    "Ciaran",
    "José",
    "Zoë",
    "Chloé",
    "Siân",
    "Dafydd",
    "Eilidh",
    "Ruaridh",
    "Aoife",
    "Seán",
]
_LAST = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Trelawny",
    "Penrose",
    "Pascoe",
    "Tremayne",
    "Nancarrow",
    "Rowe",
    "Hocking",
    "O'Brien",
    "MacDonald",
    "Ó'Súilleabháin",
    "Álvarez",
]

# Three posts of the kind a town council publishes, about 2,000 characters each.
_ASCII_POST = (
    "Bin collections over the bank holiday: green bins will be collected a day later than "
    "usual, and the household waste recycling centre at Pool will open from 9am to 4pm on "
    "Monday. Roadworks on Fore Street continue until Friday 14 March; please use the signed "
    "diversion via West End and Clinton Road, and allow extra time for the school run. The "
    "Mayor's charity quiz raised 1,240 pounds for the food bank: thank you to everyone who "
    "came along, to the quizmasters from the rugby club, and to the Co-op for the prizes. "
    "The planning committee meets on Tuesday at 7pm in the council chamber; the agenda and "
    "the papers for the Plain-an-Gwarry play area are on our website, and members of the "
    "public may speak for up to three minutes on any item if they register by noon. Our "
    "green spaces team has planted 400 trees at the recreation ground with pupils from the "
    "primary school, and the wildflower verges along Sandy Lane will be left uncut until "
    "August. Labour costs for the new play park came in under budget thanks to volunteers "
    "from the community orchard. Public toilets at the Buttermarket are closed for repairs "
    "until further notice; the nearest open toilets are at the library. Photo ID: remember "
    "to bring accepted photo ID to vote at your polling station on 7 May. Register to vote "
    "by 16 April, and apply for a postal vote by 17 April. The notice of election is "
    "published on our website and on the noticeboard outside the town hall. Polling "
    "stations are open from 7am to 10pm. If you need help getting to your polling station, "
    "call the electoral services team on the number below. Christmas lights: the switch-on "
    "is on Saturday 29 November at 5pm, with the town band, the choir and a lantern "
    "parade from the Methodist church. The car park at Station Hill will be closed from "
    "3pm to 8pm for the event. Thank you for reading, and stay safe on the roads this "
    "winter: grit bins are being filled this week; report an empty one through our website."
)
_PHONE_POST = (
    "Thanks to everyone who came to Saturday\u2019s fun run \U0001f3c3\u200d\u2640\ufe0f "
    "\u2013 we raised \u00a3860 for the hospice, and the Mayor\u2019s cadets handed out "
    "water at the halfway point! \U0001f44f The \u201cBig Tidy\u201d starts next week "
    "\u2014 sign up at the library or bring your own gloves on the day; litter pickers, bags "
    "and hi-vis vests will be provided, and the caf\u00e9 in the park is giving every "
    "volunteer a free tea. Cllr Tremayne and the Town Clerk judged the scarecrow "
    "competition \U0001f383: well done to every entry, especially the Year 4 class at "
    "Treleigh school whose \u201cFlora Day scarecrow\u201d won first prize. Vote for your "
    "favourite entry in Redruth in Bloom by Sunday \u2013 voting slips are at the library "
    "and at the tourist information point. The Christmas market returns on 6 December "
    "with 40 stalls, a Santa\u2019s grotto and the Rotary club\u2019s tombola \U0001f384. "
    "Road closures: Fore Street will be closed from 8am to 6pm, and buses will stop on "
    "Station Hill instead. Parking is free in council car parks after 3pm on Saturdays in "
    "December \u2013 just enter your registration at the machine. We\u2019re recruiting: "
    "a part-time grounds maintenance operative (18.5 hours a week) to help look after our "
    "parks, cemetery and closed churchyard; closing date 12 December. Our allotments "
    "waiting list is open again \u2013 half plots are \u00a332 a year. The community "
    "fridge at the Buttermarket is open Tuesday to Saturday, 10am to 2pm \u2013 take what "
    "you need, leave what you can \U0001f49a. Flu jabs: the pharmacy on Penryn Street has "
    "walk-in clinics on Thursday mornings. Thanks again to all our volunteers \u2013 you "
    "make this town what it is! \U0001f64c Lost property handed in at the town hall this "
    "week: a child\u2019s blue scooter, a set of keys on a Plymouth Argyle key ring and a "
    "pair of reading glasses \u2013 call in Monday to Friday, 9am to 1pm, to collect. The "
    "next full council meeting is on Wednesday 10 December at 7pm; the public are welcome "
    "and the agenda is on our website a week before. Winter opening hours for the museum: "
    "Thursday to Saturday, 10am to 3pm \u2013 entry is free for residents \U0001f3db\ufe0f. "
    "Dog fouling fines are \u00a3100 \u2013 bags are free at the town hall."
)
_SLOW_POST = (
    "The Stra\u00dfenfest twinning visit from our friends in Me\u00dfkirch starts on Friday: "
    "host families please collect your guests at the bus station at 6pm. Jose\u0301 "
    "Mart\u00edn from the twinning association will give a talk on the history of the "
    "link at the library on Saturday at 11am, and the caf\u00e9 will serve "
    "Ka\u0308sespa\u0308tzle at lunchtime. "
) + _ASCII_POST[:1650]


def _surnames(rng: random.Random) -> list[str]:
    """The common surnames, and 3,000 more made of Cornish and English syllables."""
    heads = [
        "Tre",
        "Pen",
        "Pol",
        "Ros",
        "Car",
        "Lan",
        "Bos",
        "Nan",
        "Hel",
        "Chy",
        "Ash",
        "Brad",
        "Whit",
        "Hay",
        "Thorn",
        "Fair",
    ]
    tails = [
        "wen",
        "vean",
        "dew",
        "gey",
        "lyn",
        "nance",
        "worthy",
        "field",
        "ford",
        "ley",
        "ton",
        "wood",
        "well",
        "combe",
        "by",
        "ham",
    ]
    made = {f"{h}{t}{rng.choice(['', 'er', 'e', 's'])}" for h in heads for t in tails}
    while len(made) < 3_000:
        made.add(f"{rng.choice(heads)}{rng.choice(tails)}{rng.choice(tails)}".capitalize())
    return _LAST + sorted(made)


def _candidates(count: int) -> list[Candidate]:
    rng = random.Random(SEED)
    surnames = _surnames(rng)
    people = []
    for i in range(count):
        name = f"{rng.choice(_FIRST)} {rng.choice(surnames)}"
        first, last = name.split(" ", 1)
        aliases = (f"{first[:3]} {last}",) if i % 10 == 0 else ()
        handles = (f"@{name.replace(' ', '').lower()}{i}",) if i % 4 == 0 else ()
        people.append(
            Candidate(
                f"cand-{i:05d}",
                f"local.bench-{i % 20:02d}.2027-05-06",
                name,
                aliases=aliases,
                handles=handles,
            )
        )
    return people


def _timer_overhead_ns() -> float:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(50_000):
        start = clock()
        samples.append(clock() - start)
    return statistics.median(samples)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def bench_screening(candidates: int = 5_000, samples: int = 30_000) -> dict[str, float]:
    """p50 and p99 of `Screener.scan`, the reference, their ratio, and the build time."""
    people = _candidates(candidates)
    parties = shipped_parties()
    builds = []
    for _ in range(3):
        began = time.perf_counter_ns()
        screener = Screener(people, parties)
        builds.append(time.perf_counter_ns() - began)
    posts = [post[:POST_LENGTH] for post in (_ASCII_POST, _PHONE_POST, _SLOW_POST)]
    word = re.compile(r"\bpolling\b")
    clock = time.perf_counter_ns
    for i in range(3_000):  # warm-up: caches of folded characters, branch predictors
        screener.scan(posts[i % 3])
    overhead = _timer_overhead_ns()
    timings: list[list[float]] = [[], [], []]
    reference: list[float] = []
    for i in range(samples):
        post = posts[i % 3]
        began = clock()
        screener.scan(post)
        timings[i % 3].append(clock() - began - overhead)
        began = clock()
        word.search(post.casefold())
        reference.append(clock() - began - overhead)
    every = sorted(t for kind in timings for t in kind)
    reference.sort()
    figures = {
        f"screening_build_ms_c{candidates}": statistics.median(builds) / 1e6,
        f"screening_p50_us_c{candidates}": _percentile(every, 0.50) / 1000,
        f"screening_p99_us_c{candidates}": _percentile(every, 0.99) / 1000,
        "screening_reference_p50_us": _percentile(reference, 0.50) / 1000,
        "screening_reference_p99_us": _percentile(reference, 0.99) / 1000,
    }
    for label, kind in zip(("ascii", "phone", "slow"), timings, strict=True):
        kind.sort()
        figures[f"screening_p50_us_c{candidates}_{label}"] = _percentile(kind, 0.50) / 1000
        figures[f"screening_p99_us_c{candidates}_{label}"] = _percentile(kind, 0.99) / 1000
    figures["ratio_screening_p99_to_reference_p99"] = (
        figures[f"screening_p99_us_c{candidates}"] / figures["screening_reference_p99_us"]
    )
    return figures


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for name, value in bench_screening(samples=6_000 if quick else 30_000).items():
        print(f"{name:<40} {value:12.3f}")
