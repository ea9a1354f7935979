from shop.models.basket import Basket, BasketLine
from shop.models.catalogue import Product, ProductImage
from shop.models.orders import Order, OrderLine, PaymentEvent

__all__ = ["Basket", "BasketLine", "Order", "OrderLine", "PaymentEvent", "Product", "ProductImage"]
