"""A batch on a Ray cluster: one Ray task per video, each calling :func:`formcheck.batch.local.analyze_one`
(so :func:`formcheck.api.analyze`) with the paths the driver gives; the driver keeps ``batch.csv``.

Needs the optional extra (``pip install 'formcheck[ray]'``) on the driver and formcheck installed on every
node. The videos and the output folder must be at the same paths on every node (on one machine they are; on
a cluster, a shared file system): each task reads its video and writes its results itself, into the folder
the driver asks for, through the same :class:`~formcheck.output_folder.OutputFolder` as the local backend, so
skip, ``force`` and the ``.partial`` files behave the same.

The model is loaded once per worker process (MediaPipe imported, the model file checked and read, on the
worker's first video; Ray reuses its workers); as in the local backend each video still gets a fresh
landmarker, since MediaPipe's video mode carries tracking state from one frame to the next.

Ctrl-C on the driver cancels the batch: videos not started are not started (their rows stay ``pending``),
a video in progress gets Ray's cancel, which arrives in the task as SIGINT: the analysis stops at the frame
in hand and saves the frames so far (``interrupted``), as the local backend does.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from formcheck.errors import ConfigError
from formcheck.options import AnalysisOptions

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'formcheck[ray]'"

#: How long the driver waits for a cluster's address to answer before it says it cannot reach it.
CONNECT_TIMEOUT_S = 10.0
#: How long the driver waits, after Ctrl-C, for the videos in progress to save their frames so far.
CANCEL_WAIT_S = 60.0

Finish = Callable[[int, str, "dict[str, Any] | None", str], None]


def import_ray() -> ModuleType:
    """Ray, or a ConfigError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--backend ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def local_num_cpus() -> int:
    """The cores this process may run on (what a local Ray is given)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """A ``HOST:PORT`` (or ``ray://HOST:PORT``) address answers a TCP connection within ``timeout_s``; Ray's own
    connect keeps retrying a wrong address for minutes. Other forms (``auto``) are left to Ray.

    Raises:
        ConfigError: nothing answers there.
    """
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot reach the Ray cluster at {address} ({reason}): check --ray-address (the head "
                          "node's address, as 'ray status' there shows it), or leave it out to run on this machine"
                          ) from None


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[ModuleType]:
    """Ray, connected for the ``with`` block.

    Reuses a Ray this process already started (``ray.init`` by a script or a test) and leaves it running.
    Otherwise connects to the cluster at ``address`` (``auto``: the one ``ray start`` runs on this machine or
    ``RAY_ADDRESS``; ``ray://HOST:10001``: Ray Client), or with no address starts a Ray of its own on this
    machine: ``num_cpus`` (default: this machine's cores), bound to 127.0.0.1, no dashboard, no usage
    statistics sent, its log kept out of the terminal; and shuts down what it started or connected at the end.

    Raises:
        ConfigError: Ray is not installed, or the cluster cannot be reached.
    """
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    verbose = logging.getLogger("formcheck").isEnabledFor(logging.DEBUG)
    quiet: dict[str, Any] = {"logging_level": logging.INFO if verbose else logging.ERROR, "log_to_driver": verbose}
    if address is None:
        # nothing leaves the machine: no usage report to ray.io, the node on the loopback address
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        options = {"address": "local", "num_cpus": num_cpus or local_num_cpus(), "include_dashboard": False,
                   "_node_ip_address": "127.0.0.1", **quiet}
    else:
        check_reachable(address)
        options = {"address": address, **quiet}
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        fix = ("check --ray-address (the head node's address, as 'ray status' there shows it), or leave it out to "
               "run on this machine") if address else "see 'ray start --head' to start one by hand"
        raise ConfigError(f"cannot start {where} ({first}): {fix}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


@functools.cache
def _warm_worker(model: Path | None) -> None:
    """Once per worker process: MediaPipe imported and the model read (its problems are reported per video)."""
    try:
        import mediapipe  # noqa: F401

        from formcheck import pose

        Path(model if model is not None else pose.default_model_path()).read_bytes()
    except Exception:
        log.debug("Ray worker start-up: the model could not be preloaded", exc_info=True)


def analyze_task(video: Path, out_dir: Path, options: AnalysisOptions, cwd: str
                 ) -> tuple[str, dict[str, Any] | None, str]:
    """The Ray task: one video, in the driver's working folder (relative paths mean what they meant there,
    and the summary names the video as the local backend does) when this node has that folder."""
    from formcheck.batch.local import analyze_one

    _warm_worker(options.model)
    previous = os.getcwd()
    moved = cwd != previous and os.path.isdir(cwd)
    if moved:
        os.chdir(cwd)
    try:
        return analyze_one(Path(video), Path(out_dir), options)
    finally:
        if moved:
            os.chdir(previous)


def _task_error(ray: ModuleType, exc: BaseException) -> str:
    """One line for a task that Ray could not run or finish."""
    if isinstance(exc, ray.exceptions.WorkerCrashedError):
        return "the Ray worker process ended unexpectedly while analysing this video"
    if isinstance(exc, ray.exceptions.NodeDiedError):
        return "the Ray node running this video went away"
    cause = getattr(exc, "cause", None)
    if isinstance(exc, ray.exceptions.RayTaskError) and cause is not None:
        exc = cause
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return f"Ray: {type(exc).__name__}: {lines[-1].strip() if lines else ''}".rstrip(": ")


def run_ray(todo: list[int], videos: list[Path], dirs: list[Path], options: AnalysisOptions, jobs: int | None,
            finish: Finish) -> bool:
    """Runs the videos ``todo`` as Ray tasks, at most ``jobs`` at once (default: the cluster's CPUs), calling
    ``finish(i, status, summary, error)`` as each ends; returns True when Ctrl-C stopped the batch.

    On the Ray this process is connected to (:func:`ray_session`; without one, a local Ray for the call)."""
    with ray_session() as ray:
        task = ray.remote(num_cpus=1, max_retries=0)(analyze_task)
        limit = jobs if jobs is not None else max(1, int(ray.cluster_resources().get("CPU", 1)))
        cwd = os.getcwd()
        queue = list(todo)
        running: dict[Any, int] = {}

        def submit() -> None:
            while queue and len(running) < limit:
                i = queue.pop(0)
                running[task.remote(videos[i], dirs[i], options, cwd)] = i

        def collect(ref: Any) -> None:
            i = running.pop(ref)
            try:
                result = ray.get(ref)
            except ray.exceptions.TaskCancelledError:
                return  # not started before Ctrl-C: its row stays pending
            except ray.exceptions.RayError as exc:
                result = ("failed", None, _task_error(ray, exc))
            finish(i, *result)

        try:
            submit()
            while running:
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    collect(ref)
                submit()
        except KeyboardInterrupt:
            log.debug("batch: stopping the Ray tasks")
            queue.clear()
            for ref in running:
                ray.cancel(ref)  # a task in progress gets SIGINT: it saves its frames so far
            if running:
                ready, _ = ray.wait(list(running), num_returns=len(running), timeout=CANCEL_WAIT_S)
                for ref in ready:
                    collect(ref)
            return True
        finally:
            for ref in running:  # a second Ctrl-C: stop at once
                ray.cancel(ref, force=True)
    return False
