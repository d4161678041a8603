#!/usr/bin/env python3
"""Judge a dirtyscope guest serial log.

Reads the whole console log of one VM run and prints one normalized TAP
line per result found in it, then a summary:

  * guest tests run by /init (the KTAP between "dirtyscope: begin NAME" and
    "dirtyscope: end NAME rc=N"), one line per check: guest/NAME/check
  * boot-time KUnit suites (KTAP in the kernel log): kunit/SUITE/CASE
  * the io-pgtable ARM LPAE boot selftest: selftest/io-pgtable-lpae/CONFIG
  * log checks: kernel panic, Oops/BUG, WARNING, KASAN, UBSAN, lockdep,
    RCU stalls, hung tasks, dropped printk messages (also after a partial
    line of user space output), the end marker, plan mismatches, a VM that
    scripts/vm.sh had to kill: log/CHECK

Exit status: 0 when everything passed, 1 otherwise, 2 on bad usage.

usage: check-log.py LOG [--require-kunit SUITE]... [--require-lpae-selftest]
                        [--require-banner kasan|lockdep]...
                        [--allow REGEX]... [--quiet]
"""

import argparse
import re
import sys
from dataclasses import dataclass, field
from typing import List, Optional

TIMESTAMP = re.compile(r"^\[\s*(\d+\.\d+)\]\s?(.*)$")
EMBEDDED_TIMESTAMP = re.compile(r"\[\s*(\d+\.\d+)\]\s?(.*)$")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KTAP_RESULT = re.compile(
    r"^(not ok|ok)\s+(\d+)(?:\s+-)?\s*([^#]*?)\s*(?:#\s*(.*))?$")
KTAP_PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*(.*))?$")
KTAP_HEADER = re.compile(r"^(?:KTAP|TAP) version \d+$")
SUBTEST = re.compile(r"^#\s*Subtest:\s*(.+)$")

DS_BEGIN = re.compile(r"^dirtyscope: begin (\S+)$")
DS_END = re.compile(r"^dirtyscope: end (\S+) rc=(-?\d+)(?: time=(\d+)ms)?$")
DS_PLAN = re.compile(r"^dirtyscope: plan (\d+):")
DS_DONE = re.compile(
    r"^dirtyscope: END tests=(\d+) pass=(\d+) fail=(\d+) skip=(\d+)$")
DS_UP = re.compile(r"^dirtyscope: userspace up at (\d+)ms")

LPAE_PREFIX = "arm-lpae io-pgtable: selftest: "
LPAE_CASE = re.compile(r"pgsize_bitmap (0x[0-9a-fA-F]+), IAS (\d+)$")
LPAE_DONE = re.compile(r"completed with (\d+) PASS (\d+) FAIL$")
LPAE_FAIL = re.compile(r"selftest: test failed for fmt idx (\d+)")

# Kernel splats, in priority order: a line counts for the first kind that
# matches.  "anywhere" patterns apply to kernel (timestamped) lines; lines
# without a timestamp must match at their start, so test output that merely
# mentions a word cannot trip them.
SPLATS = [
    ("no kernel panic", r"Kernel panic - not syncing"),
    # a splat may be among what the console dropped
    ("no printk messages dropped", r"\*\* \d+ printk messages dropped \*\*"),
    ("no KASAN report", r"BUG: KASAN: |KASAN: .*(?:out-of-bounds|"
                        r"use-after-free|invalid-free|double-free)"),
    ("no UBSAN report", r"UBSAN: "),
    ("no lockdep report",
     r"possible circular locking dependency|inconsistent lock state|"
     r"possible recursive locking detected|suspicious RCU usage|"
     r"possible irq lock inversion|lock held when returning to user space|"
     r"bad unlock balance detected|held lock freed|bad contention detected|"
     r"lock held at task exit time|DEBUG_LOCKS_WARN_ON|BUG: MAX_LOCKDEP|"
     r"trying to register non-static key|Invalid wait context|"
     r"turning off the locking correctness validator"),
    ("no RCU stall", r"rcu: INFO: .*detected (?:expedited )?stalls|"
                     r"self-detected stall|rcu_.*kthread starved"),
    ("no hung task", r"INFO: task \S+ blocked for more than \d+ seconds|"
                     r"BUG: workqueue lockup|soft lockup|hard LOCKUP"),
    ("no Oops or BUG", r"Internal error: Oops|Unable to handle kernel|"
                       r"\bOops[:\-]|kernel BUG at|\bBUG: |"
                       r"list_(?:add|del) corruption|SError Interrupt"),
    ("no WARNING", r"^WARNING: |^-+\[ cut here \]-+$"),
]
SPLAT_RES = [(name, re.compile(rx)) for name, rx in SPLATS]

