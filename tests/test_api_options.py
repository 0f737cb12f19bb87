"""One options type, AnalysisOptions, for formcheck.analyze, analyze_many, the command line, the worker pool and
the Ray task: these tests fail when the places that name the options drift apart."""

from __future__ import annotations

import argparse
import inspect
import pickle
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from options_helpers import check_batch_passes_every_option

import formcheck
import formcheck.api
from formcheck.cli import analysis_options, build_parser
from formcheck.errors import ConfigError
from formcheck.options import AnalysisOptions

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
#: analyze's keywords that belong to the call, not to the analysis (a batch has its own folders and bar).
CALL_OWN = {"video", "out", "progress"}
#: Each CLI flag of an option with arguments that set it away from its default.
NON_DEFAULT_ARGS = {
    "--exercise": ["--exercise", "plank"],
    "--exercise-file": ["--exercise-file", "mine.toml"],
    "--calibrate": ["--calibrate", "2.5"],
    "--no-video": ["--no-video"],
    "--video-size": ["--video-size", "source"],
    "--model": ["--model", "other.task"],
    "--force": ["--force"],
}


def _analyze_flags() -> set[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {flag for action in sub.choices["analyze"]._actions for flag in action.option_strings}


def test_the_options_are_the_keywords_of_analyze_with_the_same_defaults():
    params = inspect.signature(formcheck.api.analyze).parameters
    assert set(params) - CALL_OWN == set(AnalysisOptions.names())
    for f in fields(AnalysisOptions):
        assert params[f.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[f.name].default == f.default, f.name


def test_every_option_has_a_cli_flag_or_says_why_it_has_none():
    flags = _analyze_flags()
    for f in fields(AnalysisOptions):
        if "cli" in f.metadata:
            assert f.metadata["cli"] in flags, f"{f.name}: {f.metadata['cli']} is not a flag of formcheck analyze"
        else:
            assert len(f.metadata.get("api_only", "")) > 20, f"{f.name}: neither a CLI flag nor why it has none"


def test_every_cli_flag_reaches_the_options():
    by_flag = {f.metadata["cli"]: f.name for f in fields(AnalysisOptions) if "cli" in f.metadata}
    assert set(NON_DEFAULT_ARGS) == set(by_flag), "a new option's flag: add a non-default value here"
    argv = ["analyze", "v.mp4"] + [arg for args in NON_DEFAULT_ARGS.values() for arg in args]
    options = analysis_options(build_parser().parse_args(argv))
    default = AnalysisOptions()
    for name in AnalysisOptions.names():
        cli_sets_it = name in by_flag.values()
        assert (getattr(options, name) != getattr(default, name)) == cli_sets_it, name
    assert options.exercise_files == (Path("mine.toml"),) and options.video_size is None


@pytest.mark.parametrize(("given", "says"), [
    ({"calibrate_s": 0}, "positive number of seconds"),
    ({"calibrate_s": float("nan")}, "positive number of seconds"),
    ({"calibrate_s": "2"}, "positive number of seconds"),
    ({"video_size": 100}, "160 or more"),
    ({"video_size": True}, "whole number of pixels"),
    ({"video_size": 320.5}, "whole number of pixels"),
    ({"chunks": 0}, "1 or more"),
    ({"write_video": "no"}, "True or False"),
    ({"force": 1}, "True or False"),
    ({"exercise": ""}, "exercise name"),
    ({"exercise": 3}, "exercise name"),
    ({"exercise_files": "mine.toml"}, "exercise_files=['mine.toml']"),
    ({"exercise_files": Path("mine.toml")}, "exercise_files=['mine.toml']"),
    ({"exercise_files": 3}, "a list of TOML files"),
    ({"model": 3}, "file path"),
])
def test_a_bad_option_says_what_to_give(given, says):
    with pytest.raises(ConfigError) as caught:
        AnalysisOptions(**given)
    assert next(iter(given)) in str(caught.value) and says in str(caught.value)


def test_options_are_normalised_and_cross_process_boundaries():
    options = AnalysisOptions(exercise="plank", exercise_files=["a.toml", Path("b.toml")], model="m.task",
                              video_size=np.int64(640), calibrate_s=2, chunks=np.int32(2))
    assert options.exercise_files == (Path("a.toml"), Path("b.toml")) and options.model == Path("m.task")
    assert type(options.video_size) is int and type(options.chunks) is int and type(options.calibrate_s) is float
    assert pickle.loads(pickle.dumps(options)) == options
    with pytest.raises(AttributeError):
        options.force = True  # type: ignore[misc]  # frozen: one value for every video of a batch


def test_analyze_refuses_a_bad_option_before_writing(tmp_path):
    with pytest.raises(ConfigError, match="video_size"):
        formcheck.analyze(SAMPLES / "astronaut_clip.mp4", out=tmp_path / "o", video_size=10)
    assert not (tmp_path / "o").exists()


def test_analyze_many_refuses_an_unknown_or_doubled_option_before_writing(tmp_path):
    video = SAMPLES / "astronaut_clip.mp4"
    with pytest.raises(TypeError, match="write_vidoe.*the options are .*write_video"):
        formcheck.analyze_many([video], out=tmp_path / "o", write_vidoe=False)
    with pytest.raises(TypeError, match="not both"):
        formcheck.analyze_many([video], out=tmp_path / "o", options=AnalysisOptions(), write_video=False)
    with pytest.raises(TypeError, match="AnalysisOptions, got dict"):
        formcheck.analyze_many([video], out=tmp_path / "o", options={"write_video": False})
    with pytest.raises(ConfigError, match="calibrate_s"):
        formcheck.analyze_many([video], out=tmp_path / "o", calibrate_s=-1)
    assert not (tmp_path / "o").exists()


@pytest.mark.model
def test_a_pool_batch_passes_every_option_to_each_video(tmp_path):
    """Two worker processes (jobs=2), every option away from its default: each video's files are those of
    analysing it alone with the same options, and each option shows in them."""
    check_batch_passes_every_option(tmp_path, jobs=2)
