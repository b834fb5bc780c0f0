"""The load test's second baseline (`python -m bench load --floor`): what a signed-in request
costs before its page does anything.

The product's own URLs (so people sign in exactly as in the mix), plus one route,
`/bench/signed-in/`, served by the same gunicorn, settings and middleware. Its view does what
every request for patient data does before its own work: the session, the user and their
second factor are read by the middleware, the role by `actor_for`, and one audit row is
written (`audited`), then it answers "ok". No page of the mix can cost less than this.

A separate WSGI module, like bench/hello_wsgi.py, so the product's URLs never hold a
benchmark route.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import include, path
from django.views import View

from backend.roles import actor_for


class SignedInHello(View):
    # One AuditEvent per request, as every page and endpoint that reads patient data writes.
    audited = True

    def get(self, request):
        if actor_for(request.user) is None:
            return HttpResponse("not signed in", status=403, content_type="text/plain")
        return HttpResponse("ok", content_type="text/plain")


# Set up first: the product's URL modules import its models.
application = get_wsgi_application()

urlpatterns = [
    path("bench/signed-in/", SignedInHello.as_view()),
    path("", include(settings.ROOT_URLCONF)),
]

# Read before the first request resolves a URL: this module is the whole URL configuration.
settings.ROOT_URLCONF = __name__
