"""MkDocs hooks of jaxdnn's documentation site (``mkdocs build --strict``).

- **Pages from the package.** One API page per public module (every name of its ``__all__``),
  and one catalogue page per area, written from ``docs/catalogue.md`` (which
  ``jaxdnn verify --markdown`` writes from :mod:`jaxdnn.catalogue`), each entry linked to the
  functions whose docstrings cite it; in the API pages every cited ID links back to its entry.
- **Formulas.** Docstrings write a formula once, in Unicode between dollar signs
  (``$σ′(z) = σ(z)·σ(−z)$``), so that ``help()`` shows it as written; here each is translated to
  LaTeX and rendered to MathML when the site is built (no script, no network: the pages read
  offline).
- **Checks that fail the build.** A public name without a page, an argument without a
  description under ``Args:``, a formula that does not translate, a link to a missing anchor.
"""

from __future__ import annotations

import os

# The devices tutorial runs on a CPU split into 4 devices: set before JAX starts in this process.
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
).strip()

import html
import importlib
import inspect
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

# --- the public API -----------------------------------------------------------------------------

MODULES = {
    "activations": "Activations and their Jacobians",
    "losses": "Losses and their gradients",
    "dense": "The dense layer",
    "simplified": "Simplified Jacobians",
    "network": "The network",
    "backprop": "Backpropagation",
    "optim": "Optimizers",
    "train": "Training: fit",
    "sweep": "Sweeps",
    "metrics": "Metrics",
    "theory": "Optimisation theory",
    "linear_models": "Linear models and capacity",
    "matrices": "Matrices",
    "calculus": "Differential calculus",
    "neuron": "Single neurons",
    "worked_examples": "Worked examples",
    "heads": "Output heads",
    "data": "Data sets",
    "datafile": "Your own data files",
    "model": "Trained models",
    "engine": "The training engine",
    "checkpoint": "Checkpoints",
    "validation": "Input validation",
    "testing": "jaxdnn.testing: strategies and assertions",
    "devices": "jaxdnn.devices: devices and meshes",
    "catalogue": "jaxdnn.catalogue: the registry",
    "catalogue.oracle": "jaxdnn.catalogue.oracle: exact values",
}
"""Every module with public names, and the title of its API page."""

ID = re.compile(r"\b(P-[A-Z0-9]+(?:-[A-Z0-9]+)*|E-\d\d)\b")


def public_names() -> dict[str, list[str]]:
    """The names each module documents: its ``__all__``, less what it re-exports."""
    names = {}
    for module_name in MODULES:
        module = importlib.import_module(f"jaxdnn.{module_name}")
        own = []
        for name in module.__all__:
            obj = getattr(module, name)
            home = getattr(inspect.unwrap(obj), "__module__", module.__name__)
            if home in (module.__name__, None) or not callable(obj) or "catalogue" in module_name:
                own.append(name)
        names[module_name] = own
    return names


def api_page(module_name: str, names: list[str]) -> str:
    options = "\n".join(f"        - {n}" for n in names)
    return (
        f"# {MODULES[module_name]}\n\n"
        f"::: jaxdnn.{module_name}\n"
        "    options:\n"
        "      show_root_heading: false\n"
        "      members:\n"
        f"{options}\n"
    )


def _parameters(obj: Any) -> list[str]:
    target = inspect.unwrap(obj)
    if inspect.isclass(target):
        fields = getattr(target, "_fields", None) or getattr(target, "__dataclass_fields__", None)
        return list(fields) if fields else []
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p for p in signature.parameters if p not in ("self", "cls")]


def _described(doc: str) -> set[str]:
    """The names described under the docstring's ``Args:`` or ``Attributes:`` sections."""
    described, inside = set(), False
    for line in doc.splitlines():
        if re.fullmatch(r"(Args|Arguments|Attributes|Parameters):\s*", line):
            inside = True
        elif inside and re.match(r"\S", line):
            inside = False
        elif inside and (m := re.match(r" {4}\**(\w+)(?: \([^)]*\))?: \S", line)):
            described.add(m.group(1))
    return described


def undocumented(names: dict[str, list[str]]) -> list[str]:
    """Every public name with an argument that its docstring does not describe."""
    problems = []
    for module_name, module_names in names.items():
        module = importlib.import_module(f"jaxdnn.{module_name}")
        for name in module_names:
            obj = getattr(module, name)
            if not (inspect.isroutine(inspect.unwrap(obj)) or inspect.isclass(obj)):
                continue
            described = _described(inspect.getdoc(obj) or "")
            missing = [p for p in _parameters(obj) if p not in described]
            if missing:
                problems.append(f"jaxdnn.{module_name}.{name}: {', '.join(missing)}")
    return problems


# --- formulas: Unicode in the docstring, MathML on the page -------------------------------------

