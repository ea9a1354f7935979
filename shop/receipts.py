"""Which purchases this browser placed. Some addresses can be replayed by someone else: a
Pre-Order Form resubmitted with its used one-time token, or the page Stripe returns buyers to
(its `session_id` sits in browser history and logs). Only the browser that placed a purchase
is sent on from them to its private page; anyone else is told the link is in the buyer's
email, and sees nothing of the purchase."""

from __future__ import annotations

from django.http import HttpRequest

from shop import basket as baskets
from shop.models import Order, PreOrder

SESSION_KEY = "shop_preorders_placed"


def remember(request: HttpRequest, preorder: PreOrder) -> None:
    """Note a pre-order placed from the form in this browser's session."""
    placed = request.session.get(SESSION_KEY, [])
    if preorder.reference not in placed:
        request.session[SESSION_KEY] = [*placed, preorder.reference][-20:]


def placed_here(request: HttpRequest, purchase: Order | PreOrder) -> bool:
    """An order is this browser's when it was checked out from this browser's basket; a
    pre-order, when its order was, or when the form placed it in this browser."""
    if isinstance(purchase, PreOrder):
        if purchase.order_id is not None:
            return placed_here(request, purchase.order)
        return purchase.reference in request.session.get(SESSION_KEY, [])
    basket = baskets.current_basket(request)
    return basket is not None and purchase.basket_id == basket.pk
