from rest_framework.routers import DefaultRouter


class LayeredRouter(DefaultRouter):
    """A router in which a higher layer may extend a lower layer's viewset.

    Apps register in dependency order (practice first). When a later app registers a
    subclass under a prefix that is already taken — scheduling adds booking actions to
    practice's `sessions` — the later registration replaces the earlier one.
    """

    def register(self, prefix, viewset, basename=None):
        self.registry = [entry for entry in self.registry if entry[0] != prefix]
        if hasattr(self, "_urls"):
            del self._urls
        super().register(prefix, viewset, basename)
