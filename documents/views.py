from django.http import HttpRequest, HttpResponse


def verify(request: HttpRequest, code: str) -> HttpResponse:
    return HttpResponse("")
