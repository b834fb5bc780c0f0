"""PDF rendering with WeasyPrint, sealed off from the network and the file system.

Templates link their assets with Django's `{% static %}` tag. Those URLs resolve against
an internal base URL and `StaticOnlyFetcher` serves them from the project's static files;
every other URL (`file:///etc/passwd`, `http://169.254.169.254/`, any external host) is
refused, so a value typed by a user can never make the renderer read a file or call out.
Render in a warm process (the Celery worker for batches).

Documents get our own compact user-agent stylesheet (`pdf_ua.css`) instead of WeasyPrint's
full HTML5 one: the cascade over the superbill's elements was a quarter of its render time,
and our templates use only the plain HTML that stylesheet covers.
"""

import base64
import functools
import mimetypes
import threading
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# An address that cannot exist on any network (RFC 6761 ".invalid").
PDF_BASE_URL = "https://pdf-assets.invalid/"
_STATIC_PREFIX = PDF_BASE_URL + "static/"


class RefusedURL(ValueError):
    pass


# An image a document embeds itself (a drawn signature): decoded here, never fetched.
_PNG_DATA_PREFIX = "data:image/png;base64,"


class StaticOnlyFetcher(URLFetcher):
    """Serves the project's static files and inline PNG images (`data:image/png;base64,`),
    and refuses every other URL."""

    def fetch(self, url, headers=None):
        if url.startswith(_PNG_DATA_PREFIX):
            try:
                body = base64.b64decode(url[len(_PNG_DATA_PREFIX) :], validate=True)
            except ValueError as exc:
                raise RefusedURL("Refused a malformed inline PNG") from exc
            return URLFetcherResponse(url, body=body, headers={"Content-Type": "image/png"})
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


@functools.cache
def user_agent_stylesheet() -> CSS:
    return CSS(filename=str(Path(__file__).with_name("pdf_ua.css")))


class PrintDocument(HTML):
    """WeasyPrint's HTML document with our user-agent stylesheet.

    `_ua_stylesheets` is the hook WeasyPrint's own subclasses use; if a release stops
    calling it, documents fall back to the HTML5 stylesheet (slower, same output), and
    `tests/test_pdf.py` notices: our sheet makes US Letter the default page size.
    """

    def _ua_stylesheets(self, forms=False):
        return [user_agent_stylesheet()]


_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """One font configuration per thread, reused by every render.

    WeasyPrint makes a new one per document when none is given, and the Pango font map
    behind each is never fully released: a worker rendering a month-end batch grew by
    about 0.25 MiB per PDF without end (`bench/superbill.py` measures it). Reused, memory
    stays flat. Not shared across threads: Pango font maps are not thread-safe.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    document = PrintDocument(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(font_config=font_configuration())


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))
