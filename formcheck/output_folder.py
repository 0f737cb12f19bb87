"""The output folder of one run: one run at a time, and files that are either finished or clearly partial.

``formcheck analyze`` writes its files through an :class:`OutputFolder`:

1. entering it refuses an input (the video, the model) that is one of the output paths, compared after
   resolving symlinks (``analyze d/annotated.mp4 --out d --force`` would overwrite the video it reads);
2. then it creates the folder if needed (remembering that it did) and takes a lock on it for the run
   (``.formcheck.lock``, ``fcntl.flock``, holding the pid): a second run into the same folder refuses with one
   line that names the first;
3. it refuses outputs of an earlier run (any of formcheck's own names, also those this run would not write)
   unless ``force``, and removes what a killed run left behind, saying so;
4. each output is written under a temporary name, ``NAME.partial`` (:meth:`OutputFolder.partial`);
5. :meth:`OutputFolder.commit` puts the whole set in place: the previous ``summary.json`` is removed first,
   then the outputs of an earlier run that this one does not write (``--force --no-video`` leaves no old
   ``annotated.mp4``), then each file is renamed to its final name, ``summary.json`` last;
6. leaving it on an error removes this run's partial files, and the folder too if this run created it and it
   is still empty; the lock is released (its file removed) in every case.

So a run killed outright (SIGKILL) leaves the previous finished set untouched beside ``*.partial``
files, never a file under a final name that is not finished; the next run removes them and says so. The few
renames of step 5 are written down first in a journal (``.formcheck-commit``): a run killed between them is
finished by the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from formcheck.errors import OutputError
from formcheck.sinks import write_error

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
LOCK_NAME = ".formcheck.lock"
JOURNAL_NAME = ".formcheck-commit"


def partial_name(name: str) -> str:
    """The name an output is written under until the run's whole set is finished: ``NAME.partial``."""
    return name + PARTIAL_SUFFIX


