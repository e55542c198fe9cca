from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top layer: the pages that read every app (each role's home page), the demo seed
    and the benchmark's fill. Nothing imports it but the URLs."""

    name = "home"
    verbose_name = "Home pages"
