from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees")

    def ready(self) -> None:
        # Registers the import and export jobs with portal.jobs.
        from . import job_runners  # noqa: F401
