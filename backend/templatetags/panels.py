"""Panels: how an app adds a section to a page another app owns.

`practice` owns the staff dashboard, the patient page, the session page and the portal,
but it may not import the apps built on it. Those apps list templates in
`settings.KAP_PANELS[slot]`; the owning page renders them with `{% panels "slot" %}`, each
with the page's own context. A panel template loads its app's template tags for its data.
"""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str):
    # As `{% include %}` does: the page's own context, one scope pushed per panel so a
    # panel's variables stay its own, instead of a flattened copy per panel that runs every
    # context processor again.
    engine = context.template.engine
    rendered = []
    for name in getattr(settings, "KAP_PANELS", {}).get(slot, []):
        with context.push():
            rendered.append(engine.get_template(name).render(context))

    return mark_safe("".join(rendered))  # noqa: S308 - our own rendered templates
