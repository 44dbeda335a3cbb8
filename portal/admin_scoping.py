"""The Django admin inside the rules: scoped, and saving through the services.

``ScopedAdminMixin`` (for ModelAdmins) and ``ScopedInlineMixin`` (for
inlines) make the admin obey ``visible_to``: change lists, inlines, the
choices of foreign keys (plain selects and autocompletes alike) and the
history pages show only what the user's scope holds, and an object outside
it answers 404 instead of the admin's usual redirect, so that its existence
is not revealed.

``ServiceAdminMixin`` makes the admin save through ``<app>/services.py``:
its form is a ``ServiceModelForm`` whose ``call_service`` calls the service.
The form first runs the service in a savepoint that is always rolled back,
so every rule the service applies (and every database constraint) comes
back as a form error next to its field; ``save_model`` then calls the
service for real. Inline formsets do the same through
``ServiceInlineFormSet``. A rule that fails anyway (a race between the
trial and the real run) becomes an error message, never a 500, and the
admin's transaction leaves nothing half-saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

OUTSIDE_SCOPE = _("This lies outside your scope.")


# ---------------------------------------------------------------- trial runs


class _DryRun(Exception):
    """Raised to roll back a trial run of a service."""


def dry_run(call: Callable[[], Any]) -> None:
    """Run ``call`` in a savepoint that is always rolled back.

    ValidationError and PermissionDenied raised by the call propagate;
    ``transaction.on_commit`` callbacks registered inside are discarded with
    the savepoint.
    """
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        pass


def add_service_errors(
    form: forms.BaseForm,
    exc: ValidationError,
    field_map: dict[str, str] | None = None,
) -> None:
    """Put a service's ValidationError on the form, next to its fields.

    Errors about a field the form does not show (a read-only field, a
    service argument with another name) become errors of the whole form.
    """
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.error_list)
        return
    for field, errors in exc.error_dict.items():
        target = field_map.get(field, field)
        form.add_error(target if target in form.fields else None, errors)


class ServiceModelForm(forms.ModelForm):
    """A ModelForm validated and saved by a service.

    Subclasses implement ``call_service`` (create or update from
    ``cleaned_data`` and ``self.instance``, return the saved object);
    ``ServiceAdminMixin`` sets ``acting_user`` on the form class it builds.
    """

    acting_user: Any = None
    #: service error keys -> form field names, where they differ
    service_error_fields: dict[str, str] = {}

    def call_service(self) -> models.Model:
        raise NotImplementedError

    @property
    def adding(self) -> bool:
        return self.instance._state.adding

    def _post_clean(self) -> None:
        # After the model's own validation (field values, unique checks),
        # before anything is saved: the service's rules.
        super()._post_clean()
        if self._errors:
            return
        try:
            dry_run(self.call_service)
        except ValidationError as exc:
            add_service_errors(self, exc, self.service_error_fields)
        except PermissionDenied:
            self.add_error(None, OUTSIDE_SCOPE)

    def save(self, commit: bool = True) -> models.Model:
        # The admin only asks for the unsaved instance; the service saves.
        if commit:
            raise RuntimeError("A ServiceModelForm is saved by its service.")
        return forms.ModelForm.save(self, commit=False)


class _FormFailed(Exception):
    def __init__(self, form: forms.BaseForm, error: ValidationError) -> None:
        super().__init__(error)
        self.form = form
        self.error = error


class ServiceInlineFormSet(BaseInlineFormSet):
    """An inline formset whose rows are created, changed and deleted by
    services (``create``, ``update``, ``delete``), tried first in a
    savepoint that is rolled back, then applied by ``save_formset``."""

    acting_user: Any = None
    service_error_fields: dict[str, str] = {}

    def create(self, form: forms.ModelForm) -> models.Model:
        raise NotImplementedError

    def update(self, form: forms.ModelForm) -> models.Model:
        raise NotImplementedError

    def delete(self, form: forms.ModelForm) -> None:
        raise NotImplementedError

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        try:
            dry_run(self.apply)
        except _FormFailed as failed:
            if failed.form in self.deleted_forms:
                # Deleted rows are not validated as forms: tell the formset.
                raise ValidationError(failed.error.messages) from None
            add_service_errors(failed.form, failed.error, self.service_error_fields)
        except PermissionDenied:
            raise ValidationError(OUTSIDE_SCOPE) from None

    def apply(self) -> None:
        """Deletions first (they may free a seat), then changes, then new rows."""
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        deleted = [form for form in self.deleted_forms if form.instance.pk]
        for form in deleted:
            self._run(form, self.delete)
            self.deleted_objects.append(form.instance)
        for form in self.initial_forms:
            if form in deleted or not form.has_changed():
                continue
            obj = self._run(form, self.update)
            self.changed_objects.append((obj, form.changed_data))
        for form in self.extra_forms:
            if not form.has_changed() or form in self.deleted_forms:
                continue
            self.new_objects.append(self._run(form, self.create))

    @staticmethod
    def _run(form: forms.ModelForm, step: Callable) -> Any:
        try:
            return step(form)
        except ValidationError as exc:
            raise _FormFailed(form, exc) from exc


# ---------------------------------------------------------------- scoping


def scoped(queryset: models.QuerySet, user: Any) -> models.QuerySet:
    """``queryset.visible_to(user)`` for scoped models; others unchanged."""
    visible_to = getattr(queryset, "visible_to", None)
    return visible_to(user) if visible_to is not None else queryset


class _ScopedChoicesMixin:
    """Scoped rows and scoped choices, for ModelAdmins and inlines alike."""

    def scope_queryset(self, request, queryset: models.QuerySet) -> models.QuerySet:
        return scoped(queryset, request.user)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def _scoped_choices(self, db_field, request) -> models.QuerySet | None:
        model = db_field.remote_field.model
        queryset = model._default_manager.all()
        if not hasattr(queryset, "visible_to"):
            return None
        return queryset.visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The queryset validates the submitted choice too: an id typed in
        # from outside the scope is "not one of the available choices".
        if "queryset" not in kwargs:
            queryset = self._scoped_choices(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self._scoped_choices(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdminMixin(_ScopedChoicesMixin):
    """Put before the ModelAdmin class (and SimpleHistoryAdmin) in the bases.

    Autocompletes need nothing more: Django's autocomplete view asks the
    related model's admin for its ``get_queryset``, which is scoped.
    """

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # The admin redirects to the index with "doesn't exist"; the portal
        # answers 404 for what is missing and for what lies outside the scope.
        raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        # The admin checks the delete permission first, which would answer
        # 403 where the object is simply not there for this user.
        if self._outside(request, object_id):
            raise Http404
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the history rows of an object it
        # cannot find, unscoped: only superusers (who see everything) may
        # read the history of a deleted object.
        if not request.user.is_superuser and self._outside(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self._outside(request, object_id):
            raise Http404
        if request.method == "POST":
            raise PermissionDenied  # history is read-only: change the object
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None) -> bool:
        # Reverting would write an old row back around the services.
        return True

    def _outside(self, request, object_id) -> bool:
        return self.get_object(request, unquote(object_id)) is None


class ScopedInlineMixin(_ScopedChoicesMixin):
    """Scoped inline rows and choices; service formsets get the actor."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # inlineformset_factory builds a new class on every call.
        formset.acting_user = request.user
        return formset