class OutputFolder:
    """One run's output folder (see the module's description). Use as a context manager.

    Args:
        out_dir: the folder (created if needed).
        names: the files this run writes; ``marker`` among them.
        known_names: every output name of the command (``names`` and those other options write); outputs of
            an earlier run under these names are refused without ``force`` and replaced or removed with it.
        force: replace an earlier run's outputs.
        inputs: files the run reads, by what they are (``{"video": path}``): none may be an output path.
        marker: the file that says a set is finished; put in place last.
        description: what the run is, for the lock (``analyze plank.mp4``): a second run names it.

    Raises:
        OutputError: the folder is a file, cannot be created or written, is in use by another run, holds an
            earlier run's outputs without ``force``, an input is one of the outputs, or the disk is full.
    """

    def __init__(self, out_dir: Path, names: Sequence[str], *, known_names: Sequence[str], force: bool,
                 inputs: Mapping[str, Path | None] | None = None, marker: str = "summary.json",
                 description: str = "") -> None:
        self.dir = Path(out_dir).expanduser()
        self.names = list(names)
        self.known_names = list(dict.fromkeys([*known_names, *names]))
        self.force = force
        self.inputs = {k: Path(v) for k, v in (inputs or {}).items() if v is not None}
        self.marker = marker
        self.description = description
        self.committed = False
        self._created: list[Path] = []
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------------------------------- paths
    def final(self, name: str) -> Path:
        """Where ``name`` ends up."""
        return self.dir / name

    def partial(self, name: str) -> Path:
        """Where ``name`` is written until :meth:`commit`."""
        return self.dir / partial_name(name)

    # ------------------------------------------------------------------------------------------- enter
    def __enter__(self) -> OutputFolder:
        self._check_inputs()
        out = self.dir
        if out.exists() and not out.is_dir():
            raise OutputError(f"output folder {out} is a file: choose another folder with --out DIR")
        self._create()
        try:
            self._lock()
            self._finish_interrupted_commit()
            existing = [name for name in self.known_names if self.final(name).exists()]
            if existing and not self.force:
                raise OutputError(
                    f"{out} already holds {', '.join(existing)}: choose another folder with --out DIR, "
                    "or add --force to overwrite them"
                )
            self._remove_leftovers()
            try:
                with tempfile.NamedTemporaryFile(dir=out, prefix=".formcheck-write-test-"):
                    pass
            except OSError as exc:
                raise OutputError(f"cannot write to output folder {out} ({exc.strerror}): "
                                  "choose another with --out DIR") from None
        except BaseException:
            self._release(remove_created=True)
            raise
        return self

    def _check_inputs(self) -> None:
        """Refuses an input that is one of the paths this run may write, replace or remove."""
        out = self.dir.resolve()
        ours = [*self.known_names, *(partial_name(n) for n in self.known_names), LOCK_NAME, JOURNAL_NAME]
        for what, path in self.inputs.items():
            source = path.expanduser().resolve()
            for name in ours:  # (a hard link elsewhere survives: outputs are renamed into place, not rewritten)
                if (out / name).resolve() == source:
                    raise OutputError(
                        f"the {what} {path} is the output file {self.dir / name}, which this run would overwrite "
                        f"or remove: move the {what} out of {self.dir} or choose another folder with --out DIR")

    def _create(self) -> None:
        missing = []
        p = self.dir
        while not p.exists() and p != p.parent:
            missing.append(p)
            p = p.parent
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create output folder {self.dir} ({exc.strerror}): "
                              "choose another with --out DIR") from None
        self._created = missing  # deepest first

    def _lock(self) -> None:
        path = self.dir / LOCK_NAME
        for _ in range(20):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise write_error(exc, path) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputError(f"another formcheck run ({holder}) is writing to {self.dir}: wait for it to "
                                  "finish, or choose another folder with --out DIR") from None
            except OSError as exc:  # a file system without locks (some network shares): go on unlocked
                log.debug("cannot lock %s (%s): going on without a lock", path, exc.strerror)
            try:  # the run that held it may have removed it (and a third made a new one): lock the one in place
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        else:
            raise OutputError(f"cannot lock output folder {self.dir}: choose another with --out DIR")
        self._lock_fd = fd
        text = f"pid {os.getpid()}" + (f": {self.description}" if self.description else "") + "\n"
        try:  # who holds it, for a second run's message (a full disk leaves it empty: the lock still holds)
            os.ftruncate(fd, 0)
            os.pwrite(fd, text.encode("utf-8", "replace"), 0)
        except OSError as exc:
            log.debug("cannot write %s (%s)", path, exc.strerror)

    def _finish_interrupted_commit(self) -> None:
        """An earlier run killed while putting its finished files in place: finish putting them there."""
        journal = self.dir / JOURNAL_NAME
        if not journal.exists():
            return
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
            put, remove = list(plan["put"]), list(plan["remove"])
        except (OSError, ValueError, KeyError, TypeError):
            journal.unlink(missing_ok=True)  # never written whole (it is renamed into place): nothing was moved
            return
        self._apply(put, remove, str(plan.get("marker", self.marker)))
        log.warning("an earlier run was stopped while putting its finished files in place in %s: "
                    "finished putting them there", self.dir)

    def _remove_leftovers(self) -> None:
        """Removes the partial and temporary files a killed run left, and says so."""
        found = [self.partial(n) for n in self.known_names if self.partial(n).exists()]
        # hidden temporary files of formcheck's own writers: write_json's, the journal's, the write test's
        patterns = [f".{n}.*.tmp" for n in self.known_names] + [f".{partial_name(n)}.*.tmp" for n in self.known_names]
        patterns += [f"{JOURNAL_NAME}.tmp", ".formcheck-write-test-*"]
        for pattern in patterns:
            found += [p for p in self.dir.glob(pattern) if p.is_file() and p not in found]
        removed = []
        for p in found:
            try:
                p.unlink()
                removed.append(p.name)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise OutputError(f"cannot remove {p}, left by an earlier run that did not finish "
                                  f"({exc.strerror}): remove it or choose another folder with --out DIR") from None
        if removed:
            log.warning("removed what an earlier run that did not finish left in %s: %s",
                        self.dir, ", ".join(sorted(removed)))

    # ------------------------------------------------------------------------------------------- commit
    def commit(self) -> None:
        """Puts this run's finished files in place (every name in ``names`` must have been written to
        :meth:`partial`), replacing the previous set and removing outputs this run does not write."""
        missing = [n for n in self.names if not self.partial(n).exists()]
        if missing:
            raise RuntimeError(f"commit before writing {', '.join(missing)}")
        for name in self.names:
            _fsync_file(self.partial(name))
        remove = [n for n in self.known_names if n not in self.names]
        journal = self.dir / JOURNAL_NAME
        plan = json.dumps({"put": self.names, "remove": remove, "marker": self.marker})
        with _signals_blocked():
            tmp = journal.with_name(journal.name + ".tmp")
            try:
                tmp.write_text(plan + "\n", encoding="utf-8")
                _fsync_file(tmp)
                os.replace(tmp, journal)
                _fsync_dir(self.dir)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise write_error(exc, self.final(self.marker)) from None
            self._apply(self.names, remove, self.marker)
            self.committed = True

    def _apply(self, put: Sequence[str], remove: Sequence[str], marker: str) -> None:
        """The renames of a commit, in an order that never leaves a summary beside data that is not its own;
        safe to repeat (a run killed halfway is finished by the next)."""
        if (self.dir / partial_name(marker)).exists():
            (self.dir / marker).unlink(missing_ok=True)  # first: no summary describes what follows
        for name in remove:
            (self.dir / name).unlink(missing_ok=True)
        for name in sorted(put, key=lambda n: n == marker):  # the marker last
            src = self.dir / partial_name(name)
            if src.exists():
                os.replace(src, self.dir / name)
        _fsync_dir(self.dir)
        (self.dir / JOURNAL_NAME).unlink(missing_ok=True)

    # ------------------------------------------------------------------------------------------- exit
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.committed:
            for name in self.names:  # this run's unfinished files
                self.partial(name).unlink(missing_ok=True)
        self._release(remove_created=not self.committed)

    def _release(self, *, remove_created: bool) -> None:
        if self._lock_fd is not None:
            (self.dir / LOCK_NAME).unlink(missing_ok=True)  # while still holding it (see _lock)
            os.close(self._lock_fd)
            self._lock_fd = None
        if remove_created:
            for d in self._created:  # a folder this run made and left empty goes too (deepest first)
                try:
                    d.rmdir()
                except OSError:
                    break
            self._created = []


def _read_holder(fd: int) -> str:
    """What the lock file says about the run holding it (``pid 1234: analyze clip.mp4``)."""
    for _ in range(10):  # the holder writes it just after taking the lock
        with contextlib.suppress(OSError):
            text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            if text:
                return text.splitlines()[0]
        time.sleep(0.02)
    return "pid unknown"


def _fsync_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Holds back SIGINT, SIGTERM and SIGHUP (delivered after the block) so a commit is not cut in the middle."""
    signals = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    except (OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
