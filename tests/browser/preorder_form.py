"""The Pre-Order Form filled in as a reader does it, for the browser tests that pre-order."""


def fill_in_pre_order(page, quantity: str = "1") -> None:
    """How many, and who and where it goes to; the consent box is left to the test."""
    page.get_by_label("How many?").fill(quantity)
    page.get_by_label("Full name").fill("Ruth Reader")
    page.get_by_label("Email").fill("ruth@example.com")
    page.get_by_label("Address", exact=False).first.fill("1 Canal Street")
    page.get_by_label("Town or city").fill("Salford")
    page.get_by_label("Postcode").fill("M5 4WT")
