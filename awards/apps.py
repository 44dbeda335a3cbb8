from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Emulation and awards")

    def ready(self) -> None:
        # The background job kind of the large exports (web processes and
        # Celery workers both need it), and the awards of merged
        # organizations in their successor's lineage.
        from . import exports, lineage  # noqa: F401
