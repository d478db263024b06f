"""The command tree against the real server (in-process, as `purrr` runs it with no daemon):
output contract, exit codes, name resolution."""

from __future__ import annotations

import json

import pytest

from purrr_cli import output
from tests.cli.conftest import HOSTED_URL, PASSWORD, Recorder, login


def test_list_piped_is_tsv_without_ansi(adopt, cli) -> None:
    adopt("Mittens")
    result = cli("cats", "list")
    assert result.code == 0
    assert result.out.splitlines()[0].split("\t")[:3] == ["1", "Mittens", "playful"]
    assert "\x1b[" not in result.out


def test_empty_list_is_ok_and_quiet_on_stdout(local_server: Recorder, cli) -> None:
    result = cli("cats", "list")
    assert (result.code, result.out) == (0, "")
    assert "adopt" in result.err
    assert json.loads(cli("cats", "list", "--json").out) == []


def test_json_prints_all_fields_or_the_chosen_ones(adopt, cli) -> None:
    adopt("Mittens")
    full = json.loads(cli("cats", "list", "--json").out)
    table = cli("cats", "list").out.splitlines()[0].split("\t")
    assert len(full[0]) > len(table)  # every field the server sent, not only the table's
    assert full[0]["genotype"] and full[0]["phenotype"]["name"]
    assert json.loads(cli("cats", "list", "--json", "id,name").out) == [
        {"id": 1, "name": "Mittens"}
    ]
    assert json.loads(cli("cats", "show", "1", "--json=name").out) == {"name": "Mittens"}


def test_unknown_json_field_is_a_usage_error_listing_fields(adopt, cli) -> None:
    adopt("Mittens")
    result = cli("cats", "list", "--json", "id,nope")
    assert result.code == 2
    assert "nope" in result.err and "name" in result.err


def test_json_before_a_positional_name_keeps_the_name(adopt, cli) -> None:
    adopt("Mittens")
    result = cli("cats", "show", "--json", "Mittens")
    assert result.code == 0
    assert json.loads(result.out)["name"] == "Mittens"


def test_jq_filters_and_prints_strings_raw(adopt, cli) -> None:
    adopt("Mittens")
    adopt("Bo", personality="curious")
    assert cli("cats", "list", "--jq", ".[].name").out == "Mittens\nBo\n"
    result = cli(
        "cats", "list", "--jq", '[.[] | select(.personality_type == "curious") | {id, name}]'
    )
    assert json.loads(result.out) == [{"id": 2, "name": "Bo"}]


def test_show_by_unique_name_and_ambiguous_name(adopt, cli) -> None:
    adopt("Mittens")
    assert json.loads(cli("cats", "show", "mittens", "--json").out)["id"] == 1
    adopt("Mittens")
    result = cli("cats", "show", "Mittens")
    assert result.code == 2
    assert "ids 1, 2" in result.err


def test_single_object_on_a_terminal_is_a_table(adopt, cli, monkeypatch) -> None:
    adopt("Mittens")
    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    monkeypatch.setenv("NO_COLOR", "1")
    result = cli("cats", "show", "1")
    assert result.code == 0
    assert "Mittens" in result.out and "\t" not in result.out
    assert "\x1b[" not in result.out


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("cats", "show", "9"), 3),
        (("cats", "show", "Nobody"), 3),
        (("cats", "lis"), 2),
        (("cats", "feed", "1", "--quantity", "many"), 2),
        (("cats", "feed", "1", "--food", "rocks"), 1),
        (("api", "FETCH", "cats"), 2),
    ],
)
def test_exit_codes(adopt, cli, args: tuple[str, ...], code: int) -> None:
    adopt("Mittens")
    result = cli(*args)
    assert result.code == code, result.err
    assert "Traceback" not in result.err


def test_validation_error_names_the_bad_value_and_json_error_goes_to_stderr(adopt, cli) -> None:
    adopt("Mittens")
    assert "'rocks'" in cli("cats", "feed", "1", "--food", "rocks").err
    result = cli("cats", "feed", "1", "--food", "rocks", "--json")
    assert result.out == ""
    error = json.loads(result.err)
    assert error["code"] == "VALIDATION_ERROR" and "rocks" in error["message"]
    assert set(error) == {"code", "message", "details"}


def test_full_cat_is_a_conflict(adopt, cli) -> None:
    adopt("Mittens")
    codes = [cli("cats", "feed", "Mittens", "--food", "salmon", "--portion", "large").code]
    while codes[-1] == 0 and len(codes) < 10:
        codes.append(cli("cats", "feed", "Mittens", "--food", "salmon", "--portion", "large").code)
    assert codes[0] == 0 and codes[-1] == 5, codes


def test_usage_error_with_json_is_a_json_object(cli) -> None:
    result = cli("cats", "feed", "1", "--quantity", "many", "--json")
    assert result.code == 2
    assert json.loads(result.err)["code"] == "USAGE_ERROR"


def test_writes_send_an_idempotency_key_and_reads_do_not(
    adopt, cli, local_server: Recorder
) -> None:
    adopt("Mittens")
    local_server.requests.clear()
    assert cli("cats", "feed", "Mittens", "--food", "salmon").code == 0  # a read finds the id
    (feed,) = [r for r in local_server.requests if r.method == "POST"]
    assert len(feed.headers["Idempotency-Key"]) == 36
    assert json.loads(feed.content) == {"food_item": "salmon"}
    reads = [r for r in local_server.requests if r.method == "GET"]
    assert reads and all("Idempotency-Key" not in r.headers for r in reads)


