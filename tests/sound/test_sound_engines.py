"""The engines: real speech rendered to a WAV file by pyttsx3 (espeak-ng on Linux) and checked not silent; the
beeps' samples; the sound log written and read back; no audio device is one warning, not an error."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from formcheck.errors import OutputError
from formcheck.sound.engines import (NO_SOUND, SilentOutput, SoundLog, check_sound_log, open_output, read_wav,
                                     render_speech, tone_samples)
from formcheck.sound.rules import Priority, load_rules
from formcheck.sound.scheduler import Sound

RULES = load_rules()


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def test_speech_renders_to_a_wav_file_that_is_not_silent(tmp_path) -> None:
    pytest.importorskip("pyttsx3", reason="the voice extra: pip install 'formcheck[voice]'")
    short = render_speech("three", tmp_path / "three.wav", words_per_minute=RULES.timing.words_per_minute)
    longer = render_speech("Switch sides", tmp_path / "switch.wav", words_per_minute=RULES.timing.words_per_minute)
    for path, text in ((short, "three"), (longer, "Switch sides")):
        samples, rate = read_wav(path)
        seconds = len(samples) / rate
        assert rate >= 8000
        # loud enough to hear: espeak-ng's speech has an RMS near 0.07-0.09 of full scale; silence is 0
        assert rms(samples) > 0.02, (text, rms(samples))
        # it lasts about as long as the scheduler plans for it (its estimate is what keeps messages apart)
        assert seconds == pytest.approx(RULES.timing.speech_s(text), abs=0.35), (text, seconds)
        # speech, not a constant tone: the loudness changes over the utterance
        frames = samples[: len(samples) // 400 * 400].reshape(-1, 400)
        loudness = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
        assert loudness.max() > 5 * max(np.percentile(loudness, 10), 1e-4)
    assert len(read_wav(longer)[0]) > len(read_wav(short)[0])


def test_beeps_are_tones_of_their_frequency_and_length() -> None:
    tone = RULES.tones["hold_end"]
    samples = tone_samples(tone, rate_hz=22_050)
    assert len(samples) == round(tone.duration_s * 22_050)
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.fft.rfftfreq(len(samples), 1 / 22_050)[int(np.argmax(spectrum))]
    assert peak_hz == pytest.approx(tone.frequency_hz, abs=22_050 / len(samples))
    assert abs(samples[0]) < 0.01 and abs(samples[-1]) < 0.01  # faded: no click
    assert rms(samples) > 0.1


def test_the_sound_log_is_json_lines_read_back(tmp_path) -> None:
    sounds = [Sound(1.25, "speech", "three", "countdown", Priority.COUNT, 0.55, 1.2),
              Sound(2.0, "beep", "hold_end", "hold_end", Priority.COUNT, 0.3, 2.0)]
    path = tmp_path / "log.jsonl"
    with SoundLog(path) as log:
        for s in sounds:
            log.write(s)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [{"t_s": 1.25, "kind": "speech", "text": "three", "what": "countdown", "priority": "count",
                      "duration_s": 0.55, "due_s": 1.2},
                     {"t_s": 2.0, "kind": "beep", "text": "hold_end", "what": "hold_end", "priority": "count",
                      "duration_s": 0.3, "due_s": 2.0}]


def test_an_existing_sound_log_is_kept_unless_forced(tmp_path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("mine\n")
    with pytest.raises(OutputError, match="already exists: choose another file .* or add --force"):
        check_sound_log(path, force=False)
    assert check_sound_log(path, force=True) == path and path.read_text() == "mine\n"
    with pytest.raises(OutputError, match="is a folder"):
        check_sound_log(tmp_path, force=True)


def test_off_plays_nothing_and_no_device_is_one_warning(caplog) -> None:
    assert isinstance(open_output("off", RULES), SilentOutput)
    with caplog.at_level(logging.WARNING, logger="formcheck.sound.engines"):
        out = open_output("beeps", RULES)
    try:
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        if isinstance(out, SilentOutput):  # no PortAudio or no output device here (CI has neither speakers)
            assert len(warnings) == 1 and warnings[0].endswith(NO_SOUND) and "\n" not in warnings[0]
            assert warnings[0].startswith("no sound: ")
        else:  # a machine with speakers: the worker started and nothing was said about it
            assert warnings == [] and not out.busy
    finally:
        out.close()
