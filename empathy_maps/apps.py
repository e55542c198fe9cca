from django.apps import AppConfig


class EmpathyMapsConfig(AppConfig):
    name = "empathy_maps"
    verbose_name = "Empathy maps"
