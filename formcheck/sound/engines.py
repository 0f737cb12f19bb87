"""Where sounds go: the speakers (a worker process of their own) and the sound log (JSON lines).

Speech is pyttsx3 (the optional extra ``pip install 'formcheck[voice]'``), which drives espeak-ng on Linux,
NSSpeechSynthesizer on macOS and SAPI5 on Windows, all offline. Beeps are sine tones played with sounddevice
(it comes with mediapipe; on Linux it needs PortAudio: ``apt install libportaudio2``).

Audio plays in a child process (:class:`AudioWorker`), never on the capture, pose or drawing threads: its
own main thread runs pyttsx3's loop, which on macOS hangs when run on any other thread (pyttsx3's known
run-loop problem), and its Python does not share the session's GIL. On Linux pyttsx3's espeak driver plays
through ``aplay``; the worker instead renders the words to samples (:func:`render_speech`) and plays them with
sounddevice like the beeps, so one audio device check covers both.

With no audio device or no speech engine, :func:`open_output` says so in one warning and returns a silent
output: the session goes on, the sound log still says what the coach said.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import tempfile
import wave
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import OutputError
from formcheck.sound.rules import SoundRules, Tone
from formcheck.sound.scheduler import Sound

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 22_050
FADE_S = 0.01
#: How long the worker may take to start its speech engine and find the device.
START_TIMEOUT_S = 15.0
#: How long closing waits for what is still playing.
DRAIN_TIMEOUT_S = 5.0
NO_SOUND = "the session goes on without sound"


def tone_samples(tone: Tone, rate_hz: int = SAMPLE_RATE_HZ, volume: float = 0.4) -> NDArray[np.float32]:
    """A sine at ``tone.frequency_hz`` for ``tone.duration_s``, faded in and out over ``FADE_S``."""
    n = max(1, int(round(tone.duration_s * rate_hz)))
    t = np.arange(n) / rate_hz
    wave_ = np.sin(2 * np.pi * tone.frequency_hz * t) * volume
    fade = min(n // 2, int(FADE_S * rate_hz))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        wave_[:fade] *= ramp
        wave_[-fade:] *= ramp[::-1]
    return wave_.astype(np.float32)


def render_speech(text: str, path: Path, *, words_per_minute: int = 190) -> Path:
    """Says ``text`` into the WAV file ``path`` with pyttsx3 (no sound plays). Returns ``path``.

    Raises:
        ImportError: pyttsx3 is not installed (``pip install 'formcheck[voice]'``).
        RuntimeError, OSError: the platform's speech engine cannot start (on Linux: install espeak-ng).
    """
    import pyttsx3

    engine = pyttsx3.init()
    engine.setProperty("rate", words_per_minute)
    with contextlib.redirect_stdout(io.StringIO()):  # the espeak driver prints "Audio saved to ..."
        engine.save_to_file(text, str(path))
        engine.runAndWait()
    return path


def read_wav(path: Path) -> tuple[NDArray[np.float32], int]:
    """A 16-bit PCM WAV file's samples in [-1, 1] (the first channel) and its sample rate."""
    with wave.open(str(path), "rb") as f:
        rate, channels, width = f.getframerate(), f.getnchannels(), f.getsampwidth()
        data = f.readframes(f.getnframes())
    if width != 2:
        raise ValueError(f"{path}: {8 * width}-bit samples; expected 16-bit PCM")
    samples = np.frombuffer(data, dtype="<i2").reshape(-1, channels)[:, 0]
    return (samples.astype(np.float32) / 32768.0), rate


class _Speaker:
    """The worker's speech engine: pyttsx3, rendered and played with sounddevice on Linux."""

    def __init__(self, words_per_minute: int) -> None:
        import pyttsx3

        self.words_per_minute = words_per_minute
        self.engine = pyttsx3.init()
        self.engine.setProperty("rate", words_per_minute)
        self.render = sys.platform.startswith("linux")
        self.folder = tempfile.mkdtemp(prefix="formcheck-voice-")

    def say(self, text: str, sd: Any) -> None:  # noqa: ANN401 (the sounddevice module)
        if not self.render:
            self.engine.say(text)
            self.engine.runAndWait()
            return
        path = Path(self.folder) / "utterance.wav"
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
        samples, rate = read_wav(path)
        sd.play(samples, rate)
        sd.wait()


