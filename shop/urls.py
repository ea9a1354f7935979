from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("", views.product_list, name="index"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("basket/", views.basket_detail, name="basket"),
    path("basket/count/", views.basket_count, name="basket_count"),
    path("basket/add/", views.basket_add, name="basket_add"),
    path("basket/update/", views.basket_update, name="basket_update"),
    path("basket/remove/", views.basket_remove, name="basket_remove"),
    path("basket/empty/", views.basket_empty, name="basket_empty"),
    path("basket/region/", views.basket_region, name="basket_region"),
    path("checkout/", views.checkout_start, name="checkout"),
    path("checkout/success/", views.checkout_success, name="checkout_success"),
    path(
        "checkout/cancel/<str:reference>/<str:token>/",
        views.checkout_cancel,
        name="checkout_cancel",
    ),
    path("orders/<str:reference>/<str:token>/", views.order_detail, name="order"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("pre-order/", views.pre_order_form, name="pre_order"),
    path("pre-orders/paid/", views.preorder_paid, name="preorder_paid"),
    path("pre-orders/<str:reference>/<str:token>/", views.preorder_detail, name="preorder"),
    path("pre-orders/<str:reference>/<str:token>/pay/", views.preorder_pay, name="preorder_pay"),
    path(
        "pre-orders/<str:reference>/<str:token>/cancel/",
        views.preorder_cancel,
        name="preorder_cancel",
    ),
]
