"""URLs for the roster filing pages, included from roster/urls.py (namespace "roster")."""

from django.urls import path

from roster import views_filing as views

urlpatterns = [
    path("filings/", views.filing_list, name="filings"),
    path("filings/new/", views.filing_new, name="filing-new"),
    path("filings/<int:pk>/", views.filing_detail, name="filing-detail"),
    path("filings/bureau/", views.bureau_filings, name="bureau-filings"),
    path("filings/bureau/export.xlsx", views.bureau_filings_export, name="bureau-filings-export"),
]