# What proves at run time that a checker whose reports the log is searched
# for was live in this kernel (UBSAN prints no banner).
BANNERS = {
    "kasan": ("KASAN is live (boot banner)",
              re.compile(r"KernelAddressSanitizer initialized")),
    "lockdep": ("lockdep is live (boot banner)",
                re.compile(r"Lock dependency validator: Copyright")),
}


def check_banners(lines, report, required):
    for key in required:
        name, rx = BANNERS[key]
        ok = any(ln.kernel and rx.search(ln.text) for ln in lines)
        report.add("log/" + name, ok,
                   reason="" if ok else "no line matches /%s/" % rx.pattern)


@dataclass
class Line:
    num: int            # 1-based line number in the log
    kernel: bool        # had a printk timestamp
    text: str           # without timestamp, right-stripped


@dataclass
class Result:
    name: str
    ok: bool
    skip: bool = False
    reason: str = ""


@dataclass
class Frame:
    name: str
    indent: int
    plan: Optional[int] = None
    count: int = 0
    failed_child: bool = False
    skip_all: str = ""


@dataclass
class Report:
    results: List[Result] = field(default_factory=list)
    diags: List[str] = field(default_factory=list)

    def add(self, name, ok, skip=False, reason=""):
        self.results.append(Result(name, ok, skip, reason))

    def diag(self, msg):
        self.diags.append(msg)


def read_lines(path):
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", errors="replace")
    lines = []
    for num, text in enumerate(raw.split("\n"), 1):
        text = ANSI.sub("", text).replace("\r", "").replace("\0", "")
        m = TIMESTAMP.match(text)
        if m:
            lines.append(Line(num, True, m.group(2).rstrip()))
            continue
        # A kernel message that starts after a partial line of user space
        # output (no newline in between) is still a kernel line.
        e = EMBEDDED_TIMESTAMP.search(text)
        if e and e.start() > 0:
            lines.append(Line(num, False, text[:e.start()].rstrip()))
            lines.append(Line(num, True, e.group(2).rstrip()))
        else:
            lines.append(Line(num, False, text.rstrip()))
    return lines


def split_indent(text):
    stripped = text.lstrip(" \t")
    indent = len(text) - len(stripped)
    return indent, stripped


class Ktap:
    """Nested KTAP parser: leaves (and failing frames) become results."""

    def __init__(self, report, prefix, root_indent=0, require_plan=False):
        self.report = report
        self.prefix = prefix
        self.require_plan = require_plan
        self.root = Frame(prefix, root_indent)
        self.stack = [self.root]
        self.pending_subtest = None

    def path(self, name):
        names = [f.name for f in self.stack] + [name]
        return "/".join(n for n in names if n)

    def feed(self, indent, text):
        m = SUBTEST.match(text)
        if m:
            self.pending_subtest = (indent, m.group(1).strip())
            return
        m = KTAP_PLAN.match(text)
        if m:
            self._plan(indent, int(m.group(1)), m.group(2) or "")
            return
        m = KTAP_RESULT.match(text)
        if m:
            self._result(indent, m.group(1) == "ok", m.group(3).strip(),
                         (m.group(4) or "").strip())

    def _open(self, indent):
        """Open a subtest frame for a line more indented than the top."""
        name = "?"
        if self.pending_subtest and self.pending_subtest[0] == indent:
            name = self.pending_subtest[1]
        self.pending_subtest = None
        self.stack.append(Frame(name, indent))

    def _plan(self, indent, n, directive):
        if indent > self.stack[-1].indent:
            self._open(indent)
        top = self.stack[-1]
        if indent == top.indent:
            top.plan = n
            if n == 0 and directive.upper().startswith("SKIP"):
                top.skip_all = directive[4:].strip() or "skipped"

    def _close(self, frame):
        """Check a finished frame's plan (the frame is off the stack, or
        is the root)."""
        name = self.prefix if frame is self.root else self.path(frame.name)
        if frame.plan is not None and frame.plan != frame.count:
            self.report.add(name + " (plan)", False,
                            reason="planned %d, got %d" %
                            (frame.plan, frame.count))
            return True
        return False

    def _result(self, indent, ok, name, directive):
        if indent > self.stack[-1].indent:
            self._open(indent)              # a subtest without a plan line
        # A result less indented than the open frame closes that frame.
        closed = None
        while len(self.stack) > 1 and indent < self.stack[-1].indent:
            closed = self.stack.pop()
            plan_bad = self._close(closed)
            if plan_bad:
                self.stack[-1].failed_child = True
            closed.failed_child |= plan_bad
        top = self.stack[-1]
        top.count += 1
        skip = directive.upper().startswith("SKIP")
        if skip:
            directive = directive[4:].strip()
        if not ok:
            top.failed_child = True
        if closed is not None and closed.failed_child:
            return      # its failing children were reported already
        if closed is not None and ok:
            return      # a passing frame: its children were counted
        self.report.add(self.path(name or "#%d" % top.count), ok, skip,
                        directive)

    def finish(self):
        """Close the root (and any frame left open by a crash)."""
        while len(self.stack) > 1:
            frame = self.stack.pop()
            self.report.add(self.path(frame.name), False,
                            reason="no result line (crash or timeout?)")
        if self.root.skip_all and self.root.count == 0:
            self.report.add(self.prefix, True, True, self.root.skip_all)
            return False
        if self.require_plan and self.root.plan is None:
            self.report.add(self.prefix + " (plan)", False,
                            reason="no plan line")
            return True
        return self._close(self.root)


