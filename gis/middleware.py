from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from households.access import user_area


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose another language (cookie set by set_language).

    Django's LocaleMiddleware would follow the browser's Accept-Language; county staff
    share machines with English-language browsers, and the product's default is Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lang not in self.available:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class PasswordChangeRequiredMiddleware:
    """A user whose password was issued by someone else (a new account, a reset) changes it
    before anything else: every other page redirects to the password change page.

    The flag is ``households.UserArea.must_change_password``, read with the user's area (one
    query per request, shared with the scope). Logging out and the language switch stay open.
    """

    OPEN = frozenset({"password_change", "password_change_done", "logout", "set_language"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        area = user_area(request.user)
        if area is not None and area.must_change_password:
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.OPEN:
                return HttpResponseRedirect(reverse("password_change"))
        return self.get_response(request)
