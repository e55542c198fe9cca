from django.apps import AppConfig


class EmpathyCrmConfig(AppConfig):
    name = "empathy_crm"
    verbose_name = "Empathy CRM"
