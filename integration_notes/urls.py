app_name = "integration_notes"

urlpatterns: list = []
