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
