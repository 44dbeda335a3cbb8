from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CongressesConfig(AppConfig):
    name = "congresses"
    verbose_name = _("Congresses")

    def ready(self) -> None:
        # Congresses follow restructurings (committees.signals); the stored
        # schedule problems follow congresses, windows and the tree.
        from . import problems, restructuring  # noqa: F401
