from __future__ import annotations

from django.http import HttpResponse

from portal.access import staff_required


@staff_required()
def organization_tree(request):
    return HttpResponse("todo")


member_list = members_due_official = rating_overview = organization_tree
