from django.contrib import admin

from rounds.models import Round


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "year", "policy_version", "is_demo", "loaded_at"]
    readonly_fields = ["policy_sha256", "loaded_at"]
