from logbook.tests.factories import DAY, at, staffed_shift


def test_a_staffed_day_shift_runs_from_eight_to_five_with_three_people(cast):
    shift = staffed_shift(cast)
    assert shift.starts_at == at(DAY, 8)
    assert shift.ends_at == at(DAY, 17)
    assert shift.assignments.count() == 3
