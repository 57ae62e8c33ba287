from django import forms
from django.utils.translation import gettext_lazy as _

from staff.importing import MAX_BYTES


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("Staff list file"),
        help_text=_(
            "CSV (UTF-8 or GBK) or Excel .xlsx with the columns 姓名, 职务, 手机, 紧急联系人, "
            "紧急联系电话, 可担任值班角色."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    school = forms.TypedChoiceField(label=_("School"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", _("All schools")), *[(s.pk, s.name) for s in schools]]
