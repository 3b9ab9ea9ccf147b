"""What the client's messages promise, checked by doing what they say."""
from __future__ import annotations

import re
import uuid

import pytest

from accounts import smtp, start_server  # noqa: F401 (fixture)
from cli_support import CliUser


@pytest.fixture
def pair(tmp_path_factory, smtp):  # noqa: F811
    server = start_server(tmp_path_factory, smtp, "messages")
    users = [CliUser(server, smtp, tmp_path_factory.mktemp(f"msg-{name}"),
                     f"{name}-{uuid.uuid4().hex[:10]}@example.com", f"{name} pass phrase 1234")
             for name in ("owner", "grantee")]
    yield users
    server.cleanup()


def test_the_first_share_note_names_commands_that_show_the_fingerprint(pair):
    owner, grantee = pair
    for user in pair:
        user.register()
    owner.login()
    grantee_fp = grantee.login()["fingerprint"]
    (owner.cwd / "f.txt").write_text("f\n")
    owner.run("upload", "f.txt")
    note = owner.run("share", "f.txt", grantee.email).stderr.decode()
    assert grantee_fp in note
    commands = re.findall(r"`caas ([a-z -]+?)`", note)
    assert commands, note
    for command in commands:
        if command == "login":
            continue  # login prints it (checked above through --json)
        shown = grantee.run(*command.split()).stdout.decode()
        assert grantee_fp in shown, f"`caas {command}` does not show the fingerprint: {shown}"
