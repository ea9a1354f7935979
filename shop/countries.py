"""Countries the shop ships to, for address forms. The codes match QUIRE_SHIPPING_RATES."""

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
    """(code, name) for every country some shipping region serves, the home country first."""
    codes = [code for region in shipping.regions().values() for code in region["countries"]]
    return [(code, country_name(code)) for code in dict.fromkeys(codes)]


def region_for(country: str) -> str:
    for code, region in shipping.regions().items():
        if country in region["countries"]:
            return code
    raise ValueError(f"No shipping region serves {country}.")
