"""Pages for criteria, inspections, training and measured metrics (being built)."""

from django.http import Http404


def _todo(request, pk=None):
    raise Http404


criteria_list = criterion_edit = rule_new = rule_delete = _todo
inspection_list = inspection_new = inspection_detail = inspection_score = _todo
inspection_complete = training_list = training_edit = training_detail = metrics_page = _todo