class ServiceAdminMixin:
    """Save, delete and apply inlines through the services.

    ``delete_model`` falls back to the plain delete; ModelAdmins whose model
    has a delete service override it.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # modelform_factory builds a new class on every call.
        form.acting_user = request.user
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not isinstance(form, ServiceModelForm):
            super().save_model(request, obj, form, change)
            return
        saved = form.call_service()
        # The admin goes on with ``obj`` (inlines, log entry, redirect):
        # make it the row the service saved.
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        if isinstance(formset, ServiceInlineFormSet):
            formset.apply()
        else:
            super().save_formset(request, form, formset, change)

    def delete_queryset(self, request, queryset) -> None:
        # One by one through delete_model (and its service): all or nothing.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    # A rule broken after the form passed (a concurrent change, an inline
    # that depended on the main form) ends the transaction; say why.

    def changeform_view(self, request, *args, **kwargs):
        return self._refused_as_message(
            request, super().changeform_view, request, *args, **kwargs
        )

    def delete_view(self, request, *args, **kwargs):
        return self._refused_as_message(
            request, super().delete_view, request, *args, **kwargs
        )

    def changelist_view(self, request, *args, **kwargs):
        return self._refused_as_message(
            request, super().changelist_view, request, *args, **kwargs
        )

    def _refused_as_message(self, request, view: Callable, *args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())
