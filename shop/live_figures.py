"""What is left of each product, as cached pages show it live: stock, pre-order units and
whether it can be bought now. Sales and pre-orders change these figures without retiring any
cached page; `quire.js` asks for them with the basket count, one request per page view.

One query however many products are asked for (two when some have variants, whose figures come
with their product's), and nothing per visitor."""

from __future__ import annotations

import re

from shop.models import Product, ProductVariant

# A cached page names each product it shows; the shop page shows every product, so the limit
# is generous. quire.js asks for no more than this.
MAX_PRODUCTS = 100
_PRODUCT_ID = re.compile(r"[1-9][0-9]{0,17}")  # a positive bigint, never out of range


class BadProductList(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_product_ids(raw: str) -> list[int]:
    """The ids in `?products=1,2,3`, each once, in the order given. Refuses, with a reason,
    anything but up to `MAX_PRODUCTS` comma-separated positive whole numbers."""
    if not raw:
        return []
    parts = raw.split(",")
    if not all(_PRODUCT_ID.fullmatch(part) for part in parts):
        raise BadProductList("products must be product ids (whole numbers) separated by commas.")
    ids = list(dict.fromkeys(int(part) for part in parts))
    if len(ids) > MAX_PRODUCTS:
        raise BadProductList(f"Ask for at most {MAX_PRODUCTS} products at a time.")
    return ids


def figures_for(product_ids: list[int]) -> dict[str, dict]:
    """Each visible product's figures by id (as a string, as JSON keys are): the availability
    label and schema.org availability the page shows, whether it can go in a basket now, and
    the most one basket may hold; for a product with variants, each variant's too (whether it
    can be chosen, and the most a basket may hold of it). Hidden and unknown products are left
    out."""
    if not product_ids:
        return {}
    products = (
        Product.objects.visible()
        .filter(pk__in=product_ids)
        .only(
            "status",
            "stock",
            "per_order_limit",
            "preorder_open",
            "preorder_cap",
            "preorder_reserved",
            "preorder_per_buyer_limit",
            "has_variants",
        )
    )
    figures = {
        str(product.pk): {
            "label": product.availability_label,
            "availability": product.availability,
            "canBuy": product.can_be_added_to_basket,
            "maxQuantity": product.max_quantity,
        }
        for product in products
    }
    with_variants = {product.pk: product for product in products if product.has_variants}
    if with_variants:
        variants = ProductVariant.objects.filter(product_id__in=with_variants).only(
            "product_id", "stock"
        )  # each given its product as loaded above: its status and limits decide
        for variant in variants:
            variant.product = with_variants[variant.product_id]
            figures[str(variant.product_id)].setdefault("variants", {})[str(variant.pk)] = {
                "canBuy": figures[str(variant.product_id)]["canBuy"] and not variant.is_sold_out,
                "maxQuantity": variant.max_quantity,
            }
    return figures
