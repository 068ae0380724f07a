"""Project-relative paths: how a path reaching inside the project another way is spelt."""

from __future__ import annotations

import os

import pytest

from buildlike.paths import in_project, project_roots


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/me/proj/a.txt", "a.txt"),
        ("/home/me/proj/out/b.txt", "out/b.txt"),
        ("/home/me/proj", "."),
        ("../proj/a.txt", "a.txt"),
        ("../../me/proj/src/*.c", "src/*.c"),
        ("a.txt", "a.txt"),  # already relative: untouched
        ("/home/me/project2/a.txt", "/home/me/project2/a.txt"),  # a sibling folder sharing the prefix
        ("../other/a.txt", "../other/a.txt"),
        ("/usr/include/stdio.h", "/usr/include/stdio.h"),
        ("..", ".."),
    ],
)
def test_a_path_reaching_inside_the_project_becomes_project_relative(path, expected):
    assert in_project(path, ("/home/me/proj",)) == expected


def test_a_project_at_the_root_of_the_disk():
    assert in_project("/a.txt", ("/",)) == "a.txt"


@pytest.fixture
def linked(tmp_path):
    """A project folder `real/proj` and a link to it, `link`."""
    real = tmp_path / "real" / "proj"
    real.mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    return real, link


def test_a_dotdot_path_climbs_from_the_resolved_folder(linked):
    """`..` is resolved by the kernel from the real folder, not from the link the user came through."""
    real, link = linked
    roots = project_roots(str(link))
    assert roots == (str(link), os.path.realpath(real))
    assert in_project("../proj/a.txt", roots) == "a.txt"
    assert in_project(f"{link}/a.txt", roots) == "a.txt"
    assert in_project(f"{real}/a.txt", roots) == "a.txt"


def test_an_absolute_path_through_a_link_to_the_project_is_recognised_when_asked(linked):
    real, link = linked
    roots = project_roots(str(real))
    assert in_project(f"{link}/out/a.txt", roots) == f"{link}/out/a.txt"  # a string test alone cannot tell
    assert in_project(f"{link}/out/a.txt", roots, resolve=True) == "out/a.txt"
    (real / "x").symlink_to("/etc/hostname")  # the name itself is a link out: still the project's `x`
    assert in_project(f"{link}/x", roots, resolve=True) == "x"
    assert in_project("/usr/include/stdio.h", roots, resolve=True) == "/usr/include/stdio.h"


def test_folder_resolver_names_folders_under_a_link_inside_the_project(tmp_path):
    from buildlike.paths import folder_resolver

    root = tmp_path / "p"
    (root / "real" / "sub").mkdir(parents=True)
    (root / "link").symlink_to("real")
    (root / "deep").mkdir()
    (root / "deep" / "up").symlink_to("..")
    (tmp_path / "outside").mkdir()
    (root / "ext").symlink_to(tmp_path / "outside")
    resolve = folder_resolver(str(root))
    assert resolve("link") == "real"
    assert resolve("link/sub") == "real/sub"
    assert resolve("link/not-yet") == "real/not-yet"
    assert resolve("deep/up") == "."
    assert resolve("real/sub") is None and resolve("missing/folder") is None
    assert resolve("ext") == os.path.realpath(tmp_path / "outside")  # leads outside
    assert resolve("ext/new/deeper") == os.path.realpath(tmp_path / "outside") + "/new/deeper"
