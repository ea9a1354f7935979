from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("", views.shop_not_open_yet, {"section": "Shop"}, name="index"),
    path("basket/", views.shop_not_open_yet, {"section": "Shopping basket"}, name="basket"),
    path("pre-order/", views.shop_not_open_yet, {"section": "Pre-order form"}, name="pre_order"),
]
