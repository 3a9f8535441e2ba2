"""The agent image, built with no registry, and the rootfs the bubblewrap fallback runs on.

Three cached layers, each keyed by a hash of what produces it:
1. a Debian base rootfs tarball from `mmdebstrap` (packages + a uid-1000 user `agent`), imported
   with `docker import` as `godelbox-base:<hash>`;
2. a host-side `pip download` wheelhouse for the image's Python;
3. `godelbox-agent:<hash>` built FROM the base with `--network none`, installing the wheels and
   the gateway client module(s); tagged `godelbox-agent:latest` too. Its filesystem is exported
   to `<cache>/rootfs/<hash>/` for bubblewrap.

A recipe is a frozen dataclass, so an image variant (e.g. a web image with Chromium) is
`AGENT_RECIPE.extend("godelbox-web", packages=(...), wheels=(...))`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker
import docker.errors
from filelock import FileLock

from godelbox.sandbox.base import WORK_DIR, SandboxError

Progress = Callable[[str], None]


def _client_dir() -> Path:
    """The gateway client's folder. It lives with the gateway in `godelbox.llm`; an image only
    copies its files, so the folder is located without importing that package (the sandbox
    layer stays below the LLM layer: `godelbox.llm` imports `godelbox.sandbox`, never back)."""
    spec = importlib.util.find_spec("godelbox.llm")
    assert spec is not None and spec.submodule_search_locations, "godelbox.llm is a package"
    return Path(next(iter(spec.submodule_search_locations))) / "agent_client"


CLIENT_DIR = _client_dir()
"""Stdlib-only modules copied onto the image's Python path (the gateway client)."""

DEBIAN_SOURCES = (
    "deb http://deb.debian.org/debian {suite} main",
    "deb http://deb.debian.org/debian {suite}-updates main",
    "deb http://deb.debian.org/debian-security {suite}-security main",
)

BASE_PACKAGES = (
    "python3",
    "python3-venv",
    "python3-pip",
    "git",
    "bash",
    "coreutils",
    "patch",
    "procps",
    "ca-certificates",
)

# Run inside the new rootfs by mmdebstrap; part of the recipe hash.
BASE_HOOKS = (
    'chroot "$1" useradd --create-home --uid 1000 --user-group --shell /bin/bash agent',
    'chroot "$1" mkdir -p {work}',
    'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/archives/*.deb',
)

LABEL_RECIPE = "godelbox.recipe"
EXTRA_DIR = "/tmp/godelbox-extra"


