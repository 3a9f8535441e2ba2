import pytest

from depsolve import CycleError, install_order


def test_independent_packages_sorted():
    assert install_order({"b": [], "a": []}) == ["a", "b"]


def test_all_packages_listed():
    assert set(install_order({"app": ["lib"], "lib": ["core"]})) == {"app", "lib", "core"}


def test_cycle():
    with pytest.raises(CycleError):
        install_order({"a": ["b"], "b": ["a"]})
