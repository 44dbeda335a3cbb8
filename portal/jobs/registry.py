"""The kinds of jobs and the function that runs each.

An app registers its kinds when it is loaded (in its ``AppConfig.ready``,
so that a worker knows them too)::

    @register("member_import", label=_("Import of party members"),
              perms=("committees.add_member",),
              result_template="committees/import/_job_result.html")
    def run_member_import(job: Job) -> dict: ...

The runner receives the job (status running), may call
``services.report_progress`` and returns the result dict; it may attach a
file with ``services.attach_file``. A ``ValidationError`` it raises fails the
job with its message; any other exception fails it with a generic message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class JobKind:
    name: str
    label: Any
    runner: Callable[[Any], dict]
    #: permissions the owner must still hold when the job runs
    perms: tuple[str, ...] = ()
    #: template that shows the result on the job page (gets ``job``)
    result_template: str = "jobs/_result.html"


_KINDS: dict[str, JobKind] = {}


def register(
    name: str,
    *,
    label: Any,
    perms: tuple[str, ...] = (),
    result_template: str = "jobs/_result.html",
) -> Callable:
    def decorator(runner: Callable[[Any], dict]) -> Callable[[Any], dict]:
        _KINDS[name] = JobKind(name, label, runner, perms, result_template)
        return runner

    return decorator


def get_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No job kind {name!r} is registered") from None


def kind_label(name: str) -> Any:
    kind = _KINDS.get(name)
    return kind.label if kind else _("Background job")


def registered() -> dict[str, JobKind]:
    return dict(_KINDS)


def result_template(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.result_template if kind else "jobs/_result.html"


#: What the page says of each step a runner reports (``phase``).
PHASE_LABELS: dict[str, Any] = {
    "reading": _("Reading the file"),
    "checking": _("Checking the rows"),
    "writing": _("Saving"),
    "exporting": _("Writing the file"),
}


def phase_label(phase: str) -> Any:
    return PHASE_LABELS.get(phase, phase)
