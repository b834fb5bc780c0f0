"""The load test's baseline: a Django hello-world served by the same gunicorn, settings and
middleware as the product, with one URL (`/` answers "ok") and nothing else.

A separate WSGI module, so the product's URLs never hold a benchmark route: the load
harness (bench/load.py) starts `gunicorn … bench.hello_wsgi:application` for the baseline
and `backend.wsgi:application` for the clinic mix, both with the same environment.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("", hello)]

# Read before the first request resolves a URL: this module is the whole URL configuration.
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
