"""Book meeting rooms without double-booking them."""

from roombook.calendar import Booking, RoomCalendar, overlaps

__all__ = ["Booking", "RoomCalendar", "overlaps"]
