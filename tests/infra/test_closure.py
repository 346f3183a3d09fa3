import importlib.util
import sys
from pathlib import Path

import pytest

from infra.closure import (
    ROOT,
    STAGES,
    closure,
    imported_names,
    module_file,
    pinned_versions,
    pypi_libraries,
)


def test_relative_imports_resolve_against_the_package():
    names = imported_names("from .model import X\nfrom . import loader\n", "environments.loader")
    assert {"environments.model", "environments.model.X", "environments.loader"} <= names


def test_uploaded_set_is_complete():
    """Every import of every uploaded module is stdlib, installed third-party, or uploaded."""
    found = closure()
    uploaded = set(found.files)
    for relative in (f for f in found.files if f.endswith(".py")):
        path = ROOT / relative
        module = ".".join(Path(relative).with_suffix("").parts).removesuffix(".__init__")
        for name in imported_names(path.read_text(), module):
            top = name.split(".")[0]
            local = module_file(name, ROOT) or module_file(name, path.parent)
            if local is not None:
                assert local.relative_to(ROOT).as_posix() in uploaded, (relative, name)
            elif module_file(top, ROOT) is None:
                assert top in sys.stdlib_module_names or importlib.util.find_spec(top), name


def test_yaml_files_and_the_job_script_are_uploaded():
    files = closure().files
    assert {"environments/dev.yaml", "environments/prod.yaml"} <= set(files)
    assert set(STAGES) <= set(files)
    assert {"jobs/progress.py", "contract/tables.py", "jobs/transforms/silver.py"} <= set(files)


def test_a_missing_job_script_is_an_error_not_a_smaller_upload(tmp_path):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "__init__.py").write_text("")
    with pytest.raises(FileNotFoundError, match="jobs/pipeline.py"):
        closure(root=tmp_path)


def test_cluster_libraries_come_from_the_lock_file():
    pins = pinned_versions()
    libraries = pypi_libraries(closure().third_party, pins)
    assert f"pydantic=={pins['pydantic']}" in libraries
    assert f"pyyaml=={pins['pyyaml']}" in libraries
    assert not any(lib.startswith("pyspark") for lib in libraries)
