from django.contrib import admin

from roster.models import (
    CalendarOverride,
    RosterChange,
    RosterSettings,
    ShiftRequirement,
    ShiftType,
    Term,
)


class ShiftRequirementInline(admin.TabularInline):
    model = ShiftRequirement
    extra = 1


@admin.register(ShiftType)
class ShiftTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "start_time", "duration_minutes", "weight", "active")
    inlines = [ShiftRequirementInline]


admin.site.register(Term)
admin.site.register(CalendarOverride)
admin.site.register(RosterSettings)


@admin.register(RosterChange)
class RosterChangeAdmin(admin.ModelAdmin):
    list_display = ("roster", "at", "actor", "action", "staff", "role", "reason")
    readonly_fields = [f.name for f in RosterChange._meta.fields]
