"""Postal addresses as they go on an envelope. Orders keep Stripe's address dict and pre-orders
their own fields; both are written out here, in one order, so no page, email or export shows
a dict, a key name or a country code."""

from __future__ import annotations

import re

from shop.countries import country_name

# The shape of every UK postcode: outward code (area, district) and inward code (sector,
# unit), e.g. M5 4WT, SW1A 1AA, plus Girobank's GIR 0AA. Jersey, Guernsey and the Isle of Man
# use the same shape under their own country codes.
_UK_POSTCODE = re.compile(r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR)([0-9][A-Z]{2})")
UK_POSTCODE_COUNTRIES = {"GB", "JE", "GG", "IM"}


def uk_postcode(value: str) -> str | None:
    """`value` written as Royal Mail writes a postcode (capitals, one space before the last
    three characters), or None when it cannot be one: a parcel with a mistyped postcode is
    returned to the shop weeks later, so the form asks now."""
    compact = "".join(value.split()).upper()
    if not _UK_POSTCODE.fullmatch(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postal_lines(
    name: str,
    line1: str,
    line2: str,
    city: str,
    region: str,
    postcode: str,
    country_code: str,
) -> list[str]:
    """The address in UK order: name, street lines, town, county or state, postcode, country
    name. Blank parts are left out and stray whitespace inside a part is collapsed."""
    parts = [name, line1, line2, city, region, postcode]
    lines = [" ".join((part or "").split()) for part in parts]
    code = (country_code or "").strip().upper()
    lines.append(country_name(code) if code else "")
    return [line for line in lines if line]


def stripe_postal_lines(name: str, address: dict) -> list[str]:
    """`postal_lines` for an address as Stripe gives it (line1, line2, city, state,
    postal_code, country). An order with no address has no lines, whatever its name."""
    if not address or not any(address.values()):
        return []
    return postal_lines(
        name,
        address.get("line1") or "",
        address.get("line2") or "",
        address.get("city") or "",
        address.get("state") or "",
        address.get("postal_code") or "",
        address.get("country") or "",
    )


def one_line(lines: list[str]) -> str:
    """The lines in one cell or sentence, as a spreadsheet or a notification wants them."""
    return ", ".join(lines)
