"""The per-user iCalendar feed of congresses and milestones (RFC 5545)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Calendar, Event

from . import selectors


def render(user: Any) -> bytes:
    """The feed of everything in the user's scope, in the user's language."""
    congresses, milestones = selectors.calendar_items(user)
    stamp = timezone.now()
    base = settings.PORTAL_BASE_URL
    host = base.split("//", 1)[-1].split("/", 1)[0] or "portal"
    with override(user.language or settings.LANGUAGE_CODE):
        cal = Calendar()
        cal.add("prodid", "-//Party Committee Portal//Congresses//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", _("Congresses"))
        for c in congresses:
            event = Event()
            event.add("uid", f"congress-{c.pk}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", c.starts_on)
            event.add("dtend", c.ends_on + timedelta(days=1))
            summary = _("Congress: %(organization)s") % {"organization": c.organization}
            if c.is_model:
                summary += " (" + _("model congress") + ")"
            event.add("summary", summary)
            if c.venue:
                event.add("location", c.venue)
            event.add("url", base + c.get_absolute_url())
            event.add("status", "CONFIRMED")
            cal.add_component(event)
        for m in milestones:
            event = Event()
            event.add("uid", f"milestone-{m.pk}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", m.due_on)
            event.add("dtend", m.due_on + timedelta(days=1))
            done = _("done") + ": " if m.done_at else ""
            event.add(
                "summary",
                f"{done}{m.title} – {m.congress.organization}",
            )
            event.add(
                "description",
                _("Owned by %(owner)s.") % {"owner": m.owner},
            )
            event.add("url", base + m.get_absolute_url())
            cal.add_component(event)
        return cal.to_ical()
