"""The shape of the engine: one package per family, each declared once and read from the registry; no import circle
(imports inside functions count); a small engine root; no streamlit; shipped checkpoints load and sample as before."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from engine.compare import BETTER, COMPARISONS, default_metrics
from engine.family import MAX_VARIANTS, Family, Page
from engine.registry import FAMILIES, build_trainer, comparisons, make_config

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def engine_import_graph() -> dict[str, set[str]]:
    """module -> the engine modules it imports, from every import statement at any depth (functions included).
    An import of a package's own parent (a submodule importing its package) is not an edge."""
    modules = {_module_name(p): p for p in ENGINE.rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    graph = {}
    for name, path in modules.items():
        targets = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                names = [f"{base}.{a.name}" for a in node.names] + [base]
            else:
                continue
            for target in names:
                found = resolve(target)
                if found and found != name and not name.startswith(found + ".") and found != "engine":
                    targets.add(found)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_planted_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_engine_has_no_import_circle():
    graph = engine_import_graph()
    assert "engine.registry" in graph and "engine.families.gan.trainer" in graph["engine.families.gan.images"]
    assert cycles(graph) == []


def test_engine_root_is_small_and_never_imports_streamlit():
    root_modules = sorted(p.stem for p in ENGINE.glob("*.py") if p.stem != "__init__")
    assert len(root_modules) <= 12, root_modules
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "streamlit" not in imported, path


def test_low_level_file_helpers_are_a_leaf():
    graph = engine_import_graph()
    assert graph["engine.files"] == set()
    assert "engine.persistence" not in graph["engine.metrics.judge"]


@pytest.mark.parametrize("name", list(FAMILIES))
def test_every_family_declares_itself_consistently(name):
    record = FAMILIES[name]
    assert record.name == name and (ENGINE / "families" / name / "__init__.py").exists()
    assert record.image_trainer is not None or record.points_trainer is not None
    for trainer in (record.image_trainer, record.points_trainer):
        if trainer is not None:
            assert trainer.family == name and trainer.config_cls is record.config
    assert set(record.image_metrics) | set(record.points_metrics) <= set(record.metrics)
    assert set(record.metrics.values()) <= {"higher", "lower"}
    for preset in record.comparisons.values():
        assert preset.family == name and set(preset.metrics) <= set(record.metrics)
        assert 2 <= len(preset.variants) <= MAX_VARIANTS
    for page in record.pages:
        assert (ROOT / "pages" / page.file).exists() and page.summary and page.lesson
    make_config(name, {})  # the defaults validate


def test_compare_reads_the_registry():
    assert comparisons().items() <= COMPARISONS.items() and "mode_collapse" in COMPARISONS and "vae_beta" in COMPARISONS
    assert BETTER["test_error"] == "lower" and BETTER["judge_score"] == "higher"
    assert default_metrics("gan", "ring8") == FAMILIES["gan"].points_metrics
    assert default_metrics("gan", "digits") == FAMILIES["gan"].image_metrics


def test_a_new_family_is_one_record(monkeypatch):
    """What adding a family takes: a record in FAMILIES; the trainer picked, the metrics, presets and pages follow."""
    from engine import registry
    from engine.families.vae import VaeConfig, VaeTrainer
    from engine.family import Comparison

    class EchoTrainer(VaeTrainer):
        family = "echo"

    preset = Comparison("Echo", "echo", "", {"dataset": "digits"}, {"a": {}, "b": {"beta": 2.0}}, ("echo_score",), 5)
    record = Family("echo", VaeConfig, image_trainer=EchoTrainer, metrics={"echo_score": "higher"},
                    image_metrics=("echo_score",), comparisons={"echo_preset": preset},
                    pages=(Page("vae.py", "Echo", ":material/echo:", "echo", "Echo", "one line", "a lesson"),))
    monkeypatch.setitem(FAMILIES, "echo", record)
    assert isinstance(build_trainer("echo", {"batch_size": 8}), EchoTrainer)
    assert registry.better()["echo_score"] == "higher" and "echo_preset" in registry.comparisons()
    assert default_metrics("echo", "digits") == ("echo_score",)


def test_a_family_refuses_the_kind_of_data_it_has_no_trainer_for():
    from engine.config import ConfigError

    with pytest.raises(ConfigError, match="the vae family trains on images; 'ring8' is a 2D dataset"):
        build_trainer("vae", {"dataset": "ring8"})


# --------------------------------------------------------------------------- shipped checkpoints
SAMPLES = json.loads((Path(__file__).parent / "fixtures" / "pretrained_samples.json").read_text())


@pytest.mark.parametrize("name", ["gan-digits", "vae-digits", "ae-digits", "pixelcnn-digits"])
def test_shipped_checkpoints_load_and_sample_as_before(name):
    """The same images as `sample --n 16 --seed 3` gave before the family packages (the fixture's note)."""
    from engine.persistence import load_trainer
    from engine.runs import load_run

    trainer = load_trainer(ROOT / "assets" / "pretrained" / name)
    before = np.array(SAMPLES[name]["values"], np.uint8).reshape(SAMPLES[name]["shape"])
    images = trainer.sample(SAMPLES["n"], SAMPLES["seed"])["images"]
    assert images.shape == before.shape
    off = np.abs(images.astype(int) - before.astype(int))
    assert (off > 1).mean() == 0 and (off > 0).mean() < 0.01, "at most float rounding of a few pixels"
    run = load_run(ROOT / "assets" / "pretrained" / name)  # the folder as the pages open it
    assert run.snapshot().step == trainer.step_count > 0 and len(run.snapshot().history()) > 0


# --------------------------------------------------------------------------- one rule for where things live
def _families_using(graph: dict[str, set[str]], module: str) -> set[str]:
    """The families that import `module`, directly or through other modules of engine/models."""
    users, seen, todo = set(), {module}, [module]
    while todo:
        target = todo.pop()
        for name, imported in graph.items():
            if target not in imported or name in seen:
                continue
            if name.startswith("engine.families."):
                users.add(name.split(".")[2])
            elif name.startswith("engine.models."):
                seen.add(name)
                todo.append(name)
    return users


def test_engine_models_holds_only_layers_several_families_use():
    """A family's own networks live in its package; engine/models is for what two or more families build on."""
    graph = engine_import_graph()
    for path in (ENGINE / "models").glob("*.py"):
        if path.stem == "__init__":
            continue
        users = _families_using(graph, f"engine.models.{path.stem}")
        assert len(users) >= 2, f"engine/models/{path.name} is used by {sorted(users) or 'no family'}: move it"


def test_views_are_the_pages_and_pictures_are_the_engines():
    """One word per meaning: a "views" module is a page's (app/ui/*_views.py: widgets and figures); what the engine
    computes for a page to show is a "pictures" module (numpy arrays, PNG bytes)."""
    everywhere = [p.relative_to(ROOT) for p in ROOT.glob("[ae]*/**/*.py") if "views" in p.stem]
    assert everywhere and all(p.parts[:2] == ("app", "ui") for p in everywhere), everywhere


def test_the_keys_every_config_has_are_declared_once():
    """dataset, seed, device, data_root, log_every, eval_every (and data_noise, batch_size where a family has
    them) come from engine/config.py's declarations, so their labels and help cannot drift apart."""
    from engine.config import RUN_KEYS, specs

    shared = {key: f"{key}_key" for key in RUN_KEYS + ("data_noise", "batch_size")}
    deliberate = {("kde", "batch_size")}  # a KDE's step adds kernels: its own label says so
    for name in FAMILIES:
        tree = ast.parse((ENGINE / "families" / name / "config.py").read_text())
        fields = {node.target.id: node.value for node in ast.walk(tree)
                  if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
        assert set(RUN_KEYS) <= set(fields), name
        for key, helper in shared.items():
            if key in fields and (name, key) not in deliberate:
                call = fields[key]
                assert isinstance(call, ast.Call) and getattr(call.func, "id", "") == helper, f"{name}.{key}"
    labels = {key: {specs(FAMILIES[n].config)[key].label for n in FAMILIES} for key in RUN_KEYS}
    assert all(len(found) == 1 for found in labels.values()), labels


def test_the_shared_metrics_say_which_way_is_better_once():
    from engine.metrics import SHARED

    for name, record in FAMILIES.items():
        tree = ast.parse((ENGINE / "families" / name / "__init__.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "metrics" and isinstance(node.value, ast.Dict):
                restated = [k.value for k in node.value.keys if isinstance(k, ast.Constant) and k.value in SHARED]
                assert not restated, f"{name} restates {restated}: use engine.metrics' declarations"
        for metric, way in record.metrics.items():
            assert SHARED.get(metric, way) == way, (name, metric)
