import pytest

from roombook import Booking, RoomCalendar, overlaps


def test_nested_bookings_overlap():
    assert overlaps(Booking(540, 600), Booking(550, 560))


def test_disjoint_bookings():
    assert not overlaps(Booking(540, 600), Booking(700, 760))


def test_double_booking_refused():
    cal = RoomCalendar()
    cal.book(Booking(540, 600, "ana"))
    with pytest.raises(ValueError):
        cal.book(Booking(570, 630, "bo"))


def test_invalid_booking():
    with pytest.raises(ValueError):
        Booking(600, 600)