def _serve(jobs: Any, status: Any, pending: Any, voice: bool, words_per_minute: int) -> None:  # noqa: ANN401
    """The audio worker process: plays ``("speech", text)`` and ``("beep", samples)`` jobs in order until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the session's: it closes the worker itself
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
        speaker = _Speaker(words_per_minute) if voice else None
    except Exception as exc:  # noqa: BLE001 (any failure to start means no sound; the parent says which)
        status.put(f"{type(exc).__name__}: {exc}")
        return
    status.put("")
    while (job := jobs.get()) is not None:
        kind, payload = job
        try:
            if kind == "speech" and speaker is not None:
                speaker.say(payload, sd)
            elif kind == "beep":
                sd.play(payload, SAMPLE_RATE_HZ)
                sd.wait()
        except Exception as exc:  # noqa: BLE001 (one sound that fails to play does not end the session)
            print(f"formcheck: WARNING: a sound could not be played ({exc})", file=sys.stderr)
        finally:
            with pending.get_lock():
                pending.value -= 1


class Output(Protocol):
    """Where sounds are played."""

    @property
    def busy(self) -> bool: ...

    def play(self, sound: Sound) -> None: ...

    def close(self) -> None: ...


class SilentOutput:
    """No audio: ``--sound off``, or nothing to play it with."""

    busy = False

    def play(self, sound: Sound) -> None:
        pass

    def close(self) -> None:
        pass


class AudioWorker:
    """Plays sounds in a child process, in the order given; ``busy`` while any is still queued or playing.

    Args:
        rules: the tones and speech rate.
        voice: start the speech engine too.

    Raises:
        RuntimeError: the worker could not start (the message says why).
    """

    def __init__(self, rules: SoundRules, *, voice: bool) -> None:
        ctx = mp.get_context("spawn")  # no fork of a process that runs threads and MediaPipe
        self.rules = rules
        self._jobs = ctx.Queue()
        status = ctx.Queue()
        self._pending = ctx.Value("i", 0)
        self._process = ctx.Process(target=_serve, name="formcheck-audio", daemon=True,
                                    args=(self._jobs, status, self._pending, voice, rules.timing.words_per_minute))
        self._process.start()
        try:
            problem = status.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            problem = f"the audio worker did not start within {START_TIMEOUT_S:.0f} s"
        if problem:
            self.close()
            raise RuntimeError(problem)

    @property
    def busy(self) -> bool:
        return self._pending.value > 0

    def play(self, sound: Sound) -> None:
        payload: Any = sound.text if sound.kind == "speech" else tone_samples(self.rules.tones[sound.text])
        with self._pending.get_lock():
            self._pending.value += 1
        self._jobs.put((sound.kind, payload))

    def close(self, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Lets what is queued finish (up to ``timeout_s``), then ends the worker."""
        if self._process.is_alive():
            self._jobs.put(None)
            self._process.join(timeout_s)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        self._jobs.close()


def open_output(mode: str, rules: SoundRules) -> Output:
    """The speakers for ``mode`` (``voice``, ``beeps``), or a silent output after one warning saying why."""
    if mode == "off":
        return SilentOutput()
    problem = _missing_parts(mode)
    if not problem:
        try:
            return AudioWorker(rules, voice=mode == "voice")
        except RuntimeError as exc:
            problem = _explain(str(exc), mode)
    log.warning("%s; %s", problem, NO_SOUND)
    return SilentOutput()


def _missing_parts(mode: str) -> str:
    """Why ``mode`` cannot play here, found without starting anything: ``""`` when nothing is missing."""
    try:
        import sounddevice  # noqa: F401
    except OSError:
        return "no sound: PortAudio is not installed (on Debian or Ubuntu: apt install libportaudio2)"
    except ImportError:
        return "no sound: the sounddevice package is missing (pip install sounddevice)"
    if mode == "voice":
        try:
            import pyttsx3  # noqa: F401
        except ImportError:
            return "no voice: the speech engine is not installed (pip install 'formcheck[voice]')"
    return ""


def _explain(problem: str, mode: str) -> str:
    """The worker's start-up failure as one line that says the fix."""
    if "PortAudioError" in problem or "device" in problem.lower():
        return f"no sound: no audio output device was found ({problem.splitlines()[0]})"
    if mode == "voice":
        return (f"no voice: the speech engine did not start ({problem.splitlines()[0]}; on Linux install "
                "espeak-ng)")
    return f"no sound: {problem.splitlines()[0]}"


class SoundLog:
    """``--sound-log FILE``: one JSON object per line for every utterance and beep (:meth:`Sound.as_dict`).

    Written as it goes (a line per sound, flushed), so an interrupted session leaves the lines so far.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file: io.TextIOWrapper | None = None

    def __enter__(self) -> SoundLog:
        try:
            self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in __exit__)
        except OSError as exc:
            raise OutputError(f"--sound-log {self.path}: cannot write it ({exc.strerror}); choose another file "
                              "with --sound-log FILE") from None
        return self

    def write(self, sound: Sound) -> None:
        assert self._file is not None, "use SoundLog as a context manager"
        self._file.write(json.dumps(sound.as_dict()) + "\n")
        self._file.flush()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def check_sound_log(path: Path, *, force: bool, source: Path | None = None) -> Path:
    """Checks ``--sound-log FILE`` before the session starts; returns it with ``~`` expanded.

    Raises:
        OutputError: it is a folder, it exists and ``force`` is False, or it is the video given to --source.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise OutputError(f"--sound-log {path} is a folder: give a file in it, e.g. --sound-log {p / 'sound.jsonl'}")
    if source is not None and p.exists() and Path(source).exists() and p.samefile(source):
        raise OutputError(f"--sound-log {path} is the video given to --source; choose another file")
    if p.exists() and not force:
        raise OutputError(f"--sound-log {path} already exists: choose another file with --sound-log FILE, or add "
                          "--force to overwrite it")
    if not p.parent.exists():
        try:
            os.makedirs(p.parent, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"--sound-log {path}: cannot create the folder {p.parent} ({exc.strerror})") from None
    return p
