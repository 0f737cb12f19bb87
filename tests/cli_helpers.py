"""Running the `formcheck` command in tests, and checking its one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_formcheck(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
                  cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m formcheck ARGS`` in a subprocess, output captured as text."""
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=cwd)


def run_formcheck_together(runs: dict[str, list[str]], env: dict[str, str] | None = None,
                            envs: dict[str, dict[str, str]] | None = None,
                            timeout: float = 300) -> dict[str, subprocess.CompletedProcess[str]]:
    """Each ``python -m formcheck ARGS`` of ``runs`` in its own subprocess, all started at once (for sessions that
    play a clip in real time and mostly wait for its frames); waits for every one. ``envs`` gives a run its own
    environment (else ``env``). Output captured as text."""
    envs = envs or {}
    procs = {name: subprocess.Popen([sys.executable, "-m", "formcheck", *args], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=envs.get(name, env))
             for name, args in runs.items()}
    results = {}
    try:
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=timeout)
            results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def assert_one_line_error(result: subprocess.CompletedProcess[str], exit_code: int, *needles: str) -> str:
    """The run failed with ``exit_code`` and one ``formcheck: error:`` line holding every needle; returns it."""
    assert result.returncode == exit_code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    assert lines[0].startswith("formcheck: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