def cache_dir() -> Path:
    """Where build artefacts live: $GODELBOX_CACHE, else /var/cache/godelbox for root (the
    bubblewrap sandbox runs as uid 1000 and must traverse to the rootfs; /root is 0700), else
    ~/.cache/godelbox."""
    default = (
        Path("/var/cache/godelbox") if os.geteuid() == 0 else Path.home() / ".cache" / "godelbox"
    )
    path = Path(os.environ.get("GODELBOX_CACHE") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class ImageRecipe:
    name: str = "godelbox-agent"
    suite: str = "bookworm"
    python: str = "python3.11"
    """The suite's python; wheels are downloaded for it and installed into its dist-packages."""
    packages: tuple[str, ...] = BASE_PACKAGES
    wheels: tuple[str, ...] = ("pytest",)
    env: tuple[tuple[str, str], ...] = ()
    hooks: tuple[str, ...] = ()
    """Extra mmdebstrap customize hooks (shell, `$1` is the new rootfs) run on the host at
    build time: the only build step with a network, so registry downloads (npm) happen here."""
    export_rootfs: bool = field(default=True, compare=False)
    """Unpack the image for bubblewrap too (large toolchain images skip it: docker only)."""
    extra_dir: Path | None = field(default=None, compare=False)
    """Files of ours the build steps use: copied to EXTRA_DIR during the build (part of the
    recipe hash by content)."""
    build_steps: tuple[str, ...] = ()
    """Shell run as root in the `--network none` build, after the wheels, with the extra files
    at EXTRA_DIR (removed afterwards)."""
    client_dir: Path = field(default=CLIENT_DIR, compare=False)

    def extend(
        self,
        name: str,
        *,
        packages: tuple[str, ...] = (),
        wheels: tuple[str, ...] = (),
        env: tuple[tuple[str, str], ...] = (),
        hooks: tuple[str, ...] = (),
        export_rootfs: bool = True,
        extra_dir: Path | None = None,
        build_steps: tuple[str, ...] = (),
    ) -> ImageRecipe:
        """A variant with more Debian packages / wheels / env / build hooks (e.g. a web
        image)."""
        return replace(
            self,
            name=name,
            packages=self.packages + packages,
            wheels=self.wheels + wheels,
            env=self.env + env,
            hooks=self.hooks + hooks,
            export_rootfs=export_rootfs,
            extra_dir=extra_dir or self.extra_dir,
            build_steps=self.build_steps + build_steps,
        )

    def client_files(self) -> list[Path]:
        return sorted(self.client_dir.glob("*.py")) if self.client_dir.is_dir() else []

    def extra_files(self) -> list[Path]:
        if self.extra_dir is None or not self.extra_dir.is_dir():
            return []
        return sorted(p for p in self.extra_dir.rglob("*") if p.is_file())

    def base_hash(self) -> str:
        return _digest([self.suite, *self.packages, *BASE_HOOKS, *self.hooks, *DEBIAN_SOURCES])

    def wheel_hash(self) -> str:
        return _digest([self.python, *self.wheels])

    def dockerfile(self) -> str:
        site = f"/usr/local/lib/{self.python}/dist-packages/"
        envs = "".join(f"ENV {k}={v}\n" for k, v in self.env)
        return (
            f"FROM godelbox-base:{self.base_hash()}\n"
            "COPY wheels /tmp/wheels\n"
            "RUN python3 -m pip install --no-index --no-cache-dir --break-system-packages "
            f"--find-links /tmp/wheels {' '.join(self.wheels)} && rm -rf /tmp/wheels\n"
            f"COPY client/ {site}\n"
            f"{self._extra_steps()}"
            "ENV HOME=/home/agent LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 "
            "PYTHONUNBUFFERED=1 TMPDIR=/tmp\n"
            f"{envs}"
            "USER 1000:1000\n"
            f"WORKDIR {WORK_DIR}\n"
        )

    def _extra_steps(self) -> str:
        if not self.build_steps:
            return ""
        copy = f"COPY extra/ {EXTRA_DIR}/\n" if self.extra_dir is not None else ""
        return copy + f"RUN set -e; {'; '.join(self.build_steps)}; rm -rf {EXTRA_DIR}\n"

    def digest(self) -> str:
        """Hash of everything that determines the image; the image tag."""
        parts = [self.base_hash(), self.wheel_hash(), self.dockerfile()]
        parts += [f"{p.name}\n{p.read_text(encoding='utf-8')}" for p in self.client_files()]
        if self.extra_dir is not None:
            parts += [
                f"{p.relative_to(self.extra_dir)}\n{p.read_text(encoding='utf-8')}"
                for p in self.extra_files()
            ]
        return _digest(parts)

    @property
    def tag(self) -> str:
        return f"{self.name}:{self.digest()}"

    @property
    def latest(self) -> str:
        return f"{self.name}:latest"

    def rootfs_dir(self) -> Path:
        return cache_dir() / "rootfs" / self.digest()


AGENT_RECIPE = ImageRecipe()

WEB_RECIPE = AGENT_RECIPE.extend(
    "godelbox-web",
    # In the rootfs at mmdebstrap time (bookworm-security carries the current Chromium), so no
    # build step needs a network; the miniwob wheel ships the MiniWoB++ HTML and reward code.
    packages=("chromium", "chromium-driver", "fonts-liberation"),
    wheels=("miniwob", "selenium"),
    env=(
        ("MINIWOB_CHROME_BINARY", "/usr/bin/chromium"),
        ("MINIWOB_CHROMEDRIVER", "/usr/bin/chromedriver"),
    ),
)
"""The web image: the agent image plus Chromium, chromedriver and MiniWoB++ (docs/web.md)."""

JS_DIR = "/opt/godelbox/js"
"""Where the Polyglot image keeps jest + babel (`node_modules`), baked in at build time."""
JS_PACKAGES = {
    "@babel/core": "7.25.2",
    "@exercism/babel-preset-javascript": "0.2.1",
    "babel-jest": "29.7.0",
    "core-js": "3.37.1",
    "jest": "29.7.0",
}
"""What the Polyglot JavaScript exercises' package.json asks for to run tests (lint tools left
out), pinned so the recipe hash names one set."""
CARGO_HOME = "/usr/local/cargo"
CARGO_REGISTRY = f"{CARGO_HOME}/registry"
CARGO_CONFIG = (
    '[source.crates-io]\nreplace-with = "offline"\n'
    f'[source.offline]\ndirectory = "{CARGO_REGISTRY}"\n'
    "[net]\noffline = true\n"
)
"""crates.io is replaced by a directory of the crates Debian ships as librust-*-dev sources,
plus our stand-ins for two crates Debian lacks (sandbox/polyglot_extra/crates)."""
JAVA_EXTRA_DIR = "/usr/local/share/java"
POLYGLOT_EXTRA = Path(__file__).resolve().parent / "polyglot_extra"
"""Our stand-ins for libraries no reachable registry serves (RxJava 2's Observable for the Java
hangman exercise; the `counter` and rand 0.3 crates two Rust reference solutions use)."""

_JS_MANIFEST = json.dumps(
    {"name": "godelbox-polyglot-js", "private": True, "devDependencies": JS_PACKAGES},
    sort_keys=True,
)

POLYGLOT_RECIPE = AGENT_RECIPE.extend(
    "godelbox-polyglot",
    packages=(
        "g++", "make", "cmake", "catch2",
        "golang-go",
        "default-jdk-headless", "junit5", "libassertj-core-java", "libandroid-json-org-java",
        "nodejs", "npm",
        "rustc-web", "cargo-web",
        "librust-time-dev", "librust-anyhow-dev", "librust-rand-dev",
        # what the Rust reference solutions' .meta/Cargo-example.toml add
        "librust-thiserror-dev", "librust-itertools-dev", "librust-permutohedron-dev",
        "librust-num-bigint-dev", "librust-num-traits-dev", "librust-regex+default-dev",
    ),
    env=(
        ("CARGO_HOME", CARGO_HOME),
        ("GOFLAGS", "-mod=mod"),
        ("GOPROXY", "off"),
        ("GOCACHE", "/tmp/go-cache"),
        ("GOTMPDIR", WORK_DIR),  # go test runs its binaries from here: /tmp is noexec
        ("GOPATH", "/tmp/go"),
    ),
    hooks=(
        f'mkdir -p "$1{JS_DIR}" "$1{CARGO_HOME}"',
        f"printf '%s' '{_JS_MANIFEST}' > \"$1{JS_DIR}/package.json\"",
        # The host's CA bundle for this one download (a TLS-inspecting egress proxy may sign
        # the registry's certificate); removed with npm's cache before the image is made.
        'cp /etc/ssl/certs/ca-certificates.crt "$1/tmp/host-ca.crt"',
        f'chroot "$1" sh -c "cd {JS_DIR} && npm install --cafile=/tmp/host-ca.crt --no-audit '
        '--no-fund --fetch-timeout=60000 --fetch-retries=2 --loglevel=error"',
        'rm -rf "$1/tmp/host-ca.crt" "$1/root/.npm"',
        f"printf '{CARGO_CONFIG}' > \"$1{CARGO_HOME}/config.toml\"",
    ),
    export_rootfs=False,
    extra_dir=POLYGLOT_EXTRA,
    build_steps=(
        f"mkdir -p {CARGO_REGISTRY} {JAVA_EXTRA_DIR} /tmp/rx",
        f"ln -s /usr/share/cargo/registry/* {CARGO_REGISTRY}/",
        f"cp -r {EXTRA_DIR}/crates/* {CARGO_REGISTRY}/",
        f"javac -nowarn -d /tmp/rx $(find {EXTRA_DIR}/rxjava -name '*.java')",
        f"jar cf {JAVA_EXTRA_DIR}/rxjava.jar -C /tmp/rx .",
        "rm -rf /tmp/rx",
    ),
)  # fmt: skip
"""Aider Polyglot's six toolchains, offline (docs/benchmarks.md): C++ (cmake, the exercises
bundle Catch), Go, Java (JUnit 5 + AssertJ jars run by the console launcher instead of the
exercises' Gradle wrapper, which downloads Gradle), JavaScript (jest + babel from npm, installed
into the rootfs when it is built), Rust (crates from Debian's librust-*-dev) and Python."""

RECIPES = {"agent": AGENT_RECIPE, "web": WEB_RECIPE, "polyglot": POLYGLOT_RECIPE}


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    rootfs: Path | None
    """None for a docker-only recipe (`export_rootfs=False`)."""
    rebuilt: bool


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _say(progress: Progress | None, msg: str) -> None:
    if progress is not None:
        progress(msg)


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def ensure_image(
    recipe: ImageRecipe = AGENT_RECIPE,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> BuiltImage:
    """Build the recipe's image and rootfs unless both are cached; return the hash tag.

    A file lock serialises concurrent builds (parallel test sessions, several daemons)."""
    from godelbox.sandbox.engine import require_client

    client = require_client()
    with FileLock(str(cache_dir() / f"build-{recipe.name}.lock")):
        tag = recipe.tag
        rootfs = recipe.rootfs_dir() if recipe.export_rootfs else None
        if not force and image_exists(client, tag) and (rootfs is None or rootfs.is_dir()):
            client.images.get(tag).tag(recipe.name, "latest")
            _say(progress, f"image {tag} is up to date")
            return BuiltImage(tag, rootfs, rebuilt=False)
        base = f"godelbox-base:{recipe.base_hash()}"
        if force or not image_exists(client, base):
            tarball = _build_base_tarball(recipe, progress, force=force)
            _say(progress, f"importing {tarball.name} as {base}")
            client.api.import_image_from_file(
                str(tarball), repository=base.split(":")[0], tag=recipe.base_hash()
            )
        wheels = _download_wheels(recipe, progress)
        _build_image(client, recipe, wheels, progress)
        if rootfs is not None:
            _export_rootfs(client, tag, rootfs, progress)
        _say(progress, f"built {tag} (also {recipe.latest}); rootfs at {rootfs or '(none)'}")
        return BuiltImage(tag, rootfs, rebuilt=True)


def _build_base_tarball(recipe: ImageRecipe, progress: Progress | None, *, force: bool) -> Path:
    out = cache_dir() / "base" / f"{recipe.suite}-{recipe.base_hash()}.tar"
    if out.is_file() and not force:
        return out
    if shutil.which("mmdebstrap") is None:
        raise SandboxError(
            "mmdebstrap is not installed; run `apt-get install -y mmdebstrap` (as root) "
            "or `make system`, then retry `godelbox sandbox build`"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial.tar")
    hooks = [h.format(work=WORK_DIR) for h in BASE_HOOKS[:-1]] + list(recipe.hooks)
    hooks.append(BASE_HOOKS[-1])  # the apt cleanup comes last
    cmd = [
        "mmdebstrap",
        "--variant=minbase",
        f"--include={','.join(recipe.packages)}",
        *(f"--customize-hook={h}" for h in hooks),
        recipe.suite,
        str(partial),
        *(s.format(suite=recipe.suite) for s in DEBIAN_SOURCES),
    ]
    _say(progress, f"mmdebstrap {recipe.suite} with {len(recipe.packages)} packages (≈ 1 min)")
    _run_logged(cmd, out.with_suffix(".log"), "mmdebstrap")
    partial.rename(out)
    return out


def _download_wheels(recipe: ImageRecipe, progress: Progress | None) -> Path:
    dest = cache_dir() / "wheels" / recipe.wheel_hash()
    if (dest / ".complete").is_file():
        return dest
    _say(progress, f"pip download {' '.join(recipe.wheels)} for {recipe.python}")
    dest.mkdir(parents=True, exist_ok=True)
    version = recipe.python.removeprefix("python")
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
        "--implementation", "cp", "--python-version", version,
        "--abi", f"cp{version.replace('.', '')}", "--abi", "abi3", "--abi", "none",
        "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
        "--platform", "any", "-d", str(dest), *recipe.wheels,
    ]  # fmt: skip
    _run_logged(cmd, dest / "download.log", "pip download")
    (dest / ".complete").touch()
    return dest


def _build_image(
    client: docker.DockerClient, recipe: ImageRecipe, wheels: Path, progress: Progress | None
) -> None:
    with tempfile.TemporaryDirectory(prefix="godelbox-build-") as tmp:
        ctx = Path(tmp)
        (ctx / "Dockerfile").write_text(recipe.dockerfile(), encoding="utf-8")
        shutil.copytree(wheels, ctx / "wheels", ignore=shutil.ignore_patterns("*.log"))
        (ctx / "client").mkdir()
        for f in recipe.client_files():
            shutil.copy2(f, ctx / "client" / f.name)
        if recipe.extra_dir is not None:
            shutil.copytree(recipe.extra_dir, ctx / "extra")
        _say(progress, f"docker build --network none -t {recipe.tag}")
        stream = client.api.build(
            path=str(ctx),
            tag=recipe.tag,
            network_mode="none",
            rm=True,
            forcerm=True,
            decode=True,
            labels={LABEL_RECIPE: recipe.digest()},
        )
        log: list[str] = []
        for chunk in stream:
            if "error" in chunk:
                tail = "".join(log[-20:])
                raise SandboxError(f"image build failed: {chunk['error']}\n{tail}")
            line = chunk.get("stream", "")
            log.append(line)
            if line.startswith("Step "):
                _say(progress, line.strip())
    client.images.get(recipe.tag).tag(recipe.name, "latest")


def _export_rootfs(
    client: docker.DockerClient, tag: str, dest: Path, progress: Progress | None
) -> None:
    """Unpack the image's filesystem for bubblewrap (same bits as the container sees)."""
    _say(progress, f"exporting rootfs to {dest}")
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    container = client.containers.create(tag, command=["true"], network_mode="none")
    try:
        tar = subprocess.Popen(
            ["tar", "-x", "--numeric-owner", "-C", str(partial)], stdin=subprocess.PIPE
        )
        assert tar.stdin is not None
        for chunk in container.export():
            tar.stdin.write(chunk)
        tar.stdin.close()
        if tar.wait() != 0:
            raise SandboxError(f"extracting the rootfs into {partial} failed")
    finally:
        container.remove(force=True)
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)


def _run_logged(cmd: list[str], log: Path, what: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise SandboxError(
            f"{what} failed (exit {proc.returncode}); log {log}:\n" + "\n".join(tail)
        )
