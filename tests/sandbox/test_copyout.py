"""copyout on crafted tar streams (no sandbox needed): every rule, every limit, all or nothing,
and limits checked on headers before any data is read."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from godelbox.sandbox import copyout
from godelbox.sandbox.base import CopyLimits, CopyRefused, SandboxError

LIMITS = CopyLimits(total_mb=1, files=20, depth=4, file_mb=1, path_bytes=64)


def _tar(*members: tuple[str, str, bytes | str]) -> io.BytesIO:
    """(kind, name, data or link target) -> a tar stream; kind: dir, file, sym, hard, fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o755 if kind == "dir" else 0o644
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "file":
                payload = data if isinstance(data, bytes) else data.encode()
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            else:
                info.type = {"sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE}.get(
                    kind, tarfile.FIFOTYPE
                )
                info.linkname = str(data)
                tar.addfile(info)
    buf.seek(0)
    return buf


def _take(stream, dest: Path, limits: CopyLimits = LIMITS, skip=()):
    return copyout.from_tar(stream, "top", dest, limits, skip)


def test_a_plain_tree_comes_out_whole_with_safe_modes(tmp_path):
    report = _take(
        _tar(("dir", "top", ""), ("dir", "top/d", ""), ("file", "top/d/f.py", "x = 1\n")),
        tmp_path / "out",
    )
    assert (tmp_path / "out" / "d" / "f.py").read_text() == "x = 1\n"
    assert (report.files, report.bytes, report.dropped_count) == (1, 6, 0)


@pytest.mark.parametrize(
    ("link", "target", "stored"),
    [
        ("top/d/l", "../f", "../f"),  # already safe: kept byte for byte
        ("top/d/l", "x/../../f", "../f"),  # '..' after a name: rewritten lexically
        ("top/l", "a/a/a/../../../f", "f"),  # the ordering trick's shape
        ("top/l", ".", "."),
        ("top/d/l", "./../d/./g", "g"),
    ],
)
def test_links_are_normalised_inside_the_tree(tmp_path, link, target, stored):
    _take(_tar(("dir", "top", ""), ("dir", "top/d", ""), ("sym", link, target)), tmp_path / "o")
    assert os.readlink(tmp_path / "o" / link.removeprefix("top/")) == stored


@pytest.mark.parametrize(
    ("target", "why"),
    [("/etc/hostname", "absolute"), ("../../etc", "outside"), ("d/../../x", "outside"), ("", "")],
)
def test_links_that_leave_the_tree_refuse_it_whole(tmp_path, target, why):
    stream = _tar(("dir", "top", ""), ("file", "top/ok", "x"), ("sym", "top/bad", target))
    with pytest.raises(CopyRefused, match=why or "empty"):
        _take(stream, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert os.listdir(tmp_path) == []  # no staging left either


@pytest.mark.parametrize(
    "members",
    [
        [("dir", "top", ""), ("sym", "top/l", "d"), ("dir", "top/d", ""), ("file", "top/l/x", "")],
        [
            ("dir", "top", ""),
            ("dir", "top/d", ""),
            ("dir", "top/d/s", ""),
            ("sym", "top/l", "d"),
            ("file", "top/l/s/x", ""),
        ],
        [("dir", "top", ""), ("file", "top/../evil", "x")],
        [("dir", "top", ""), ("file", "/abs", "x")],
        [("dir", "top", ""), ("file", "other/x", "x")],
        [("dir", "top", ""), ("file", "top/x", "1"), ("file", "top/x", "2")],
        [("dir", "top", ""), ("hard", "top/h", "top/nothing")],
        [("sym", "top", "/usr/lib")],
    ],
    ids=[
        "through-a-link",
        "through-a-link-deeper",
        "dotdot",
        "absolute",
        "outside-top",
        "twice",
        "hard-to-nothing",
        "top-is-a-link",
    ],
)
def test_entries_that_could_write_elsewhere_refuse_the_tree(tmp_path, members):
    with pytest.raises(CopyRefused):
        _take(_tar(*members), tmp_path / "out")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("members", "key"),
    [
        ([("file", f"top/f{i}", "x") for i in range(25)], "copy_out_files"),
        ([("dir", "top/a", ""), ("dir", "top/a/b", ""), ("dir", "top/a/b/c", ""),
          ("dir", "top/a/b/c/d", ""), ("dir", "top/a/b/c/d/e", "")], "copy_out_depth"),
        ([("file", "top/" + "n" * 80, "x")], "copy_out_path_bytes"),
        ([("file", "top/big", b"x" * (1024 * 1024 + 1))], "copy_out_file_mb"),
        ([("file", f"top/m{i}", b"x" * 400_000) for i in range(3)], "copy_out_mb"),
    ],
    ids=["files", "depth", "path", "file-size", "total"],
)  # fmt: skip
def test_each_limit_refuses_the_tree_and_names_its_key(tmp_path, members, key):
    with pytest.raises(CopyRefused, match=f"limit sandbox.{key}"):
        _take(_tar(("dir", "top", ""), *members), tmp_path / "out")
    assert os.listdir(tmp_path) == []


