#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Strict checker for the OpenMetrics text dirtyscope writes (--prom).

Checks the subset of OpenMetrics 1.0 the tool uses, strictly:
  - UTF-8, every line ends in LF, the last line is "# EOF", no blank lines;
  - "# TYPE/# UNIT/# HELP" at most once per family and before its samples,
    a family appears once (its samples are contiguous), valid names,
    a UNIT is the suffix of the family name, HELP/label escapes are valid;
  - sample names are the family name plus the suffixes its type allows
    (counter: _total/_created, histogram: _bucket/_count/_sum/_created,
    gauge/unknown: none); every counter has a _total;
  - label names valid and unique, no "le" outside buckets, values are
    OpenMetrics numbers, counters and bucket counts are >= 0;
  - histograms: per label set the buckets have strictly increasing le,
    non-decreasing cumulative counts, end with le="+Inf", which equals
    _count; _sum and _count present; a label set is not split up;
  - no duplicate series.

With --dialect prometheus, the Prometheus text format 0.0.4 instead (what
node_exporter's textfile collector parses): no # UNIT, no # EOF, a counter
family is named like its sample (ending in _total), histogram suffixes
_bucket/_count/_sum; the other rules are the same.

Usage: om_check.py [--dialect openmetrics|prometheus] FILE
exit 0 when valid, 1 with the reason otherwise.
As a module: parse(text, dialect) -> {family: {"type", "unit", "help",
"samples": [(name, {labels}, value)]}}, raising OMError.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
TYPES = {"counter", "gauge", "histogram", "gaugehistogram", "stateset",
         "info", "summary", "unknown"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "unknown": ("",),
}
TEXT_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
TEXT_SUFFIXES = {
    "counter": ("",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
    "untyped": ("",),
}


class OMError(Exception):
    pass


def number(s, where):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    if not NUMBER.match(s):
        raise OMError("%s: not an OpenMetrics number: %r" % (where, s))
    return float(s)


def unescape(s, where, allow_quote):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                raise OMError("%s: dangling backslash" % where)
            n = s[i + 1]
            if n == "\\":
                out.append("\\")
            elif n == "n":
                out.append("\n")
            elif n == '"' and allow_quote:
                out.append('"')
            else:
                raise OMError("%s: invalid escape \\%s" % (where, n))
            i += 2
            continue
        if c == "\n" or (c == '"' and allow_quote):
            raise OMError("%s: unescaped %r" % (where, c))
        out.append(c)
        i += 1
    return "".join(out)


def parse_labels(s, where):
    """s is the text between the braces."""
    labels, i = {}, 0
    while i < len(s):
        m = re.match(r"([^=]*)=\"", s[i:])
        if not m or not LABEL.match(m.group(1)):
            raise OMError("%s: bad label at %r" % (where, s[i:]))
        name = m.group(1)
        j = i + m.end()
        k = j
        while k < len(s) and s[k] != '"':
            k += 2 if s[k] == "\\" else 1
        if k >= len(s):
            raise OMError("%s: unterminated label value" % where)
        if name in labels:
            raise OMError("%s: duplicate label %s" % (where, name))
        labels[name] = unescape(s[j:k], where, True)
        i = k + 1
        if i < len(s):
            if s[i] != ",":
                raise OMError("%s: expected ',' between labels" % where)
            i += 1
            if i == len(s):
                raise OMError("%s: trailing ',' in labels" % where)
    return labels


def split_sample(line, where):
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( \S+)?\Z", line)
    if not m:
        raise OMError("%s: malformed sample %r" % (where, line))
    labels = parse_labels(m.group(2)[1:-1], where) if m.group(2) else {}
    if m.group(2) == "{}":
        raise OMError("%s: empty label braces" % where)
    value = number(m.group(3), where)
    if m.group(4):
        number(m.group(4)[1:], where)
    return m.group(1), labels, value, m.group(3)


def parse(text, dialect="openmetrics"):
    om = dialect == "openmetrics"
    if dialect not in ("openmetrics", "prometheus"):
        raise OMError("unknown dialect %r" % dialect)
    types, suffixes = (TYPES, SUFFIXES) if om else (TEXT_TYPES, TEXT_SUFFIXES)
    try:
        text.encode("utf-8")
    except UnicodeError:
        raise OMError("not UTF-8")
    if not text.endswith("\n"):
        raise OMError("does not end with a newline")
    lines = text[:-1].split("\n")
    if om:
        if lines[-1] != "# EOF":
            raise OMError('last line is not "# EOF"')
        lines = lines[:-1]
    families, order, cur = {}, [], None
    series = set()
    for no, line in enumerate(lines, 1):
        where = "line %d" % no
        if line == "":
            raise OMError("%s: blank line" % where)
        if line == "# EOF":
            raise OMError("%s: # EOF %s" % (where, "before the end" if om else
                                             "in the text format"))
        if line.startswith("#"):
            m = re.match(r"# (TYPE|UNIT|HELP) ([^ ]+)(?: (.*))?\Z", line)
            if not m:
                raise OMError("%s: unknown comment/metadata %r" % (where, line))
            kind, name, rest = m.group(1), m.group(2), m.group(3)
            if not NAME.match(name):
                raise OMError("%s: bad family name %r" % (where, name))
            if name not in families:
                if name in order:
                    raise OMError("%s: family %s appears twice" % (where, name))
                families[name] = {"type": "unknown" if om else "untyped",
                                  "unit": None,
                                  "help": None, "samples": [], "_meta": set(),
                                  "_groups": [], "_closed": set()}
                order.append(name)
                cur = name
            elif cur != name:
                raise OMError("%s: family %s is not contiguous" % (where, name))
            fam = families[name]
            if fam["samples"]:
                raise OMError("%s: metadata after samples of %s" % (where, name))
            if kind in fam["_meta"]:
                raise OMError("%s: second %s for %s" % (where, kind, name))
            fam["_meta"].add(kind)
            if kind == "TYPE":
                if rest not in types:
                    raise OMError("%s: bad type %r" % (where, rest))
                if rest not in suffixes:
                    raise OMError("%s: type %s not used by dirtyscope" % (where, rest))
                if not om and rest == "counter" and not name.endswith("_total"):
                    raise OMError("%s: counter %s does not end in _total" % (where, name))
                fam["type"] = rest
            elif kind == "UNIT":
                if not om:
                    raise OMError("%s: # UNIT in the text format" % where)
                if not rest or not name.endswith("_" + rest):
                    raise OMError("%s: unit %r is not the suffix of %s" % (where, rest, name))
                fam["unit"] = rest
            else:
                fam["help"] = unescape(rest or "", where, False)
            continue
        name, labels, value, raw = split_sample(line, where)
        if cur is None:
            raise OMError("%s: sample before any family" % where)
        fam = families[cur]
        suffix = name[len(cur):] if name.startswith(cur) else None
        if suffix is None or suffix not in suffixes[fam["type"]]:
            raise OMError("%s: sample %s does not belong to %s family %s"
                          % (where, name, fam["type"], cur))
        if "le" in labels and suffix != "_bucket":
            raise OMError("%s: le label outside a bucket" % where)
        if fam["type"] == "counter" and suffix == ("_total" if om else ""):
            if math.isnan(value) or value < 0:
                raise OMError("%s: counter value %s is negative or NaN" % (where, raw))
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            raise OMError("%s: duplicate series %s%s" % (where, name, labels))
        series.add(key)
        group = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        if fam["_groups"] and fam["_groups"][-1] != group:
            fam["_closed"].add(fam["_groups"][-1])
        if group in fam["_closed"]:
            raise OMError("%s: samples of %s%s are not contiguous"
                          % (where, cur, dict(group)))
        if not fam["_groups"] or fam["_groups"][-1] != group:
            fam["_groups"].append(group)
        fam["samples"].append((name, labels, value))
    for name in order:
        fam = families[name]
        if fam["type"] == "counter" and om:
            check_counter(name, fam)
        elif fam["type"] == "histogram":
            check_histogram(name, fam)
        for k in ("_meta", "_groups", "_closed"):
            del fam[k]
    return families


def check_counter(name, fam):
    for group in fam["_groups"]:
        names = [s[0] for s in fam["samples"]
                 if tuple(sorted(s[1].items())) == group]
        if name + "_total" not in names:
            raise OMError("counter %s%s has no _total" % (name, dict(group)))


def check_histogram(name, fam):
    for group in fam["_groups"]:
        rows = [s for s in fam["samples"]
                if tuple(sorted((k, v) for k, v in s[1].items() if k != "le")) == group]
        buckets = [s for s in rows if s[0] == name + "_bucket"]
        where = "histogram %s%s" % (name, dict(group))
        if not buckets:
            raise OMError("%s: no buckets" % where)
        les = []
        for s in buckets:
            if "le" not in s[1]:
                raise OMError("%s: bucket without le" % where)
            les.append(number(s[1]["le"], where))
            if s[2] < 0 or s[2] != int(s[2]):
                raise OMError("%s: bucket count %r" % (where, s[2]))
        if any(b <= a for a, b in zip(les, les[1:])):
            raise OMError("%s: le not strictly increasing" % where)
        if les[-1] != math.inf:
            raise OMError('%s: no le="+Inf" bucket last' % where)
        counts = [s[2] for s in buckets]
        if any(b < a for a, b in zip(counts, counts[1:])):
            raise OMError("%s: bucket counts not cumulative" % where)
        total = [s[2] for s in rows if s[0] == name + "_count"]
        sums = [s[2] for s in rows if s[0] == name + "_sum"]
        if len(total) != 1 or len(sums) != 1:
            raise OMError("%s: needs exactly one _count and one _sum" % where)
        if total[0] != counts[-1]:
            raise OMError("%s: _count %s != +Inf bucket %s" % (where, total[0], counts[-1]))
        if sums[0] < 0 or math.isnan(sums[0]):
            raise OMError("%s: negative or NaN _sum" % where)
        # in order: buckets first, then _count/_sum in either order
        kinds = [s[0][len(name):] for s in rows]
        if kinds[:len(buckets)] != ["_bucket"] * len(buckets):
            raise OMError("%s: buckets not first" % where)


def main(argv):
    dialect = "openmetrics"
    if len(argv) == 4 and argv[1] == "--dialect":
        dialect = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) != 2:
        print("usage: om_check.py [--dialect openmetrics|prometheus] FILE",
              file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8", newline="") as f:
            parse(f.read(), dialect)
    except (OMError, OSError, UnicodeError) as e:
        print("om_check: %s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
