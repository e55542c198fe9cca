from django.apps import AppConfig


class RoomsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rooms"
    verbose_name = "Climb rooms"

    def ready(self) -> None:
        from rooms import panels  # noqa: F401  (adds the climb room's panel to account pages)
