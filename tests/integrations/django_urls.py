"""A URLconf for the Django adapter test: an open view that asks for the user itself."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user_id": request.wxsession.user.id})


urlpatterns = [path("whoami", whoami)]
