"""The one protected view: a registered user's orders."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from wxsession.integrations.django import login_required


@login_required
def orders(request: HttpRequest) -> JsonResponse:
    user = request.wxsession.user
    return JsonResponse({"user_id": user.id, "orders": []})
