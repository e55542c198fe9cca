from django.apps import AppConfig


class ProspectsConfig(AppConfig):
    name = "prospects"
    verbose_name = "Prospects and buying groups"

    def ready(self) -> None:
        from django.db.models import CharField, EmailField
        from django.db.models.functions import Lower

        # email__lower=… and domain__lower=… use the per-team unique indexes on Lower(...)
        # (and prospect_email_lower, for an admin looking across teams).
        CharField.register_lookup(Lower)
        EmailField.register_lookup(Lower)
