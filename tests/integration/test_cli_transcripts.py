"""Transcript tests of the `caas` client against a real caasd that mails to an SMTP capture.

Each tests/integration/transcripts/*.txt is one test: the commands a user types, the exact
stdout and stderr lines, the exit codes (format and runner: transcript.py). Every transcript gets
its own caasd, work folder and simulated users.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from accounts import smtp, start_server  # noqa: F401 (fixture)
from transcript import TranscriptRunner



def transcripts() -> list:
    """Each transcript, marked xfail (strict) when it says `# xfail: REASON`: a known bug that
    the test pins down until it is fixed."""
    params = []
    for path in sorted((Path(__file__).parent / "transcripts").glob("*.txt")):
        reasons = [line.split(":", 1)[1].strip() for line in path.read_text().splitlines()
                   if line.startswith("# xfail:")]
        marks = [pytest.mark.xfail(strict=True, reason=" ".join(reasons))] if reasons else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", transcripts())
def test_transcript(path, tmp_path_factory, smtp):  # noqa: F811
    # `# server: NAME=VALUE …` sets caasd's environment for this transcript.
    settings = dict(word.split("=", 1) for line in path.read_text().splitlines()
                    if line.startswith("# server:") for word in line.split(":", 1)[1].split())
    server = start_server(tmp_path_factory, smtp, "cli-" + path.stem, **settings)
    work = tmp_path_factory.mktemp("work-" + path.stem)
    runner = TranscriptRunner(server, smtp, work, path.name)
    try:
        runner.run(path.read_text())
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- steps so far ---\n" + "\n".join(runner.log) +
                             f"\n{server.logs()[-4000:]}") from None
    finally:
        server.cleanup()
