from __future__ import annotations

from django.urls import path
from examples.django_app import views

urlpatterns = [
    path("orders", views.orders),
    path("reports", views.reports),
    path("staff", views.staff),
]
