from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.selectors import navigation_for
from rounds.selectors import rounds_open_for_filing


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: anonymous visitors see the open rounds; signed-in users go to their first workspace."""
    if request.user.is_authenticated:
        items = navigation_for(request.user)
        if items:
            return redirect(items[0]["url"])
    return render(request, "portal/home.html", {"rounds": rounds_open_for_filing()})
