"""Bookings are half-open intervals [start, end) in minutes since midnight."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Booking:
    start: int
    end: int
    who: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a booking must end after it starts")


def overlaps(a: Booking, b: Booking) -> bool:
    """True when the two bookings share at least one minute."""
    return a.start <= b.end and b.start < a.end


@dataclass
class RoomCalendar:
    bookings: list[Booking] = field(default_factory=list)

    def is_free(self, wanted: Booking) -> bool:
        return not any(overlaps(wanted, b) for b in self.bookings)

    def book(self, wanted: Booking) -> None:
        if not self.is_free(wanted):
            raise ValueError(f"room is taken between {wanted.start} and {wanted.end}")
        self.bookings.append(wanted)
        self.bookings.sort(key=lambda b: b.start)
