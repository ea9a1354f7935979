from django.urls import path

from shop import views

app_name = "shop"

# References ("Q-7K2M9XRB") and access tokens (URL-safe base64) are slugs: any other path
# segment names no purchase, so it is a 404 before a query is made with it.
urlpatterns = [
    path("", views.product_list, name="index"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("products/<slug:slug>/back-in-stock/", views.back_in_stock_ask, name="back_in_stock"),
    path(
        "back-in-stock/<slug:token>/confirm/",
        views.back_in_stock_confirm,
        name="back_in_stock_confirm",
    ),
    path("back-in-stock/<slug:token>/stop/", views.back_in_stock_stop, name="back_in_stock_stop"),
    path("basket/", views.basket_detail, name="basket"),
    path("basket/count/", views.basket_count, name="basket_count"),
    path("basket/add/", views.basket_add, name="basket_add"),
    path("basket/update/", views.basket_update, name="basket_update"),
    path("basket/remove/", views.basket_remove, name="basket_remove"),
    path("basket/empty/", views.basket_empty, name="basket_empty"),
    path("basket/region/", views.basket_region, name="basket_region"),
    path("basket/discount/", views.basket_discount, name="basket_discount"),
    path("basket/discount/remove/", views.basket_discount_remove, name="basket_discount_remove"),
    path("checkout/", views.checkout_start, name="checkout"),
    path("checkout/success/", views.payment_return, name="checkout_success"),
    path(
        "checkout/cancel/<slug:reference>/<slug:token>/",
        views.checkout_cancel,
        name="checkout_cancel",
    ),
    path("orders/<slug:reference>/<slug:token>/", views.order_detail, name="order"),
    path(
        "orders/<slug:reference>/<slug:token>/vat-invoice/",
        views.order_vat_invoice,
        name="order_vat_invoice",
    ),
    path(
        "orders/<slug:reference>/<slug:token>/credit-notes/<int:number>/",
        views.order_credit_note,
        name="order_credit_note",
    ),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("pre-order/", views.pre_order_form, name="pre_order"),
    # Kept for Checkout Sessions opened before orders and pre-orders shared one return page.
    path("pre-orders/paid/", views.payment_return, name="preorder_paid"),
    path("pre-orders/<slug:reference>/<slug:token>/", views.preorder_detail, name="preorder"),
    path("pre-orders/<slug:reference>/<slug:token>/pay/", views.preorder_pay, name="preorder_pay"),
    path(
        "pre-orders/<slug:reference>/<slug:token>/vat-invoice/",
        views.preorder_vat_invoice,
        name="preorder_vat_invoice",
    ),
    path(
        "pre-orders/<slug:reference>/<slug:token>/cancel/",
        views.preorder_cancel,
        name="preorder_cancel",
    ),
]
