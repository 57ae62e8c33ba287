from django.contrib import admin

from notifications.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "seen_at", "beats")
    readonly_fields = ("name", "seen_at", "beats")

    def has_add_permission(self, request):
        return False
