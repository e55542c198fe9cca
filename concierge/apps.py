from django.apps import AppConfig


class ConciergeConfig(AppConfig):
    name = "concierge"
    verbose_name = "Concierge follow-ups"

    def ready(self) -> None:
        from concierge import receivers  # noqa: F401 - connects the signal receivers
