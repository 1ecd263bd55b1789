"""Which files the active semgrep rules target: semgrep's languages and the file name
endings it analyses each in, the candidate files of a scan (the rest never reach semgrep)
and the files semgrep must analyse (one it did not is a gap)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from secgate.scanners.semgrep.rules import Rule

#: Languages semgrep knows, and the file name endings it analyses them in (from semgrep's
#: own ``lang.json``). A language missing here makes every file a candidate.
LANGUAGE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "python": (".py", ".pyi"),
    "bash": (".bash", ".sh"),
    "dockerfile": (".dockerfile", ".Dockerfile", "Dockerfile", "dockerfile"),
    "yaml": (".yml", ".yaml"),
    "json": (".json", ".ipynb"),
    "js": (".cjs", ".js", ".jsx", ".mjs"),
    "ts": (".ts", ".tsx"),
    "go": (".go",),
    "java": (".java",),
    "ruby": (".rb",),
    "php": (".php", ".tpl", ".phtml"),
    "c": (".c", ".h"),
    "cpp": (
        *(".cc", ".cpp", ".cxx", ".c++", ".pcc", ".tpp", ".C"),
        *(".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp"),
    ),
    "csharp": (".cs",),
    "kotlin": (".kt", ".kts", ".ktm"),
    "rust": (".rs",),
    "scala": (".scala",),
    "swift": (".swift",),
    "terraform": (".tf", ".tofu", ".hcl", ".tfvars"),
    "html": (".htm", ".html"),
    "xml": (".xml", ".plist"),
    "lua": (".lua",),
    "ocaml": (".ml", ".mli"),
    "solidity": (".sol",),
    "elixir": (".ex", ".exs"),
    "r": (".r", ".R"),
    "julia": (".jl",),
    "dart": (".dart",),
    "clojure": (".clj", ".cljs", ".cljc", ".edn"),
    "jsonnet": (".jsonnet", ".libsonnet"),
    "apex": (".cls",),
    "powershell": (".ps1",),
    "vue": (".vue",),
}
LANGUAGE_ALIASES = {
    "py": "python",
    "python2": "python",
    "python3": "python",
    "sh": "bash",
    "docker": "dockerfile",
    "javascript": "js",
    "typescript": "ts",
    "golang": "go",
    "c++": "cpp",
    "c#": "csharp",
    "kt": "kotlin",
    "tf": "terraform",
    "hcl": "terraform",
    "sol": "solidity",
    "ex": "elixir",
}


def suffixes_for(language: str) -> tuple[str, ...] | None:
    """The file name endings semgrep analyses *language* in; None for one it does not know
    here (generic, regex), which makes every file a candidate."""
    key = LANGUAGE_ALIASES.get(language, language)
    return LANGUAGE_SUFFIXES.get(key)


def candidate_files(files: Sequence[str], rules: Iterable[Rule], registry: bool) -> list[str]:
    """The files some rule could analyse: by name ending for known languages, all otherwise."""
    suffixes: set[str] = set()
    for rule in rules:
        for language in rule.languages:
            known = suffixes_for(language)
            if known is None:  # generic, regex or a language this table does not know
                return list(files)
            suffixes.update(known)
    if registry:  # registry rules are unknown until semgrep fetches them
        return list(files)
    ordered = tuple(sorted(suffixes))
    return [f for f in files if f.endswith(ordered)]


def expected_files(files: Sequence[str], rules: Iterable[Rule]) -> dict[str, str]:
    """Files semgrep must analyse, each with one rule that targets it.

    Only rules without a ``paths`` filter and with a known language count: for them
    semgrep has no reason to leave a matching file out, so one it did not scan is a gap.
    """
    by_suffix: list[tuple[tuple[str, ...], str]] = []
    for rule in rules:
        if rule.has_path_filter:
            continue
        for language in rule.languages:
            known = suffixes_for(language)
            if known:
                by_suffix.append((known, rule.id))
    expected: dict[str, str] = {}
    for name in files:
        for suffixes, rule_id in by_suffix:
            if name.endswith(suffixes):
                expected[name] = rule_id
                break
    return expected
