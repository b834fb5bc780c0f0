from rest_framework.routers import DefaultRouter, Route

# A resource there is exactly one of per caller (their clinic's settings): no id in the URL.
SINGLETON_ROUTE = Route(
    url=r"^{prefix}{trailing_slash}$",
    mapping={"get": "retrieve", "put": "update", "patch": "partial_update"},
    name="{basename}-detail",
    detail=True,
    initkwargs={"suffix": "Instance"},
)


class LayeredRouter(DefaultRouter):
    """A router in which a higher layer may extend a lower layer's viewset.

    Apps register in dependency order (practice first). When a later app registers a
    subclass under a prefix that is already taken — scheduling adds booking actions to
    practice's `sessions` — the later registration replaces the earlier one.

    A viewset with `singleton = True` is one object per caller, found by its `get_object`
    (e.g. the caller's clinic's settings): retrieve and update on the prefix itself.
    """

    def get_routes(self, viewset):
        if getattr(viewset, "singleton", False):
            return [SINGLETON_ROUTE]
        return super().get_routes(viewset)

    def get_api_root_view(self, api_urls=None):
        names = {
            prefix: (
                SINGLETON_ROUTE if getattr(viewset, "singleton", False) else self.routes[0]
            ).name.format(basename=basename)
            for prefix, viewset, basename in self.registry
        }
        return self.APIRootView.as_view(api_root_dict=names)

    def register(self, prefix, viewset, basename=None):
        self.registry = [entry for entry in self.registry if entry[0] != prefix]
        if hasattr(self, "_urls"):
            del self._urls
        super().register(prefix, viewset, basename)
