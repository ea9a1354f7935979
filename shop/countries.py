"""Countries the shop knows by name, and those its delivery zones serve, for address forms."""

from shop import shipping

NAMES = {
    "GB": "United Kingdom",
    "IE": "Ireland",
    "FR": "France",
    "DE": "Germany",
    "NL": "Netherlands",
    "BE": "Belgium",
    "LU": "Luxembourg",
    "ES": "Spain",
    "PT": "Portugal",
    "IT": "Italy",
    "AT": "Austria",
    "CH": "Switzerland",
    "DK": "Denmark",
    "SE": "Sweden",
    "NO": "Norway",
    "FI": "Finland",
    "IS": "Iceland",
    "PL": "Poland",
    "CZ": "Czechia",
    "US": "United States",
    "CA": "Canada",
    "AU": "Australia",
    "NZ": "New Zealand",
    "JP": "Japan",
}


def country_name(code: str) -> str:
    return NAMES.get(code, code)


def shippable_countries() -> list[tuple[str, str]]:
    """(code, name) for every country some delivery zone serves, the first zone's first."""
    codes = [code for zone in shipping.zones() for code in zone.countries]
    return [(code, country_name(code)) for code in dict.fromkeys(codes)]
