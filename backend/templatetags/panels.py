"""Panels: how an app adds a section to a page another app owns.

`practice` owns the staff dashboard, the patient page, the session page and the portal,
but it may not import the apps built on it. Those apps list templates in
`settings.KAP_PANELS[slot]`; the owning page renders them with `{% panels "slot" %}`, each
in the page's own context. A panel template loads its app's template tags for its data.
"""

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str):
    rendered = []
    for name in getattr(settings, "KAP_PANELS", {}).get(slot, []):
        # As `{% include %}` renders: in the page's own context (a layer pushed for what the
        # panel sets), not a flattened copy run through the context processors again.
        with context.push():
            rendered.append(get_template(name).template.render(context))

    return mark_safe("".join(rendered))  # noqa: S308 - our own rendered templates