def check_kunit(lines, report, required):
    """Boot-time KUnit KTAP in the kernel log."""
    seen = set()
    top = None
    for ln in lines:
        if not ln.kernel:
            continue
        indent, text = split_indent(ln.text)
        if indent == 0 and KTAP_HEADER.match(text):
            if top:
                top.finish()
            top = Ktap(report, "kunit")
            continue
        if top is None:
            continue
        if indent > 0 or KTAP_RESULT.match(text) or KTAP_PLAN.match(text):
            m = SUBTEST.match(text)
            if m and indent > 0:
                seen.add(m.group(1).strip())
            top.feed(indent, text)
    if top:
        top.finish()
    for suite in required:
        if suite not in seen:
            report.add("kunit/%s" % suite, False,
                       reason="suite did not run (CONFIG? built as module?)")


def check_lpae(lines, report, required):
    """io-pgtable-arm.c selftest: one case per pgsize_bitmap/IAS pair."""
    cases = []          # [name, failed]
    done = None
    for ln in lines:
        if not ln.kernel:
            continue
        if LPAE_FAIL.search(ln.text) and cases:
            cases[-1][1] = True
        if not ln.text.startswith(LPAE_PREFIX):
            continue
        rest = ln.text[len(LPAE_PREFIX):]
        m = LPAE_CASE.search(rest)
        if m:
            cases.append(["pgsize_bitmap %s IAS %s" % m.groups(), False])
            continue
        m = LPAE_DONE.search(rest)
        if m:
            done = (int(m.group(1)), int(m.group(2)))
        elif "failed" in rest and cases:
            cases[-1][1] = True
    prefix = "selftest/io-pgtable-lpae/"
    for name, failed in cases:
        report.add(prefix + name, not failed)
    if cases and done is None:
        report.add(prefix + "completed", False,
                   reason="no 'completed with' line (crash?)")
    elif done is not None:
        npass = sum(1 for _, failed in cases if not failed)
        consistent = done == (npass, len(cases) - npass) and done[1] == 0
        report.add(prefix + "completed", consistent,
                   reason="" if consistent else
                   "kernel says %d PASS %d FAIL, log shows %d cases" %
                   (done[0], done[1], len(cases)))
    elif required:
        report.add(prefix + "ran", False,
                   reason="no selftest lines (CONFIG_IOMMU_IO_PGTABLE_LPAE_"
                   "SELFTEST off?)")


def check_guest(lines, report):
    """Guest tests framed by /init's begin/end lines."""
    plan = None
    done = None
    ran = 0
    cur = None          # (name, Ktap)
    for ln in lines:
        if ln.kernel:
            continue
        text = ln.text
        m = DS_UP.match(text)
        if m:
            report.diag("boot to userspace: %.2fs (guest clock)" %
                        (int(m.group(1)) / 1000))
        m = DS_PLAN.match(text)
        if m:
            plan = int(m.group(1))
            continue
        m = DS_DONE.match(text)
        if m:
            done = tuple(int(x) for x in m.groups())
            continue
        m = DS_BEGIN.match(text)
        if m:
            if cur:
                _guest_end(report, cur, None, None)
            cur = (m.group(1),
                   Ktap(report, "guest/" + m.group(1), require_plan=True),
                   len(report.results))
            ran += 1
            continue
        m = DS_END.match(text)
        if m and cur and m.group(1) == cur[0]:
            _guest_end(report, cur, int(m.group(2)), m.group(3))
            cur = None
            continue
        if cur:
            indent, stripped = split_indent(text)
            cur[1].feed(indent, stripped)
    if cur:
        _guest_end(report, cur, None, None)
    return plan, done, ran


