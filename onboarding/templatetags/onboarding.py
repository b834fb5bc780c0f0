"""Template tags of the onboarding pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """The URL named `name`, or "" when no such route exists (yet): the intake's last step
    links to pages other apps add (consents, documents) only once they are installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
