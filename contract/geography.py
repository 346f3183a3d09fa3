"""U.S. states (50 + DC) with 2020 Census populations and real cities in each.

The simulator weights states by population; silver rejects unknown states and cities that
are not in their state. City names are compared case-insensitively after trimming.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    code: str
    name: str
    population: int
    cities: tuple[str, ...]


def _s(code: str, name: str, population: int, *cities: str) -> State:
    return State(code, name, population, cities)


STATES: dict[str, State] = {
    s.code: s
    for s in (
        _s("AL", "Alabama", 5_024_279, "Birmingham", "Montgomery", "Huntsville", "Mobile"),
        _s("AK", "Alaska", 733_391, "Anchorage", "Fairbanks", "Juneau"),
        _s("AZ", "Arizona", 7_151_502, "Phoenix", "Tucson", "Mesa", "Scottsdale"),
        _s("AR", "Arkansas", 3_011_524, "Little Rock", "Fayetteville", "Fort Smith"),
        _s(
            "CA",
            "California",
            39_538_223,
            "Los Angeles",
            "San Diego",
            "San Jose",
            "San Francisco",
            "Sacramento",
            "Fresno",
        ),
        _s("CO", "Colorado", 5_773_714, "Denver", "Colorado Springs", "Aurora", "Boulder"),
        _s("CT", "Connecticut", 3_605_944, "Bridgeport", "New Haven", "Hartford", "Stamford"),
        _s("DE", "Delaware", 989_948, "Wilmington", "Dover", "Newark"),
        _s("DC", "District of Columbia", 689_545, "Washington"),
        _s("FL", "Florida", 21_538_187, "Jacksonville", "Miami", "Tampa", "Orlando", "Tallahassee"),
        _s("GA", "Georgia", 10_711_908, "Atlanta", "Augusta", "Savannah", "Columbus"),
        _s("HI", "Hawaii", 1_455_271, "Honolulu", "Hilo", "Kailua"),
        _s("ID", "Idaho", 1_839_106, "Boise", "Meridian", "Nampa"),
        _s("IL", "Illinois", 12_812_508, "Chicago", "Aurora", "Naperville", "Springfield"),
        _s("IN", "Indiana", 6_785_528, "Indianapolis", "Fort Wayne", "Evansville", "South Bend"),
        _s("IA", "Iowa", 3_190_369, "Des Moines", "Cedar Rapids", "Davenport"),
        _s("KS", "Kansas", 2_937_880, "Wichita", "Overland Park", "Kansas City", "Topeka"),
        _s("KY", "Kentucky", 4_505_836, "Louisville", "Lexington", "Bowling Green"),
        _s("LA", "Louisiana", 4_657_757, "New Orleans", "Baton Rouge", "Shreveport", "Lafayette"),
        _s("ME", "Maine", 1_362_359, "Portland", "Lewiston", "Bangor"),
        _s("MD", "Maryland", 6_177_224, "Baltimore", "Frederick", "Rockville", "Annapolis"),
        _s("MA", "Massachusetts", 7_029_917, "Boston", "Worcester", "Springfield", "Cambridge"),
        _s("MI", "Michigan", 10_077_331, "Detroit", "Grand Rapids", "Ann Arbor", "Lansing"),
        _s("MN", "Minnesota", 5_706_494, "Minneapolis", "Saint Paul", "Rochester", "Duluth"),
        _s("MS", "Mississippi", 2_961_279, "Jackson", "Gulfport", "Southaven"),
        _s("MO", "Missouri", 6_154_913, "Kansas City", "Saint Louis", "Springfield", "Columbia"),
        _s("MT", "Montana", 1_084_225, "Billings", "Missoula", "Bozeman", "Helena"),
        _s("NE", "Nebraska", 1_961_504, "Omaha", "Lincoln", "Bellevue"),
        _s("NV", "Nevada", 3_104_614, "Las Vegas", "Henderson", "Reno"),
        _s("NH", "New Hampshire", 1_377_529, "Manchester", "Nashua", "Concord"),
        _s("NJ", "New Jersey", 9_288_994, "Newark", "Jersey City", "Paterson", "Trenton"),
        _s("NM", "New Mexico", 2_117_522, "Albuquerque", "Las Cruces", "Santa Fe"),
        _s("NY", "New York", 20_201_249, "New York", "Buffalo", "Rochester", "Albany", "Syracuse"),
        _s("NC", "North Carolina", 10_439_388, "Charlotte", "Raleigh", "Greensboro", "Durham"),
        _s("ND", "North Dakota", 779_094, "Fargo", "Bismarck", "Grand Forks"),
        _s("OH", "Ohio", 11_799_448, "Columbus", "Cleveland", "Cincinnati", "Toledo"),
        _s("OK", "Oklahoma", 3_959_353, "Oklahoma City", "Tulsa", "Norman"),
        _s("OR", "Oregon", 4_237_256, "Portland", "Salem", "Eugene", "Bend"),
        _s(
            "PA",
            "Pennsylvania",
            13_002_700,
            "Philadelphia",
            "Pittsburgh",
            "Allentown",
            "Harrisburg",
        ),
        _s("RI", "Rhode Island", 1_097_379, "Providence", "Warwick", "Cranston"),
        _s("SC", "South Carolina", 5_118_425, "Charleston", "Columbia", "Greenville"),
        _s("SD", "South Dakota", 886_667, "Sioux Falls", "Rapid City", "Pierre"),
        _s("TN", "Tennessee", 6_910_840, "Nashville", "Memphis", "Knoxville", "Chattanooga"),
        _s(
            "TX",
            "Texas",
            29_145_505,
            "Houston",
            "San Antonio",
            "Dallas",
            "Austin",
            "Fort Worth",
            "El Paso",
        ),
        _s("UT", "Utah", 3_271_616, "Salt Lake City", "Provo", "West Valley City", "Ogden"),
        _s("VT", "Vermont", 643_077, "Burlington", "Montpelier", "Rutland"),
        _s("VA", "Virginia", 8_631_393, "Virginia Beach", "Richmond", "Norfolk", "Arlington"),
        _s("WA", "Washington", 7_705_281, "Seattle", "Spokane", "Tacoma", "Olympia"),
        _s("WV", "West Virginia", 1_793_716, "Charleston", "Huntington", "Morgantown"),
        _s("WI", "Wisconsin", 5_893_718, "Milwaukee", "Madison", "Green Bay"),
        _s("WY", "Wyoming", 576_851, "Cheyenne", "Casper", "Laramie"),
    )
}


def normalize_city(city: str) -> str:
    return " ".join(city.split()).casefold()


# (state code, normalized city) pairs: what silver checks a city against.
STATE_CITIES: frozenset[tuple[str, str]] = frozenset(
    (s.code, normalize_city(c)) for s in STATES.values() for c in s.cities
)
