"""The registry-free agent image: cached by recipe hash, carrying what agents need."""

from __future__ import annotations

from dataclasses import replace

import pytest

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.image import AGENT_RECIPE, ensure_image


def test_recipe_hash_changes_with_each_ingredient(tmp_path):
    base = AGENT_RECIPE
    web = base.extend("godelbox-web", packages=("chromium",), wheels=("miniwob",))
    assert web.packages[-1] == "chromium" and web.wheels == ("pytest", "miniwob")
    assert web.base_hash() != base.base_hash() and web.wheel_hash() != base.wheel_hash()
    (tmp_path / "client.py").write_text("X = 1\n")
    with_client = replace(base, client_dir=tmp_path)
    before = with_client.digest()
    (tmp_path / "client.py").write_text("X = 2\n")
    assert with_client.digest() != before
    assert base.digest() == AGENT_RECIPE.digest()  # deterministic
    hooked = base.extend("x", hooks=("true",))
    assert hooked.base_hash() != base.base_hash()  # build-time hooks rebuild the rootfs
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "Shim.java").write_text("class Shim {}\n")
    extra = base.extend("x", extra_dir=tmp_path / "extra", build_steps=("true",))
    assert "COPY extra/" in extra.dockerfile() and "RUN set -e; true;" in extra.dockerfile()
    before = extra.digest()
    (tmp_path / "extra" / "Shim.java").write_text("class Shim { int x; }\n")
    assert extra.digest() != before  # our files are in the hash by content


@pytest.mark.docker
def test_second_build_is_a_cache_hit(agent_image):
    built = ensure_image()
    assert built.tag == agent_image and not built.rebuilt
    assert (built.rootfs / "usr" / "bin" / "python3").exists()


@pytest.mark.docker
def test_image_has_the_agent_toolchain(docker_backend, agent_image):
    script = (
        "id -un; python3 -c 'import sys, pytest; print(sys.version_info[:2] >= (3, 11))'; "
        "git --version >/dev/null && patch --version >/dev/null && echo tools; "
        "python3 -c 'import godelbox_llm; print(\"client\")'"
    )
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        res = box.run(["sh", "-c", script], timeout_s=30)
    assert res.stdout.split() == ["agent", "True", "tools", "client"], res
