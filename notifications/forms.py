from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from notifications.models import NoticeStatus
from notifications.preferences import CONFIG_FIELDS, SECRET_FIELDS
from notifications.queries import CHANNEL_LABELS

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Also send my notices by"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    quiet_start = forms.TimeField(label=_("Quiet hours start"), required=False, widget=TIME_WIDGET)
    quiet_end = forms.TimeField(label=_("Quiet hours end"), required=False, widget=TIME_WIDGET)

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = list(offered)

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError(
                _("Give both the start and the end of the quiet hours, or neither.")
            )
        if start is not None and start == end:
            raise forms.ValidationError(_("Quiet hours must start and end at different times."))
        if "email" in data.get("channels", []) and not data.get("email"):
            self.add_error("email", _("Enter your e-mail address to receive notices by e-mail."))
        return data


FIELD_LABELS = {
    "url": _("Webhook URL"),
    "secret": _("Signing secret"),
    "token": _("Access token"),
    "sign_name": _("SMS sign name"),
}
URL_LABELS = {"sms": _("SMS gateway URL")}


class ChannelConfigForm(forms.Form):
    """The fields of one channel kind. Secrets are never sent back to the browser: a blank
    secret field keeps the stored one, and a checkbox removes it."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("For your own reference, e.g. the name of the group chat."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, kind: str, stored: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        stored = stored or {}
        self.kind = kind
        order = ["name"]
        for key in CONFIG_FIELDS[kind]:
            order.append(key)
            if key == "url":
                self.fields[key] = forms.CharField(
                    label=URL_LABELS.get(kind, FIELD_LABELS[key]),
                    max_length=500,
                    validators=[
                        URLValidator(
                            schemes=["http", "https"],
                            message=_("Enter an http:// or https:// address."),
                        )
                    ],
                )
            elif key in SECRET_FIELDS:
                is_set = bool(stored.get(key))
                self.fields[key] = forms.CharField(
                    label=FIELD_LABELS[key],
                    required=False,
                    max_length=500,
                    strip=True,
                    widget=forms.PasswordInput(
                        render_value=False, attrs={"autocomplete": "new-password"}
                    ),
                    help_text=_("Set. Leave blank to keep it.") if is_set else _("Not set."),
                )
                if is_set:
                    order.append(f"clear_{key}")
                    self.fields[f"clear_{key}"] = forms.BooleanField(
                        label=_("Remove the saved value"), required=False
                    )
            else:
                self.fields[key] = forms.CharField(
                    label=FIELD_LABELS[key], required=False, max_length=100
                )
        self.order_fields([*order, "enabled"])

    @property
    def config(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in CONFIG_FIELDS[self.kind]}

    @property
    def clear(self) -> list[str]:
        return [key for key in SECRET_FIELDS if self.cleaned_data.get(f"clear_{key}")]


class DeliveryLogFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *NoticeStatus.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *CHANNEL_LABELS.items()],
    )
    day = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
