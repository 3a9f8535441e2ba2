import pytest

from geodist import Point, distance_km, haversine_km


def test_same_point():
    p = Point(48.85, 2.35)
    assert distance_km(p, p) == 0


def test_symmetric():
    a, b = Point(51.5, -0.12), Point(40.7, -74.0)
    assert distance_km(a, b) == pytest.approx(distance_km(b, a))


def test_quarter_meridian():
    assert haversine_km(0, 0, 90, 0) == pytest.approx(10007.5, rel=1e-3)


def test_invalid_latitude():
    with pytest.raises(ValueError):
        Point(91, 0)
