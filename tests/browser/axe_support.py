"""Helpers for the accessibility tests: axe-core scans, a table of pages to scan, and keyboard-only moves.

axe-core comes from npm (``node_modules/axe-core``, installed by ``make install``). The app's Content
Security Policy allows only scripts from its own origin, so ``page.add_script_tag`` (an inline script) is
refused; ``page.evaluate`` runs the source through the DevTools protocol, which the policy does not govern,
so the scanned page is served exactly as a visitor gets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Response

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = f"axe-core not found at {AXE_SOURCE}: run make install (npm ci) first"

# A violation of these impacts fails the scan; moderate and minor ones are listed in the accessibility
# statement instead (see the README's section on accessibility tests).
FAILING_IMPACTS = frozenset({"serious", "critical"})

_RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary || ''})),
  }));
}"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[tuple[str, str, str], ...]  # (CSS target, HTML, what to fix)

    def describe(self) -> str:
        lines = [f"[{self.impact}] {self.rule}: {self.help}", f"    {self.help_url}"]
        for target, html, summary in self.nodes:
            lines.append(f"    - {target}")
            lines.append(f"      {html[:200]}")
            lines.extend(f"      {line.strip()}" for line in summary.splitlines() if line.strip())
        return "\n".join(lines)


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def scan(page: Page) -> list[Violation]:
    """Every axe-core violation on the page as it is now (all of axe's default rules, WCAG 2.2 AA included)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE)
    return [
        Violation(
            rule=v["rule"],
            impact=v["impact"] or "unknown",
            help=v["help"],
            help_url=v["helpUrl"],
            nodes=tuple((n["target"], n["html"], n["summary"]) for n in v["nodes"]),
        )
        for v in found
    ]


def failing(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.impact in FAILING_IMPACTS]


def report(name: str, url: str, violations: list[Violation]) -> str:
    header = f"{len(violations)} serious or critical accessibility problem(s) on {name} ({url}):"
    return "\n".join([header, *(v.describe() for v in violations)])


# --- The table of pages -------------------------------------------------------------------------------------

Reach = Callable[[Page, Mapping[str, Any]], Response | None]


def visit(path: str) -> Reach:
    """Open ``path``; ``{name}`` placeholders are filled from the ids the scan fixture found or made."""

    def reach(page: Page, ids: Mapping[str, Any]) -> Response | None:
        return page.goto(path.format_map(ids))

    return reach


def submit(path: str, button: str, *, fill: Mapping[str, str] | None = None) -> Reach:
    """Open ``path``, fill the labelled fields (none, by default: most forms refuse an empty answer) with
    values the form refuses, and press ``button``: the page comes back with its errors shown, nothing saved."""

    def reach(page: Page, ids: Mapping[str, Any]) -> Response | None:
        page.goto(path.format_map(ids))
        form = page.locator("main")
        for label, value in (fill or {}).items():
            form.get_by_label(label, exact=True).fill(value.format_map(ids))
        with page.expect_navigation() as navigation:
            form.get_by_role("button", name=button, exact=True).click()
        return navigation.value

    return reach


@dataclass(frozen=True)
class PageToScan:
    """One row of the table: a page type, who is signed in (an email, or None), how to reach it, and what
    proves it was reached: its main heading (``{name}`` placeholders allowed) and HTTP status."""

    name: str
    who: str | None
    reach: Reach
    heading: str
    status: int = 200
    errors: bool = False  # the page must show an error summary (a form sent back with its errors)
    # Extra text the page must show, to be sure of its state (say, a task list's status).
    shows: tuple[str, ...] = ()


# --- Keyboard -----------------------------------------------------------------------------------------------

# Compares the focused element's look with its look once blurred: outlines, box shadows, backgrounds, borders
# and underlines, on the element, its ::before and ::after, and the label that draws a GOV.UK radio or
# checkbox. Refocuses it afterwards, so the next Tab carries on from the same place.
# Past the last stop, focus leaves the page for the browser's own controls (document.body is then active).
_FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {left: true, visible: false, why: 'nothing on the page has focus'};
  const parts = [el];
  if (el.labels && el.labels.length) parts.push(...el.labels);
  const props = ['outline-style', 'outline-width', 'outline-color', 'box-shadow', 'background-color',
                 'border-top-width', 'border-bottom-width', 'text-decoration-line', 'text-decoration-thickness'];
  const look = () => parts.flatMap(p => [null, '::before', '::after'].map(pseudo => {
    const s = getComputedStyle(p, pseudo);
    return props.map(name => s.getPropertyValue(name)).join('|');
  })).join('\\n');
  const rect = el.getBoundingClientRect();
  const focused = look();
  // GOV.UK Frontend gives an error summary or a banner a tabindex only until it loses focus: keep it.
  const tabindex = el.getAttribute('tabindex');
  el.blur();
  const blurred = look();
  if (tabindex !== null) el.setAttribute('tabindex', tabindex);
  el.focus();
  const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.id || el.tagName).trim();
  return {
    left: false,
    visible: focused !== blurred && rect.width > 0 && rect.height > 0 && document.activeElement === el,
    why: `${el.tagName.toLowerCase()} "${label.slice(0, 60)}" looks the same focused and not`,
  };
}"""


# One round trip per key press: the focus check, then whether one of the target's elements has focus.
_STEP = f"""els => {{
  const focus = ({_FOCUS_STYLE})();
  return {{...focus, reached: els.includes(document.activeElement)}};
}}"""


def assert_focus_visible(page: Page) -> None:
    """The focused element shows that it has focus (GOV.UK's yellow focus state, or any outline or shadow)."""
    result = page.evaluate(_FOCUS_STYLE)
    assert result["visible"], f"no visible focus on {page.url}: {result['why']}"


def is_focused(locator: Locator) -> bool:
    """Whether one of the elements ``locator`` matches has focus."""
    return bool(locator.evaluate_all("els => els.includes(document.activeElement)"))


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 250) -> None:
    """Press Tab (or Shift+Tab) until ``target`` (or, if it matches several, any of them) has focus, checking
    that every stop on the way shows its focus. Find ``target`` by role and accessible name, as a screen reader
    user would; a radio group is entered at its chosen radio, so pass all of the group's radios."""
    key = "Shift+Tab" if backwards else "Tab"
    # Found once: matching by accessible name on every key press would be slow on long forms.
    elements = target.element_handles()
    assert elements, f"{target} is not on {page.url}"
    for _ in range(limit):
        page.keyboard.press(key)
        step = page.evaluate(_STEP, elements)
        if step["left"]:
            continue  # wraps round to the top of the page on the next press, as in a browser
        assert step["visible"], f"no visible focus on {page.url}: {step['why']}"
        if step["reached"]:
            return
    raise AssertionError(f"{target} was not reached in {limit} presses of {key} on {page.url}")


def arrow_to(page: Page, target: Locator, *, key: str = "ArrowDown", limit: int = 30) -> None:
    """Move through a radio group with the arrow keys (which also select) until ``target`` has focus."""
    for _ in range(limit):
        if is_focused(target):
            assert_focus_visible(page)
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} was not reached with {key} on {page.url}")
