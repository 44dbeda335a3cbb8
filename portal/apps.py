from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", **kwargs):
    # post_migrate is sent once per installed app that has models, in order:
    # act after the last one, when every app's permissions exist.
    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if sender is not with_models[-1]:
        return
    from django.contrib.auth.models import Group, Permission

    from .roles import sync_role_permissions

    sync_role_permissions(Group, Permission)


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # Bring the roles' permissions in line with portal/roles.py.
        post_migrate.connect(_sync_roles, dispatch_uid="portal.sync_roles")
