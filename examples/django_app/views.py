"""The protected views: a registered user's orders, reports for a permission, a staff page
for a role."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from wxsession.integrations.django import login_required, require_permission, require_role


@login_required
def orders(request: HttpRequest) -> JsonResponse:
    user = request.wxsession.user
    return JsonResponse({"user_id": user.id, "orders": []})


@require_permission("reports:read")
def reports(request: HttpRequest) -> JsonResponse:
    user = request.wxsession.user
    return JsonResponse({"user_id": user.id, "permissions": sorted(user.permissions)})


@require_role("staff", "admin")
def staff(request: HttpRequest) -> JsonResponse:
    user = request.wxsession.user
    return JsonResponse({"user_id": user.id, "roles": sorted(user.roles)})
