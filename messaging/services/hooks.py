"""The functions the apps above messaging name in settings, so messaging calls them without
importing those apps (the layers allow only calls down)."""

from django.conf import settings
from django.utils.module_loading import import_string


def settings_hooks(name: str) -> list:
    """The functions listed (dotted paths) in setting `name`; none when it is not set."""
    return [import_string(path) for path in getattr(settings, name, [])]
