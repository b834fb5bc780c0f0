from backend.roles import actor_for


def roles(request):
    """Expose the signed-in person's role to templates (navigation, headers)."""
    return {"actor": actor_for(getattr(request, "user", None))}