class _HeaderOnly(io.RawIOBase):
    """A stream that fails the test if more than the first header blocks are read."""

    def __init__(self, data: bytes, allowed: int) -> None:
        self._data, self._allowed, self._pos = data, allowed, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        assert self._pos < self._allowed, "read past the header"
        chunk = self._data[self._pos : self._pos + min(len(buf), 512)]
        buf[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def test_a_huge_file_is_refused_from_its_header_without_reading_its_data(tmp_path):
    huge = tarfile.TarInfo("top/huge")
    huge.size = 1 << 30  # the header claims a GiB; reading any of it fails the test
    headers = _dir("top").tobuf(tarfile.GNU_FORMAT) + huge.tobuf(tarfile.GNU_FORMAT)
    with pytest.raises(CopyRefused, match="copy_out_file_mb"):
        _take(_HeaderOnly(headers + b"\0" * 10240, len(headers)), tmp_path / "o")


def test_special_files_and_unsafe_names_are_left_out_and_reported(tmp_path):
    report = _take(
        _tar(
            ("dir", "top", ""),
            ("fifo", "top/pipe", ""),
            ("file", "top/new\nline", "x"),
            ("dir", "top/\x1b[2Jdir", ""),
            ("file", "top/\x1b[2Jdir/inner", "x"),
            ("file", "top/bad\udcff", "x"),
            ("file", "top/fine", "x"),
        ),
        tmp_path / "out",
    )
    assert sorted(os.listdir(tmp_path / "out")) == ["fine"]
    assert report.dropped_count == 4
    assert "pipe (a FIFO)" in report.note() and "new\\nline" in report.note()
    assert "\x1b" not in report.note()


def test_skipped_entries_and_hard_links_to_them(tmp_path):
    _take(
        _tar(
            ("dir", "top", ""),
            ("dir", "top/.git", ""),
            ("file", "top/.git/HEAD", "ref"),
            ("file", "top/a", "same"),
            ("hard", "top/b", "top/a"),
            ("hard", "top/c", "top/.git/HEAD"),
        ),
        tmp_path / "out",
        skip=(".git",),
    )
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == ["a", "b"]
    assert os.stat(out / "a").st_ino == os.stat(out / "b").st_ino


def test_a_broken_stream_is_a_sandbox_error_not_a_refusal(tmp_path):
    data = _tar(("dir", "top", ""), ("file", "top/f", "x" * 5000)).getvalue()[:1500]
    with pytest.raises(SandboxError) as info:
        _take(io.BytesIO(data), tmp_path / "out")
    assert not isinstance(info.value, CopyRefused)
    assert os.listdir(tmp_path) == []


def test_the_local_backends_tree_goes_through_the_same_rules(tmp_path):
    src = tmp_path / "top"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f").write_text("x")
    os.mkfifo(src / "pipe")
    os.symlink("/etc/hostname", src / "d" / "host")
    with pytest.raises(CopyRefused, match="absolute"):
        copyout.from_host(src, tmp_path / "out", LIMITS)
    (src / "d" / "host").unlink()
    report = copyout.from_host(src, tmp_path / "out", LIMITS)
    assert report.dropped_count == 1 and (tmp_path / "out" / "d" / "f").read_text() == "x"


def _dir(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info
