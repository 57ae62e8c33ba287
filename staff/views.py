from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from staff import services
from staff.context_processors import nav_items_for
from staff.forms import DirectorySearchForm, StaffImportForm
from staff.importing import StaffFileError, parse_staff_file
from staff.models import Role
from staff.permissions import role_required
from staff.queries import (
    get_actor,
    get_staff_for_user,
    schools_for_actor,
    staff_directory,
)

PAGE_SIZE = 25


def home(request):
    actor = get_actor(request)
    links = [item for item in nav_items_for(actor) if item["key"] != "home"]
    context = {
        "links": links,
        "role_labels": _role_labels(actor),
        "display_name": _display_name(actor),
    }
    return render(request, "staff/home.html", context)


def _display_name(actor) -> str:
    if actor.staff:
        return actor.staff.name
    if actor.official:
        return actor.official.name
    return actor.user.get_username()


def _role_labels(actor) -> list[str]:
    labels = [label for value, label in Role.choices if value in actor.roles]
    if actor.is_bureau:
        labels.append(_("Education bureau"))
    return labels


@role_required(Role.ADMIN, Role.PRINCIPAL, Role.LEADER, bureau=True)
def staff_list(request):
    actor = get_actor(request)
    schools = list(schools_for_actor(actor)) if actor.is_bureau else []
    form = DirectorySearchForm(request.GET or None, schools=schools)
    query, school_id = "", None
    if form.is_valid():
        query = form.cleaned_data["q"] or ""
        school_id = form.cleaned_data["school"]
    rows = staff_directory(actor=actor, school_id=school_id, query=query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/staff_list.html",
        {"page": page, "form": form, "query": query, "show_school": actor.is_bureau},
    )


def staff_detail(request, pk: int):
    staff = get_staff_for_user(get_actor(request), pk)
    return render(request, "staff/staff_detail.html", {"person": staff})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def staff_import(request):
    actor = get_actor(request)
    errors = []
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = parse_staff_file(filename=upload.name, content=upload.read())
        except StaffFileError as exc:
            errors = exc.errors
        else:
            result = services.import_staff(school=actor.school, rows=rows, actor=actor.user)
            messages.success(
                request,
                _("Imported %(total)d people: %(created)d new, %(updated)d updated.")
                % {"total": len(rows), "created": result.created, "updated": result.updated},
            )
            return redirect("staff:list")
    return render(request, "staff/staff_import.html", {"form": form, "errors": errors})


@role_required(bureau=True)
def school_list(request):
    schools = schools_for_actor(get_actor(request))
    return render(request, "staff/school_list.html", {"schools": schools})
