"""System checks for what the machine provides (run by `manage.py check` and every command)."""

from django.core.checks import Warning, register
from weasyprint.text import ffi


@register()
def pdf_font_subsetting(app_configs, **kwargs):
    """PDFs render without HarfBuzz's subsetting library, but about 7x more slowly."""

    if ffi.harfbuzz_subset is not None:
        return []
    return [
        Warning(
            "libharfbuzz-subset0 is not installed: PDFs still render, about 7x more slowly "
            "(WeasyPrint falls back to fontTools for font subsetting).",
            hint="Run `deploy/debian-packages pdf-fast` as root, or "
            "`sudo apt-get install -y libharfbuzz-subset0`.",
            id="kap.W001",
        )
    ]
