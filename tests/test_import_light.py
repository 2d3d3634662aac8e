"""`import leadsdk` stays light: the optional heavy packages load only when a feature uses them."""

from __future__ import annotations

import json
import subprocess
import sys

# optional extras (pandas, ml, progress, fuzzy, postgres) and what sqlite-utils would pull in eagerly
HEAVY = ("pandas", "pyarrow", "numpy", "sklearn", "tqdm", "rapidfuzz", "psycopg", "sqlite_utils")


# what leadsdk itself builds only on first use: the generated enums and early-bound classes
LAZY = ("leadsdk.entities._generated", "leadsdk.entities._generated_classes")


def _loaded_after(code: str, watched: tuple[str, ...] = HEAVY + LAZY) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_leadsdk_loads_no_heavy_optional_package() -> None:
    assert _loaded_after("import leadsdk") == []


def test_import_leadsdk_loads_no_module_it_needs_only_for_type_checking() -> None:
    # typing_extensions (Self) is for annotations only; the error-code table is parsed on first use
    assert _loaded_after("import leadsdk", ("typing_extensions",)) == []
    out = subprocess.run([sys.executable, "-c", "import leadsdk, leadsdk._errorcodes as e; "
                          "print(e.codes.cache_info().currsize)"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_opening_a_store_and_writing_loads_none_either() -> None:
    code = ("from leadsdk import Entity, OrganizationService\n"
            "svc = OrganizationService()\n"
            "svc.create(Entity('lead', lastname='Light'))\n"
            "svc.close()")
    # (auditing the store's first records loads the generated enums; the early-bound classes stay unbuilt)
    assert _loaded_after(code, (*HEAVY, "leadsdk.entities._generated_classes")) == []


def test_the_probe_sees_a_heavy_package_once_a_feature_loads_it() -> None:
    """The check above can fail: tqdm shows up as soon as progress reporting uses it."""
    code = ("from leadsdk.progress import make_progress\n"
            "tick, close = make_progress(True, 1, 'probe')\n"
            "tick(1)\n"
            "close()")
    assert _loaded_after(code) == ["tqdm"]


def test_the_generated_enums_and_classes_load_when_one_is_asked_for() -> None:
    assert _loaded_after("from leadsdk.entities import Lead") == ["leadsdk.entities._generated_classes"]
    assert _loaded_after("from leadsdk.entities import LeadState") == ["leadsdk.entities._generated"]
    assert _loaded_after("from leadsdk.messages import AuditAction") == ["leadsdk.entities._generated"]
    assert _loaded_after("from leadsdk.entities import builtin_metadata") == []