def test_release_needs_yes_without_a_terminal(adopt, cli) -> None:
    adopt("Mittens")
    result = cli("cats", "release", "Mittens")
    assert result.code == 2 and "--yes" in result.err
    assert cli("cats", "show", "1").code == 0
    assert cli("cats", "release", "Mittens", "--yes").code == 0
    assert json.loads(cli("cats", "list", "--json").out) == []


def test_adopt_prints_the_new_cat(local_server: Recorder, cli) -> None:
    result = cli("cats", "adopt", "Luna", "--personality", "curious", "--json")
    assert result.code == 0
    cat = json.loads(result.out)
    assert (cat["id"], cat["name"], cat["personality_type"]) == (1, "Luna", "curious")


def test_default_cat_from_config(adopt, cli) -> None:
    adopt("Mittens")
    assert cli("cats", "show").code == 2
    assert cli("config", "set", "default_cat_id", "1").code == 0
    assert json.loads(cli("cats", "show", "--json").out)["name"] == "Mittens"


def test_api_command_prints_the_envelope_and_sends_fields(
    adopt, cli, local_server: Recorder
) -> None:
    adopt("Mittens")
    result = cli("api", "POST", "cats/1/feed", "-f", "food_item=salmon", "-F", "quantity=2")
    assert result.code == 0, result.err
    assert json.loads(result.out)["success"] is True
    assert json.loads(local_server.requests[-1].content) == {"food_item": "salmon", "quantity": 2}
    assert cli("api", "GET", "cats", "--jq", ".data[0].name").out == "Mittens\n"


def test_every_command_has_help_with_examples(cli) -> None:
    from purrr_cli.app import GROUPS, load_group

    for name in GROUPS:
        group = load_group(name)
        commands = list(getattr(group, "commands", {name: group}).values())
        while commands:
            command = commands.pop()
            if getattr(command, "commands", None):  # a nested group: `purrr cats devices`
                commands.extend(command.commands.values())
                continue
            assert command.help, f"{name} {command.name} has no help"
            assert "Examples" in (command.epilog or ""), f"{name} {command.name} has no examples"


def test_help_documents_hunger_as_satiation(cli) -> None:
    result = cli("cats", "--help")
    assert result.code == 0
    assert "satiation" in result.out and "100 = full" in result.out


def test_shell_completion_offers_groups_and_catalogue_values(monkeypatch, capsys) -> None:
    from purrr_cli.app import run

    for words, cword, expected in (
        ("purrr ca", "1", "cats"),
        ("purrr cats feed 1 --food sa", "5", "salmon"),
    ):
        monkeypatch.setenv("_PURRR_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", words)
        monkeypatch.setenv("COMP_CWORD", cword)
        with pytest.raises(SystemExit) as stop:
            run([])
        assert stop.value.code == 0
        assert capsys.readouterr().out.split() == [expected]


def test_completion_prints_a_script(cli) -> None:
    result = cli("completion", "bash")
    assert result.code == 0 and "_PURRR_COMPLETE" in result.out
    assert cli("completion", "tcsh").code == 2


def test_password_login_for_scripts_reads_stdin(hosted_server: Recorder, cli, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    done = cli("auth", "login", "-u", "alice", "--password-stdin", "--server", HOSTED_URL)
    assert done.code == 0, done.err
    assert "as alice" in done.err
    profile = cli("auth", "status", "--server", HOSTED_URL, "--json")
    assert profile.code == 0, profile.err
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong horse\n"))
    refused = cli("--server", HOSTED_URL, "auth", "login", "-u", "alice", "--password-stdin")
    assert refused.code == 4 and "invalid username or password" in refused.err


def test_password_stdin_needs_a_username(hosted_server: Recorder, cli) -> None:
    done = cli("auth", "login", "--password-stdin", "--server", HOSTED_URL)
    assert done.code == 2 and "--username" in done.err


def test_rate_limited_is_exit_6_naming_the_wait(hosted_server: Recorder, cli, monkeypatch) -> None:
    monkeypatch.setenv("PURRR_TOKEN", login(hosted_server))
    codes = [cli("cats", "list", "--server", HOSTED_URL).code for _ in range(5)]
    assert codes == [0] * 5  # the free tier's 5 requests a minute (tests/cli/conftest.py)
    limited = cli("cats", "list", "--server", HOSTED_URL)
    assert limited.code == 6 and "Traceback" not in limited.err
    assert "rate limit" in limited.err.lower(), limited.err


def test_remote_failures_keep_their_exit_codes(
    tmp_path, local_server: Recorder, cli, monkeypatch
) -> None:
    """`purrr sync` against a real hosted server process: a refused key is exit 4, a remote
    that is down is exit 7, and local play goes on."""
    import io

    from tests.sync.servers import ServerProcess, register

    remote = ServerProcess(tmp_path / "remote", hosted=True).start()
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(register(remote.url)))
        linked = cli("remote", "link", remote.url, "--api-key", "-", "--yes")
        assert linked.code == 0, linked.err
        assert cli("cats", "adopt", "Offline", "--personality", "lazy").code == 0
        monkeypatch.setenv("PURRR_REMOTE_API_KEY", "pk_not_a_key")
        refused = cli("sync")
        assert refused.code == 4 and "refused the API key" in refused.err, refused.err
        monkeypatch.delenv("PURRR_REMOTE_API_KEY")
    finally:
        remote.stop()
    down = cli("sync")
    assert down.code == 7 and "nothing is lost" in down.err, down.err
    assert json.loads(cli("cats", "list", "--json").out)[0]["name"] == "Offline"
