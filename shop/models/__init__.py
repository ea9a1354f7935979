from shop.models.back_in_stock import BackInStockRequest
from shop.models.basket import Basket, BasketLine
from shop.models.buyer_data import BuyerDataRequest
from shop.models.catalogue import PreOrderChargeMode, Product, ProductImage, ProductVariant
from shop.models.discounts import DiscountCode
from shop.models.orders import Order, OrderLine, PaymentEvent
from shop.models.pages import PreOrderFormPage
from shop.models.preorders import PreOrder
from shop.models.refunds import Refund, RefundLine
from shop.models.settings import ShopDetails
from shop.models.shipping import ShippingZone

__all__ = [
    "BackInStockRequest",
    "Basket",
    "BasketLine",
    "BuyerDataRequest",
    "DiscountCode",
    "Order",
    "OrderLine",
    "PaymentEvent",
    "PreOrder",
    "PreOrderChargeMode",
    "PreOrderFormPage",
    "Product",
    "ProductImage",
    "ProductVariant",
    "Refund",
    "RefundLine",
    "ShippingZone",
    "ShopDetails",
]
