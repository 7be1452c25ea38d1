"""The operator's files run commands that exist: every `tutorbot` command line in
deploy/ parses with the real command line and gives settings the bot accepts."""

from __future__ import annotations

import argparse
import base64
import re
import shlex
from pathlib import Path

import pytest
import yaml

from adapters.cli import _parser
from adapters.discord_bot.config import settings_from as discord_settings
from adapters.telegram.command import settings_from as telegram_settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
# What an operator's environment would hold, well-formed but fake.
ENVIRONMENT = {
    "TUTORBOT_TELEGRAM_TOKEN": "123456789:" + "A" * 35,
    "TUTORBOT_TELEGRAM_WEBHOOK_SECRET": "s3cr3t-token",
    "TUTORBOT_DISCORD_TOKEN": ".".join([
        base64.b64encode(b"123456789012345678").decode().rstrip("="), "G1a2b3", "x" * 27]),
    "TUTORBOT_DISCORD_SHARDS": "4",
    "WEBHOOK_URL": "https://bot.example.org/telegram",
    "POSTGRES_PASSWORD": "secret",
}
SYSTEMD_INSTANCE = "0-1"


def _expanded(text: str) -> str:
    text = text.replace("%i", SYSTEMD_INSTANCE)
    return re.sub(r"\$\{(\w+)\}", lambda found: ENVIRONMENT[found[1]], text)


def command_lines() -> list[tuple[str, list[str]]]:
    """(where, the arguments after `tutorbot`) for every command line in deploy/."""
    found = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            key, _, value = line.partition("=")
            if key in ("ExecStart", "ExecStartPre"):
                words = shlex.split(_expanded(value))
                found.append((f"{unit.name} {key}", words[1:]))
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for name, service in compose["services"].items():
        if "command" in service:
            found.append((f"compose.yaml {name}", [_expanded(w) for w in service["command"]]))
    cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd is not None
    found.append(("Dockerfile CMD", yaml.safe_load(cmd[1])))
    return found


@pytest.mark.parametrize(("where", "arguments"), command_lines(),
                         ids=[where for where, _ in command_lines()])
def test_every_command_line_in_deploy_is_one_tutorbot_accepts(
    where: str, arguments: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)

    try:
        parsed: argparse.Namespace = _parser().parse_args(arguments)
    except SystemExit as refused:
        raise AssertionError(f"{where}: tutorbot refuses {arguments}") from refused
    settings = {"telegram": telegram_settings, "discord": discord_settings}[arguments[0]]

    assert settings(parsed) is not None


def test_the_deploy_files_cover_both_bots_and_their_scaling() -> None:
    lines = [" ".join(arguments) for _, arguments in command_lines()]

    assert any(line.startswith("telegram --webhook https://") for line in lines)
    assert any("--shard-count 2 --shard-ids 1" in line for line in lines)
    assert any(line.startswith("discord --check") for line in lines)
