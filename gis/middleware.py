from django.conf import settings
from django.utils import translation


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
