"""The Django admin for the staff directory, scoped to the admin user's own school.

A district superuser sees every school; a school's office administrator (role ``admin`` with
``is_staff``) sees and edits only their own school's people.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from staff.models import Bureau, BureauOfficial, School, Staff, StaffRole, User
from staff.queries import actor_for


def _school_ids(request) -> frozenset[int] | None:
    """None means unrestricted (superuser)."""
    if request.user.is_superuser:
        return None
    return actor_for(request.user).school_ids


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "phone", "school", "active")
    list_filter = ("active", "roles__role")
    search_fields = ("name", "phone", "position")
    inlines = [StaffRoleInline]
    raw_id_fields = ("user",)
    list_per_page = 50

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("school")
        ids = _school_ids(request)
        return rows if ids is None else rows.filter(school__in=ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = _school_ids(request)
        if db_field.name == "school" and ids is not None:
            kwargs["queryset"] = School.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "bureau", "time_zone", "duty_phone")
    search_fields = ("name",)

    def get_queryset(self, request):
        ids = _school_ids(request)
        rows = super().get_queryset(request)
        return rows if ids is None else rows.filter(pk__in=ids)


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(BureauOfficial)
class BureauOfficialAdmin(admin.ModelAdmin):
    list_display = ("name", "bureau", "phone")
    raw_id_fields = ("user",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    def get_queryset(self, request):
        ids = _school_ids(request)
        rows = super().get_queryset(request)
        return rows if ids is None else rows.filter(staff__school__in=ids)

    def get_fieldsets(self, request, obj=None):
        # A school office may set passwords and (de)activate logins, never grant privileges.
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": ("username", "password", "is_active")}),)
