from shop.models.basket import Basket, BasketLine
from shop.models.catalogue import PreOrderChargeMode, Product, ProductImage
from shop.models.orders import Order, OrderLine, PaymentEvent
from shop.models.pages import PreOrderFormPage
from shop.models.preorders import PreOrder

__all__ = [
    "Basket",
    "BasketLine",
    "Order",
    "OrderLine",
    "PaymentEvent",
    "PreOrder",
    "PreOrderChargeMode",
    "PreOrderFormPage",
    "Product",
    "ProductImage",
]
