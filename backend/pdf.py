"""PDF rendering with WeasyPrint, sealed off from the network and the file system.

Templates link their assets with Django's `{% static %}` tag. Those URLs resolve against
an internal base URL and `StaticOnlyFetcher` serves them from the project's static files;
every other URL (`file:///etc/passwd`, `http://169.254.169.254/`, any external host) is
refused, so a value typed by a user can never make the renderer read a file or call out.
Render in a warm process (the Celery worker for batches).
"""

import mimetypes

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# An address that cannot exist on any network (RFC 6761 ".invalid").
PDF_BASE_URL = "https://pdf-assets.invalid/"
_STATIC_PREFIX = PDF_BASE_URL + "static/"


class RefusedURL(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    """Serves the project's static files and refuses every other URL."""

    def fetch(self, url, headers=None):
        if not url.startswith(_STATIC_PREFIX):
            raise RefusedURL(f"PDF rendering may load only the project's static files, not {url}")
        name = url[len(_STATIC_PREFIX) :].split("?")[0].split("#")[0]
        if ".." in name.split("/"):
            raise RefusedURL(f"Refused path traversal in {url}")
        path = finders.find(name)
        if not path:
            raise RefusedURL(f"No static file {name}")
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))
