"""The PDF renderer loads our static files and nothing else."""

import io

import pytest
from pypdf import PdfReader

from backend.pdf import RefusedURL, StaticOnlyFetcher, html_to_pdf


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.css",
        "https://pdf-assets.invalid/static/../../settings.py",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_our_stylesheet():
    response = StaticOnlyFetcher().fetch("https://pdf-assets.invalid/static/pdf/base.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_a_document_renders_and_reads_back_without_leaking_a_local_file():
    pdf = html_to_pdf(
        '<link rel="stylesheet" href="/static/pdf/base.css"><h1>Hello clinic</h1>'
        '<iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd"></object>'
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Hello clinic" in text
    assert "root:" not in text


def test_documents_use_our_user_agent_stylesheet_so_pages_default_to_us_letter():
    # WeasyPrint's own default is A4; US Letter comes from backend/pdf_ua.css, which
    # replaces WeasyPrint's much larger HTML5 stylesheet (see backend/pdf.py).
    page = PdfReader(io.BytesIO(html_to_pdf("<p>No stylesheet at all</p>"))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_plain_html_keeps_its_usual_rendering_under_our_stylesheet():
    pdf = html_to_pdf(
        "<head><title>Hidden title</title><style>p { color: red }</style></head>"
        "<h1>Heading</h1><p>First line<br>second line</p><ul><li>An item</li></ul>"
        "<table><thead><tr><th>Code</th></tr></thead><tbody><tr><td>90837</td></tr></tbody></table>"
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    lines = [line.strip() for line in text.splitlines()]
    assert "Hidden title" not in text and "color" not in text
    assert "First line" in lines and "second line" in lines
    assert "An item" in text and "Code" in lines and "90837" in lines


def test_each_thread_reuses_one_font_configuration():
    # A new configuration per document leaks its Pango font map: reuse keeps a worker's
    # memory flat over a month-end batch (bench/superbill.py measures it).
    from concurrent.futures import ThreadPoolExecutor

    from backend.pdf import font_configuration

    html_to_pdf("<p>warm</p>")
    mine = font_configuration()
    html_to_pdf("<p>again</p>")
    assert font_configuration() is mine
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(font_configuration).result()
    assert other is not mine


def test_a_missing_font_subsetting_library_is_a_warning_not_a_refusal(monkeypatch):
    from weasyprint.text import ffi

    from backend.checks import pdf_font_subsetting

    assert pdf_font_subsetting(None) == []
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    [warning] = pdf_font_subsetting(None)
    assert warning.id == "kap.W001"
    assert not warning.is_serious()