SYMBOLS = {
    "−": "-",
    "·": r"\cdot ",
    "⊙": r"\odot ",
    "…": r"\ldots ",
    "Σ": r"\sum ",
    "∂": r"\partial ",
    "∇": r"\nabla ",
    "‖": r"\| ",
    "ℝ": r"\mathbb{R}",
    "𝟙": r"\mathbb{1}",
    "∘": r"\circ ",
    "×": r"\times ",
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "≈": r"\approx ",
    "∈": r"\in ",
    "↦": r"\mapsto ",
    "←": r"\leftarrow ",
    "⨀": r"\bigodot ",
    "′": "'",
    "½": r"\tfrac{1}{2}",
    "¼": r"\tfrac{1}{4}",
    "⟦": r"[\![",
    "⟧": r"]\!]",
    "⌈": r"\lceil ",
    "⌉": r"\rceil ",
}
SUPERSCRIPTS = dict(zip("ᵀ⁰¹²³ⁿ⁻", [r"\top", "0", "1", "2", "3", "n", "-"], strict=True))
SUBSCRIPTS = {"₁": "1", "₂": "2"}
OPERATORS = {"ln", "tr", "SE", "AP"}
"""Two-letter words set upright; every word of three letters or more is (max, diag, ReLU)."""


def _group(text: str, start: int) -> int:
    """The index just past the parenthesised group that opens at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise ValueError(f"unbalanced parentheses in {text!r}")


def to_latex(formula: str) -> str:
    """A docstring's Unicode formula as LaTeX: symbols to macros, words upright, runs of
    superscript characters and ``_ij`` / ``^(l)`` scripts grouped, ``√(…)`` as a root, two
    spaces or more as a quad; a LaTeX macro passes as it is."""
    out, i = [], 0
    while i < len(formula):
        c = formula[i]
        if c in SUPERSCRIPTS:
            j = i
            while j < len(formula) and formula[j] in SUPERSCRIPTS:
                j += 1
            sup = "".join(SUPERSCRIPTS[s] for s in formula[i:j])
            if out and out[-1].startswith("^{"):  # W^(k)ᵀ: one superscript, not two
                out[-1] = out[-1][:-1] + sup + "}"
            else:
                out.append("^{" + sup + "}")
            i = j
        elif c in SUBSCRIPTS:
            out.append("_{" + SUBSCRIPTS[c] + "}")
            i += 1
        elif c == "√":
            if formula[i + 1 : i + 2] == "(":
                end = _group(formula, i + 1)
                out.append(r"\sqrt{" + to_latex(formula[i + 2 : end - 1]) + "}")
                i = end
            else:
                out.append(r"\sqrt ")
                i += 1
        elif c in "_^" and formula[i + 1 : i + 2] == "(":
            end = _group(formula, i + 1)
            out.append(c + "{(" + to_latex(formula[i + 2 : end - 1]) + ")}")
            i = end
        elif c in "_^" and (m := re.match(r"[A-Za-z0-9α-ω*]+", formula[i + 1 :])):
            out.append(c + "{" + _word(m.group(0)) + "}")
            i += 1 + len(m.group(0))
        elif m := re.match(r"\\[A-Za-z]+|  +", formula[i:]):
            out.append(m.group(0) if m.group(0)[0] == "\\" else r"\quad ")
            i += len(m.group(0))
        elif m := re.match(r"[A-Za-z]+", formula[i:]):
            out.append(_word(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(SYMBOLS.get(c, c))
            i += 1
    return "".join(out)


def _word(word: str) -> str:
    """A word of three letters or more (max, diag, ReLU), or a two-letter operator, upright."""
    return r"\operatorname{" + word + "}" if len(word) >= 3 or word in OPERATORS else word


MATH = re.compile(r'<(span|div) class="arithmatex">\\[(\[](.*?)\\[)\]]</\1>', re.S)


def render_math(page_html: str) -> str:
    """Every arithmatex span of a page as MathML."""

    def mathml(m: re.Match[str]) -> str:
        formula = html.unescape(m.group(2)).strip()
        display = "block" if m.group(1) == "div" else "inline"
        try:
            return convert(to_latex(formula), display=display)
        except Exception as error:  # latex2mathml raises bare exceptions of its own
            raise PluginError(f"the formula {formula!r} does not render: {error}") from error

    return MATH.sub(mathml, page_html)


# --- the catalogue as pages ---------------------------------------------------------------------


def catalogue_areas(docs_dir: Path) -> dict[str, tuple[str, str]]:
    """``docs/catalogue.md`` split by area: {area: (title, Markdown of its entries)}."""
    text = (docs_dir / "catalogue.md").read_text()
    sections = re.split(r"^## ", text, flags=re.M)
    areas = {}
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        title, area = re.fullmatch(r"(.*) \(`jaxdnn\.catalogue\.(\w+)`\)", heading).groups()
        areas[area] = (title, body)
    return areas


def implementers(names: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """{catalogue ID: [(qualified name, API page), …]} from the IDs each docstring cites."""
    found: dict[str, list[tuple[str, str]]] = {}
    for module_name, module_names in names.items():
        module = importlib.import_module(f"jaxdnn.{module_name}")
        for name in module_names:
            for id_ in dict.fromkeys(ID.findall(inspect.getdoc(getattr(module, name)) or "")):
                found.setdefault(id_, []).append((f"jaxdnn.{module_name}.{name}", module_name))
    return found


def catalogue_page(area: str, title: str, body: str, links: dict) -> str:
    out = [
        f"# {title}",
        "",
        f"Entries of `jaxdnn.catalogue.{area}`, as `jaxdnn verify` measured them.",
    ]
    for paragraph in body.strip().split("\n\n"):
        m = re.match(r"\*\*([A-Z0-9-]+)\*\*", paragraph)
        if not m:
            out += ["", paragraph]
            continue
        id_ = m.group(1)
        out += ["", f'<a id="{id_}"></a>', "", paragraph.rstrip() + "  "]
        names = links.get(id_, [])
        if names:
            refs = ", ".join(
                f"[`{q.removeprefix('jaxdnn.')}`](../api/{page}.md#{q})" for q, page in names
            )
            out.append(f"Implemented by: {refs}")
    return "\n".join(out) + "\n"


# --- the hooks ----------------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def on_config(config: Any) -> Any:
    """The tutorials run in an empty scratch directory (their files and run directories stay
    out of the repository), which the build removes at its end, with this environment's
    commands first on the PATH."""
    # the tutorials' commands (jaxdnn, python) are those of the environment building the site
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    _STATE["home"] = os.getcwd()
    _STATE["scratch"] = tempfile.mkdtemp(prefix="jaxdnn-docs-")
    os.chdir(_STATE["scratch"])
    return config


def on_files(files: Files, config: Any) -> Files:
    names = public_names()
    import jaxdnn

    paged = {f"jaxdnn.{module}.{name}" for module, own in names.items() for name in own}
    homeless = [
        name
        for name in jaxdnn.__all__
        if callable(obj := getattr(jaxdnn, name))
        and f"{getattr(inspect.unwrap(obj), '__module__', '')}.{name}" not in paged
    ]
    if homeless:  # a module with public names that MODULES does not list
        raise PluginError("public names without a page: " + ", ".join(homeless))
    problems = undocumented(names)
    if problems:
        raise PluginError("arguments without a description:\n  " + "\n  ".join(problems))
    docs_dir = Path(config["docs_dir"])
    areas = catalogue_areas(docs_dir)
    links = implementers(names)
    _STATE.update(names=names, areas=areas)
    for module_name, module_names in names.items():
        files.append(
            File.generated(
                config, f"api/{module_name}.md", content=api_page(module_name, module_names)
            )
        )
    for area, (title, body) in areas.items():
        files.append(
            File.generated(
                config, f"catalogue/{area}.md", content=catalogue_page(area, title, body, links)
            )
        )
        for id_ in re.findall(r"^\*\*([A-Z0-9-]+)\*\*", body, flags=re.M):
            _STATE.setdefault("area_of", {})[id_] = area
    return files


ROLE = re.compile(r":(?:func|class|mod|data|meth|attr|obj):(<code>)~?")
"""A Sphinx role left in a docstring (``:func:`l2_penalty```): the name shows as code."""


def on_page_content(page_html: str, page: Any, config: Any, files: Files) -> str:
    page_html = ROLE.sub(r"\1", render_math(page_html))
    if page.file.src_uri.startswith("api/"):
        area_of = _STATE["area_of"]

        def link(m: re.Match[str]) -> str:
            id_ = m.group(1)
            if id_ not in area_of:
                return id_
            url = get_relative_url(f"catalogue/{area_of[id_]}/", page.url)
            return f'<a href="{url}#{id_}">{id_}</a>'

        # IDs in text only (not inside tags)
        page_html = re.sub(r">([^<]*)<", lambda t: ">" + ID.sub(link, t.group(1)) + "<", page_html)
    return page_html


def _leave_scratch() -> None:
    if "scratch" in _STATE:
        os.chdir(_STATE["home"])
        shutil.rmtree(_STATE.pop("scratch"), ignore_errors=True)


def on_build_error(error: Exception) -> None:
    _leave_scratch()


def on_post_build(config: Any) -> None:
    _leave_scratch()
    site = Path(config["site_dir"])
    ids: set[str] = set()
    for page in (site / "api").rglob("index.html"):
        ids.update(re.findall(r'id="(jaxdnn\.[\w.]+)"', page.read_text()))
    missing = [
        f"jaxdnn.{module_name}.{name}"
        for module_name, module_names in _STATE["names"].items()
        for name in module_names
        if f"jaxdnn.{module_name}.{name}" not in ids
    ]
    if missing:
        raise PluginError("public names without a page: " + ", ".join(missing))
    broken = []
    for page in site.rglob("*.html"):
        for target in re.findall(r'href="([^":]*#[^"]+)"', page.read_text()):
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            file = file / "index.html" if file.is_dir() else file
            if not file.is_file() or f'id="{anchor}"' not in file.read_text():
                broken.append(f"{page.relative_to(site)}: {target}")
    if broken:
        raise PluginError("links to nowhere:\n  " + "\n  ".join(sorted(set(broken))[:20]))
