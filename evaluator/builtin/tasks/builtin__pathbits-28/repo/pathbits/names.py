"""The extension is what follows the last dot; dot-files like '.bashrc' have none."""

from __future__ import annotations


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def extension(path: str) -> str:
    name = _basename(path)
    if "." not in name.lstrip("."):
        return ""
    return name.split(".")[1]


def stem(path: str) -> str:
    name = _basename(path)
    ext = extension(name)
    return name[: -len(ext) - 1] if ext else name


def with_extension(path: str, ext: str) -> str:
    head = path[: len(path) - len(_basename(path))]
    return f"{head}{stem(path)}.{ext.lstrip('.')}"