def _guest_end(report, cur, rc, ms):
    name, ktap, before = cur
    ktap.finish()
    new = report.results[before:]
    failed = any(not r.ok for r in new)
    if ms is not None:
        report.diag("guest test %s: %.2fs, exit %d" % (name, int(ms) / 1000,
                                                        rc))
    if rc is None:
        report.add("guest/%s" % name, False,
                   reason="no end line: the test or the VM died")
    elif not new:
        report.add("guest/%s" % name, False,
                   reason="exit %d with no KTAP results" % rc)
    elif rc not in (0, 4) and not failed:
        report.add("guest/%s (exit status)" % name, False,
                   reason="exit %d" % rc)
    elif rc == 0 and failed:
        report.diag("guest test %s exited 0 despite failures" % name)


def check_splats(lines, report, allow):
    hits = {name: [] for name, _ in SPLATS}
    for i, ln in enumerate(lines):
        if any(a.search(ln.text) for a in allow):
            continue
        for name, rx in SPLAT_RES:
            if ln.kernel:
                m = rx.search(ln.text)
            else:
                m = rx.match(ln.text)
            if m:
                hits[name].append(i)
                break
    for name, _ in SPLATS:
        idx = hits[name]
        if idx:
            first = lines[idx[0]]
            report.add("log/" + name, False,
                       reason="%d hit(s), first at line %d" %
                       (len(idx), first.num))
            for j in idx[:3]:
                report.diag("log:%d: %s" % (lines[j].num, lines[j].text))
            for ctx in lines[idx[0] + 1: idx[0] + 12]:
                report.diag("log:%d:   %s" % (ctx.num, ctx.text))
        else:
            report.add("log/" + name, True)


VM_FAIL = re.compile(r"^vm\.sh: (TIMEOUT|QEMU exited).*")


def check_vm(lines, report):
    """scripts/vm.sh appends a line when it had to kill QEMU, or QEMU
    failed."""
    for ln in lines:
        if not ln.kernel and VM_FAIL.match(ln.text):
            report.add("log/VM ran to completion", False, reason=ln.text)
            return
    report.add("log/VM ran to completion", True)


def check_markers(report, plan, done, ran):
    if done is None:
        report.add("log/end marker", False,
                   reason="no 'dirtyscope: END' line: timeout, crash or "
                   "panic before the tests finished")
    else:
        report.add("log/end marker", True)
    if plan is None:
        report.add("log/guest test plan", False, reason="no plan line")
    elif plan != ran or (done is not None and done[0] != ran):
        report.add("log/guest test plan", False,
                   reason="planned %d tests, %d ran" % (plan, ran))
    else:
        report.add("log/guest test plan", True)


def emit(report, quiet, out=sys.stdout):
    res = report.results
    print("TAP version 13", file=out)
    print("1..%d" % len(res), file=out)
    for i, r in enumerate(res, 1):
        line = "%s %d - %s" % ("ok" if r.ok else "not ok", i, r.name)
        if r.skip:
            line += " # SKIP %s" % r.reason if r.reason else " # SKIP"
        elif r.reason and not r.ok:
            line += " # %s" % r.reason
        print(line, file=out)
    if not quiet:
        for d in report.diags:
            print("# " + d, file=out)
    passed = sum(1 for r in res if r.ok and not r.skip)
    skipped = sum(1 for r in res if r.skip)
    failed = sum(1 for r in res if not r.ok)
    print("check-log: %d passed, %d failed, %d skipped" %
          (passed, failed, skipped), file=out)
    return failed


def check(path, require_kunit=(), require_lpae=False, allow=(), quiet=False,
          out=sys.stdout, require_banners=()):
    lines = read_lines(path)
    report = Report()
    allow_res = [re.compile(a) for a in allow]
    plan, done, ran = check_guest(lines, report)
    check_kunit(lines, report, require_kunit)
    check_lpae(lines, report, require_lpae)
    check_splats(lines, report, allow_res)
    check_banners(lines, report, require_banners)
    check_markers(report, plan, done, ran)
    check_vm(lines, report)
    return 1 if emit(report, quiet, out) else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--require-kunit", action="append", default=[],
                    metavar="SUITE", help="fail unless this suite ran")
    ap.add_argument("--require-lpae-selftest", action="store_true",
                    help="fail unless the io-pgtable LPAE selftest ran")
    ap.add_argument("--require-banner", action="append", default=[],
                    choices=sorted(BANNERS),
                    help="fail unless the boot log shows this checker live")
    ap.add_argument("--allow", action="append", default=[], metavar="REGEX",
                    help="ignore splat lines matching REGEX")
    ap.add_argument("--quiet", action="store_true", help="no diagnostics")
    args = ap.parse_args(argv)
    try:
        return check(args.log, args.require_kunit, args.require_lpae_selftest,
                     args.allow, args.quiet,
                     require_banners=args.require_banner)
    except OSError as e:
        print("check-log: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
