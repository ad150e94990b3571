from django.contrib import admin

from committee.models import ExpertAssignment


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(admin.ModelAdmin):
    list_display = ("pseudonym", "expert", "dossier", "assigned_at")
    raw_id_fields = ("expert", "dossier", "assigned_by")
