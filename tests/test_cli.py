"""The command line as a whole: ``formcheck`` with no command, and output into a pipe its reader has closed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cli_helpers import run_formcheck

from formcheck.cli import EXIT_CLOSED_PIPE


def test_no_command_prints_the_help_and_exits_0() -> None:
    """Plain ``formcheck`` is not an error (it used to exit 2, the code of a source error)."""
    result = run_formcheck()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: formcheck") and "analyze" in result.stdout and "live" in result.stdout
    assert result.stderr == ""
    assert run_formcheck("--help").stdout == result.stdout


def _into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """``formcheck ARGS`` writing into a pipe whose reader, ``head -1``, has already read its line and gone."""
    read_fd, write_fd = os.pipe()
    try:
        with subprocess.Popen(["head", "-1"], stdin=read_fd, stdout=subprocess.PIPE) as head:
            os.close(read_fd)
            read_fd = -1
            os.write(write_fd, b"a line for head\n")
            assert head.communicate(timeout=10)[0] == b"a line for head\n"  # head has exited: no reader left
        return subprocess.run([sys.executable, "-m", "formcheck", *args], stdout=write_fd, stderr=subprocess.PIPE,
                              text=True, timeout=60, check=False)
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)


@pytest.mark.parametrize("args", [["exercises", "show", "cat-cow"], ["exercises"]], ids=["show", "list"])
def test_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    """``formcheck exercises show NAME | head -1`` gave a BrokenPipeError traceback."""
    result = _into_closed_pipe(*args)
    assert result.stderr == ""
    assert result.returncode == EXIT_CLOSED_PIPE == 141


def test_head_in_a_real_pipeline_gets_the_first_line_and_nothing_is_said() -> None:
    """The pipeline as a user types it (whether the pipe closes before formcheck is done depends on timing)."""
    for _ in range(3):
        result = subprocess.run(f"{sys.executable} -m formcheck exercises show cat-cow | head -1; "
                                'exit "${PIPESTATUS[0]}"', shell=True, executable="/bin/bash", capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.stdout == "Cat-cow (cat-cow)\n"
        assert result.stderr == ""
        assert result.returncode in (0, EXIT_CLOSED_PIPE)
