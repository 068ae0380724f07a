"""Found by a differential tester: `clean` leaves a folder output in place (README: "A folder output
stays whole, with a warning"), but forgot the record of the job that made it, so the next build
reruns that job as "never built" though its folder is there, its input comes back byte for byte and
its command is unchanged. SPEC, When a job runs: "A job is stale, and runs, when any of these holds,
and only then"; none of the seven holds for `site`, and early cutoff ("A job that reruns and writes
byte-identical outputs does not make its dependents run") should spare it once `all` rewrote the
same all.txt."""

MAESTRO = """
[rules.all]
inputs = ["notes.md"]
outputs = ["all.txt"]
run = ["echo all >> ran.log", "cat {input} > {output}"]

[rules.site]
inputs = ["all.txt"]
outputs = ["site"]
run = ["echo site >> ran.log", "mkdir -p site/pages", "cp all.txt site/pages/all.html"]
"""


def test_clean_keeps_record_of_kept_folder_output(make_project):
    p = make_project(MAESTRO, {"notes.md": "hello\n"})
    r = p.run("-j2")
    assert r.code == 0, r.text
    assert p.log() == ["all", "site"]
    (p.root / "ran.log").unlink()

    r = p.run("clean")
    assert r.code == 0, r.text
    assert not p.exists("all.txt")
    assert p.exists("site/pages/all.html")  # the folder output stays, as README says

    r = p.run("status")
    assert "site: never built" not in r.text, r.text

    r = p.run("-j2")
    assert r.code == 0, r.text
    # all.txt is remade with the same bytes; site's folder is there and unchanged
    assert p.log() == ["all"], r.text
