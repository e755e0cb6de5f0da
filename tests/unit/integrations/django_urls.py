"""A URLconf for the Django adapter tests: an open view that asks for the user itself, and
the example's protected views written as async views (served by ``AsyncClient``)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from wxsession.integrations.django import login_required, require_permission, require_role


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user_id": request.wxsession.user.id})


async def awhoami(request: HttpRequest) -> JsonResponse:
    user = await request.wxsession.auser()
    return JsonResponse({"user_id": user.id})


@login_required
async def orders(request: HttpRequest) -> JsonResponse:
    user = await request.wxsession.auser()
    return JsonResponse({"user_id": user.id, "orders": []})


@require_permission("reports:read")
async def reports(request: HttpRequest) -> JsonResponse:
    user = await request.wxsession.auser()
    return JsonResponse({"user_id": user.id, "permissions": sorted(user.permissions)})


@require_role("staff", "admin")
async def staff(request: HttpRequest) -> JsonResponse:
    user = await request.wxsession.auser()
    return JsonResponse({"user_id": user.id, "roles": sorted(user.roles)})


urlpatterns = [
    path("whoami", whoami),
    path("awhoami", awhoami),
    path("orders", orders),
    path("reports", reports),
    path("staff", staff),
]
