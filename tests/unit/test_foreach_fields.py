"""Unit tests of `jobs.foreach_fields`: `{path}`, `{name}`, `{stem}` and `{dir}` (SPEC: placeholders)."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildlike.jobs import foreach_fields


@pytest.mark.parametrize(
    ("path", "name", "stem", "folder"),
    [
        ("src/a.c", "a.c", "a", "src"),
        ("a.c", "a.c", "a", "."),  # SPEC: `{dir}` of a top-level file is `.`
        ("src/lib/util.test.c", "util.test.c", "util.test", "src/lib"),  # only the last suffix goes
        ("data/archive.tar.gz", "archive.tar.gz", "archive.tar", "data"),
        ("bin/tool", "tool", "tool", "bin"),
        ("conf/.env", ".env", ".env", "conf"),  # a leading dot is not a suffix
        ("conf/.env.local", ".env.local", ".env", "conf"),
        ("a b/it's.txt", "it's.txt", "it's", "a b"),
        ("v1.2/x", "x", "x", "v1.2"),  # a dot in the folder is not the file's suffix
    ],
)
def test_foreach_fields_split_a_match_into_name_stem_and_folder(path, name, stem, folder):
    assert foreach_fields(path) == {"path": path, "name": name, "stem": stem, "dir": folder}


@given(
    st.lists(
        st.text(alphabet="abc.-_ ", min_size=1, max_size=6).filter(lambda s: s not in (".", "..")),
        min_size=1,
        max_size=4,
    )
)
def test_dir_and_name_put_back_together_give_the_path(parts):
    path = "/".join(parts)
    f = foreach_fields(path)
    assert posixpath.normpath(posixpath.join(f["dir"], f["name"])) == posixpath.normpath(path)
    assert f["name"].startswith(f["stem"])
    assert "/" not in f["name"]
