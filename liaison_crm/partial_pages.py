"""Pages that answer an htmx request with a part of themselves, and anything else with all of it.

One address, two answers: a browser that kept the part (a list's rows, fetched as its filters changed and
pushed as the page's address) showed it on Back, without the header or the filters. `Vary: HX-Request` keeps
each answer for the request that asked for it.
"""

from django.utils.cache import patch_vary_headers


class VaryOnHtmxRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response
