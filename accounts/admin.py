from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditEvent, Organization, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "full_name", "email", "is_staff"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("平台信息", {"fields": ("full_name", "phone")}))


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit_type", "unit_level", "registration_county", "credit_code"]
    list_filter = ["kind", "unit_type", "unit_level"]
    search_fields = ["code", "name", "credit_code"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target"]
    readonly_fields = ["created_at", "actor", "action", "target", "extra"]
