import pytest

from thermo import c_to_f, c_to_k, f_to_c


def test_boiling_point_in_fahrenheit():
    assert c_to_f(100) == pytest.approx(212)


def test_freezing_point_round_trip():
    assert f_to_c(32) == 0


def test_kelvin():
    assert c_to_k(0) == pytest.approx(273.15)


def test_below_absolute_zero():
    with pytest.raises(ValueError):
        c_to_k(-300)
