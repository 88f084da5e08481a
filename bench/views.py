"""Calibration endpoints, as in the TechEmpower benchmarks: what the framework alone costs on this machine.

`/bench/plain/json` answers without the database; `/bench/plain/db` reads one row by primary key. Every other
endpoint is reported also as a share of `/bench/plain/db`, so results can be compared across machines. They
are mounted only when the BENCHMARK setting is on (liaison_crm/urls.py).
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest, JsonResponse

from contacts.models import Stakeholder


@login_not_required
def plain_json(request):
    return JsonResponse({"message": "Hello, World!"})


@login_not_required
def plain_db(request):
    try:
        pk = int(request.GET["id"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("Give ?id=<stakeholder id>.")
    row = Stakeholder.objects.filter(pk=pk).values("id", "name").first()
    return JsonResponse(row or {"id": pk, "name": None})
