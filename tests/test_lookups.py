"""`__any_of`: the same rows as `__in`, with one array parameter on PostgreSQL and an IN list elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization

pytestmark = pytest.mark.django_db


def test_any_of_selects_what_in_selects(orgs):
    ids = list(Organization.objects.filter(kind=Organization.Kind.UNIT).values_list("pk", flat=True))[:5]
    with CaptureQueriesContext(connection) as queries:
        found = set(Organization.objects.filter(pk__any_of=ids).values_list("pk", flat=True))
    assert found == set(Organization.objects.filter(pk__in=ids).values_list("pk", flat=True)) == set(ids)
    sql = queries.captured_queries[0]["sql"]
    assert ("= ANY(" in sql) if connection.vendor == "postgresql" else (" IN (" in sql)
    # A foreign key (its id column), an empty list (nothing, as `__in=[]`), and inside an OR.
    parents = {o.parent_id for o in Organization.objects.filter(pk__in=ids)}
    assert set(Organization.objects.filter(parent_id__any_of=list(parents)).values_list("parent_id", flat=True)) == (
        parents
    )
    assert not Organization.objects.filter(pk__any_of=[]).exists()
    assert Organization.objects.filter(Q(pk__any_of=[]) | Q(pk=ids[0])).count() == 1
